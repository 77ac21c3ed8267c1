/** `/studies?q=…`: every hyperparameter-optimization study with its trials by state and best value(s). */

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ErrorPanel, ListPageHead, Skeleton, Time, TrialStateBadge } from "../components/index.js";
import { formatInt, formatNumber, naturalCompare, paths } from "../lib/index.js";
import { studiesQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

export function StudiesPage() {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const search = q.get("q") ?? "";
  const studies = useQuery(studiesQuery());
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (studies.data ?? [])
      .filter((s) => !needle || s.name.toLowerCase().includes(needle))
      .sort(
        (a, b) =>
          (b.lastChangeTime ?? b.createdTime) - (a.lastChangeTime ?? a.createdTime) ||
          naturalCompare(a.name, b.name),
      );
  }, [studies.data, search]);

  return (
    <div className="page">
      <ListPageHead
        title="Studies"
        what="studies"
        search={search}
        onSearch={(q) => setQuery({ q }, { replace: true })}
      />
      {studies.isPending ? (
        <Skeleton rows={6} />
      ) : studies.isError ? (
        <ErrorPanel error={studies.error} title="Cannot list the studies" />
      ) : (
        <table className="table studies-table" data-testid="studies-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Direction</th>
              <th className="num">Trials</th>
              <th>By state</th>
              <th className="num">Best</th>
              <th>Last activity</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={7} className="empty-cell">
                  {search
                    ? `No study name contains “${search}”.`
                    : "No studies yet: sx.createStudy({ name, direction, sampler }) makes one."}
                </td>
              </tr>
            )}
            {rows.map((s) => (
              <tr key={s.studyId} data-testid="study-row" data-study={s.name}>
                <td className="strong">
                  <Link href={paths.study(s.name)}>{s.name}</Link>
                </td>
                <td>{s.directions.join(", ")}</td>
                <td className="num">{formatInt(s.nTrials)}</td>
                <td>
                  <span className="study-counts">
                    {(["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"] as const)
                      .filter((st) => s.trialCounts[st] > 0)
                      .map((st) => (
                        <span key={st} className="study-count" data-state={st}>
                          <TrialStateBadge state={st} /> {s.trialCounts[st]}
                        </span>
                      ))}
                  </span>
                </td>
                <td className="num mono">
                  {s.best.every((b) => b === null) ? (
                    <span className="muted">—</span>
                  ) : (
                    s.best.map((b) => (b === null ? "—" : formatNumber(b.value))).join(", ")
                  )}
                </td>
                <td>
                  <Time ms={s.lastChangeTime} />
                </td>
                <td>
                  <Time ms={s.createdTime} compact />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
