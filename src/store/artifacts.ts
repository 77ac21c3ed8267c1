/**
 * Content-addressed artifact blobs. A blob is stored once under its sha256 and never changes;
 * runs point at blobs through the store's path index. Every read verifies the hash.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { access, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { SextantError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";

export interface BlobRef {
  sha256: string;
  size: number;
}

export interface PutStreamOptions {
  maxBytes?: number;
  expectedSha256?: string;
}

/** Passes chunks through while hashing and counting them; throws past `maxBytes`. */
function hashing(h: ReturnType<typeof createHash>, count: { size: number }, maxBytes: number) {
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

function checkExpected(expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new SextantError("INVALID_ARGUMENT", `the uploaded bytes hash to ${actual}, not ${expected}`, {
      expected,
      actual,
    });
  }
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
  has(hash: string): Promise<boolean>;
}

function checkHash(hash: string): void {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new SextantError("INVALID_ARGUMENT", `not a sha256 hex digest: '${hash}'`, { hash });
  }
}

function corrupt(hash: string, actual: string): SextantError {
  return new SextantError(
    "ARTIFACT_CORRUPT",
    `blob ${hash} is corrupt: its bytes hash to ${actual}; it must be restored from a backup`,
    { expected: hash, actual },
  );
}

/** Blobs as files under `root/sha256/ab/cd/<hash>`, written to a temp file and renamed into place. */
export class FsArtifactStore implements ArtifactStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = root;
    this.uri = `file://${root}`;
  }

  #path(hash: string): string {
    return join(this.root, "sha256", hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async #tmp(): Promise<string> {
    const dir = join(this.root, "tmp");
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomBytes(8).toString("hex")}`);
  }

  async #commit(tmp: string, hash: string): Promise<void> {
    const dest = this.#path(hash);
    if (await this.has(hash)) {
      await rm(tmp, { force: true });
      return;
    }
    await mkdir(join(dest, ".."), { recursive: true });
    await rename(tmp, dest);
  }

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const hash = sha256(bytes);
    if (!(await this.has(hash))) {
      const tmp = await this.#tmp();
      try {
        await pipeline(
          (async function* () {
            yield bytes;
          })(),
          createWriteStream(tmp),
        );
        await this.#commit(tmp, hash);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    }
    return { sha256: hash, size: bytes.byteLength };
  }

  async putFile(path: string): Promise<BlobRef> {
    try {
      await access(path);
    } catch {
      throw new SextantError("FILE_NOT_FOUND", `no file at '${path}'`, { path });
    }
    return this.putStream(createReadStream(path));
  }

  async putStream(source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<BlobRef> {
    const tmp = await this.#tmp();
    const h = createHash("sha256");
    const count = { size: 0 };
    try {
      await pipeline(
        source,
        hashing(h, count, options.maxBytes ?? Number.POSITIVE_INFINITY),
        createWriteStream(tmp),
      );
      const hash = h.digest("hex");
      checkExpected(options.expectedSha256, hash);
      await this.#commit(tmp, hash);
      return { sha256: hash, size: count.size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(hash: string): Promise<Buffer> {
    checkHash(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(hash));
    } catch {
      throw new SextantError("ARTIFACT_NOT_FOUND", `blob ${hash} is missing from ${this.uri}`, {
        sha256: hash,
      });
    }
    const actual = sha256(bytes);
    if (actual !== hash) throw corrupt(hash, actual);
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    try {
      await stat(this.#path(hash));
      return true;
    } catch {
      return false;
    }
  }
}

/** Blobs in memory, for `:memory:` stores and tests. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly uri = "memory:";
  readonly #blobs = new Map<string, Buffer>();

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = Buffer.from(typeof data === "string" ? Buffer.from(data, "utf8") : data);
    const hash = sha256(bytes);
    if (!this.#blobs.has(hash)) this.#blobs.set(hash, bytes);
    return { sha256: hash, size: bytes.byteLength };
  }

  async putFile(path: string): Promise<BlobRef> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new SextantError("FILE_NOT_FOUND", `no file at '${path}'`, { path });
    }
    return this.put(bytes);
  }

  async putStream(source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<BlobRef> {
    const parts: Uint8Array[] = [];
    const h = createHash("sha256");
    const count = { size: 0 };
    for await (const chunk of hashing(h, count, options.maxBytes ?? Number.POSITIVE_INFINITY)(source))
      parts.push(chunk);
    checkExpected(options.expectedSha256, h.digest("hex"));
    return this.put(Buffer.concat(parts));
  }

  async get(hash: string): Promise<Buffer> {
    checkHash(hash);
    const bytes = this.#blobs.get(hash);
    if (!bytes)
      throw new SextantError("ARTIFACT_NOT_FOUND", `blob ${hash} is missing from memory`, { sha256: hash });
    const actual = sha256(bytes);
    if (actual !== hash) throw corrupt(hash, actual);
    return Buffer.from(bytes);
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    return this.#blobs.has(hash);
  }
}
