/** `/`: every experiment with its run count and last activity; filter by name (client-side). */

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ErrorPanel, ListPageHead, Skeleton, Time } from "../components/index.js";
import type { ExperimentSummary as Experiment, ViewType } from "../lib/index.js";
import { formatInt, naturalCompare, paths } from "../lib/index.js";
import { experimentsQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

type SortKey = "name" | "runs" | "last" | "created";

const SORTS: Record<SortKey, (a: Experiment, b: Experiment) => number> = {
  name: (a, b) => naturalCompare(a.name, b.name),
  runs: (a, b) => (b.runCount ?? 0) - (a.runCount ?? 0),
  last: (a, b) => lastActivity(b) - lastActivity(a),
  created: (a, b) => b.creationTime - a.creationTime,
};

function lastActivity(e: Experiment): number {
  return Math.max(e.lastRunStartTime ?? 0, e.lastUpdateTime);
}

export function ExperimentsPage() {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const view: ViewType = q.get("view") === "deleted" ? "deleted" : q.get("view") === "all" ? "all" : "active";
  const search = q.get("q") ?? "";
  const sort: SortKey =
    (["name", "runs", "last", "created"] as const).find((s) => s === q.get("sort")) ?? "last";
  const experiments = useQuery(experimentsQuery(view));

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const list = (experiments.data ?? []).filter((e) => !needle || e.name.toLowerCase().includes(needle));
    return list.sort(SORTS[sort]);
  }, [experiments.data, search, sort]);

  const header = (key: SortKey, label: string, className?: string) => (
    <th className={className}>
      <button
        type="button"
        className={sort === key ? "th-button sorted" : "th-button"}
        onClick={() => setQuery({ sort: key === "last" ? null : key }, { replace: true })}
      >
        {label}
        {sort === key && <span className="sort-arrow">{key === "name" ? "▲" : "▼"}</span>}
      </button>
    </th>
  );

  return (
    <div className="page">
      <ListPageHead
        title="Experiments"
        what="experiments"
        search={search}
        onSearch={(q) => setQuery({ q }, { replace: true })}
      >
        <select
          className="input"
          value={view}
          onChange={(e) =>
            setQuery({ view: e.target.value === "active" ? null : e.target.value }, { replace: true })
          }
          aria-label="Which experiments"
        >
          <option value="active">Active</option>
          <option value="deleted">Deleted</option>
          <option value="all">All</option>
        </select>
      </ListPageHead>
      {experiments.isPending ? (
        <Skeleton rows={8} />
      ) : experiments.isError ? (
        <ErrorPanel error={experiments.error} title="Cannot list the experiments" />
      ) : (
        <table className="table experiments-table" data-testid="experiments-table">
          <thead>
            <tr>
              {header("name", "Name")}
              <th className="num">ID</th>
              {header("runs", "Runs", "num")}
              {header("last", "Last activity")}
              {header("created", "Created")}
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={6} className="empty-cell">
                  {search ? `No experiment name contains “${search}”.` : "No experiments yet."}
                </td>
              </tr>
            )}
            {rows.map((e) => (
              <tr key={e.experimentId} data-testid="experiment-row" data-experiment-id={e.experimentId}>
                <td className="strong">
                  <Link href={paths.runs(e.experimentId)}>{e.name}</Link>
                  {e.lifecycleStage === "deleted" && <span className="badge badge-muted">deleted</span>}
                </td>
                <td className="num muted">{e.experimentId}</td>
                <td className="num">
                  <Link href={paths.runs(e.experimentId)}>{formatInt(e.runCount ?? 0)}</Link>
                </td>
                <td>
                  <Time ms={e.lastRunStartTime ?? null} />
                </td>
                <td>
                  <Time ms={e.creationTime} compact />
                </td>
                <td className="tags-cell">
                  {Object.entries(e.tags)
                    .filter(([k]) => !k.startsWith("mlflow."))
                    .slice(0, 4)
                    .map(([k, v]) => (
                      <span key={k} className="chip" title={`${k}=${v}`}>
                        {k}={v}
                      </span>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
