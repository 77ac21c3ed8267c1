/**
 * Typed client of the native REST API (/api/v1, same origin). Every answer is parsed with its
 * shape from src/api — the shapes the server declares — so NaN and ±Infinity (strings on the
 * wire) come back as numbers. Errors arrive as `{ error_code, message, code, details }` and are
 * thrown as ApiError.
 */
import type { z } from "zod";
import type {
  AuditEvent,
  EvaluationJson,
  ModelDetail,
  ModelListItem,
  ModelVersion,
  StudyDetail,
  StudyListItem,
  VersionDetail,
} from "../api/index.js";
import * as shapes from "../api/index.js";
import type {
  ArtifactEntry,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  MetricHistory,
  Run,
  RunColumnsRequest,
  SearchRunsResult,
  ViewType,
} from "./lib/index.js";
import { childrenOfAny, quoteString } from "./lib/index.js";

export const API_BASE = "/api/v1";

export class ApiError extends Error {
  readonly status: number;
  /** Sextant's error code (INVALID_FILTER, RUN_NOT_FOUND, …); "NETWORK" when no response came. */
  readonly code: string;
  readonly errorCode: string | null;
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    message: string,
    code: string,
    errorCode: string | null,
    details: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.errorCode = errorCode;
    this.details = details;
  }

  /** The filter offset an INVALID_FILTER error points at, if any. */
  get position(): number | null {
    const p = this.details.position;
    return typeof p === "number" ? p : null;
  }
}

interface ErrorBody {
  error_code?: string;
  message?: string;
  code?: string;
  details?: Record<string, unknown>;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = null;
  }
  return new ApiError(
    res.status,
    body?.message ?? `${res.status} ${res.statusText || "error"}`,
    body?.code ?? `HTTP_${res.status}`,
    body?.error_code ?? null,
    body?.details ?? {},
  );
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, init);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, `cannot reach the server: ${(e as Error).message}`, "NETWORK", null, {});
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** The answer parsed with its shape; one that does not fit is an ApiError naming the route. */
async function parsed<S extends z.ZodType>(path: string, res: Response, shape: S): Promise<z.output<S>> {
  const result = shape.safeParse(await res.json());
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiError(
      res.status,
      `the answer to ${path} does not fit its shape: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "?"}`,
      "BAD_RESPONSE",
      null,
      {},
    );
  }
  return result.data;
}

async function getJson<S extends z.ZodType>(
  path: string,
  shape: S,
  signal?: AbortSignal,
): Promise<z.output<S>> {
  return parsed(path, await send(path, { signal }), shape);
}

