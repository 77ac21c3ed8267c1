/**
 * Walk-forward backtests. The distinct values of the time column are the periods (months for
 * TuneKeep). The last `testPeriods` periods are tested one at a time, each by a model fitted on
 * the periods before it: all of them ("expanding" windows) or the latest `trainPeriods` ("rolling").
 * The result has per-window metrics and, per metric, the mean, standard deviation, min, max and
 * the trend (ordinary least-squares slope per period), so a decay is visible at a glance.
 *
 * With `tracking`, every window is a child run of the backtest's run: its bounds as params, its
 * metrics, and the tag `sextant.backtest.window`.
 */
import { SextantError } from "../core/index.js";
import type { Table } from "../learn/index.js";
import { checkMetricNames, DEFAULT_THRESHOLD, type MetricName, scoreMetrics } from "./scoring.js";

/** A run a window is recorded in (what the tracking client's ActiveRun offers). */
export interface WindowRun {
  readonly id: string;
  logParams(params: Record<string, unknown>): Promise<void>;
  logMetrics(metrics: Record<string, number>, options?: { step?: number }): void;
  end(status?: "FINISHED" | "FAILED"): Promise<unknown>;
}

/** What starts window runs (the tracking client, `Sextant`, fits). */
export interface RunStarter {
  startRun(options: {
    name?: string;
    parentRunId?: string;
    tags?: Record<string, string>;
  }): Promise<WindowRun>;
}

export interface BacktestWindowInfo {
  index: number;
  /** Period labels (ISO times) of the training side's first and last period, and the test period. */
  trainStart: string;
  trainEnd: string;
  testPeriod: string;
  trainPeriods: number;
}

export interface BacktestOptions<M> {
  data: Table;
  timeColumn: string;
  labelColumn: string;
  windows: "expanding" | "rolling";
  /** How many of the last periods are tested, one window each. */
  testPeriods: number;
  /** Periods the first window trains on, at least (default 1). */
  minTrainPeriods?: number;
  /** Periods each rolling window trains on (default: all before the first test period). */
  trainPeriods?: number;
  fit: (train: Table, window: BacktestWindowInfo) => Promise<M> | M;
  /** Scores (P(y = 1)) for the test rows. */
  predict: (
    model: M,
    test: Table,
    window: BacktestWindowInfo,
  ) => Promise<ArrayLike<number>> | ArrayLike<number>;
  metrics: readonly string[];
  /** Label metrics predict 1 where score ≥ threshold (default 0.5). */
  threshold?: number;
  /** Records each window as a child run of `parentRunId`. */
  tracking?: { sextant: RunStarter; parentRunId: string };
}

export interface BacktestWindow extends BacktestWindowInfo {
  trainRows: number;
  testRows: number;
  testPositives: number;
  /** Metric name → value; null where undefined for the window (one class only). */
  metrics: Record<string, number | null>;
  /** The window's child run, when tracked. */
  runId: string | null;
}

export interface MetricSummaryStats {
  /** Windows where the metric is defined. */
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for one window. */
  std: number;
  min: number;
  max: number;
  /** Least-squares slope of the metric per period (0 for one window). */
  trend: number;
}

export interface BacktestResult {
  timeColumn: string;
  windows: BacktestWindow[];
  mode: "expanding" | "rolling";
  metrics: MetricName[];
  threshold: number;
  /** Per metric; null when the metric is undefined in every window. */
  summary: Record<string, MetricSummaryStats | null>;
}

/**
 * Retrains per window and scores each test period.
 * @throws INVALID_ARGUMENT when there are not enough periods for the windows asked for, a window
 *   would be empty, or predict returns the wrong number of scores
 */
