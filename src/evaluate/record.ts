/**
 * Evaluation records: everything one evaluation found, as a JSON value the store keeps with the
 * run (and, later, the model version). `computeEvaluation` is the pure part — metrics with
 * bootstrap confidence intervals, the segment table, the backtest, the paired-bootstrap comparison
 * with a baseline, and the ROC / precision-recall / calibration curves (downsampled) — and the
 * tracking client's `sx.evaluate` stores what it returns.
 */

import { createHash } from "node:crypto";
import type { EvaluationJson } from "../api/index.js";
import { SextantError } from "../core/index.js";
import type { Table } from "../learn/index.js";
import { type BacktestOptions, type BacktestResult, backtest, type RunStarter } from "./backtest.js";
import { calibrationCurve, type Labels, precisionRecallCurve, rocCurve, toBinary } from "./metrics.js";
import {
  checkMetricNames,
  DEFAULT_THRESHOLD,
  LOWER_IS_BETTER,
  type MetricName,
  predictAt,
  scoreMetric,
} from "./scoring.js";
import { bySegment, type SegmentTable } from "./segments.js";
import { bootstrap, pairedBootstrap } from "./significance.js";
import {
  type LeakageIssue,
  type RandomSplitOptions,
  randomSplit,
  type Split,
  type SplitDefinition,
  type TemporalSplitOptions,
  temporalSplit,
} from "./splits.js";

/** Metrics computed on the scores themselves, not on 0/1 predictions. */
const RAW_SCORE_METRICS: ReadonlySet<MetricName> = new Set([
  "roc_auc",
  "average_precision",
  "log_loss",
  "brier",
]);

/** Version of the content format; readers refuse versions they do not know. */
export const EVALUATION_FORMAT = 1;
/** Points per stored curve, at most. */
export const CURVE_POINTS = 200;
/** Bins of the stored bootstrap distribution of a comparison. */
export const HISTOGRAM_BINS = 40;

/** What scores rows: the learners' Classifier fits. */
export interface Scorer {
  predictProba(X: Table): Float64Array | ArrayLike<number>;
  readonly featureNames?: string[] | null;
}

export interface DatasetRef {
  role: "train" | "test";
  /** sha256 of the table's columns (names, types and values). */
  digest: string;
  rows: number;
  columns: number;
}

export interface MetricWithCi {
  name: MetricName;
  /** null where undefined on these rows (one class only). */
  value: number | null;
  /** Percentile bootstrap interval, null when the value is null. */
  ci: [number, number] | null;
  lowerIsBetter: boolean;
}

export interface Histogram {
  /** Bin edges, one more than counts. */
  edges: number[];
  counts: number[];
}

export interface Comparison {
  metric: MetricName;
  test: "paired-bootstrap";
  /** The evaluated model's value and the baseline's. */
  model: number;
  baseline: number;
  /** Mean of the resampled differences model − baseline. */
  meanDiff: number;
  ci: [number, number];
  /** Share of resamples where the model is not better than the baseline. */
  pValue: number;
  nBoot: number;
  method: "cells" | "rows";
  lowerIsBetter: boolean;
  /** The resampled differences, binned. */
  histogram: Histogram;
}

export interface Curves {
  roc: { fpr: number[]; tpr: number[] } | null;
  pr: { recall: number[]; precision: number[] } | null;
  calibration: { probPred: number[]; probTrue: number[]; counts: number[] } | null;
}

/** The content of an evaluation record (what the store keeps as JSON). */
export interface EvaluationContent {
  format: number;
  label: string | null;
  threshold: number;
  rows: number;
  positives: number;
  datasets: DatasetRef[];
  split: SplitDefinition | null;
  /** What the split's leakage guards reported. */
  leakage: LeakageIssue[];
  bootstrap: { nBoot: number; seed: number; ci: number };
  metrics: MetricWithCi[];
  baseline: { name: string; metrics: Record<string, number | null> } | null;
  comparisons: Comparison[];
  segments: SegmentTable | null;
  backtest: BacktestResult | null;
  curves: Curves;
}

/** How the store keeps a record (the Store's EvaluationRecord has this shape). */
export interface StoredEvaluation {
  evaluationId: string;
  runId: string | null;
  name: string;
  createdTime: number;
  content: Record<string, unknown>;
}

/** A stored evaluation with its content typed. */
export type Evaluation = Omit<StoredEvaluation, "content"> & EvaluationContent;

