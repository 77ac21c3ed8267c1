/**
 * Binary chunks of one metric series: `n` points of (step, timestamp, value), little-endian.
 *
 * Layout: an 8-byte header — u8 format version, u8 step mode, u8 timestamp mode, u8 reserved,
 * u32 point count — then the step section, the timestamp section and the values (f64 each).
 *   step mode 0: f64[n] explicit;  1: arithmetic, f64 start + f64 stride
 *   time mode 0: f64[n] explicit;  1: f64 base + i32[n] offsets (padded to 8 bytes);
 *             2: run-length, f64 base + u32 run count + (i32 offset, u32 length)[runs] (padded)
 * Values are stored bit-exact, so NaN and ±Infinity come back as they went in.
 */
import { SextantError } from "../../core/index.js";

const FORMAT = 1;
const HEADER = 8;

export interface SeriesColumns {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface SeriesStats {
  n: number;
  minStep: number;
  maxStep: number;
  /** Index of the point that is "latest": the largest step, the later point on ties. */
  lastIndex: number;
  /** min and max over non-NaN values; null when every value is NaN. */
  min: number | null;
  max: number | null;
}

export function seriesStats(s: SeriesColumns, n = s.values.length): SeriesStats {
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  let lastIndex = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let seen = false;
  const { steps, values } = s;
  for (let i = 0; i < n; i++) {
    const st = steps[i]!;
    if (st < minStep) minStep = st;
    if (st >= maxStep) {
      maxStep = st;
      lastIndex = i;
    }
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      seen = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { n, minStep, maxStep, lastIndex, min: seen ? min : null, max: seen ? max : null };
}

function pad8(x: number): number {
  return (x + 7) & ~7;
}

/** Encodes the first `n` points of `s` (n > 0). */
export function encodeChunk(s: SeriesColumns, n = s.values.length): Buffer {
  const { steps, timestamps, values } = s;
  // steps: arithmetic progression?
  let stepMode = 1;
  const stride = n > 1 ? steps[1]! - steps[0]! : 0;
  for (let i = 2; i < n; i++) {
    if (steps[i]! - steps[i - 1]! !== stride) {
      stepMode = 0;
      break;
    }
  }
  // timestamps: count runs and check the offset range
  const base = timestamps[0]!;
  let runs = 1;
  let fitsI32 = true;
  for (let i = 0; i < n; i++) {
    const d = timestamps[i]! - base;
    if (d > 2147483647 || d < -2147483648) {
      fitsI32 = false;
      break;
    }
    if (i > 0 && timestamps[i] !== timestamps[i - 1]) runs++;
  }
  let timeMode = 0;
  let timeBytes = 8 * n;
  if (fitsI32) {
    const offsetBytes = 8 + pad8(4 * n);
    const rleBytes = 8 + pad8(4 + 8 * runs);
    if (rleBytes < offsetBytes) {
      timeMode = 2;
      timeBytes = rleBytes;
    } else {
      timeMode = 1;
      timeBytes = offsetBytes;
    }
  }
  const stepBytes = stepMode === 1 ? 16 : 8 * n;
  const out = Buffer.allocUnsafe(HEADER + stepBytes + timeBytes + 8 * n);
  out.fill(0, 0, HEADER);
  out[0] = FORMAT;
  out[1] = stepMode;
  out[2] = timeMode;
  out.writeUInt32LE(n, 4);
  let o = HEADER;
  if (stepMode === 1) {
    out.writeDoubleLE(steps[0]!, o);
    out.writeDoubleLE(stride, o + 8);
    o += 16;
  } else {
    o = copyF64(out, o, steps, n);
  }
  if (timeMode === 0) {
    o = copyF64(out, o, timestamps, n);
  } else if (timeMode === 1) {
    out.writeDoubleLE(base, o);
    o += 8;
    const offs = new Int32Array(n);
    for (let i = 0; i < n; i++) offs[i] = timestamps[i]! - base;
    out.set(new Uint8Array(offs.buffer, 0, 4 * n), o);
    const end = o + pad8(4 * n);
    out.fill(0, o + 4 * n, end);
    o = end;
  } else {
    out.writeDoubleLE(base, o);
    o += 8;
    const start = o;
    out.writeUInt32LE(runs, o);
    o += 4;
    let i = 0;
    while (i < n) {
      const t = timestamps[i]!;
      let j = i + 1;
      while (j < n && timestamps[j] === t) j++;
      out.writeInt32LE(t - base, o);
      out.writeUInt32LE(j - i, o + 4);
      o += 8;
      i = j;
    }
    const end = start + pad8(4 + 8 * runs);
    out.fill(0, o, end);
    o = end;
  }
  o = copyF64(out, o, values, n);
  return out;
}

function copyF64(out: Buffer, o: number, src: Float64Array, n: number): number {
  out.set(new Uint8Array(src.buffer, src.byteOffset, 8 * n), o);
  return o + 8 * n;
}

function readF64(buf: Uint8Array, o: number, n: number, into: Float64Array, at: number): void {
  new Uint8Array(into.buffer, into.byteOffset + 8 * at, 8 * n).set(buf.subarray(o, o + 8 * n));
}

/** Number of points in an encoded chunk, read from its header. */
export function chunkLength(buf: Uint8Array): number {
  checkHeader(buf);
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true);
}

function checkHeader(buf: Uint8Array): void {
  if (buf.byteLength < HEADER || buf[0] !== FORMAT) {
    throw new SextantError("INTERNAL", `metric chunk has an unknown format (${buf[0]})`);
  }
}

/** Decodes a chunk into `into` starting at point offset `at`; returns the number of points written. */
export function decodeChunkInto(buf: Uint8Array, into: SeriesColumns, at: number): number {
  checkHeader(buf);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(4, true);
  const stepMode = buf[1];
  const timeMode = buf[2];
  let o = HEADER;
  if (stepMode === 1) {
    const s0 = dv.getFloat64(o, true);
    const stride = dv.getFloat64(o + 8, true);
    const steps = into.steps;
    for (let i = 0; i < n; i++) steps[at + i] = s0 + i * stride;
    o += 16;
  } else {
    readF64(buf, o, n, into.steps, at);
    o += 8 * n;
  }
  const ts = into.timestamps;
  if (timeMode === 0) {
    readF64(buf, o, n, ts, at);
    o += 8 * n;
  } else if (timeMode === 1) {
    const base = dv.getFloat64(o, true);
    o += 8;
    for (let i = 0; i < n; i++) ts[at + i] = base + dv.getInt32(o + 4 * i, true);
    o += pad8(4 * n);
  } else {
    const base = dv.getFloat64(o, true);
    o += 8;
    const start = o;
    const runs = dv.getUint32(o, true);
    o += 4;
    let k = at;
    for (let r = 0; r < runs; r++) {
      const t = base + dv.getInt32(o, true);
      const len = dv.getUint32(o + 4, true);
      ts.fill(t, k, k + len);
      k += len;
      o += 8;
    }
    o = start + pad8(4 + 8 * runs);
  }
  readF64(buf, o, n, into.values, at);
  return n;
}

/** Decodes chunks (in order) into one series; points are sorted by step, stable for equal steps. */
export function decodeSeries(chunks: readonly Uint8Array[]): SeriesColumns {
  let total = 0;
  for (const c of chunks) total += chunkLength(c);
  const out: SeriesColumns = {
    steps: new Float64Array(total),
    timestamps: new Float64Array(total),
    values: new Float64Array(total),
  };
  let at = 0;
  for (const c of chunks) at += decodeChunkInto(c, out, at);
  return sortByStep(out);
}

/** Stable sort of a series by step; returns the input when it is already in order. */
export function sortByStep(s: SeriesColumns): SeriesColumns {
  const { steps } = s;
  const n = steps.length;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (steps[i]! < steps[i - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return s;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const order = Array.from(idx).sort((a, b) => steps[a]! - steps[b]! || a - b);
  const out: SeriesColumns = {
    steps: new Float64Array(n),
    timestamps: new Float64Array(n),
    values: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    out.steps[i] = steps[j]!;
    out.timestamps[i] = s.timestamps[j]!;
    out.values[i] = s.values[j]!;
  }
  return out;
}
