/**
 * A server over an in-memory SQLite store (blobs in memory unless given) for the MLflow API's
 * contract tests: requests go through `inject`, never a port.
 */
import type { FastifyInstance } from "fastify";
import { ManualClock } from "../../../core/index.js";
import { type ArtifactStore, MemoryArtifactStore, SqliteStore } from "../../../store/index.js";
import { buildServer } from "../../app.js";

/** The harness clock's start: runs created "now" stay clear of the 60 s crash sweep. */
export const T0 = 1_700_000_000_000;

export interface Reply {
  status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  raw: Buffer;
  headers: Record<string, unknown>;
}

export interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  artifacts: ArtifactStore;
  clock: ManualClock;
  /** POST a JSON body (an object is serialized; a string is sent as it is). */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** GET with query parameters (arrays repeat the parameter). */
  get(
    path: string,
    query?: Record<string, string | string[]>,
    headers?: Record<string, string>,
  ): Promise<Reply>;
  request(opts: {
    method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
    url: string;
    payload?: string | Buffer;
    headers?: Record<string, string>;
  }): Promise<Reply>;
  close(): Promise<void>;
}

export const API = "/api/2.0/mlflow";
export const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

export function queryString(query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

export async function openHarness(
  options: { auth?: boolean; maxArtifactBytes?: number; artifacts?: ArtifactStore } = {},
): Promise<Harness> {
  const store = await SqliteStore.open(":memory:");
  const artifacts = options.artifacts ?? new MemoryArtifactStore();
  const clock = new ManualClock(T0);
  const app = await buildServer({
    store,
    artifacts,
    clock,
    auth: options.auth ?? false,
    ...(options.maxArtifactBytes === undefined ? {} : { maxArtifactBytes: options.maxArtifactBytes }),
  });
  const request: Harness["request"] = async (opts) => {
    const res = await app.inject({
      method: opts.method,
      url: opts.url,
      ...(opts.payload === undefined ? {} : { payload: opts.payload }),
      ...(opts.headers === undefined ? {} : { headers: opts.headers }),
    });
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, raw: res.rawPayload, headers: res.headers };
  };
  return {
    app,
    store,
    artifacts,
    clock,
    request,
    post: (path, body, headers) =>
      request({
        method: "POST",
        url: path,
        ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
        headers: { "content-type": "application/json", ...headers },
      }),
    get: (path, query = {}, headers) =>
      request({ method: "GET", url: `${path}${queryString(query)}`, ...(headers ? { headers } : {}) }),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** The parts of an error reply the contract fixes: status, MLflow error_code, Sextant code. */
export function errorOf(r: Reply): { status: number; error_code: unknown; code: unknown } {
  const body = (r.json ?? {}) as { error_code?: unknown; code?: unknown };
  return { status: r.status, error_code: body.error_code, code: body.code };
}

/** Creates an experiment through the API; returns its id. */
export async function createExperiment(
  h: Harness,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await h.post(`${API}/experiments/create`, { name, ...extra });
  if (r.status !== 200) throw new Error(`create experiment failed: ${r.raw.toString()}`);
  return (r.json as { experiment_id: string }).experiment_id;
}

/** Creates a run through the API; returns its id. */
export async function createRun(h: Harness, body: Record<string, unknown>): Promise<string> {
  const r = await h.post(`${API}/runs/create`, body);
  if (r.status !== 200) throw new Error(`create run failed: ${r.raw.toString()}`);
  return (r.json as { run: { info: { run_id: string } } }).run.info.run_id;
}
