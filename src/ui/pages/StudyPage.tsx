/**
 * `/studies/:name?obj=…&sort=…&desc=1`: one hyperparameter-optimization study. Optimization
 * history with the best-so-far line, parameter importances, parallel coordinates, slice plots,
 * intermediate values (pruned trials marked) and the trials table, each trial linking to its run.
 * Refreshes every 2 s while trials run (slowly when none does). `obj` picks the objective of a
 * multi-objective study, `imp=fanova` fANOVA importances (default: mean decrease in impurity).
 */

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { StudyReport } from "../../api/index.js";
import { ApiError } from "../api.js";
import type { TrialSort } from "../components/index.js";
import {
  Empty,
  ErrorPanel,
  HistoryChart,
  ImportanceBars,
  IntermediateChart,
  ParallelChart,
  Skeleton,
  SlicePlots,
  Spinner,
  StudyTrialsTable,
  Time,
  TrialStateBadge,
} from "../components/index.js";
import { formatInt, formatNumber, paths } from "../lib/index.js";
import { STUDY_POLL_MS, studyQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

const SORTS: readonly TrialSort[] = ["number", "value", "duration"];

export function StudyPage({ name }: { name: string }) {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const importance = q.get("imp") === "fanova" ? "fanova" : "mdi";
  // switching the importance method keeps the page on screen while the other report loads
  const study = useQuery({ ...studyQuery(name, importance), placeholderData: keepPreviousData });

  if (study.isPending) {
    return (
      <div className="page">
        <Skeleton rows={3} height={20} />
        <Skeleton rows={8} />
      </div>
    );
  }
  if (study.isError) {
    const missing = study.error instanceof ApiError && study.error.code === "STUDY_NOT_FOUND";
    return (
      <div className="page">
        <ErrorPanel error={study.error} title={missing ? "No such study" : "Cannot load the study"}>
          <Link href={paths.studies()}>Back to the studies</Link>
        </ErrorPanel>
      </div>
    );
  }
  const report = study.data.report;
  const m = report.study.directions.length;
  const objRaw = Number(q.get("obj") ?? 0);
  const objective = Number.isInteger(objRaw) && objRaw >= 0 && objRaw < m ? objRaw : 0;
  const sort: TrialSort = SORTS.find((s) => s === q.get("sort")) ?? "number";
  const desc = q.get("desc") === "1";
  return (
    <div className="page study-page" data-testid="study-page">
      <StudyHeader report={report} refreshing={study.isFetching} />
      {m > 1 && (
        <div className="study-objectives">
          {report.study.directions.map((d, j) => (
            <button
              // biome-ignore lint/suspicious/noArrayIndexKey: objectives are positional
              key={j}
              type="button"
              className={j === objective ? "button button-sm active" : "button button-sm"}
              aria-pressed={j === objective}
              onClick={() => setQuery({ obj: j === 0 ? null : j }, { replace: true })}
            >
              Objective {j} ({d})
            </button>
          ))}
          <span className="muted small">{report.paretoFront.length} trials on the Pareto front (★)</span>
        </div>
      )}
      {report.study.nTrials === 0 ? (
        <Empty>No trials yet. This page refreshes on its own once the study runs.</Empty>
      ) : (
        <>
          <section className="study-grid">
            <div className="study-wide">
              <HistoryChart report={report} objective={objective} />
            </div>
            <ImportanceBars
              report={report}
              objective={objective}
              method={importance}
              onMethod={(m) => setQuery({ imp: m === "mdi" ? null : m }, { replace: true })}
            />
            <ParallelChart report={report} objective={objective} />
          </section>
          <section className="charts-section">
            <div className="section-head">
              <h2>Slices</h2>
              <span className="muted small">objective against each parameter; darker = later trial</span>
            </div>
            <SlicePlots report={report} objective={objective} />
          </section>
          <section className="charts-section">
            <IntermediateChart report={report} objective={objective} />
          </section>
          <section className="charts-section">
            <div className="section-head">
              <h2>Trials</h2>
            </div>
            <StudyTrialsTable
              report={report}
              objective={objective}
              sort={sort}
              desc={desc}
              onSort={(s, d) =>
                setQuery({ sort: s === "number" ? null : s, desc: d ? 1 : null }, { replace: true })
              }
            />
          </section>
        </>
      )}
    </div>
  );
}

function StudyHeader({ report, refreshing }: { report: StudyReport; refreshing: boolean }) {
  const s = report.study;
  const live = s.counts.RUNNING + s.counts.WAITING > 0;
  const runOf = new Map(report.trials.map((t) => [t.number, t.runId]));
  return (
    <section className="run-header" data-testid="study-header">
      <div className="run-title">
        <h1>{s.name}</h1>
        {s.directions.map((d, j) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: objectives are positional
          <span key={j} className="chip">
            {d}
          </span>
        ))}
        {live && (
          <span
            className="badge badge-ok"
            data-testid="study-live"
            title={`refreshing every ${STUDY_POLL_MS / 1000} s`}
          >
            live
          </span>
        )}
        {refreshing && <Spinner inline label="" />}
      </div>
      <dl className="meta">
        <div className="meta-item">
          <dt>Trials</dt>
          <dd data-testid="study-trial-count">{formatInt(s.nTrials)}</dd>
        </div>
        <div className="meta-item">
          <dt>By state</dt>
          <dd className="study-counts" data-testid="study-counts">
            {(["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"] as const)
              .filter((st) => s.counts[st] > 0)
              .map((st) => (
                <span key={st} className="study-count" data-state={st} data-count={s.counts[st]}>
                  <TrialStateBadge state={st} /> {s.counts[st]}
                </span>
              ))}
            {s.nTrials === 0 && <span className="muted">—</span>}
          </dd>
        </div>
        {report.best.map((b, j) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: objectives are positional
          <div key={j} className="meta-item">
            <dt>{s.directions.length > 1 ? `Best value ${j}` : "Best value"}</dt>
            <dd data-testid={`study-best-${j}`}>
              {b === null ? (
                <span className="muted">—</span>
              ) : (
                <>
                  <span className="mono strong">{formatNumber(b.value)}</span>{" "}
                  {runOf.get(b.number) ? (
                    <Link href={paths.run(runOf.get(b.number)!)}>trial #{b.number}</Link>
                  ) : (
                    <span className="muted">trial #{b.number}</span>
                  )}
                </>
              )}
            </dd>
          </div>
        ))}
        <div className="meta-item">
          <dt>Created</dt>
          <dd>
            <Time ms={s.createdTime} />
          </dd>
        </div>
        <div className="meta-item">
          <dt>Study run</dt>
          <dd>
            {s.runId ? (
              <Link href={paths.run(s.runId)} className="mono">
                {s.runId.slice(0, 8)}
              </Link>
            ) : (
              <span className="muted">not tracked</span>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
