/** Artifact blobs through a Sextant server's native blob routes (/api/v1/blobs). */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { SextantError, sha256 } from "../../core/index.js";
import type { HttpClient } from "../remote/index.js";
import {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  checkHash,
  type PutStreamOptions,
  readChecked,
  readLocalFile,
  toBytes,
  verified,
  verifiedStream,
} from "./contract.js";

/** Artifact blobs kept by the server: uploaded under their hash, verified on the way down. */
export class HttpArtifactStore implements ArtifactStore {
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
  }

  /** The blob routes of the server requests go to now. */
  get uri(): string {
    return `${this.#client.baseUrl}/api/v1/blobs`;
  }

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = toBytes(data);
    const hash = sha256(bytes);
    if (!(await this.has(hash))) {
      await this.#client.request(`/blobs/${hash}`, { method: "PUT", body: bytes });
    }
    return { sha256: hash, size: bytes.byteLength };
  }

  async putFile(path: string): Promise<BlobRef> {
    return this.put(await readLocalFile(path));
  }

  /** Held in memory until its hash is known, then uploaded under it; nothing is sent when a check fails. */
  async putStream(source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<BlobRef> {
    return this.put(await readChecked(source, options));
  }

  async get(hash: string): Promise<Buffer> {
    checkHash(hash);
    return verified(hash, await this.#client.request<Buffer>(`/blobs/${hash}`, { binary: true }));
  }

  async getStream(hash: string): Promise<BlobStream> {
    checkHash(hash);
    const res = await this.#client.request<Response>(`/blobs/${hash}`, { stream: true });
    const size = Number(res.headers.get("content-length") ?? Number.NaN);
    if (!Number.isSafeInteger(size)) {
      await res.body?.cancel();
      throw new SextantError(
        "INTERNAL",
        `the server at ${this.#client.baseUrl} sent blob ${hash} without its size`,
        {
          sha256: hash,
        },
      );
    }
    const body = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : [];
    return { size, stream: verifiedStream(hash, size, body, this.uri) };
  }

  async has(hash: string): Promise<boolean> {
    const res = await this.#client.request<string | null>(`/blobs/${hash}`, {
      method: "HEAD",
      allow404: true,
    });
    return res !== null;
  }
}