async function postJson<S extends z.ZodType>(
  path: string,
  body: unknown,
  shape: S,
  signal?: AbortSignal,
): Promise<z.output<S>> {
  const res = await send(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return parsed(path, res, shape);
}

function qs(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export interface SearchRunsBody {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | null;
  viewType?: ViewType;
  columns?: RunColumnsRequest;
}

export interface HistoryQuery {
  minStep?: number;
  maxStep?: number;
  maxPoints?: number;
}

export const api = {
  listExperiments: async (view: ViewType = "active", signal?: AbortSignal): Promise<ExperimentSummary[]> =>
    (await getJson(`/experiments${qs({ view })}`, shapes.ExperimentList, signal)).experiments,

  getExperiment: (id: string, signal?: AbortSignal): Promise<Experiment> =>
    getJson(`/experiments/${encodeURIComponent(id)}`, shapes.Experiment, signal),

  getColumns: (id: string, signal?: AbortSignal): Promise<ExperimentColumns> =>
    getJson(`/experiments/${encodeURIComponent(id)}/columns`, shapes.ExperimentColumns, signal),

  searchRuns: async (body: SearchRunsBody, signal?: AbortSignal): Promise<SearchRunsResult> => {
    const res = await postJson("/runs/search", body, shapes.SearchRunsResult, signal);
    return { runs: res.runs as Run[], nextPageToken: res.nextPageToken };
  },

  countRuns: async (
    body: { experimentIds: string[]; filter?: string; viewType?: ViewType },
    signal?: AbortSignal,
  ): Promise<number> => (await postJson("/runs/count", body, shapes.RunCount, signal)).count,

  getRun: async (runId: string, signal?: AbortSignal): Promise<Run> =>
    (await getJson(`/runs/${encodeURIComponent(runId)}`, shapes.Run, signal)) as Run,

  getHistory: async (
    runId: string,
    key: string,
    q: HistoryQuery = {},
    signal?: AbortSignal,
  ): Promise<MetricHistory> =>
    getJson(
      `/runs/${encodeURIComponent(runId)}/metrics/history${qs({ key, minStep: q.minStep, maxStep: q.maxStep, maxPoints: q.maxPoints })}`,
      shapes.MetricHistory,
      signal,
    ),

  listArtifacts: async (runId: string, prefix = "", signal?: AbortSignal): Promise<ArtifactEntry[]> =>
    (
      await getJson(
        `/runs/${encodeURIComponent(runId)}/artifacts${qs({ prefix })}`,
        shapes.ArtifactList,
        signal,
      )
    ).artifacts,

  artifactUrl: (runId: string, path: string): string =>
    `${API_BASE}/runs/${encodeURIComponent(runId)}/artifacts/file${qs({ path })}`,

  /** The first `maxBytes` of an artifact (the rest is not downloaded). */
  readArtifactHead: async (
    runId: string,
    path: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; truncated: boolean }> => {
    const res = await send(`/runs/${encodeURIComponent(runId)}/artifacts/file${qs({ path })}`, { signal });
    if (!res.body) {
      const all = new Uint8Array(await res.arrayBuffer());
      return { bytes: all.slice(0, maxBytes), truncated: all.length > maxBytes };
    }
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    let truncated = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > maxBytes) {
        truncated = true;
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    const out = new Uint8Array(Math.min(total, maxBytes));
    let off = 0;
    for (const c of chunks) {
      const take = Math.min(c.length, out.length - off);
      out.set(c.subarray(0, take), off);
      off += take;
      if (off >= out.length) break;
    }
    return { bytes: out, truncated };
  },

  /** Several runs by id, in the order asked: one run first (for its experiment), the rest in one search, stragglers one by one. */
  getRunsByIds: async (ids: readonly string[], signal?: AbortSignal): Promise<Array<Run | ApiError>> => {
    if (ids.length === 0) return [];
    const found = new Map<string, Run | ApiError>();
    const first = await api.getRun(ids[0]!, signal).catch((e: unknown) => toApiError(e));
    found.set(ids[0]!, first);
    const rest = ids.slice(1);
    if (rest.length > 0 && !(first instanceof ApiError)) {
      try {
        const res = await api.searchRuns(
          {
            experimentIds: [first.info.experimentId],
            filter: `attributes.run_id IN (${rest.map(quoteString).join(", ")})`,
            viewType: "all",
            maxResults: rest.length,
          },
          signal,
        );
        for (const r of res.runs) found.set(r.info.runId, r);
      } catch (e) {
        if ((e as Error).name === "AbortError") throw e;
      }
    }
    const missing = rest.filter((id) => !found.has(id));
    const more = await Promise.all(
      missing.map((id) => api.getRun(id, signal).catch((e: unknown) => toApiError(e))),
    );
    for (let i = 0; i < missing.length; i++) found.set(missing[i]!, more[i]!);
    return ids.map((id) => found.get(id)!);
  },

  /** Which of these runs have children (among the first `limit` children found); `complete` says whether all were seen. */
  probeChildren: async (
    experimentId: string,
    parentIds: readonly string[],
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ counts: Map<string, number>; complete: boolean }> => {
    const res = await api.searchRuns(
      {
        experimentIds: [experimentId],
        filter: childrenOfAny(parentIds),
        maxResults: limit,
        columns: { params: [], metrics: [], tags: [] },
      },
      signal,
    );
    const counts = new Map<string, number>();
    for (const r of res.runs) {
      const p = r.info.parentRunId;
      if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    return { counts, complete: res.nextPageToken === null };
  },

  listStudies: async (signal?: AbortSignal): Promise<StudyListItem[]> =>
    (await getJson("/studies", shapes.StudyListItems, signal)).studies,

  /** An evaluation record: metrics with intervals, comparison, segments, backtest, curves. */
  getEvaluation: async (id: string, signal?: AbortSignal): Promise<EvaluationJson> =>
    flattenEvaluation(
      await getJson(`/evaluations/${encodeURIComponent(id)}`, shapes.EvaluationRecord, signal),
    ),

  /** A run's evaluation records, newest first. */
  listRunEvaluations: async (runId: string, signal?: AbortSignal): Promise<EvaluationJson[]> =>
    (
      await getJson(`/runs/${encodeURIComponent(runId)}/evaluations`, shapes.EvaluationList, signal)
    ).evaluations.map(flattenEvaluation),

  /** A study with its analysis (history, importances, parallel coordinates, slices, trials). */
  getStudy: (
    name: string,
    importance: "mdi" | "fanova" = "mdi",
    signal?: AbortSignal,
  ): Promise<StudyDetail> =>
    getJson(
      `/studies/${encodeURIComponent(name)}${qs({ importance: importance === "mdi" ? undefined : importance })}`,
      shapes.StudyDetail,
      signal,
    ),

  /** Registered models with their Production/Staging versions, aliases and last change. */
  listModels: async (signal?: AbortSignal): Promise<ModelListItem[]> =>
    (await getJson("/models", shapes.ModelList, signal)).models,

  /** A registered model, its versions, its promotion policy and what each version meets of it. */
  getModel: (name: string, signal?: AbortSignal): Promise<ModelDetail> =>
    getJson(`/models/${encodeURIComponent(name)}/detail`, shapes.ModelDetail, signal),

  /** A registered model's audit trail, oldest first. */
  getModelHistory: async (name: string, signal?: AbortSignal): Promise<AuditEvent[]> =>
    (await getJson(`/models/${encodeURIComponent(name)}/history`, shapes.ModelHistory, signal)).events,

  /** A model version with its lineage and policy checks. */
  getModelVersion: (name: string, version: number, signal?: AbortSignal): Promise<VersionDetail> =>
    getJson(`/models/${encodeURIComponent(name)}/versions/${version}/detail`, shapes.VersionDetail, signal),

  /** The model versions registered from a run, newest first. */
  listRunModelVersions: async (runId: string, signal?: AbortSignal): Promise<ModelVersion[]> =>
    (await getJson(`/runs/${encodeURIComponent(runId)}/model-versions`, shapes.VersionList, signal)).versions,
};

/** A stored evaluation with its content read as `sx.evaluate` writes it. */
function flattenEvaluation({ content, ...head }: shapes.EvaluationRecord): EvaluationJson {
  return { ...shapes.EvaluationContent.parse(content), ...head };
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if ((e as Error)?.name === "AbortError") throw e;
  return new ApiError(0, (e as Error)?.message ?? String(e), "UNKNOWN", null, {});
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