export interface EvaluateInput {
  /** The model to evaluate (its predictProba scores the rows) … */
  model?: Scorer;
  /** … or its scores for the rows, P(y = 1). */
  predictions?: ArrayLike<number>;
  /** The rows evaluated; with a split, the table it splits (the test side is evaluated). */
  data?: Table;
  /**
   * The split the evaluated rows are the test side of — made by temporalSplit / randomSplit, or
   * described here and applied to `data`. Its definition and leakage report go in the record.
   * Predictions then cover the test rows, or every row of `data` (the test rows are taken).
   */
  split?: Split | ({ kind: "temporal" } & TemporalSplitOptions) | ({ kind: "random" } & RandomSplitOptions);
  /** Label column of the data. */
  label: string;
  /** Features the model reads (default: the model's featureNames). */
  features?: string[];
  metrics: readonly string[];
  /** Label metrics predict 1 where score ≥ threshold (default 0.5). */
  threshold?: number;
  /** Compared with the model by a paired bootstrap, metric by metric. */
  baseline?: {
    name?: string;
    model?: Scorer;
    predictions?: ArrayLike<number>;
    /** The baseline's own decision threshold for label metrics (default: the model's). */
    threshold?: number;
  };
  /** A column of the data to break the metrics down by. */
  segments?: string;
  /** A finished backtest, or the options to run one (its windows become child runs of runId). */
  backtest?: BacktestResult | Omit<BacktestOptions<unknown>, "metrics" | "threshold" | "tracking">;
  /** Bootstrap resamples for the metric intervals (default 1000) and the comparison (default 10,000). */
  nBoot?: number;
  compareBoot?: number;
  /** Seed of every resampling (default 0). */
  seed?: number;
  /** Interval level (default 0.95). */
  ci?: number;
  /** Calibration bins (default 10). */
  calibrationBins?: number;
}

/**
 * Computes an evaluation's content (nothing is stored).
 * @throws INVALID_ARGUMENT on missing or mismatched inputs, labels outside {0, 1}, NaN scores,
 *   probabilities outside [0, 1], an unknown metric or segment column
 */
export async function computeEvaluation(
  input: EvaluateInput,
  tracking?: { sextant: RunStarter; parentRunId: string },
): Promise<EvaluationContent> {
  const metrics = checkMetricNames(input.metrics);
  const threshold = input.threshold ?? DEFAULT_THRESHOLD;
  const level = input.ci ?? 0.95;
  const nBoot = input.nBoot ?? 1000;
  const seed = input.seed ?? 0;
  if (!(level > 0 && level < 1)) throw bad(`ci must be in (0, 1), got ${level}`);
  if (!Number.isInteger(nBoot) || nBoot < 1) throw bad(`nBoot must be a positive integer, got ${nBoot}`);
  const split = resolveSplit(input);
  const data = split ? split.test : input.data;
  if (!data) throw bad("give the rows to evaluate: data, or a split whose test side is used");
  if (data.numRows === 0) throw bad("the data to evaluate has no rows");
  const onTest = (p: ArrayLike<number> | undefined) => (split && p ? testSide(p, split) : p);
  const yTrue = toBinary(data.numbers(input.label), input.label);
  const scores = scoresOf("the model", input.model, onTest(input.predictions), data, input.features);
  const probabilistic = metrics.some((m) => m === "log_loss" || m === "brier");
  checkScores(scores, "the model", probabilistic);

  const datasets: DatasetRef[] = [];
  if (split) datasets.push(datasetRef("train", split.train));
  datasets.push(datasetRef("test", data));

  const metricRows = await metricsWithCi(metrics, yTrue, scores, threshold, nBoot, level, seed);

  let baseline: EvaluationContent["baseline"] = null;
  const comparisons: Comparison[] = [];
  if (input.baseline) {
    const b = scoresOf(
      "the baseline",
      input.baseline.model,
      onTest(input.baseline.predictions),
      data,
      input.features,
    );
    checkScores(b, "the baseline", probabilistic);
    const bThreshold = input.baseline.threshold ?? threshold;
    if (!Number.isFinite(bThreshold)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `the baseline's threshold must be a number, got ${bThreshold}`,
      );
    }
    const values: Record<string, number | null> = {};
    for (const m of metrics) values[m] = scoreMetric(m, yTrue, b, bThreshold);
    // Label metrics compare each side at its own threshold: both sides go in as 0/1 predictions.
    const ownThresholds = bThreshold !== threshold;
    const labelsA = ownThresholds ? predictAt(b, bThreshold) : null;
    const labelsB = ownThresholds ? predictAt(scores, threshold) : null;
    baseline = { name: input.baseline.name ?? "baseline", metrics: values };
    for (const m of metrics) {
      const own = metricRows.find((r) => r.name === m)!.value;
      if (own === null || values[m] === null) continue;
      const asLabels = labelsA !== null && labelsB !== null && !RAW_SCORE_METRICS.has(m);
      const res = await pairedBootstrap({
        yTrue,
        predsA: asLabels ? labelsA : b,
        predsB: asLabels ? labelsB : scores,
        metric: m,
        nBoot: input.compareBoot ?? 10_000,
        seed,
        ci: level,
        threshold: asLabels ? 0.5 : threshold,
      });
      comparisons.push({
        metric: m,
        test: "paired-bootstrap",
        model: res.valueB,
        baseline: res.valueA,
        meanDiff: res.meanDiff,
        ci: res.ci,
        pValue: res.pValue,
        nBoot: res.nBoot,
        method: res.method,
        lowerIsBetter: !res.greaterIsBetter,
        histogram: histogram(res.diffs, HISTOGRAM_BINS),
      });
    }
  }

  const segments =
    input.segments === undefined
      ? null
      : bySegment({ yTrue, scores, segments: input.segments, data, metrics, threshold });

  let bt: BacktestResult | null = null;
  if (input.backtest) {
    bt =
      "summary" in input.backtest
        ? input.backtest
        : await backtest({ ...input.backtest, metrics, threshold, tracking });
  }

  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i]!;
  return {
    format: EVALUATION_FORMAT,
    label: input.label,
    threshold,
    rows: yTrue.length,
    positives,
    datasets,
    split: split?.definition ?? null,
    leakage: split?.report.issues ?? [],
    bootstrap: { nBoot, seed, ci: level },
    metrics: metricRows,
    baseline,
    comparisons,
    segments,
    backtest: bt,
    curves: curves(yTrue, scores, input.calibrationBins ?? 10),
  };
}

