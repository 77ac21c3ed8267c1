/**
 * Evaluation records: the stored record (its content opaque to the store), and the content as
 * `sx.evaluate` writes it (format 1) — metrics with intervals, the baseline comparison, segments,
 * the backtest, curves — which the UI's evaluation page reads.
 */
import { z } from "zod";
import { jsonObject, millis, wireNumber } from "./common.js";

export const EvaluationRecord = z.object({
  /** 32 lowercase hex digits. */
  evaluationId: z.string(),
  /** The run it belongs to, when any. */
  runId: z.string().nullable(),
  name: z.string(),
  createdTime: millis,
  content: jsonObject,
});
export type EvaluationRecord = z.output<typeof EvaluationRecord>;
export const EvaluationList = z.object({ evaluations: z.array(EvaluationRecord) });

const num = wireNumber;
const pair = z.tuple([num, num]);
const metricMap = z.record(z.string(), num.nullable());

export const SegmentRow = z.object({
  segment: z.string().nullable(),
  rows: z.number(),
  positives: z.number(),
  metrics: metricMap,
});
export type SegmentRow = z.output<typeof SegmentRow>;

/** An evaluation record's content as `sx.evaluate` stores it. */
export const EvaluationContent = z.object({
  format: z.number(),
  label: z.string().nullable(),
  threshold: num,
  rows: z.number(),
  positives: z.number(),
  datasets: z.array(
    z.object({ role: z.enum(["train", "test"]), digest: z.string(), rows: z.number(), columns: z.number() }),
  ),
  split: z
    .discriminatedUnion("kind", [
      z.object({
        kind: z.literal("temporal"),
        timeColumn: z.string(),
        cutoff: z.string(),
        trainRows: z.number(),
        testRows: z.number(),
        trainRange: z.tuple([z.string(), z.string()]),
        testRange: z.tuple([z.string(), z.string()]),
      }),
      z.object({
        kind: z.literal("random"),
        testSize: z.number(),
        seed: z.number(),
        stratify: z.string().nullable(),
        trainRows: z.number(),
        testRows: z.number(),
      }),
    ])
    .nullable(),
  leakage: z.array(
    z.object({
      code: z.string(),
      severity: z.enum(["error", "warning", "info"]),
      message: z.string(),
      column: z.string().optional(),
    }),
  ),
  bootstrap: z.object({ nBoot: z.number(), seed: z.number(), ci: z.number() }),
  metrics: z.array(
    z.object({ name: z.string(), value: num.nullable(), ci: pair.nullable(), lowerIsBetter: z.boolean() }),
  ),
  baseline: z.object({ name: z.string(), metrics: metricMap }).nullable(),
  comparisons: z.array(
    z.object({
      metric: z.string(),
      test: z.string(),
      model: num,
      baseline: num,
      meanDiff: num,
      ci: pair,
      pValue: num,
      nBoot: z.number(),
      method: z.string(),
      lowerIsBetter: z.boolean(),
      histogram: z.object({ edges: z.array(num), counts: z.array(z.number()) }),
    }),
  ),
  segments: z
    .object({
      column: z.string().nullable(),
      metrics: z.array(z.string()),
      threshold: num,
      segments: z.array(SegmentRow),
      overall: SegmentRow,
    })
    .nullable(),
  backtest: z
    .object({
      timeColumn: z.string(),
      mode: z.enum(["expanding", "rolling"]),
      metrics: z.array(z.string()),
      threshold: num,
      windows: z.array(
        z.object({
          index: z.number(),
          trainStart: z.string(),
          trainEnd: z.string(),
          testPeriod: z.string(),
          trainPeriods: z.number(),
          trainRows: z.number(),
          testRows: z.number(),
          testPositives: z.number(),
          metrics: metricMap,
          runId: z.string().nullable(),
        }),
      ),
      summary: z.record(
        z.string(),
        z.object({ n: z.number(), mean: num, std: num, min: num, max: num, trend: num }).nullable(),
      ),
    })
    .nullable(),
  curves: z.object({
    roc: z.object({ fpr: z.array(num), tpr: z.array(num) }).nullable(),
    pr: z.object({ recall: z.array(num), precision: z.array(num) }).nullable(),
    calibration: z
      .object({ probPred: z.array(num), probTrue: z.array(num), counts: z.array(z.number()) })
      .nullable(),
  }),
});
export type EvaluationContent = z.output<typeof EvaluationContent>;

/** A stored evaluation with its content read: what the UI shows. */
export const EvaluationJson = EvaluationContent.extend({
  evaluationId: z.string(),
  runId: z.string().nullable(),
  name: z.string(),
  createdTime: millis,
});
export type EvaluationJson = z.output<typeof EvaluationJson>;
