/** sx.evaluate end to end: computed, stored with the run, read back; backtest windows as child runs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/index.js";
import type { Table } from "../learn/index.js";
import { generateTuneKeep, LogisticRegression } from "../learn/index.js";
import { Sextant } from "../tracking/index.js";
import { evaluateGate } from "./gates.js";
import { temporalSplit } from "./splits.js";

const T0 = 1_790_000_000_000;
const FEATURES = ["days_since_listen", "hours_last_month", "payment_failures", "tenure_days"];
const fitModel = (t: Table) =>
  new LogisticRegression({ standardize: true, onWarning: () => {} }).fit({
    X: t.pick(...FEATURES),
    y: t.numbers("churned"),
  });

describe("sx.evaluate", () => {
  let dir: string;
  let sx: Sextant;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-eval-"));
    sx = await Sextant.open({
      uri: join(dir, "store"),
      clock: new ManualClock(T0),
      capture: false,
      cwd: dir,
      onWarning: () => {},
    });
    await sx.setExperiment("churn");
  });
  afterAll(async () => {
    await sx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores the record with the run, windows as child runs, and reads it back", async () => {
    const tk = generateTuneKeep({ users: 2000, months: 8, seed: 21 });
    const split = temporalSplit(tk, { timeColumn: "snapshot_date", cutoff: "2024-07-01" });
    const run = await sx.startRun({ name: "candidate" });
    const model = await fitModel(split.train);
    const evaluation = await sx.evaluate({
      runId: run.id,
      name: "holdout July–August",
      model,
      split,
      label: "churned",
      metrics: ["roc_auc", "f1"],
      baseline: { name: "always 0.2", predictions: new Float64Array(split.test.numRows).fill(0.2) },
      segments: "segment",
      backtest: {
        data: tk,
        timeColumn: "snapshot_date",
        labelColumn: "churned",
        windows: "expanding",
        testPeriods: 5,
        fit: fitModel,
        predict: (m, t) => (m as LogisticRegression).predictProba(t.pick(...FEATURES)),
      },
      nBoot: 200,
      compareBoot: 1000,
      seed: 1,
    });
    expect(evaluation.evaluationId).toMatch(/^[0-9a-f]{32}$/);
    expect(evaluation).toMatchObject({
      runId: run.id,
      name: "holdout July–August",
      createdTime: T0,
      label: "churned",
    });
    expect(await sx.getEvaluation(evaluation.evaluationId)).toEqual(evaluation);
    expect((await sx.listEvaluations({ runId: run.id })).map((e) => e.evaluationId)).toEqual([
      evaluation.evaluationId,
    ]);

    // each backtest window is a FINISHED child run of the evaluated run, with its metrics
    const windows = evaluation.backtest!.windows;
    expect(windows).toHaveLength(5);
    for (const w of windows) {
      const child = await sx.getRun(w.runId!);
      expect(child.info.parentRunId).toBe(run.id);
      expect(child.info.status).toBe("FINISHED");
      expect(child.data.metrics.roc_auc).toBeCloseTo(w.metrics.roc_auc!, 12);
      expect(child.data.params.test_period).toBe(w.testPeriod);
    }

    // a gate over the stored record: a constant baseline is beaten on ROC AUC
    const gate = evaluateGate(
      { metric: "roc_auc", mustBeat: "baseline", minBacktestWindows: 5, maxWindowStd: 0.2 },
      evaluation,
    );
    expect(gate.reasons.map((r) => [r.condition, r.ok])).toEqual([
      ["mustBeat baseline (paired-bootstrap, α = 0.05)", true],
      ["backtest windows ≥ 5", true],
      ["backtest std of roc_auc ≤ 0.2", true],
    ]);
    await run.end();
  });

  it("refuses an unknown run before computing anything", async () => {
    await expect(
      sx.evaluate({
        runId: "f".repeat(32),
        predictions: [0.1, 0.9],
        data: undefined,
        label: "y",
        metrics: ["f1"],
      }),
    ).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    await expect(sx.getEvaluation("0".repeat(32))).rejects.toMatchObject({ code: "EVALUATION_NOT_FOUND" });
  });
});