/** A stored record with its content typed. @throws INVALID_STATE for a content format this version does not know */
export function toEvaluation(record: StoredEvaluation): Evaluation {
  const content = record.content as unknown as EvaluationContent;
  if (content.format !== EVALUATION_FORMAT) {
    throw new SextantError(
      "INVALID_STATE",
      `evaluation ${record.evaluationId} has content format ${String(content.format)}; this Sextant reads ${EVALUATION_FORMAT}`,
      { evaluationId: record.evaluationId },
    );
  }
  const { content: _c, ...head } = record;
  return { ...head, ...content };
}

/** sha256 over a table's column names, types and values (category columns by their strings). */
export function tableDigest(table: Table): string {
  const h = createHash("sha256");
  h.update(`sextant-table-v1\n${table.numRows}\n`);
  for (const name of table.columnNames) {
    const col = table.column(name);
    h.update(`${JSON.stringify(name)}:${col.type}\n`);
    if (col.type === "number") {
      h.update(new Uint8Array(col.values.buffer, col.values.byteOffset, col.values.byteLength));
    } else {
      // codes depend on the dictionary's order; hash the values they stand for
      const index = col.dictionary.map((s) => Buffer.from(`${JSON.stringify(s)}\n`));
      const missing = Buffer.from("null\n");
      for (let i = 0; i < col.codes.length; i++) {
        const c = col.codes[i]!;
        h.update(c < 0 ? missing : index[c]!);
      }
    }
  }
  return h.digest("hex");
}

// ---------------------------------------------------------------- metrics with intervals

/**
 * Every metric with a percentile bootstrap interval, from the paired test's engine run on this one
 * model ({@link bootstrap}): label metrics by multinomial draws of the confusion cells, the others by
 * weighted walks over the rows sorted once, every metric from the same seed. A metric undefined on
 * these rows (ROC AUC with one class) has value and interval null.
 */
