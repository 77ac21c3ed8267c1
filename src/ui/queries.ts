/** React Query keys and fetchers shared by the pages (one cache: a run fetched by compare is reused by its page). */
import { QueryClient, queryOptions } from "@tanstack/react-query";
import { ApiError, api, type HistoryQuery } from "./api.js";
import { preloadECharts } from "./components/index.js";
import type { ExperimentColumns, Route, ViewType } from "./lib/index.js";
import { chartBudget, gridChartWidth, naturalCompare, parseRunIds } from "./lib/index.js";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      gcTime: 5 * 60_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
    },
  },
});

export const experimentsQuery = (view: ViewType) =>
  queryOptions({
    queryKey: ["experiments", view],
    queryFn: ({ signal }) => api.listExperiments(view, signal),
  });

export const experimentQuery = (id: string) =>
  queryOptions({
    queryKey: ["experiment", id],
    queryFn: ({ signal }) => api.getExperiment(id, signal),
    staleTime: 5 * 60_000,
  });

const COLUMNS_CACHE = "sextant.columns.";

function cachedColumns(id: string): ExperimentColumns | undefined {
  try {
    const raw = window.localStorage.getItem(COLUMNS_CACHE + id);
    if (!raw) return undefined;
    const v = JSON.parse(raw) as ExperimentColumns;
    return Array.isArray(v.params) && Array.isArray(v.metrics) && Array.isArray(v.tags) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An experiment's column keys. The last list seen is kept in localStorage and used at once (the
 * runs table can ask for its first page without waiting), while a fresh list is fetched.
 */
export const columnsQuery = (id: string) =>
  queryOptions({
    queryKey: ["columns", id],
    queryFn: async ({ signal }) => {
      const cols = await api.getColumns(id, signal);
      try {
        window.localStorage.setItem(COLUMNS_CACHE + id, JSON.stringify(cols));
      } catch {
        // storage full or disabled: only the shortcut is lost
      }
      return cols;
    },
    initialData: () => cachedColumns(id),
    initialDataUpdatedAt: 0,
    staleTime: 60_000,
  });

export const runQuery = (runId: string) =>
  queryOptions({
    queryKey: ["run", runId],
    queryFn: ({ signal }) => api.getRun(runId, signal),
    staleTime: 10_000,
  });

export const historyQuery = (runId: string, key: string, q: HistoryQuery) =>
  queryOptions({
    queryKey: ["history", runId, key, q.minStep ?? null, q.maxStep ?? null, q.maxPoints ?? null],
    queryFn: ({ signal }) => api.getHistory(runId, key, q, signal),
    staleTime: 30_000,
  });

export const artifactsQuery = (runId: string) =>
  queryOptions({
    queryKey: ["artifacts", runId],
    queryFn: ({ signal }) => api.listArtifacts(runId, "", signal),
  });

/** Several runs (the compare page); each found run also fills its own cache entry. */
export const runsByIdsQuery = (ids: readonly string[]) =>
  queryOptions({
    queryKey: ["runs-by-ids", ids],
    queryFn: async ({ signal }) => {
      const res = await api.getRunsByIds(ids, signal);
      for (const r of res) if (!(r instanceof ApiError)) queryClient.setQueryData(["run", r.info.runId], r);
      return res;
    },
  });

/** How often a study page refreshes while trials run; when none runs, a slow check for new work. */
export const STUDY_POLL_MS = 2_000;
export const STUDY_IDLE_POLL_MS = 30_000;

export const studiesQuery = () =>
  queryOptions({
    queryKey: ["studies"],
    queryFn: ({ signal }) => api.listStudies(signal),
    staleTime: 2_000,
    refetchInterval: (query) =>
      (query.state.data ?? []).some((s) => s.trialCounts.RUNNING + s.trialCounts.WAITING > 0)
        ? STUDY_POLL_MS
        : STUDY_IDLE_POLL_MS,
  });

export const studyQuery = (name: string, importance: "mdi" | "fanova" = "mdi") =>
  queryOptions({
    queryKey: ["study", name, importance],
    queryFn: ({ signal }) => api.getStudy(name, importance, signal),
    staleTime: 1_000,
    refetchInterval: (query) => {
      const c = query.state.data?.report.study.counts;
      if (c === undefined) return false;
      return c.RUNNING + c.WAITING > 0 ? STUDY_POLL_MS : STUDY_IDLE_POLL_MS;
    },
  });

export const evaluationQuery = (id: string) =>
  queryOptions({
    queryKey: ["evaluation", id],
    queryFn: ({ signal }) => api.getEvaluation(id, signal),
    staleTime: Number.POSITIVE_INFINITY, // records are immutable
  });

export const runEvaluationsQuery = (runId: string) =>
  queryOptions({
    queryKey: ["runEvaluations", runId],
    queryFn: ({ signal }) => api.listRunEvaluations(runId, signal),
  });

export const modelsQuery = () =>
  queryOptions({
    queryKey: ["models"],
    queryFn: ({ signal }) => api.listModels(signal),
    staleTime: 5_000,
  });

export const modelQuery = (name: string) =>
  queryOptions({
    queryKey: ["model", name],
    queryFn: ({ signal }) => api.getModel(name, signal),
    staleTime: 5_000,
  });

export const modelHistoryQuery = (name: string) =>
  queryOptions({
    queryKey: ["modelHistory", name],
    queryFn: ({ signal }) => api.getModelHistory(name, signal),
    staleTime: 5_000,
  });

export const modelVersionQuery = (name: string, version: number) =>
  queryOptions({
    queryKey: ["modelVersion", name, version],
    queryFn: ({ signal }) => api.getModelVersion(name, version, signal),
    staleTime: 5_000,
  });

export const runModelVersionsQuery = (runId: string) =>
  queryOptions({
    queryKey: ["runModelVersions", runId],
    queryFn: ({ signal }) => api.listRunModelVersions(runId, signal),
  });

/** Starts the requests a route's page will make first, before its code has loaded. */
export function prefetchRoute(route: Route, search: string): void {
  if (route.page === "run") prefetchRun(route.runId, new URLSearchParams(search));
  else if (route.page === "compare") {
    const ids = parseRunIds(new URLSearchParams(search).get("runs"), 20);
    if (ids.length >= 2) {
      queryClient
        .fetchQuery(runsByIdsQuery(ids))
        .then(preloadECharts)
        .catch(() => undefined);
    }
  } else if (route.page === "runs") {
    void queryClient.prefetchQuery(experimentQuery(route.experimentId));
  } else if (route.page === "study") {
    const importance = new URLSearchParams(search).get("imp") === "fanova" ? "fanova" : "mdi";
    void queryClient.prefetchQuery(studyQuery(route.name, importance));
  } else if (route.page === "model") {
    void queryClient.prefetchQuery(modelQuery(route.name));
    void queryClient.prefetchQuery(modelHistoryQuery(route.name));
  } else if (route.page === "modelVersion") {
    void queryClient.prefetchQuery(modelVersionQuery(route.name, route.version));
    void queryClient.prefetchQuery(modelHistoryQuery(route.name));
  }
}

/** Charts of the overview grid whose series are asked for with the run (those on screen at first). */
const FIRST_CHARTS = 6;

/** The run, then (on its overview) the series of its first charts, at the grid's point budget. */
function prefetchRun(runId: string, q: URLSearchParams): void {
  const overview = (q.get("tab") ?? "overview") === "overview" && !q.get("q") && !q.get("metric");
  queryClient
    .fetchQuery(runQuery(runId))
    .then((run) => {
      if (!overview) return;
      const budget = chartBudget(gridChartWidth(document.documentElement.clientWidth));
      const first = run.metricSummaries
        .filter((s) => s.count > 1)
        .map((s) => s.key)
        .sort(naturalCompare)
        .slice(0, FIRST_CHARTS);
      for (const key of first)
        void queryClient.prefetchQuery(historyQuery(runId, key, { maxPoints: budget }));
    })
    .catch(() => undefined);
}
