/**
 * Promotion gates: a declarative policy checked against a stored evaluation, with every condition
 * reported (passed or failed) so a blocked promotion says exactly why. `evaluateGate` is a pure
 * function of the policy and the record: the registry calls it before a promotion.
 *
 * @example
 *   evaluateGate({ metric: "f1", mustBeat: "baseline", test: "paired-bootstrap", alpha: 0.05,
 *     minBacktestWindows: 5, maxWindowStd: 0.05, minSegment: { free: 0.5 } }, evaluation)
 */
import { SextantError } from "../core/index.js";
import { type EvaluationContent, type StoredEvaluation, toEvaluation } from "./record.js";
import { METRIC_NAMES } from "./scoring.js";

export interface GatePolicy {
  /** The metric every condition is about. */
  metric: string;
  /** The model must beat the evaluation's baseline significantly. */
  mustBeat?: "baseline";
  /** The test that must back the comparison (default "paired-bootstrap"). */
  test?: "paired-bootstrap";
  /** Significance level of the comparison (default 0.05). */
  alpha?: number;
  /** The metric must reach this value on the evaluation rows (at most this, for a lower-is-better metric). */
  minValue?: number;
  /** The lower end of the metric's confidence interval must reach this (the upper end, lower-is-better). */
  minCiLow?: number;
  /** A backtest with at least this many windows where the metric is defined. */
  minBacktestWindows?: number;
  /** The metric's standard deviation across backtest windows at most this. */
  maxWindowStd?: number;
  /** The metric's backtest trend (change per period) no worse than this (e.g. -0.01). */
  minTrend?: number;
  /** Segment value → the metric's floor in that segment (ceiling, lower-is-better). */
  minSegment?: Record<string, number>;
}

export interface GateReason {
  /** The condition checked, e.g. "mustBeat baseline" or "minSegment free ≥ 0.5". */
  condition: string;
  ok: boolean;
  detail: string;
}

export interface GateResult {
  pass: boolean;
  reasons: GateReason[];
}

/**
 * Checks every condition of the policy against the evaluation (as `sx.getEvaluation` returns it,
 * or the store's record).
 * @throws INVALID_ARGUMENT when the policy itself is malformed (unknown metric, alpha outside (0, 1));
 *   INVALID_STATE for a record of an unknown content format
 */
