/**
 * `/experiments/:id`: the runs of an experiment. Server-side filter, sort and paging (100 runs per
 * page, loaded as the table scrolls); only the visible columns' keys are fetched. Nested runs are
 * grouped under their parents (top-level runs listed, children loaded on expand). All view state
 * is in the query string.
 */
import { keepPreviousData, useInfiniteQuery, useQueries, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useRef } from "react";
import { ApiError, api, errorMessage } from "../api.js";
import {
  ColumnChooser,
  ErrorPanel,
  FilterBox,
  type FilterError,
  type RunRow,
  RunsTable,
  Skeleton,
  Spinner,
} from "../components/index.js";
import type { ExperimentColumns, Run, SearchRunsResult } from "../lib/index.js";
import {
  type ChildrenState,
  childrenOf,
  combineFilter,
  DEFAULT_PINNED,
  flattenTree,
  formatInt,
  nextSort,
  orderByClause,
  parseRunsView,
  paths,
  queryString,
  type RunsViewState,
  relocateFilterError,
  requestedColumns,
  resolveColumns,
  serializeRunsView,
  TOP_LEVEL,
} from "../lib/index.js";
import { columnsQuery, experimentQuery } from "../queries.js";
import { Link, navigate, useSearchParams } from "../router.js";

const PAGE_SIZE = 100;
const CHILDREN_LIMIT = 500;
const PROBE_LIMIT = 1000;
const NO_KEYS: ExperimentColumns = { params: [], metrics: [], tags: [] };
const MAX_COMPARE = 20;

