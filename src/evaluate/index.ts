/**
 * `sextant-ml/evaluate`: offline evaluation — classification metrics with scikit-learn's names and
 * definitions, and significance tests for comparing models on the same rows.
 */

export type { EvaluationJson } from "../api/index.js";
export {
  type BacktestOptions,
  type BacktestResult,
  type BacktestWindow,
  type BacktestWindowInfo,
  backtest,
  type MetricSummaryStats,
  type RunStarter,
  summarize,
  type WindowRun,
} from "./backtest.js";
export { evaluateGate, type GatePolicy, type GateReason, type GateResult } from "./gates.js";
export * from "./metrics.js";
export {
  type Comparison,
  type Curves,
  computeEvaluation,
  type DatasetRef,
  type EvaluateInput,
  type Evaluation,
  type EvaluationContent,
  type MetricWithCi,
  type Scorer,
  type StoredEvaluation,
  tableDigest,
  toEvaluation,
} from "./record.js";
export { LOWER_IS_BETTER, METRIC_NAMES, type MetricName, scoreMetric, scoreMetrics } from "./scoring.js";
export { type BySegmentOptions, bySegment, type SegmentRow, type SegmentTable } from "./segments.js";
export {
  type Adjusted,
  BOOTSTRAP_METRICS,
  type BootstrapMetricName,
  type BootstrapOptions,
  type BootstrapResult,
  type BootstrapSettings,
  benjaminiHochberg,
  bootstrap,
  bootstrapSync,
  type DelongResult,
  delongTest,
  discordantPairs,
  holm,
  type McNemarOptions,
  type MetricFn,
  mcnemarFromPredictions,
  mcnemarTest,
  type PairedBootstrapOptions,
  type PairedBootstrapResult,
  pairedBootstrap,
  pairedBootstrapSync,
  type TestResult,
} from "./significance.js";
export {
  assertNoLeakage,
  checkLeakage,
  guessTimeColumn,
  type LeakageIssue,
  type LeakageReport,
  type RandomSplitOptions,
  randomSplit,
  type Split,
  type SplitDefinition,
  type TemporalSplitOptions,
  temporalSplit,
} from "./splits.js";
