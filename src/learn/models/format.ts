/**
 * The versioned JSON model format's building blocks: the header every kind writes and checks,
 * and typed arrays stored bit-exactly as little-endian base64 (so NaN, ±Infinity and -0 survive
 * and a forest of deep trees stays compact).
 */
import { SextantError } from "../../core/index.js";
import type { ModelJSON } from "./types.js";

export const FORMAT = "sextant-model";

/** A typed array in the JSON format. */
export interface EncodedArray {
  dtype: "f64" | "i32" | "u8";
  b64: string;
}

type Encodable = Float64Array | Int32Array | Uint8Array;

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(a: Encodable, width: number): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE || width === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width)
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k]!;
  return out;
}

export function encodeArray(a: Encodable): EncodedArray {
  const dtype = a instanceof Float64Array ? "f64" : a instanceof Int32Array ? "i32" : "u8";
  return { dtype, b64: Buffer.from(bytesOf(a, a.BYTES_PER_ELEMENT)).toString("base64") };
}

function decodeBytes(e: unknown, dtype: EncodedArray["dtype"], what: string): Uint8Array {
  const enc = e as EncodedArray;
  if (typeof enc !== "object" || enc === null || enc.dtype !== dtype || typeof enc.b64 !== "string") {
    throw new SextantError("INVALID_ARGUMENT", `model state ${what} is not an encoded ${dtype} array`);
  }
  const buf = Buffer.from(enc.b64, "base64");
  const width = dtype === "f64" ? 8 : dtype === "i32" ? 4 : 1;
  if (buf.length % width !== 0) {
    throw new SextantError("INVALID_ARGUMENT", `model state ${what} has a truncated ${dtype} array`);
  }
  const out = new Uint8Array(buf.length); // aligned copy
  if (LITTLE || width === 1) out.set(buf);
  else
    for (let i = 0; i < buf.length; i += width)
      for (let k = 0; k < width; k++) out[i + k] = buf[i + width - 1 - k]!;
  return out;
}

export function decodeF64(e: unknown, what: string): Float64Array {
  const b = decodeBytes(e, "f64", what);
  return new Float64Array(b.buffer, 0, b.length / 8);
}

export function decodeI32(e: unknown, what: string): Int32Array {
  const b = decodeBytes(e, "i32", what);
  return new Int32Array(b.buffer, 0, b.length / 4);
}

export function decodeU8(e: unknown, what: string): Uint8Array {
  return decodeBytes(e, "u8", what);
}

/** Parses (if a string) and checks the header of a stored model. */
export function readHeader(
  json: ModelJSON | string,
  kind: string | null,
  versions: readonly number[],
): ModelJSON {
  let m: ModelJSON;
  if (typeof json === "string") {
    try {
      m = JSON.parse(json) as ModelJSON;
    } catch (e) {
      throw new SextantError("INVALID_ARGUMENT", "the model JSON does not parse", {}, { cause: e });
    }
  } else m = json;
  if (typeof m !== "object" || m === null || m.format !== FORMAT) {
    throw new SextantError("INVALID_ARGUMENT", `not a Sextant model (format must be "${FORMAT}")`);
  }
  if (kind !== null && m.kind !== kind) {
    throw new SextantError("INVALID_ARGUMENT", `this is a "${String(m.kind)}" model, not a "${kind}" model`, {
      kind: m.kind,
    });
  }
  if (!versions.includes(m.version)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${String(m.kind)} model format version ${String(m.version)} is not supported (this Sextant reads ${versions.join(", ")}); upgrade Sextant`,
      { kind: m.kind, version: m.version },
    );
  }
  if (
    m.featureNames !== null &&
    !(Array.isArray(m.featureNames) && m.featureNames.every((n) => typeof n === "string"))
  ) {
    throw new SextantError("INVALID_ARGUMENT", "model featureNames must be null or an array of strings");
  }
  if (typeof m.params !== "object" || m.params === null || typeof m.state !== "object" || m.state === null) {
    throw new SextantError("INVALID_ARGUMENT", "model JSON lacks params or state");
  }
  return m;
}

/** A field of a stored state object, checked to be a number. */
export function num(state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (typeof v !== "number")
    throw new SextantError("INVALID_ARGUMENT", `model state.${key} must be a number`);
  return v;
}
