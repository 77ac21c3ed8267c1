/** Blobs in memory, for `:memory:` stores and tests. */
import { sha256 } from "../../core/index.js";
import {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  blobNotFound,
  checkHash,
  type PutStreamOptions,
  readChecked,
  readLocalFile,
  toBytes,
  verified,
  verifiedStream,
} from "./contract.js";

/** Blobs in memory, for `:memory:` stores and tests. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly uri = "memory:";
  readonly #blobs = new Map<string, Buffer>();

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = Buffer.from(toBytes(data));
    const hash = sha256(bytes);
    if (!this.#blobs.has(hash)) this.#blobs.set(hash, bytes);
    return { sha256: hash, size: bytes.byteLength };
  }

  async putFile(path: string): Promise<BlobRef> {
    return this.put(await readLocalFile(path));
  }

  async putStream(source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<BlobRef> {
    return this.put(await readChecked(source, options));
  }

  #stored(hash: string): Buffer {
    checkHash(hash);
    const bytes = this.#blobs.get(hash);
    if (!bytes) throw blobNotFound(hash, "memory");
    return bytes;
  }

  async get(hash: string): Promise<Buffer> {
    return Buffer.from(verified(hash, this.#stored(hash)));
  }

  async getStream(hash: string): Promise<BlobStream> {
    const bytes = this.#stored(hash);
    return {
      size: bytes.byteLength,
      stream: verifiedStream(hash, bytes.byteLength, [Buffer.from(bytes)], this.uri),
    };
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    return this.#blobs.has(hash);
  }
}
