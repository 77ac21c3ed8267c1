/**
 * `/evaluations/:id`: one evaluation record. Metrics with their bootstrap intervals, the
 * comparison with the baseline and the bootstrap distribution of each difference, the backtest as
 * a line over windows with its summary, the segment table, and ROC / precision-recall /
 * calibration curves. Linked from the run it belongs to.
 */

import { useQuery } from "@tanstack/react-query";
import type { EvaluationJson } from "../../api/index.js";
import { ErrorPanel, Histogram, LinePlot, Skeleton } from "../components/index.js";
import { formatNumber, formatTimestamp, paths, shortId } from "../lib/index.js";
import { evaluationQuery } from "../queries.js";
import { Link } from "../router.js";

const CHARTS = { display: "flex", flexWrap: "wrap", gap: 16, margin: "12px 0" } as const;
const META = { display: "flex", flexWrap: "wrap", gap: 16, margin: "4px 0" } as const;

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : formatNumber(Number(v.toPrecision(4)));
}

function interval(ci: [number, number] | null): string {
  return ci === null ? "—" : `[${num(ci[0])}, ${num(ci[1])}]`;
}

export function EvaluationPage({ evaluationId }: { evaluationId: string }) {
  const q = useQuery(evaluationQuery(evaluationId));
  if (q.isPending) {
    return (
      <div className="page">
        <Skeleton rows={3} height={20} />
        <Skeleton rows={8} />
      </div>
    );
  }
  if (q.isError) {
    return (
      <div className="page">
        <ErrorPanel error={q.error} title="Cannot load the evaluation">
          <Link href="/">Back to the experiments</Link>
        </ErrorPanel>
      </div>
    );
  }
  const e = q.data;
  const level = `${Math.round(e.bootstrap.ci * 100)}% CI`;
  return (
    <div className="page evaluation-page">
      <Header e={e} />
      <div className="overview-panels">
        <section className="panel" data-testid="eval-metrics">
          <h2>
            Metrics{" "}
            <span className="muted">
              bootstrap {level}, {e.bootstrap.nBoot} resamples
            </span>
          </h2>
          <table className="table">
            <thead>
              <tr>
                <th>Metric</th>
                <th className="num">Value</th>
                <th className="num">{level}</th>
              </tr>
            </thead>
            <tbody>
              {e.metrics.map((m) => (
                <tr key={m.name} data-metric={m.name}>
                  <td>
                    {m.name}
                    {m.lowerIsBetter && <span className="muted"> (lower is better)</span>}
                  </td>
                  <td className="num">{num(m.value)}</td>
                  <td className="num">{interval(m.ci)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {e.leakage.length > 0 && (
          <section className="panel" data-testid="eval-leakage">
            <h2>Split checks</h2>
            <ul className="eval-issues">
              {e.leakage.map((l) => (
                <li key={`${l.code}-${l.column ?? ""}`}>
                  <span className={l.severity === "error" ? "badge badge-warn" : "badge badge-muted"}>
                    {l.severity}
                  </span>{" "}
                  <code>{l.code}</code> {l.message}
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
      {e.baseline && <Comparison e={e} level={level} />}
      {e.backtest && <Backtest e={e} />}
      {e.segments && <Segments e={e} />}
      <Curves e={e} />
    </div>
  );
}

function Header({ e }: { e: EvaluationJson }) {
  const split = e.split;
  return (
    <section className="run-header" data-testid="eval-header">
      <h1>{e.name}</h1>
      <div className="eval-meta" style={META}>
        <span>
          Evaluation <code>{shortId(e.evaluationId)}</code>
        </span>
        {e.runId && (
          <span>
            Run{" "}
            <Link href={paths.run(e.runId)} data-testid="eval-run-link">
              {shortId(e.runId)}
            </Link>
          </span>
        )}
        <span>Created {formatTimestamp(e.createdTime)}</span>
        <span>
          {e.rows} rows, {e.positives} positive ({e.label ?? "label"}), threshold {e.threshold}
        </span>
        {split && (
          <span data-testid="eval-split">
            {split.kind === "temporal"
              ? `Temporal split on ${split.timeColumn} at ${split.cutoff.slice(0, 10)}: ${split.trainRows} train / ${split.testRows} test rows`
              : `Random split (test ${split.testSize}, seed ${split.seed}${split.stratify ? `, stratified on ${split.stratify}` : ""})`}
          </span>
        )}
      </div>
      <div className="eval-datasets muted" style={META}>
        {e.datasets.map((d) => (
          <span key={d.role} title={d.digest}>
            {d.role}: sha256 {d.digest.slice(0, 12)}… ({d.rows} × {d.columns})
          </span>
        ))}
      </div>
    </section>
  );
}

function Comparison({ e, level }: { e: EvaluationJson; level: string }) {
  return (
    <section className="panel panel-wide" data-testid="eval-comparison">
      <h2>
        Versus baseline “{e.baseline!.name}”{" "}
        <span className="muted">paired bootstrap; difference = model − baseline</span>
      </h2>
      <table className="table">
        <thead>
          <tr>
            <th>Metric</th>
            <th className="num">Model</th>
            <th className="num">Baseline</th>
            <th className="num">Difference</th>
            <th className="num">{level}</th>
            <th className="num">p-value</th>
          </tr>
        </thead>
        <tbody>
          {e.comparisons.map((c) => (
            <tr key={c.metric} data-metric={c.metric}>
              <td>{c.metric}</td>
              <td className="num">{num(c.model)}</td>
              <td className="num">{num(c.baseline)}</td>
              <td className="num">{num(c.meanDiff)}</td>
              <td className="num">{interval(c.ci)}</td>
              <td className="num">{num(c.pValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="eval-charts" style={CHARTS}>
        {e.comparisons.map((c) => (
          <Histogram
            key={c.metric}
            title={`${c.metric}: bootstrap distribution of the difference (${c.nBoot} resamples)`}
            edges={c.histogram.edges}
            counts={c.histogram.counts}
            xLabel={`${c.metric} model − baseline`}
            testId={`eval-hist-${c.metric}`}
          />
        ))}
      </div>
    </section>
  );
}

function Backtest({ e }: { e: EvaluationJson }) {
  const b = e.backtest!;
  const labels = b.windows.map((w) => w.testPeriod.slice(0, 7));
  return (
    <section className="panel panel-wide" data-testid="eval-backtest">
      <h2>
        Backtest{" "}
        <span className="muted">
          {b.mode} windows on {b.timeColumn}, {b.windows.length} windows
        </span>
      </h2>
      <div className="eval-charts" style={CHARTS}>
        {b.metrics.map((m) => {
          const pts = b.windows.filter((w) => w.metrics[m] !== null && w.metrics[m] !== undefined);
          return (
            <LinePlot
              key={m}
              title={`${m} per window`}
              series={[
                { name: m, xs: pts.map((w) => w.index), ys: pts.map((w) => w.metrics[m]!), dots: true },
              ]}
              xTicks={labels}
              domain={undefined}
              xLabel="test period"
              yLabel={m}
              testId={`eval-backtest-${m}`}
            />
          );
        })}
      </div>
      <table className="table" data-testid="eval-backtest-summary">
        <thead>
          <tr>
            <th>Metric</th>
            <th className="num">Mean</th>
            <th className="num">Std</th>
            <th className="num">Min</th>
            <th className="num">Max</th>
            <th className="num">Trend / period</th>
          </tr>
        </thead>
        <tbody>
          {b.metrics.map((m) => {
            const s = b.summary[m];
            return (
              <tr key={m} data-metric={m}>
                <td>{m}</td>
                <td className="num">{num(s?.mean)}</td>
                <td className="num">{num(s?.std)}</td>
                <td className="num">{num(s?.min)}</td>
                <td className="num">{num(s?.max)}</td>
                <td className="num">{num(s?.trend)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table className="table" data-testid="eval-backtest-windows">
        <thead>
          <tr>
            <th>Test period</th>
            <th>Train</th>
            <th className="num">Train rows</th>
            <th className="num">Test rows</th>
            {b.metrics.map((m) => (
              <th key={m} className="num">
                {m}
              </th>
            ))}
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {b.windows.map((w) => (
            <tr key={w.index}>
              <td>{w.testPeriod.slice(0, 10)}</td>
              <td>
                {w.trainStart.slice(0, 10)} … {w.trainEnd.slice(0, 10)}
              </td>
              <td className="num">{w.trainRows}</td>
              <td className="num">{w.testRows}</td>
              {b.metrics.map((m) => (
                <td key={m} className="num">
                  {num(w.metrics[m])}
                </td>
              ))}
              <td>{w.runId ? <Link href={paths.run(w.runId)}>{shortId(w.runId)}</Link> : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Segments({ e }: { e: EvaluationJson }) {
  const s = e.segments!;
  const rows = [...s.segments, { ...s.overall, segment: "(all)" }];
  return (
    <section className="panel panel-wide" data-testid="eval-segments">
      <h2>
        By {s.column ?? "segment"} <span className="muted">{s.segments.length} segments</span>
      </h2>
      <table className="table">
        <thead>
          <tr>
            <th>Segment</th>
            <th className="num">Rows</th>
            <th className="num">Positives</th>
            {s.metrics.map((m) => (
              <th key={m} className="num">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.segment ?? "(missing)"} data-segment={r.segment ?? "(missing)"}>
              <td>{r.segment ?? "(missing)"}</td>
              <td className="num">{r.rows}</td>
              <td className="num">{r.positives}</td>
              {s.metrics.map((m) => (
                <td key={m} className="num">
                  {num(r.metrics[m])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Curves({ e }: { e: EvaluationJson }) {
  const { roc, pr, calibration } = e.curves;
  if (!roc && !pr && !calibration) return null;
  const unit = { x: [0, 1] as [number, number], y: [0, 1] as [number, number] };
  const diagonal = { name: "chance", xs: [0, 1], ys: [0, 1], dashed: true };
  return (
    <section className="panel panel-wide" data-testid="eval-curves">
      <h2>Curves</h2>
      <div className="eval-charts" style={CHARTS}>
        {roc && (
          <LinePlot
            title="ROC curve"
            series={[{ name: "model", xs: roc.fpr, ys: roc.tpr }, diagonal]}
            domain={unit}
            xLabel="false positive rate"
            yLabel="true positive rate"
            testId="eval-roc"
          />
        )}
        {pr && (
          <LinePlot
            title="Precision-recall curve"
            series={[{ name: "model", xs: pr.recall, ys: pr.precision }]}
            domain={unit}
            xLabel="recall"
            yLabel="precision"
            testId="eval-pr"
          />
        )}
        {calibration && (
          <LinePlot
            title="Calibration"
            series={[
              { name: "model", xs: calibration.probPred, ys: calibration.probTrue, dots: true },
              { ...diagonal, name: "perfect" },
            ]}
            domain={unit}
            xLabel="mean predicted probability"
            yLabel="fraction positive"
            testId="eval-calibration"
          />
        )}
      </div>
    </section>
  );
}
