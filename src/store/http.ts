/**
 * The HTTP store: every aggregate over one Sextant server's native API (/api/v1), through one
 * transport (remote/). The registry is reached through the server's registry service instead
 * (registry/http.ts), so policies and scopes are checked where the data is.
 */
import { readFile } from "node:fs/promises";
import { SextantError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import type { ArtifactStore, BlobRef, PutStreamOptions } from "./artifacts.js";
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
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const hash = sha256(bytes);
    if (!(await this.has(hash))) {
      await this.#client.request(`/blobs/${hash}`, { method: "PUT", body: bytes });
    }
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
    let size = 0;
    for await (const c of source) {
      size += c.byteLength;
      if (options.maxBytes !== undefined && size > options.maxBytes) {
        throw new SextantError(
          "REQUEST_TOO_LARGE",
          `the upload is over its limit of ${options.maxBytes} bytes`,
        );
      }
      parts.push(c);
    }
    const ref = await this.put(Buffer.concat(parts));
    if (options.expectedSha256 !== undefined && options.expectedSha256 !== ref.sha256) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `the bytes hash to ${ref.sha256}, not ${options.expectedSha256}`,
      );
    }
    return ref;
  }

  async get(hash: string): Promise<Buffer> {
    const bytes = await this.#client.request<Buffer>(`/blobs/${hash}`, { binary: true });
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new SextantError("ARTIFACT_CORRUPT", `blob ${hash} arrived as bytes hashing to ${actual}`, {
        expected: hash,
        actual,
      });
    }
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    const res = await this.#client.request<string | null>(`/blobs/${hash}`, {
      method: "HEAD",
      allow404: true,
    });
    return res !== null;
  }
}