export async function metricsWithCi(
  metrics: readonly MetricName[],
  yTrue: Uint8Array,
  scores: Float64Array,
  threshold: number,
  nBoot: number,
  level: number,
  seed: number,
): Promise<MetricWithCi[]> {
  const rows: MetricWithCi[] = [];
  for (const m of metrics) {
    const row: MetricWithCi = { name: m, value: null, ci: null, lowerIsBetter: LOWER_IS_BETTER.has(m) };
    if (scoreMetric(m, yTrue, scores, threshold) !== null) {
      const r = await bootstrap({ yTrue, preds: scores, metric: m, nBoot, seed, ci: level, threshold });
      row.value = r.value;
      row.ci = r.ci;
    }
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------- helpers

function bad(message: string, details: Record<string, unknown> = {}): SextantError {
  return new SextantError("INVALID_ARGUMENT", message, details);
}

function resolveSplit(input: EvaluateInput): Split | null {
  const s = input.split;
  if (s === undefined) return null;
  if ("train" in s) {
    const whole = s.trainIndices.length + s.testIndices.length;
    if (input.data && input.data.numRows !== whole && input.data.numRows !== s.test.numRows) {
      throw bad(
        `data has ${input.data.numRows} rows; the split has ${whole} (${s.test.numRows} test rows): pass the split's table, or leave data out`,
      );
    }
    return s;
  }
  if (!input.data) throw bad("a split described by its options needs data, the table to split");
  const { kind, ...options } = s;
  if (kind === "temporal") return temporalSplit(input.data, options as TemporalSplitOptions);
  if (kind === "random") return randomSplit(input.data, options as RandomSplitOptions);
  throw bad(`split kind must be "temporal" or "random", got ${String(kind)}`);
}

/** Predictions for the test rows: given for them, or for every row of the split table. */
function testSide(p: ArrayLike<number>, split: Split): ArrayLike<number> {
  const whole = split.trainIndices.length + split.testIndices.length;
  if (p.length !== whole || p.length === split.testIndices.length) return p;
  const out = new Float64Array(split.testIndices.length);
  for (let k = 0; k < out.length; k++) out[k] = p[split.testIndices[k]!]!;
  return out;
}

function scoresOf(
  who: string,
  model: Scorer | undefined,
  predictions: ArrayLike<number> | undefined,
  data: Table,
  features: string[] | undefined,
): Float64Array {
  if ((model === undefined) === (predictions === undefined)) {
    throw bad(`give ${who} as a model or as predictions (one of the two)`);
  }
  let out: ArrayLike<number>;
  if (predictions !== undefined) out = predictions;
  else {
    const names = features ?? model!.featureNames ?? null;
    if (names === null) throw bad(`${who} has no feature names: pass features`);
    out = model!.predictProba(data.pick(...names));
  }
  if (out.length !== data.numRows) {
    throw bad(`${who} gives ${out.length} predictions for ${data.numRows} rows; they must match`, {
      predictions: out.length,
      rows: data.numRows,
    });
  }
  return Float64Array.from(out);
}

function checkScores(s: Float64Array, who: string, probabilities: boolean): void {
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (Number.isNaN(v)) throw bad(`${who}'s prediction ${i} is NaN`, { index: i });
    if (probabilities && (v < 0 || v > 1)) {
      throw bad(`${who}'s prediction ${i} is ${v}: log loss and Brier need probabilities in [0, 1]`, {
        index: i,
      });
    }
  }
}

function datasetRef(role: "train" | "test", t: Table): DatasetRef {
  return { role, digest: tableDigest(t), rows: t.numRows, columns: t.numColumns };
}

/** Equal-width bins from the smallest to the largest value (one bin when they are equal). */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) return { edges: [], counts: [] };
  const k = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / k : 1;
  const edges = Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : lo + i * width));
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(k - 1, Math.floor((values[i]! - lo) / width));
    counts[b]!++;
  }
  return { edges, counts };
}

/** Keeps at most `max` of the indices 0..n-1, evenly spaced, the first and the last always. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    if (out.length === 0 || out[out.length - 1] !== i) out.push(i);
  }
  return out;
}

function curves(y: Labels, s: Float64Array, bins: number): Curves {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] === 1 ? 1 : 0;
  const both = pos > 0 && pos < y.length;
  let roc: Curves["roc"] = null;
  let pr: Curves["pr"] = null;
  if (both) {
    const r = rocCurve(y, s);
    const keep = thin(r.fpr.length, CURVE_POINTS);
    roc = { fpr: keep.map((i) => r.fpr[i]!), tpr: keep.map((i) => r.tpr[i]!) };
    const p = precisionRecallCurve(y, s);
    const keepP = thin(p.recall.length, CURVE_POINTS);
    pr = { recall: keepP.map((i) => p.recall[i]!), precision: keepP.map((i) => p.precision[i]!) };
  }
  let calibration: Curves["calibration"] = null;
  let inUnit = true;
  for (let i = 0; i < s.length && inUnit; i++) if (s[i]! < 0 || s[i]! > 1) inUnit = false;
  if (inUnit) calibration = calibrationCurve(y, s, { nBins: bins });
  return { roc, pr, calibration };
}

type Fits<T extends EvaluationJson> = T;
/** A compile-time check: a stored evaluation fits the import-free JSON shape the web UI reads. */
export type EvaluationAsJson = Fits<Evaluation>;
