/**
 * Metric batches as the runs HTTP client and the server exchange them, encoded once for both
 * sides: a binary frame in which steps, timestamps and values stay bit-exact, NaN included. (The
 * JSON answers are parsed with the API shapes, src/api.)
 */
import { SextantError } from "../../core/index.js";
import type { LogBatchInput, MetricSeriesInput } from "./contract.js";
import { chunkLength, decodeChunkInto, encodeChunk } from "./metric-codec.js";

export const BATCH_CONTENT_TYPE = "application/x-sextant-batch";
const MAGIC = 0x31425853; // "SXB1" little-endian

export interface BatchHeader {
  idempotencyKey?: string;
  /** Record a heartbeat with the batch, stamped by the server's clock. */
  heartbeat?: boolean;
  params?: Array<{ key: string; value: string }>;
  tags?: Array<{ key: string; value: string }>;
  /** One entry per encoded series that follows the header, in order, with its byte length. */
  metrics?: Array<{ key: string; bytes: number }>;
}

/** Frame: u32 magic, u32 header length, header JSON, then each series as one metric chunk. */
export function encodeBatch(batch: LogBatchInput): Buffer {
  const chunks = (batch.metrics ?? [])
    .filter((m) => m.values.length > 0)
    .map((m) => ({ key: m.key, data: encodeChunk(m) }));
  const header: BatchHeader = {
    ...(batch.idempotencyKey === undefined ? {} : { idempotencyKey: batch.idempotencyKey }),
    ...(batch.heartbeatAt === undefined ? {} : { heartbeat: true }),
    ...(batch.params?.length ? { params: batch.params } : {}),
    ...(batch.tags?.length ? { tags: batch.tags } : {}),
    metrics: chunks.map((c) => ({ key: c.key, bytes: c.data.length })),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const head = Buffer.alloc(8);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(json.length, 4);
  return Buffer.concat([head, json, ...chunks.map((c) => c.data)]);
}

function malformed(message: string): SextantError {
  return new SextantError("MALFORMED_REQUEST", `malformed batch: ${message}`);
}

/** Splits a frame into its header and decoded series. @throws MALFORMED_REQUEST */
export function decodeBatch(buf: Uint8Array): { header: BatchHeader; metrics: MetricSeriesInput[] } {
  if (buf.byteLength < 8) throw malformed("shorter than its 8-byte prefix");
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw malformed("wrong magic number");
  const len = dv.getUint32(4, true);
  if (8 + len > buf.byteLength) throw malformed("header runs past the end");
  let header: BatchHeader;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, len).toString("utf8")) as BatchHeader;
  } catch {
    throw malformed("header is not JSON");
  }
  if (header === null || typeof header !== "object") throw malformed("header is not an object");
  const metrics: MetricSeriesInput[] = [];
  let at = 8 + len;
  for (const m of Array.isArray(header.metrics) ? header.metrics : []) {
    if (
      typeof m?.key !== "string" ||
      !Number.isSafeInteger(m.bytes) ||
      m.bytes < 8 ||
      at + m.bytes > buf.byteLength
    ) {
      throw malformed("a series entry is invalid or runs past the end");
    }
    const chunk = buf.subarray(at, at + m.bytes);
    let n: number;
    try {
      n = chunkLength(chunk);
    } catch {
      throw malformed(`series '${m.key}' has an unknown encoding`);
    }
    const s: MetricSeriesInput = {
      key: m.key,
      steps: new Float64Array(n),
      timestamps: new Float64Array(n),
      values: new Float64Array(n),
    };
    try {
      decodeChunkInto(chunk, s, 0);
    } catch {
      throw malformed(`series '${m.key}' is truncated`);
    }
    metrics.push(s);
    at += m.bytes;
  }
  if (at !== buf.byteLength) throw malformed("bytes left over after the last series");
  return { header, metrics };
}
