/**
 * The Store contract over a Sextant server's native API (/api/v1). Used by `Sextant.open({ uri:
 * "http://host:5000" })`: the SDK code is the same as against an embedded store.
 *
 * Failures that may be transient (connection refused or reset, timeouts, HTTP 502/503/504) are
 * retried with exponential backoff up to `retryForMs`. Retrying is safe: metric batches carry an
 * idempotency key, runs are created under a client-chosen id, the rest are idempotent writes.
 * When the server stays unreachable the error is STORE_UNAVAILABLE.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ERROR_CATALOG, type ErrorCode, SextantError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { newRunId } from "../core/ids.js";
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
import { decodeSeries, type SeriesColumns } from "./metric-codec.js";
import type {
  ArtifactEntry,
  CountRunsInput,
  CreateEvaluationInput,
  CreateExperimentInput,
  CreateRunInput,
  EvaluationRecord,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  HistoryQuery,
  LifecycleStage,
  ListEvaluationsInput,
  LogBatchInput,
  Run,
  RunDataset,
  RunInfo,
  SearchRunsInput,
  SearchRunsResult,
  Store,
  UpdateRunInput,
  ViewType,
} from "./types.js";
import { BATCH_CONTENT_TYPE, encodeBatch, runFromWire, wireReplacer } from "./wire.js";

export interface HttpStoreOptions {
  /** API token sent as `Authorization: Bearer …` (default $SEXTANT_TRACKING_TOKEN). */
  token?: string;
  /** How long transient failures are retried before STORE_UNAVAILABLE (default 30 s). */
  retryForMs?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  query?: Record<string, string | number | undefined>;
  /** Raw bytes wanted back instead of JSON. */
  binary?: boolean;
  /** The response itself, its body unread (the timeout then covers only the wait for its headers). */
  stream?: boolean;
  /** 404 answers null instead of throwing. */
  allow404?: boolean;
}

const RETRY_STATUS = new Set([502, 503, 504]);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CATALOG, code);
}

