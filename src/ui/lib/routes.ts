/**
 * The UI's routes. The path and the query string are the whole view state, so every view has a
 * URL that reloads to the same state.
 *
 *   /                                   experiments (q: name filter, view: active|deleted|all)
 *   /experiments/:id                    runs (filter, orderBy, cols, pin, sel, group, open)
 *   /runs/:runId                        run detail (tab, metric, x, smooth, log, q, path)
 *   /compare?runs=a,b,…                 compare (metric, x, y, only, xaxis, smooth, log)
 *   /studies                            hyperparameter-optimization studies
 *   /studies/:name                      one study (obj, sort)
 *   /evaluations/:id                    one evaluation record
 *   /models                             registered models (q: name filter)
 *   /models/:name                       one model: versions, policy checks, audit timeline
 *   /models/:name/versions/:v           one model version and its lineage
 */

export type Route =
  | { page: "experiments" }
  | { page: "runs"; experimentId: string }
  | { page: "run"; runId: string }
  | { page: "compare" }
  | { page: "studies" }
  | { page: "study"; name: string }
  | { page: "evaluation"; evaluationId: string }
  | { page: "models" }
  | { page: "model"; name: string }
  | { page: "modelVersion"; name: string; version: number }
  | { page: "notFound"; path: string };

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/" || path === "" || path === "/experiments") return { page: "experiments" };
  if (path === "/compare") return { page: "compare" };
  if (path === "/studies") return { page: "studies" };
  let m = /^\/experiments\/([^/]+)$/.exec(path);
  if (m) {
    const id = decodeSegment(m[1]!);
    if (id !== null) return { page: "runs", experimentId: id };
  }
  m = /^\/studies\/([^/]+)$/.exec(path);
  if (m) {
    const name = decodeSegment(m[1]!);
    if (name !== null) return { page: "study", name };
  }
  if (path === "/models") return { page: "models" };
  m = /^\/models\/([^/]+)$/.exec(path);
  if (m) {
    const name = decodeSegment(m[1]!);
    if (name !== null) return { page: "model", name };
  }
  m = /^\/models\/([^/]+)\/versions\/([1-9]\d{0,14})$/.exec(path);
  if (m) {
    const name = decodeSegment(m[1]!);
    if (name !== null) return { page: "modelVersion", name, version: Number(m[2]) };
  }
  m = /^\/evaluations\/([^/]+)$/.exec(path);
  if (m) {
    const id = decodeSegment(m[1]!);
    if (id !== null) return { page: "evaluation", evaluationId: id };
  }
  m = /^\/runs\/([^/]+)$/.exec(path);
  if (m) {
    const id = decodeSegment(m[1]!);
    if (id !== null) return { page: "run", runId: id };
  }
  return { page: "notFound", path: pathname };
}

type QueryValue = string | number | boolean | null | undefined;

/** A query string without "?"; commas are left readable (they need no escaping in a query). */
export function queryString(q: URLSearchParams): string {
  return q.toString().replace(/%2C/gi, ",");
}

/** A path with a query string built from the non-empty values (in the order given). */
export function withQuery(path: string, query: Record<string, QueryValue> | URLSearchParams): string {
  const q = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) {
      if (v === null || v === undefined || v === "" || v === false) continue;
      q.set(k, v === true ? "1" : String(v));
    }
  }
  const s = queryString(q);
  return s ? `${path}?${s}` : path;
}

export const paths = {
  experiments: (): string => "/",
  runs: (experimentId: string): string => `/experiments/${encodeURIComponent(experimentId)}`,
  run: (runId: string, query: Record<string, QueryValue> = {}): string =>
    withQuery(`/runs/${encodeURIComponent(runId)}`, query),
  compare: (runIds: readonly string[], query: Record<string, QueryValue> = {}): string =>
    withQuery("/compare", { runs: runIds.join(","), ...query }),
  studies: (): string => "/studies",
  evaluation: (id: string): string => `/evaluations/${encodeURIComponent(id)}`,
  models: (): string => "/models",
  model: (name: string, query: Record<string, QueryValue> = {}): string =>
    withQuery(`/models/${encodeURIComponent(name)}`, query),
  modelVersion: (name: string, version: number): string =>
    `/models/${encodeURIComponent(name)}/versions/${version}`,
  study: (name: string, query: Record<string, QueryValue> = {}): string =>
    withQuery(`/studies/${encodeURIComponent(name)}`, query),
};

/** A copy of `q` with some keys set (null/undefined/"" delete them). */
export function patchQuery(q: URLSearchParams, patch: Record<string, QueryValue>): URLSearchParams {
  const out = new URLSearchParams(q);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === "" || v === false) out.delete(k);
    else out.set(k, v === true ? "1" : String(v));
  }
  return out;
}

/** A number from the query string, clamped; the fallback when absent or malformed. */
export function numberParam(
  q: URLSearchParams,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = q.get(key);
  if (raw === null || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

/** Run ids of /compare?runs=…: hex ids, de-duplicated, at most `max`. */
export function parseRunIds(text: string | null, max = 20): string[] {
  if (!text) return [];
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^[0-9a-f]{32}$/.test(s));
  return [...new Set(ids)].slice(0, max);
}