export function evaluateGate(policy: GatePolicy, record: EvaluationContent | StoredEvaluation): GateResult {
  checkPolicy(policy);
  const evaluation: EvaluationContent = "content" in record ? toEvaluation(record) : record;
  const m = policy.metric;
  const reasons: GateReason[] = [];
  const add = (condition: string, ok: boolean, detail: string) => reasons.push({ condition, ok, detail });
  const row = evaluation.metrics.find((r) => r.name === m);
  const lower = row?.lowerIsBetter ?? (m === "log_loss" || m === "brier");
  const better = lower ? "≤" : "≥";
  const atLeast = (v: number, bound: number) => (lower ? v <= bound : v >= bound);

  if (!row || row.value === null) {
    add(
      `${m} measured`,
      false,
      row ? `${m} is undefined on the evaluation rows` : `the evaluation has no ${m}`,
    );
  } else {
    if (policy.minValue !== undefined) {
      add(
        `${m} ${better} ${policy.minValue}`,
        atLeast(row.value, policy.minValue),
        `${m} is ${fmt(row.value)}`,
      );
    }
    if (policy.minCiLow !== undefined) {
      const end = row.ci === null ? null : lower ? row.ci[1] : row.ci[0];
      add(
        `${m} interval ${lower ? "upper" : "lower"} end ${better} ${policy.minCiLow}`,
        end !== null && atLeast(end, policy.minCiLow),
        end === null ? `${m} has no confidence interval` : `${m} is ${fmt(row.value)} (CI ${fmtCi(row.ci!)})`,
      );
    }
  }

  if (policy.mustBeat === "baseline") {
    const alpha = policy.alpha ?? 0.05;
    const test = policy.test ?? "paired-bootstrap";
    const c = evaluation.comparisons.find((x) => x.metric === m);
    if (!evaluation.baseline) {
      add("mustBeat baseline", false, "the evaluation has no baseline");
    } else if (!c) {
      add(
        "mustBeat baseline",
        false,
        `the evaluation compares no ${m} with the baseline "${evaluation.baseline.name}"`,
      );
    } else if (c.test !== test) {
      add("mustBeat baseline", false, `the comparison used ${c.test}, the policy asks for ${test}`);
    } else {
      const improves = c.lowerIsBetter ? c.meanDiff < 0 : c.meanDiff > 0;
      const ok = improves && c.pValue < alpha;
      const sign = c.meanDiff >= 0 ? "+" : "";
      add(
        `mustBeat baseline (${test}, α = ${alpha})`,
        ok,
        `${m} ${fmt(c.model)} vs ${fmt(c.baseline)} for "${evaluation.baseline.name}": ${sign}${fmt(c.meanDiff)} (${Math.round((evaluation.bootstrap?.ci ?? 0.95) * 100)}% CI ${fmtCi(c.ci)}), p = ${c.pValue === 0 ? `0 (of ${c.nBoot} resamples)` : fmtP(c.pValue)}${ok ? ` < ${alpha}` : improves ? ` ≥ ${alpha}` : ", not an improvement"}`,
      );
    }
  }

  if (
    policy.minBacktestWindows !== undefined ||
    policy.maxWindowStd !== undefined ||
    policy.minTrend !== undefined
  ) {
    const bt = evaluation.backtest;
    const stats = bt?.summary[m] ?? null;
    if (policy.minBacktestWindows !== undefined) {
      const n = stats?.n ?? 0;
      add(
        `backtest windows ≥ ${policy.minBacktestWindows}`,
        n >= policy.minBacktestWindows,
        bt === null ? "the evaluation has no backtest" : `${n} backtest windows measure ${m}`,
      );
    }
    if (policy.maxWindowStd !== undefined) {
      add(
        `backtest std of ${m} ≤ ${policy.maxWindowStd}`,
        stats !== null && stats.n > 1 && stats.std <= policy.maxWindowStd,
        stats === null
          ? bt === null
            ? "the evaluation has no backtest"
            : `no backtest window measures ${m}`
          : stats.n < 2
            ? "one window has no spread to judge"
            : `std across ${stats.n} windows is ${fmt(stats.std)} (mean ${fmt(stats.mean)}, min ${fmt(stats.min)})`,
      );
    }
    if (policy.minTrend !== undefined) {
      const trend = stats === null ? null : lower ? -stats.trend : stats.trend;
      add(
        `backtest trend of ${m} ≥ ${policy.minTrend} per period`,
        trend !== null && stats!.n > 1 && trend >= policy.minTrend,
        stats === null
          ? "no backtest measures it"
          : `${m} changes by ${fmt(stats.trend)} per period over ${stats.n} windows`,
      );
    }
  }

  for (const [segment, bound] of Object.entries(policy.minSegment ?? {})) {
    const seg = evaluation.segments?.segments.find((s) => s.segment === segment);
    const v = seg?.metrics[m];
    add(
      `segment ${segment}: ${m} ${better} ${bound}`,
      v !== undefined && v !== null && atLeast(v, bound),
      evaluation.segments === null
        ? "the evaluation has no segment table"
        : !seg
          ? `no segment "${segment}" in ${evaluation.segments.column ?? "the segments"}`
          : v === null || v === undefined
            ? `${m} is undefined in segment ${segment} (${seg.rows} rows, ${seg.positives} positive)`
            : `${m} is ${fmt(v)} in segment ${segment} (${seg.rows} rows)`,
    );
  }

  if (reasons.length === 0) add("policy has conditions", false, "the policy checks nothing");
  return { pass: reasons.every((r) => r.ok), reasons };
}

function checkPolicy(p: GatePolicy): void {
  if (!(METRIC_NAMES as readonly string[]).includes(p.metric)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `unknown gate metric "${p.metric}"; known: ${METRIC_NAMES.join(", ")}`,
    );
  }
  if (p.alpha !== undefined && !(p.alpha > 0 && p.alpha < 1)) {
    throw new SextantError("INVALID_ARGUMENT", `alpha must be in (0, 1), got ${p.alpha}`);
  }
  if (p.mustBeat !== undefined && p.mustBeat !== "baseline") {
    throw new SextantError("INVALID_ARGUMENT", `mustBeat must be "baseline", got ${String(p.mustBeat)}`);
  }
  if (p.test !== undefined && p.test !== "paired-bootstrap") {
    throw new SextantError("INVALID_ARGUMENT", `test must be "paired-bootstrap", got ${String(p.test)}`);
  }
  for (const k of ["minBacktestWindows", "maxWindowStd", "minValue", "minCiLow", "minTrend"] as const) {
    const v = p[k];
    if (v !== undefined && !Number.isFinite(v))
      throw new SextantError("INVALID_ARGUMENT", `${k} must be a number, got ${v}`);
  }
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function fmtCi(ci: [number, number]): string {
  return `[${fmt(ci[0])}, ${fmt(ci[1])}]`;
}

function fmtP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : fmt(p);
}