export async function backtest<M>(options: BacktestOptions<M>): Promise<BacktestResult> {
  const metrics = checkMetricNames(options.metrics);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const { data, timeColumn } = options;
  const times = data.timestamps(timeColumn);
  const periods = [...new Set(times)].sort((a, b) => a - b);
  if (periods.some((p) => Number.isNaN(p))) {
    throw new SextantError("INVALID_ARGUMENT", `time column "${timeColumn}" has missing values`, {
      column: timeColumn,
    });
  }
  const k = options.testPeriods;
  const minTrain = options.minTrainPeriods ?? 1;
  if (!Number.isInteger(k) || k < 1) {
    throw new SextantError("INVALID_ARGUMENT", `testPeriods must be a positive integer, got ${k}`);
  }
  if (!Number.isInteger(minTrain) || minTrain < 1) {
    throw new SextantError("INVALID_ARGUMENT", `minTrainPeriods must be a positive integer, got ${minTrain}`);
  }
  const firstTest = periods.length - k;
  if (firstTest < minTrain) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `"${timeColumn}" has ${periods.length} periods: ${k} test windows leave ${Math.max(firstTest, 0)} for training, fewer than minTrainPeriods (${minTrain})`,
      { periods: periods.length, testPeriods: k, minTrainPeriods: minTrain },
    );
  }
  const trainSpan = options.trainPeriods ?? firstTest;
  if (
    options.windows === "rolling" &&
    (!Number.isInteger(trainSpan) || trainSpan < 1 || trainSpan > firstTest)
  ) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `trainPeriods must be an integer from 1 to ${firstTest} (the periods before the first test period), got ${trainSpan}: a rolling window would be empty or reach before the data`,
      { trainPeriods: trainSpan },
    );
  }
  if (options.windows !== "expanding" && options.windows !== "rolling") {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `windows must be "expanding" or "rolling", got ${String(options.windows)}`,
    );
  }
  const periodOf = new Map(periods.map((p, i) => [p, i]));
  const rowPeriod = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) rowPeriod[i] = periodOf.get(times[i]!)!;
  const label = data.numbers(options.labelColumn);

  const windows: BacktestWindow[] = [];
  for (let w = 0; w < k; w++) {
    const test = firstTest + w;
    const from = options.windows === "expanding" ? 0 : test - trainSpan;
    const info: BacktestWindowInfo = {
      index: w,
      trainStart: iso(periods[from]!),
      trainEnd: iso(periods[test - 1]!),
      testPeriod: iso(periods[test]!),
      trainPeriods: test - from,
    };
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < rowPeriod.length; i++) {
      const p = rowPeriod[i]!;
      if (p === test) testIdx.push(i);
      else if (p >= from && p < test) trainIdx.push(i);
    }
    const train = data.select(trainIdx);
    const testTable = data.select(testIdx);
    const run = options.tracking
      ? await options.tracking.sextant.startRun({
          name: `window-${w}-${info.testPeriod.slice(0, 10)}`,
          parentRunId: options.tracking.parentRunId,
          tags: { "sextant.backtest.window": String(w) },
        })
      : null;
    try {
      const model = await options.fit(train, info);
      const scores = await options.predict(model, testTable, info);
      if (scores.length !== testIdx.length) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `predict returned ${scores.length} scores for the ${testIdx.length} rows of window ${w} (${info.testPeriod})`,
          { window: w },
        );
      }
      const y = testIdx.map((i) => label[i]!);
      const values = scoreMetrics(metrics, y, scores, threshold);
      const window: BacktestWindow = {
        ...info,
        trainRows: trainIdx.length,
        testRows: testIdx.length,
        testPositives: y.reduce((s, v) => s + (v === 1 ? 1 : 0), 0),
        metrics: values,
        runId: run?.id ?? null,
      };
      if (run) {
        await run.logParams({
          window: w,
          train_start: info.trainStart,
          train_end: info.trainEnd,
          test_period: info.testPeriod,
          train_rows: window.trainRows,
          test_rows: window.testRows,
          windows: options.windows,
        });
        const defined: Record<string, number> = {};
        for (const [m, v] of Object.entries(values)) if (v !== null) defined[m] = v;
        run.logMetrics(defined);
        await run.end("FINISHED");
      }
      windows.push(window);
    } catch (e) {
      if (run) await run.end("FAILED").catch(() => {});
      throw e;
    }
  }
  const summary: Record<string, MetricSummaryStats | null> = {};
  for (const m of metrics) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const w of windows) {
      const v = w.metrics[m];
      if (v !== null && v !== undefined) {
        xs.push(w.index);
        ys.push(v);
      }
    }
    summary[m] = ys.length === 0 ? null : summarize(xs, ys);
  }
  return { timeColumn, windows, mode: options.windows, metrics, threshold, summary };
}

/** Mean, sample std, min, max and OLS slope of `ys` against `xs`. */
export function summarize(xs: readonly number[], ys: readonly number[]): MetricSummaryStats {
  const n = ys.length;
  let mean = 0;
  let mx = 0;
  for (let i = 0; i < n; i++) {
    mean += ys[i]!;
    mx += xs[i]!;
  }
  mean /= n;
  mx /= n;
  let ss = 0;
  let sxy = 0;
  let sxx = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const dy = ys[i]! - mean;
    const dx = xs[i]! - mx;
    ss += dy * dy;
    sxy += dx * dy;
    sxx += dx * dx;
    if (ys[i]! < lo) lo = ys[i]!;
    if (ys[i]! > hi) hi = ys[i]!;
  }
  return {
    n,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: lo,
    max: hi,
    trend: sxx === 0 ? 0 : sxy / sxx,
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
