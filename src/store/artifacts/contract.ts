/**
 * Content-addressed artifact blobs: the contract and the checks every implementation shares. A
 * blob is stored once under its sha256 and never changes; runs point at blobs through the runs
 * aggregate's path index. Every read verifies the hash. Implemented on a filesystem (fs.ts), in
 * memory (memory.ts), in S3-compatible object storage (s3.ts) and through a server (http.ts); the
 * conformance suite in testing/ runs on all of them.
 */
import { createHash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { SextantError, sha256 } from "../../core/index.js";

export interface BlobRef {
  sha256: string;
  size: number;
}

export interface PutStreamOptions {
  maxBytes?: number;
  expectedSha256?: string;
}

/**
 * Blobs up to this size may be held in memory whole: one PutObject, a verified read before a
 * response starts. Larger ones are streamed.
 */
export const SMALL_BLOB_BYTES = 8 * 2 ** 20;

/** A blob being read: its recorded size and its bytes, verified as they stream. */
export interface BlobStream {
  size: number;
  /**
   * Yields exactly `size` bytes that hash to the blob's hash, or fails with ARTIFACT_CORRUPT. The
   * last chunk is held back until the hash is checked, so a reader of a corrupt blob never gets
   * all of its bytes.
   */
  stream: Readable;
}

/** Passes chunks through while hashing and counting them; throws past `maxBytes`. */
export function hashing(h: ReturnType<typeof createHash>, count: { size: number }, maxBytes: number) {
  return async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      count.size += chunk.byteLength;
      if (count.size > maxBytes) {
        throw new SextantError("REQUEST_TOO_LARGE", `the upload is over its limit of ${maxBytes} bytes`, {
          maxBytes,
        });
      }
      h.update(chunk);
      yield chunk;
    }
  };
}

/** @throws INVALID_ARGUMENT when `expected` is given and differs from `actual` */
export function checkExpected(expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new SextantError("INVALID_ARGUMENT", `the uploaded bytes hash to ${actual}, not ${expected}`, {
      expected,
      actual,
    });
  }
}

/** @throws INVALID_ARGUMENT unless `hash` is a lowercase sha256 hex digest */
export function checkHash(hash: string): void {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new SextantError("INVALID_ARGUMENT", `not a sha256 hex digest: '${hash}'`, { hash });
  }
}

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

export function blobNotFound(hash: string, where: string): SextantError {
  return new SextantError("ARTIFACT_NOT_FOUND", `blob ${hash} is missing from ${where}`, { sha256: hash });
}

function corrupt(hash: string, actual: string): SextantError {
  return new SextantError(
    "ARTIFACT_CORRUPT",
    `blob ${hash} is corrupt: its bytes hash to ${actual}; it must be restored from a backup`,
    { expected: hash, actual },
  );
}

/** The error for a blob whose stored size is not the size recorded for it (a truncated object, say). */
export function wrongSize(hash: string, expected: number, actual: number): SextantError {
  return new SextantError(
    "ARTIFACT_CORRUPT",
    `blob ${hash} is corrupt: ${actual} bytes are stored where ${expected} were written; it must be restored from a backup`,
    { sha256: hash, expectedSize: expected, actualSize: actual },
  );
}

/** `bytes`, once they hash to `hash`. @throws ARTIFACT_CORRUPT */
export function verified(hash: string, bytes: Buffer): Buffer {
  const actual = sha256(bytes);
  if (actual !== hash) throw corrupt(hash, actual);
  return bytes;
}

/**
 * `source` as a stream that hashes and counts its bytes and fails with ARTIFACT_CORRUPT when they
 * are not `size` bytes hashing to `hash`. One chunk is held back until the end, so a consumer of a
 * corrupt blob never receives all of it. A failure of the source itself becomes STORE_UNAVAILABLE.
 */
export function verifiedStream(
  hash: string,
  size: number,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  where: string,
): Readable {
  async function* verify() {
    const h = createHash("sha256");
    let count = 0;
    let held: Uint8Array | null = null;
    try {
      for await (const chunk of source) {
        count += chunk.byteLength;
        if (count > size) throw wrongSize(hash, size, count);
        h.update(chunk);
        if (held) yield held;
        held = chunk;
      }
    } catch (e) {
      if (e instanceof SextantError) throw e;
      throw new SextantError(
        "STORE_UNAVAILABLE",
        `reading blob ${hash} from ${where} failed after ${count} bytes: ${(e as Error).message}`,
        { sha256: hash },
        { cause: e },
      );
    }
    if (count !== size) throw wrongSize(hash, size, count);
    const actual = h.digest("hex");
    if (actual !== hash) throw corrupt(hash, actual);
    if (held) yield held;
  }
  return Readable.from(verify(), { objectMode: false });
}

/**
 * A stream's bytes, held in memory, once they pass `putStream`'s checks: REQUEST_TOO_LARGE past
 * `maxBytes` (stops reading there), INVALID_ARGUMENT when they do not hash to `expectedSha256`.
 */
export async function readChecked(
  source: AsyncIterable<Uint8Array>,
  options: PutStreamOptions = {},
): Promise<Buffer> {
  const h = createHash("sha256");
  const bytes = await readAll(hashing(h, { size: 0 }, options.maxBytes ?? Number.POSITIVE_INFINITY)(source));
  checkExpected(options.expectedSha256, h.digest("hex"));
  return bytes;
}

/** A local file's bytes, streamed. @throws FILE_NOT_FOUND */
export async function localFileStream(path: string): Promise<ReadStream> {
  try {
    await access(path);
  } catch {
    throw new SextantError("FILE_NOT_FOUND", `no file at '${path}'`, { path });
  }
  return createReadStream(path);
}

/** A local file's bytes. @throws FILE_NOT_FOUND */
export async function readLocalFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new SextantError("FILE_NOT_FOUND", `no file at '${path}'`, { path });
  }
}

/** Every byte of a stream. */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

export interface ArtifactStore {
  /** Where blobs live, for display. */
  readonly uri: string;
  /** Stores bytes; returns their hash. Storing the same bytes twice is a no-op. */
  put(data: Uint8Array | string): Promise<BlobRef>;
  /** Stores a local file's bytes, streamed. */
  putFile(path: string): Promise<BlobRef>;
  /**
   * Stores a stream's bytes. @throws REQUEST_TOO_LARGE past `maxBytes`; INVALID_ARGUMENT when
   * `expectedSha256` is given and the bytes hash to something else (nothing is stored then).
   */
  putStream(source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<BlobRef>;
  /** The bytes stored under `hash`. @throws ARTIFACT_NOT_FOUND, ARTIFACT_CORRUPT */
  get(hash: string): Promise<Buffer>;
  /**
   * The bytes stored under `hash`, streamed and verified as they go (see BlobStream): the stream
   * fails with ARTIFACT_CORRUPT at the end when they do not match. @throws ARTIFACT_NOT_FOUND
   * before any byte is read; ARTIFACT_CORRUPT when the stored size is known to be wrong up front
   */
  getStream(hash: string): Promise<BlobStream>;
  has(hash: string): Promise<boolean>;
}