export function RunsPage({ experimentId }: { experimentId: string }) {
  const q = useSearchParams();
  const view = useMemo(() => parseRunsView(q), [q]);
  const viewRef = useRef(view);
  viewRef.current = view;

  const setView = useCallback(
    (patch: Partial<RunsViewState>, replace = false) => {
      const next = queryString(serializeRunsView({ ...viewRef.current, ...patch }));
      navigate(`${paths.runs(experimentId)}${next ? `?${next}` : ""}`, { replace });
    },
    [experimentId],
  );

  const exp = useQuery(experimentQuery(experimentId));
  const cols = useQuery(columnsQuery(experimentId));
  const keys = cols.data ?? (cols.isError ? NO_KEYS : null);
  const resolved = useMemo(() => (keys ? resolveColumns(view, keys) : null), [view, keys]);
  const requested = useMemo(() => (resolved ? requestedColumns(resolved.columns) : null), [resolved]);

  const effectiveFilter = view.group ? combineFilter(view.filter, TOP_LEVEL) : view.filter;
  const orderBy = useMemo(() => (view.sort ? [orderByClause(view.sort)] : undefined), [view.sort]);

  const runs = useInfiniteQuery({
    queryKey: ["runs", experimentId, effectiveFilter, orderBy ?? null, requested],
    queryFn: ({ pageParam, signal }) =>
      api.searchRuns(
        {
          experimentIds: [experimentId],
          filter: effectiveFilter || undefined,
          orderBy,
          maxResults: PAGE_SIZE,
          pageToken: pageParam,
          columns: requested ?? undefined,
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last: SearchRunsResult) => last.nextPageToken ?? undefined,
    enabled: requested !== null,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });

  const count = useQuery({
    queryKey: ["count", experimentId, effectiveFilter],
    queryFn: ({ signal }) =>
      api.countRuns({ experimentIds: [experimentId], filter: effectiveFilter || undefined }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });

  // The last pages that loaded: a rejected filter leaves them on screen.
  const lastGood = useRef<Run[]>([]);
  const topRuns = useMemo(() => runs.data?.pages.flatMap((p) => p.runs) ?? null, [runs.data]);
  if (topRuns && !runs.isError) lastGood.current = topRuns;
  const shownTop = runs.isError ? lastGood.current : (topRuns ?? []);

  const filterError = useMemo((): FilterError | null => {
    const e = runs.error ?? count.error;
    if (!(e instanceof ApiError) || e.code !== "INVALID_FILTER") return null;
    const combined = view.group;
    if (e.position === null) return { message: e.message, position: null, length: 1 };
    const r = relocateFilterError(e.message, e.position, view.filter, combined);
    const token = typeof e.details.token === "string" ? e.details.token : "";
    return { message: r.message, position: r.position, length: Math.max(1, token.length) };
  }, [runs.error, count.error, view.group, view.filter]);
  const otherError =
    runs.error && !(runs.error instanceof ApiError && runs.error.code === "INVALID_FILTER")
      ? runs.error
      : null;

  // ---- nested runs ----
  const openIds = useMemo(() => (view.group ? view.open : []), [view.group, view.open]);
  const childQueries = useQueries({
    queries: openIds.map((pid) => ({
      queryKey: ["children", experimentId, pid, orderBy ?? null, requested],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api.searchRuns(
          {
            experimentIds: [experimentId],
            filter: childrenOf(pid),
            orderBy,
            maxResults: CHILDREN_LIMIT,
            columns: requested ?? undefined,
          },
          signal,
        ),
      enabled: requested !== null,
      staleTime: 30_000,
    })),
  });
  const childSig = childQueries.map((c) => `${c.status}:${c.dataUpdatedAt}`).join("|");
  // biome-ignore lint/correctness/useExhaustiveDependencies: childQueries is a new array every render; childSig says when it changed
  const children = useMemo(() => {
    const m = new Map<string, ChildrenState<Run>>();
    openIds.forEach((pid, i) => {
      const cq = childQueries[i];
      if (!cq || cq.isPending) m.set(pid, { status: "loading" });
      else if (cq.isError) m.set(pid, { status: "error", message: errorMessage(cq.error) });
      else m.set(pid, { status: "loaded", runs: cq.data.runs, more: cq.data.nextPageToken !== null });
    });
    return m;
  }, [openIds, childSig]);

  // Which runs have children: one probe per page of runs (and per list of children).
  const probeGroups = useMemo(() => {
    if (!view.group) return [];
    const groups: string[][] = (runs.isError ? [] : (runs.data?.pages ?? [])).map((p) =>
      p.runs.map((r) => r.info.runId),
    );
    for (const st of children.values())
      if (st.status === "loaded" && st.runs.length > 0) groups.push(st.runs.map((r) => r.info.runId));
    return groups.filter((g) => g.length > 0);
  }, [view.group, runs.data, runs.isError, children]);
  const probes = useQueries({
    queries: probeGroups.map((ids) => ({
      queryKey: ["probe", experimentId, ids],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api.probeChildren(experimentId, ids, PROBE_LIMIT, signal),
      staleTime: 60_000,
      retry: false,
    })),
  });
  const probeSig = probes.map((p) => `${p.status}:${p.dataUpdatedAt}`).join("|");
  // biome-ignore lint/correctness/useExhaustiveDependencies: probes is a new array every render; probeSig says when it changed
  const probeInfo = useMemo(() => {
    const known = new Map<string, number>();
    const incomplete = new Set<string>();
    probeGroups.forEach((ids, i) => {
      const p = probes[i]?.data;
      if (!p) return;
      for (const id of ids) {
        const n = p.counts.get(id) ?? 0;
        if (n > 0) known.set(id, n);
        else if (!p.complete) incomplete.add(id);
        else known.set(id, 0);
      }
    });
    return { known, incomplete };
  }, [probeGroups, probeSig]);

  const rows = useMemo(
    (): RunRow[] =>
      view.group
        ? flattenTree(shownTop, {
            expanded: new Set(openIds),
            children,
            hasChildren: (id) => {
              if (probeInfo.incomplete.has(id)) return null;
              const n = probeInfo.known.get(id);
              return n === undefined ? false : n > 0;
            },
          })
        : shownTop.map((run) => ({
            kind: "run",
            id: run.info.runId,
            run,
            depth: 0,
            hasChildren: false,
            expanded: false,
          })),
    [view.group, shownTop, openIds, children, probeInfo],
  );

  const childCount = useCallback((id: string) => probeInfo.known.get(id) ?? null, [probeInfo]);

  // ---- selection, expansion, sorting ----
  const selected = useMemo(() => new Set(view.sel), [view.sel]);
  const toggleSelect = useCallback(
    (id: string) => {
      const sel = viewRef.current.sel;
      setView({ sel: sel.includes(id) ? sel.filter((s) => s !== id) : [...sel, id] }, true);
    },
    [setView],
  );
  const clearSelection = useCallback(() => setView({ sel: [] }, true), [setView]);
  const toggleExpand = useCallback(
    (id: string) => {
      const open = viewRef.current.open;
      setView({ open: open.includes(id) ? open.filter((s) => s !== id) : [...open, id] }, true);
    },
    [setView],
  );
  const onSort = useCallback(
    (column: string) => setView({ sort: nextSort(viewRef.current.sort, column) }),
    [setView],
  );

  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError: runsFailed } = runs;
  const onEndReached = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage && !runsFailed) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, runsFailed]);

  const nSel = view.sel.length;
  const canCompare = nSel >= 2 && nSel <= MAX_COMPARE;
  const lastCount = useRef<number | undefined>(undefined);
  if (count.data !== undefined && !count.isError) lastCount.current = count.data;
  const total = count.isError ? lastCount.current : count.data;
  const loaded = shownTop.length;
  const visibleIds = resolved?.columns.map((c) => c.id) ?? [];
  const pinnedIds = view.pin ?? DEFAULT_PINNED;

  const resetKey = `${effectiveFilter}|${orderBy?.join(",") ?? ""}`;

  return (
    <div className="page runs-page">
      <div className="page-head">
        <h1>
          {exp.data?.name ?? (exp.isError ? `Experiment ${experimentId}` : "…")}
          <span className="muted h1-id">#{experimentId}</span>
        </h1>
        <span className="runs-count" data-testid="runs-count" data-count={total ?? ""}>
          {total !== undefined ? (
            <>
              {formatInt(total)} {view.group ? "top-level " : ""}run{total === 1 ? "" : "s"}
              {count.isFetching && <Spinner inline label="" />}
            </>
          ) : count.isError ? (
            <span title={errorMessage(count.error)}>
              {formatInt(loaded)}
              {hasNextPage ? "+" : ""} runs
            </span>
          ) : (
            <Spinner inline label="counting…" />
          )}
        </span>
      </div>
      <div className="toolbar runs-toolbar">
        <FilterBox
          value={view.filter}
          error={filterError}
          busy={runs.isFetching && !isFetchingNextPage}
          onApply={(f) => setView({ filter: f, open: [] })}
        />
        <label className="toggle" title="List top-level runs; expand one to see its child runs">
          <input
            type="checkbox"
            checked={view.group}
            onChange={(e) => setView({ group: e.target.checked, open: [] })}
          />
          Group nested runs
        </label>
        {keys && (
          <ColumnChooser
            keys={keys}
            visible={visibleIds}
            pinned={pinnedIds}
            onChange={(c) =>
              setView(
                {
                  ...(c.cols !== undefined ? { cols: c.cols } : {}),
                  ...(c.pin !== undefined ? { pin: c.pin } : {}),
                },
                true,
              )
            }
          />
        )}
        <Link
          href={canCompare ? paths.compare(view.sel) : "#"}
          className={`button primary${canCompare ? "" : " disabled"}`}
          data-testid="compare-button"
          aria-disabled={!canCompare}
          title={
            nSel < 2
              ? "Select 2 to 20 runs to compare"
              : nSel > MAX_COMPARE
                ? `At most ${MAX_COMPARE} runs`
                : "Compare the selected runs"
          }
          onClick={(e) => {
            if (!canCompare) e.preventDefault();
          }}
        >
          Compare ({nSel})
        </Link>
      </div>
      {cols.isError && (
        <div className="notice">
          Cannot list this experiment's columns ({errorMessage(cols.error)}); showing attributes only.
        </div>
      )}
      {otherError !== null && <ErrorPanel error={otherError} title="Cannot load the runs" />}
      {resolved === null || (runs.isPending && !runs.isError) ? (
        <div className="runs-table-skeleton">
          <Skeleton rows={14} height={18} />
        </div>
      ) : (
        <RunsTable
          rows={rows}
          columns={resolved.columns}
          pinnedCount={resolved.pinnedCount}
          sort={view.sort}
          onSort={onSort}
          selected={selected}
          onToggleSelect={toggleSelect}
          onClearSelection={clearSelection}
          onToggleExpand={toggleExpand}
          grouping={view.group}
          childCount={childCount}
          onEndReached={onEndReached}
          resetKey={resetKey}
          dimmed={runs.isPlaceholderData}
          footer={
            <div className="table-footer">
              {rows.length === 0 && !runs.isFetching ? (
                <span>{view.filter ? "No run matches this filter." : "No runs in this experiment yet."}</span>
              ) : (
                <span>
                  {formatInt(loaded)}
                  {total !== undefined ? ` of ${formatInt(total)}` : ""} loaded
                </span>
              )}
              {isFetchingNextPage && <Spinner inline label="loading more…" />}
              {runs.isFetchNextPageError && (
                <button type="button" className="link-button" onClick={() => void fetchNextPage()}>
                  Loading more failed: retry
                </button>
              )}
            </div>
          }
        />
      )}
    </div>
  );
}
