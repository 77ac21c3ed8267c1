/**
 * Numbers in JSON: NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity" (as
 * protobuf's JSON mapping writes them, so MLflow clients read them too). Used on the wire and for
 * JSON columns in the database.
 */
import { SextantError } from "./errors.js";

/** A number as JSON can carry it. */
export function toWireNumber(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
}

/** A number from JSON, accepting the three spelled-out non-finite values. */
export function fromWireNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new SextantError("MALFORMED_REQUEST", `expected a number, got ${JSON.stringify(v)}`);
}

/** JSON.stringify replacer writing non-finite numbers as strings. */
export function wireReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? toWireNumber(value) : value;
}
