/**
 * What every API shape is built from. Shapes are zod schemas of the JSON on the wire that parse
 * into the objects the code works with: a client parses an answer with them, the server declares
 * them as its routes' request and response schemas (and the OpenAPI document shows their wire
 * side), and the TypeScript types are inferred from them — one definition per API object.
 */
import { z } from "zod";

/**
 * Numbers in JSON: NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity" (as
 * protobuf's JSON mapping writes them, so MLflow clients read them too). Used on the wire and for
 * JSON columns in the database.
 */
export type WireNumber = number | "NaN" | "Infinity" | "-Infinity";

/** A number as JSON can carry it. */
export function toWireNumber(n: number): WireNumber {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
}

/** A number from its JSON form. */
export function fromWireNumber(v: WireNumber): number {
  if (typeof v === "number") return v;
  return v === "NaN" ? Number.NaN : v === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** JSON.stringify replacer writing non-finite numbers as strings. */
export function wireReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? toWireNumber(value) : value;
}

/** A number as JSON carries it: finite, or one of the strings for NaN and ±Infinity. */
export const wireNumberIn = z.union([
  z.number(),
  z.literal("NaN"),
  z.literal("Infinity"),
  z.literal("-Infinity"),
]);

/** A number on the wire, parsed into a JS number (NaN and ±Infinity included). */
export const wireNumber = wireNumberIn.transform(fromWireNumber);

export const stringMap = z.record(z.string(), z.string());
export const jsonObject = z.record(z.string(), z.unknown());
/** Epoch milliseconds. */
export const millis = z.number();

/** The one error body of every route (MLflow's `error_code` beside Sextant's stable `code`). */
export const ErrorBody = z.object({
  error_code: z.string(),
  message: z.string(),
  code: z.string(),
  details: jsonObject.optional(),
});
export type ErrorBody = z.output<typeof ErrorBody>;

/** An answer with nothing in it. */
export const Empty = z.object({});
