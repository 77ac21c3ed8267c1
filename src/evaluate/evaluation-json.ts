/**
 * The JSON shape of a stored evaluation, with no imports, for readers that are not Node (the web
 * UI). record.ts checks at compile time that what it stores fits this shape.
 */

export interface EvaluationJson {
  evaluationId: string;
  runId: string | null;
  name: string;
  createdTime: number;
  format: number;
  label: string | null;
  threshold: number;
  rows: number;
  positives: number;
  datasets: Array<{ role: "train" | "test"; digest: string; rows: number; columns: number }>;
  split:
    | {
        kind: "temporal";
        timeColumn: string;
        cutoff: string;
        trainRows: number;
        testRows: number;
        trainRange: [string, string];
        testRange: [string, string];
      }
    | {
        kind: "random";
        testSize: number;
        seed: number;
        stratify: string | null;
        trainRows: number;
        testRows: number;
      }
    | null;
  leakage: Array<{ code: string; severity: "error" | "warning" | "info"; message: string; column?: string }>;
  bootstrap: { nBoot: number; seed: number; ci: number };
  metrics: Array<{ name: string; value: number | null; ci: [number, number] | null; lowerIsBetter: boolean }>;
  baseline: { name: string; metrics: Record<string, number | null> } | null;
  comparisons: Array<{
    metric: string;
    test: string;
    model: number;
    baseline: number;
    meanDiff: number;
    ci: [number, number];
    pValue: number;
    nBoot: number;
    method: string;
    lowerIsBetter: boolean;
    histogram: { edges: number[]; counts: number[] };
  }>;
  segments: {
    column: string | null;
    metrics: string[];
    threshold: number;
    segments: SegmentRowJson[];
    overall: SegmentRowJson;
  } | null;
  backtest: {
    timeColumn: string;
    mode: "expanding" | "rolling";
    metrics: string[];
    threshold: number;
    windows: Array<{
      index: number;
      trainStart: string;
      trainEnd: string;
      testPeriod: string;
      trainPeriods: number;
      trainRows: number;
      testRows: number;
      testPositives: number;
      metrics: Record<string, number | null>;
      runId: string | null;
    }>;
    summary: Record<
      string,
      { n: number; mean: number; std: number; min: number; max: number; trend: number } | null
    >;
  } | null;
  curves: {
    roc: { fpr: number[]; tpr: number[] } | null;
    pr: { recall: number[]; precision: number[] } | null;
    calibration: { probPred: number[]; probTrue: number[]; counts: number[] } | null;
  };
}

export interface SegmentRowJson {
  segment: string | null;
  rows: number;
  positives: number;
  metrics: Record<string, number | null>;
}