/** Transport to one server, shared by the store and the artifact store. */
export class HttpClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #retryForMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = options.token ?? process.env.SEXTANT_TRACKING_TOKEN;
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json, wireReplacer);
    } else if (opts.body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/octet-stream";
      body = opts.body;
    }
    const started = Date.now();
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      const headersDue = opts.stream ? new AbortController() : null;
      const timer = headersDue && setTimeout(() => headersDue.abort(), this.#timeoutMs);
      try {
        res = await this.#fetch(url, {
          method: opts.method ?? "GET",
          headers,
          body,
          signal: headersDue?.signal ?? AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (e) {
        if (Date.now() - started + delay > this.#retryForMs) {
          throw new SextantError(
            "STORE_UNAVAILABLE",
            `cannot reach the Sextant server at ${this.baseUrl}: ${(e as Error).message}`,
            {
              url: this.baseUrl,
              attempts: attempt + 1,
            },
            { cause: e },
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
        continue;
      } finally {
        if (timer) clearTimeout(timer);
      }
      if (res.ok) {
        if (opts.stream) return res as T;
        if (opts.binary) return Buffer.from(await res.arrayBuffer()) as T;
        const text = await res.text();
        return (text.length === 0 ? undefined : JSON.parse(text)) as T;
      }
      if (res.status === 404 && opts.allow404) {
        await res.arrayBuffer();
        return null as T;
      }
      if (RETRY_STATUS.has(res.status) && Date.now() - started + delay <= this.#retryForMs) {
        await res.arrayBuffer();
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      throw await errorFrom(res, this.baseUrl);
    }
  }
}

async function errorFrom(res: Response, baseUrl: string): Promise<SextantError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
    if (isErrorCode(body.code)) {
      return new SextantError(
        body.code,
        String(body.message ?? ""),
        (body.details ?? {}) as Record<string, unknown>,
      );
    }
  } catch {
    // not one of ours
  }
  const code: ErrorCode = res.status >= 500 ? "STORE_UNAVAILABLE" : "INTERNAL";
  return new SextantError(code, `the server at ${baseUrl} answered ${res.status}: ${text.slice(0, 200)}`, {
    status: res.status,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class HttpStore implements Store {
  readonly kind = "http";
  readonly client: HttpClient;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    this.client = new HttpClient(baseUrl, options);
  }

  /** Whether the server answers at all (a short probe of /health). */
  static async reachable(baseUrl: string, options: HttpStoreOptions = {}): Promise<boolean> {
    try {
      const res = await (options.fetch ?? fetch)(`${baseUrl.replace(/\/+$/, "")}/health`, {
        signal: AbortSignal.timeout(3000),
      });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  createExperiment(input: CreateExperimentInput, _now: number): Promise<Experiment> {
    return this.client.request("/experiments", { method: "POST", json: input });
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.client.request(`/experiments/${encodeURIComponent(experimentId)}`);
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.client.request("/experiments/by-name", { query: { name }, allow404: true });
  }

  async listExperiments(viewType: ViewType = "active"): Promise<ExperimentSummary[]> {
    return (
      await this.client.request<{ experiments: ExperimentSummary[] }>("/experiments", {
        query: { view: viewType },
      })
    ).experiments;
  }

  async renameExperiment(experimentId: string, name: string, _now: number): Promise<void> {
    await this.client.request(`/experiments/${encodeURIComponent(experimentId)}`, {
      method: "PATCH",
      json: { name },
    });
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, _now: number): Promise<void> {
    const id = encodeURIComponent(experimentId);
    if (stage === "deleted") await this.client.request(`/experiments/${id}`, { method: "DELETE" });
    else await this.client.request(`/experiments/${id}/restore`, { method: "POST" });
  }

  async setExperimentTag(experimentId: string, key: string, value: string, _now: number): Promise<void> {
    await this.client.request(`/experiments/${encodeURIComponent(experimentId)}/tags`, {
      method: "PUT",
      json: { key, value },
    });
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    // The id is chosen here, so a retried create cannot make a second run.
    const runId = input.runId ?? newRunId();
    const { artifactUri: _server, ...rest } = input;
    try {
      return await this.client.request<RunInfo>("/runs", { method: "POST", json: { ...rest, runId } });
    } catch (e) {
      // a retry after a lost response: the first attempt made the run
      if (e instanceof SextantError && e.code === "INVALID_ARGUMENT" && /already exists/.test(e.message)) {
        const run = await this.getRun(runId);
        if (run.info.startTime === input.startTime && run.info.experimentId === input.experimentId)
          return run.info;
      }
      throw e;
    }
  }

  async getRun(runId: string): Promise<Run> {
    return runFromWire(await this.client.request<Run>(`/runs/${encodeURIComponent(runId)}`));
  }

  updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    return this.client.request(`/runs/${encodeURIComponent(runId)}`, { method: "PATCH", json: update });
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage, _now: number): Promise<void> {
    const id = encodeURIComponent(runId);
    if (stage === "deleted") await this.client.request(`/runs/${id}`, { method: "DELETE" });
    else await this.client.request(`/runs/${id}/restore`, { method: "POST" });
  }

  /** The server stamps the heartbeat with its own clock. */
  async heartbeat(runId: string, _now: number): Promise<boolean> {
    return (
      await this.client.request<{ alive: boolean }>(`/runs/${encodeURIComponent(runId)}/heartbeat`, {
        method: "POST",
      })
    ).alive;
  }

  async markCrashedRuns(staleBefore: number): Promise<number> {
    return (
      await this.client.request<{ marked: number }>("/runs/mark-crashed", {
        method: "POST",
        json: { staleBefore },
      })
    ).marked;
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const body = encodeBatch({ ...batch, idempotencyKey: batch.idempotencyKey ?? randomUUID() });
    await this.client.request(`/runs/${encodeURIComponent(runId)}/batch`, {
      method: "POST",
      body,
      contentType: BATCH_CONTENT_TYPE,
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.client.request(`/runs/${encodeURIComponent(runId)}/tags/delete`, {
      method: "POST",
      json: { key },
    });
  }

  async logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    await this.client.request(`/runs/${encodeURIComponent(runId)}/inputs`, {
      method: "POST",
      json: { datasets },
    });
  }

  async getMetricHistory(runId: string, key: string, query: HistoryQuery = {}): Promise<SeriesColumns> {
    const bytes = await this.client.request<Buffer>(`/runs/${encodeURIComponent(runId)}/metrics/history`, {
      query: { key, minStep: query.minStep, maxStep: query.maxStep, format: "binary" },
      binary: true,
    });
    return decodeSeries(bytes.length === 0 ? [] : [bytes]);
  }

  async searchRuns(input: SearchRunsInput): Promise<SearchRunsResult> {
    const res = await this.client.request<SearchRunsResult>("/runs/search", { method: "POST", json: input });
    return { runs: res.runs.map(runFromWire), nextPageToken: res.nextPageToken ?? null };
  }

  async countRuns(input: CountRunsInput): Promise<number> {
    return (await this.client.request<{ count: number }>("/runs/count", { method: "POST", json: input }))
      .count;
  }

  listColumns(experimentId: string): Promise<ExperimentColumns> {
    return this.client.request(`/experiments/${encodeURIComponent(experimentId)}/columns`);
  }

  async recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    await this.client.request(`/runs/${encodeURIComponent(runId)}/artifacts`, {
      method: "POST",
      json: entry,
    });
  }

  async listArtifacts(runId: string, prefix = ""): Promise<ArtifactEntry[]> {
    const res = await this.client.request<{ artifacts: ArtifactEntry[] }>(
      `/runs/${encodeURIComponent(runId)}/artifacts`,
      {
        query: { prefix },
      },
    );
    return res.artifacts;
  }

  async getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    const found = (await this.listArtifacts(runId, dir)).find((a) => a.path === path);
    if (!found)
      throw new SextantError("ARTIFACT_NOT_FOUND", `run ${runId} has no artifact '${path}'`, { runId, path });
    return found;
  }

  async createEvaluation(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    // The id is chosen here, so a retried create cannot store a second record.
    const evaluationId = input.evaluationId ?? newRunId();
    try {
      return await this.client.request<EvaluationRecord>("/evaluations", {
        method: "POST",
        json: { ...input, evaluationId },
      });
    } catch (e) {
      // a retry after a lost response: the first attempt stored it
      if (e instanceof SextantError && e.code === "EVALUATION_ALREADY_EXISTS") {
        const stored = await this.getEvaluation(evaluationId);
        if (
          stored.createdTime === input.createdTime &&
          stored.name === input.name &&
          stored.runId === (input.runId ?? null)
        )
          return stored;
      }
      throw e;
    }
  }

  getEvaluation(evaluationId: string): Promise<EvaluationRecord> {
    return this.client.request(`/evaluations/${encodeURIComponent(evaluationId)}`);
  }

  async listEvaluations(input: ListEvaluationsInput = {}): Promise<EvaluationRecord[]> {
    const path =
      input.runId === undefined ? "/evaluations" : `/runs/${encodeURIComponent(input.runId)}/evaluations`;
    return (
      await this.client.request<{ evaluations: EvaluationRecord[] }>(path, {
        query: { maxResults: input.maxResults },
      })
    ).evaluations;
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
