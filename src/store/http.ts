/**
 * The HTTP store: every aggregate over one Sextant server's native API (/api/v1), through one
 * transport (remote/). The registry is reached through the server's registry service instead
 * (registry/http.ts), so policies and scopes are checked where the data is.
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { SextantError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
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
} from "./artifacts.js";
import type { Store } from "./contract.js";
import { HttpEvaluationStore } from "./evaluations/index.js";
import { HttpClient, type HttpStoreOptions, reachable } from "./remote/index.js";
import { HttpRunStore } from "./runs/index.js";
import { HttpStudyStorage } from "./studies/index.js";
import { HttpTokenStore } from "./tokens/index.js";

export class HttpStore implements Store {
  readonly kind = "http" as const;
  readonly client: HttpClient;
  readonly runs: HttpRunStore;
  readonly studies: HttpStudyStorage;
  readonly evaluations: HttpEvaluationStore;
  readonly tokens: HttpTokenStore;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    this.client = new HttpClient(baseUrl, options);
    this.runs = new HttpRunStore(this.client);
    this.studies = new HttpStudyStorage(this.client);
    this.evaluations = new HttpEvaluationStore(this.client);
    this.tokens = new HttpTokenStore(this.client);
  }

  /** Whether the server answers at all (a short probe of /health). */
  static reachable(baseUrl: string, options: HttpStoreOptions = {}): Promise<boolean> {
    return reachable(baseUrl, options);
  }

  async close(): Promise<void> {
    // nothing is held open: fetch pools its own connections
  }
}

/** Artifact blobs kept by the server: uploaded under their hash, verified on the way down. */
export class HttpArtifactStore implements ArtifactStore {
  readonly uri: string;
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
    this.uri = `${client.baseUrl}/api/v1/blobs`;
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
