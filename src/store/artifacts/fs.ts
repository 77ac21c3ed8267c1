/** Blobs as files on a filesystem. */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { sha256 } from "../../core/index.js";
import {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  blobNotFound,
  checkExpected,
  checkHash,
  hashing,
  localFileStream,
  type PutStreamOptions,
  toBytes,
  verified,
  verifiedStream,
} from "./contract.js";

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
    const bytes = toBytes(data);
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
    return this.putStream(await localFileStream(path));
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
      throw blobNotFound(hash, this.uri);
    }
    return verified(hash, bytes);
  }

  async getStream(hash: string): Promise<BlobStream> {
    checkHash(hash);
    const path = this.#path(hash);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw blobNotFound(hash, this.uri);
    }
    return { size, stream: verifiedStream(hash, size, createReadStream(path), this.uri) };
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
