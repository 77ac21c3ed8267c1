/** A study's trials: number, state, value(s), params, duration, reported steps and a link to each trial's run. */
import type { ReportParamValue, StudyReport } from "../../api/index.js";
import type { TrialState } from "../../store/index.js";
import { formatDuration, formatNumber, paths } from "../lib/index.js";
import { Link } from "../router.js";
import { sortTrials, type TrialSort } from "./StudyTrialOrder.js";

const STATE_CLASS: Record<TrialState, string> = {
  COMPLETE: "status-finished",
  PRUNED: "status-pruned",
  FAIL: "status-failed",
  RUNNING: "status-running",
  WAITING: "status-waiting",
};

export function TrialStateBadge({ state }: { state: TrialState }) {
  return <span className={`status ${STATE_CLASS[state]}`}>{state.toLowerCase()}</span>;
}

function paramText(v: ReportParamValue | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  return v === null ? "null" : String(v);
}

export const MAX_TABLE_ROWS = 2000;

export function StudyTrialsTable({
  report,
  objective,
  sort,
  desc,
  onSort,
}: {
  report: StudyReport;
  objective: number;
  sort: TrialSort;
  desc: boolean;
  onSort: (sort: TrialSort, desc: boolean) => void;
}) {
  const multi = report.study.directions.length > 1;
  const maximize = report.study.directions[objective] === "maximize";
  const params = report.params.map((p) => p.name);
  const bestNumbers = new Set(report.best.flatMap((b) => (b === null ? [] : [b.number])));
  const rows = sortTrials(report.trials, sort, desc, objective);
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const header = (key: TrialSort, label: string) => (
    <button
      type="button"
      className={sort === key ? "th-button sorted" : "th-button"}
      // a first click shows the best first (the longest for durations)
      onClick={() => onSort(key, sort === key ? !desc : key === "duration" || (key === "value" && maximize))}
    >
      {label}
      {sort === key && <span className="sort-arrow">{desc ? "▼" : "▲"}</span>}
    </button>
  );
  return (
    <div className="study-table-scroll">
      <table className="table study-trials-table" data-testid="study-trials-table">
        <thead>
          <tr>
            <th className="num">{header("number", "#")}</th>
            <th>State</th>
            {report.study.directions.map((d, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: objectives are positional
              <th key={j} className="num">
                {j === objective ? (
                  header("value", multi ? `Value ${j} (${d === "maximize" ? "max" : "min"})` : "Value")
                ) : (
                  <span className="th-static">{`Value ${j} (${d === "maximize" ? "max" : "min"})`}</span>
                )}
              </th>
            ))}
            {params.map((p) => (
              <th key={p} className="param-col">
                <span className="th-static" title={p}>
                  {p}
                </span>
              </th>
            ))}
            <th className="num">{header("duration", "Duration")}</th>
            <th className="num">Steps</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={6 + params.length + report.study.directions.length} className="empty-cell">
                No trials yet.
              </td>
            </tr>
          )}
          {shown.map((t) => {
            const best = multi ? t.pareto : bestNumbers.has(t.number);
            return (
              <tr key={t.number} data-testid="trial-row" data-number={t.number} data-state={t.state}>
                <td className="num strong">
                  {t.number}
                  {best && (
                    <span className="best-mark" title={multi ? "on the Pareto front" : "best trial"}>
                      ★
                    </span>
                  )}
                </td>
                <td>
                  <TrialStateBadge state={t.state} />
                </td>
                {report.study.directions.map((_, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: objectives are positional
                  <td key={j} className="num mono">
                    {t.values ? formatNumber(t.values[j]) : <span className="muted">—</span>}
                  </td>
                ))}
                {params.map((p) => (
                  <td key={p} className="mono">
                    {p in t.params ? paramText(t.params[p]) : <span className="muted">—</span>}
                  </td>
                ))}
                <td className="num">{formatDuration(t.durationMs) || <span className="muted">—</span>}</td>
                <td className="num">{t.lastStep ?? <span className="muted">—</span>}</td>
                <td>
                  {t.runId ? (
                    <Link href={paths.run(t.runId)} className="mono run-link" data-testid="trial-run-link">
                      {t.runId.slice(0, 8)}
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length > shown.length && (
        <div className="table-footer muted">
          Showing {shown.length} of {rows.length} trials.
        </div>
      )}
    </div>
  );
}
