import { describe, expect, it } from "vitest";
import { generateTuneKeep, LogisticRegression, Table } from "../learn/index.js";
import { f1Score, logLoss, rocAucScore } from "./metrics.js";
import { computeEvaluation, histogram, metricsWithCi, tableDigest, thin, toEvaluation } from "./record.js";
import { predictAt } from "./scoring.js";
import { bootstrapSync, pairedBootstrap, pairedBootstrapSync } from "./significance.js";
import { temporalSplit } from "./splits.js";

// The dataset of test/oracles/evaluate_record_ci.py, built from the same integer arithmetic.
const N = 1000;
const Y = Uint8Array.from({ length: N }, (_, i) => ((i * 7919) % 13 < 5 ? 1 : 0));
const S = Float64Array.from({ length: N }, (_, i) => (((i * 2654435761) % 1000) * 7 + 300 * Y[i]!) / 10000);

describe("metricsWithCi", () => {
  it("gives the metric and a percentile interval matching a NumPy/scikit-learn bootstrap", async () => {
    // test/oracles/evaluate_record_ci.py: 20,000 NumPy resamples, scikit-learn metrics
    const value = {
      roc_auc: 0.5374722838137471,
      f1: 0.3644314868804665,
      brier: 0.265500627,
      average_precision: 0.44805046645791274,
    };
    const ci95 = {
      roc_auc: [0.500824641518227, 0.5738287053218768],
      f1: [0.3177835753794175, 0.4106145251396648],
      brier: [0.25128618990525, 0.27993938508974997],
      average_precision: [0.40293750238625475, 0.49668139515394616],
    };
    const rows = await metricsWithCi(
      ["roc_auc", "f1", "brier", "average_precision"],
      Y,
      S,
      0.5,
      2000,
      0.95,
      1,
    );
    for (const r of rows) {
      const m = r.name as keyof typeof value;
      expect(r.value).toBeCloseTo(value[m], 12);
      // Monte Carlo error of a 2.5% quantile with 2,000 resamples is about 0.06 sd (≈ 0.0015 here)
      expect(Math.abs(r.ci![0] - ci95[m][0]!)).toBeLessThan(0.005);
      expect(Math.abs(r.ci![1] - ci95[m][1]!)).toBeLessThan(0.005);
    }
    expect(rows.find((r) => r.name === "brier")!.lowerIsBetter).toBe(true);
  });

  it("is a pure function of the seed", async () => {
    const a = await metricsWithCi(["roc_auc"], Y, S, 0.5, 300, 0.9, 7);
    const b = await metricsWithCi(["roc_auc"], Y, S, 0.5, 300, 0.9, 7);
    const c = await metricsWithCi(["roc_auc"], Y, S, 0.5, 300, 0.9, 8);
    expect(a).toEqual(b);
    expect(a[0]!.ci).not.toEqual(c[0]!.ci);
  });

  it("takes its intervals from the paired test's engine run on the one model", async () => {
    const metrics = ["roc_auc", "average_precision", "log_loss", "f1", "mcc"] as const;
    const rows = await metricsWithCi(metrics, Y, S, 0.4, 400, 0.9, 3);
    for (const [j, m] of metrics.entries()) {
      const r = bootstrapSync({
        yTrue: Y,
        preds: S,
        metric: m,
        nBoot: 400,
        seed: 3,
        ci: 0.9,
        threshold: 0.4,
      });
      expect(rows[j]!.value).toBe(r.value);
      expect(rows[j]!.ci).toEqual(r.ci);
      // the engine's resamples of one model are the paired test's resamples of model A
      const paired = pairedBootstrapSync({
        yTrue: Y,
        predsA: S,
        predsB: Y,
        metric: m,
        nBoot: 400,
        seed: 3,
        ci: 0.9,
        threshold: 0.4,
      });
      expect(paired.valueA).toBe(r.value);
      const diffs = Float64Array.from(r.samples, (v, k) => paired.diffs[k]! + v);
      // B − A + A = B's resamples, which for B = the labels are each resample's metric of a perfect model
      if (m === "roc_auc" || m === "average_precision")
        expect(diffs.every((v) => Math.abs(v - 1) < 1e-12)).toBe(true);
    }
  });

  it("scores log loss on one class (scikit-learn's labels=[0, 1]) and leaves ROC AUC out", async () => {
    const zeros = new Uint8Array(50);
    const p = Float64Array.from({ length: 50 }, (_, i) => (i + 0.5) / 60);
    const [auc, ll] = await metricsWithCi(["roc_auc", "log_loss"], zeros, p, 0.5, 200, 0.95, 1);
    expect(auc).toMatchObject({ value: null, ci: null });
    expect(ll!.value).toBeCloseTo(logLoss(zeros, p), 14);
    expect(ll!.ci![0]).toBeLessThan(ll!.value!);
    expect(ll!.ci![1]).toBeGreaterThan(ll!.value!);
  });
});

describe("helpers", () => {
  it("bins a distribution with every value counted once", () => {
    const h = histogram([0, 0.1, 0.2, 0.2, 1], 5);
    expect(h.edges).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(h.counts).toEqual([2, 2, 0, 0, 1]);
    expect(histogram([2, 2], 10)).toEqual({ edges: [2, 2], counts: [2] });
  });

  it("thins curves to evenly spaced points keeping both ends", () => {
    expect(thin(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const k = thin(1001, 200);
    expect(k.length).toBe(200);
    expect(k[0]).toBe(0);
    expect(k[199]).toBe(1000);
  });

  it("hashes a table by content, not by dictionary order", () => {
    const a = Table.fromColumns({ x: [1, 2, Number.NaN], c: ["b", "a", null] });
    const b = new Table([
      ["x", { type: "number", values: Float64Array.from([1, 2, Number.NaN]) }],
      ["c", { type: "category", codes: Int32Array.from([0, 1, -1]), dictionary: ["b", "a"] }],
    ]);
    expect(tableDigest(a)).toBe(tableDigest(b));
    expect(tableDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(tableDigest(a)).not.toBe(tableDigest(Table.fromColumns({ x: [1, 2, 3], c: ["b", "a", null] })));
    expect(tableDigest(a)).not.toBe(
      tableDigest(Table.fromColumns({ y: [1, 2, Number.NaN], c: ["b", "a", null] })),
    );
  });
});

describe("computeEvaluation", () => {
  const tk = generateTuneKeep({ users: 2000, months: 8, seed: 9 });
  const split = temporalSplit(tk, {
    timeColumn: "snapshot_date",
    cutoff: "2024-07-01",
    labelColumn: "churned",
    entityColumn: "user_id",
  });
  const features = [
    "days_since_listen",
    "hours_last_month",
    "payment_failures",
    "tenure_days",
    "support_tickets",
  ];

  it("records metrics with intervals, the comparison with a baseline, segments, backtest and curves", async () => {
    const model = await new LogisticRegression({ standardize: true, maxIter: 300, onWarning: () => {} }).fit({
      X: split.train.pick(...features),
      y: split.train.numbers("churned"),
    });
    const base = await new LogisticRegression({ standardize: true, onWarning: () => {} }).fit({
      X: split.train.pick("tenure_days"),
      y: split.train.numbers("churned"),
    });
    const baseScores = base.predictProba(split.test.pick("tenure_days"));
    const c = await computeEvaluation({
      model,
      split,
      label: "churned",
      metrics: ["roc_auc", "f1", "brier"],
      baseline: { name: "tenure only", predictions: baseScores },
      segments: "segment",
      backtest: {
        data: tk,
        timeColumn: "snapshot_date",
        labelColumn: "churned",
        windows: "expanding",
        testPeriods: 3,
        fit: (t: Table) =>
          new LogisticRegression({ standardize: true, onWarning: () => {} }).fit({
            X: t.pick(...features),
            y: t.numbers("churned"),
          }),
        predict: (m: unknown, t: Table) => (m as LogisticRegression).predictProba(t.pick(...features)),
      },
      nBoot: 400,
      compareBoot: 2000,
      seed: 4,
    });
    const scores = model.predictProba(split.test.pick(...features));
    const y = split.test.numbers("churned");
    expect(c.rows).toBe(split.test.numRows);
    expect(c.positives).toBe(y.reduce((s, v) => s + v, 0));
    const auc = c.metrics.find((m) => m.name === "roc_auc")!;
    expect(auc.value).toBeCloseTo(rocAucScore(y, scores), 12);
    expect(auc.ci![0]).toBeLessThan(auc.value!);
    expect(auc.ci![1]).toBeGreaterThan(auc.value!);
    // datasets: train and test, hashed
    expect(c.datasets.map((d) => [d.role, d.digest, d.rows])).toEqual([
      ["train", tableDigest(split.train), split.train.numRows],
      ["test", tableDigest(split.test), split.test.numRows],
    ]);
    expect(c.split).toEqual(split.definition);
    expect(c.leakage.map((i) => i.code)).toEqual(["ENTITY_OVERLAP"]);
    // comparison: exactly the paired bootstrap of model vs baseline with the same seed
    const direct = await pairedBootstrap({
      yTrue: y,
      predsA: baseScores,
      predsB: scores,
      metric: "roc_auc",
      nBoot: 2000,
      seed: 4,
    });
    const cmp = c.comparisons.find((x) => x.metric === "roc_auc")!;
    expect(cmp).toMatchObject({
      test: "paired-bootstrap",
      model: direct.valueB,
      baseline: direct.valueA,
      meanDiff: direct.meanDiff,
      ci: direct.ci,
      pValue: direct.pValue,
      nBoot: 2000,
    });
    expect(cmp.histogram.counts.reduce((s, v) => s + v, 0)).toBe(2000);
    expect(c.comparisons.map((x) => x.metric)).toEqual(["roc_auc", "f1", "brier"]);
    expect(c.comparisons[2]!.lowerIsBetter).toBe(true);
    expect(c.baseline!.name).toBe("tenure only");
    expect(c.baseline!.metrics.roc_auc).toBeCloseTo(rocAucScore(y, baseScores), 12);
    // segments and backtest
    expect(c.segments!.segments.map((s) => s.segment)).toEqual(["casual", "free", "power"]);
    expect(c.segments!.segments.reduce((s, r) => s + r.rows, 0)).toBe(c.rows);
    expect(c.backtest!.windows).toHaveLength(3);
    expect(Object.keys(c.backtest!.summary)).toEqual(["roc_auc", "f1", "brier"]);
    // curves, thinned, from (0,0) to (1,1)
    expect(c.curves.roc!.fpr.length).toBeLessThanOrEqual(200);
    expect([c.curves.roc!.fpr[0], c.curves.roc!.tpr[0]]).toEqual([0, 0]);
    expect([c.curves.roc!.fpr.at(-1), c.curves.roc!.tpr.at(-1)]).toEqual([1, 1]);
    expect(c.curves.calibration!.counts.reduce((s, v) => s + v, 0)).toBe(c.rows);
    // the content survives JSON, which is how the store keeps it
    const back = toEvaluation({
      evaluationId: "e".repeat(32),
      runId: null,
      name: "x",
      createdTime: 1,
      content: JSON.parse(JSON.stringify(c)),
    });
    expect(back.metrics).toEqual(c.metrics);
  });

  it("applies a split described by its options, taking the test rows of whole-table predictions", async () => {
    const scores = Float64Array.from(tk.numbers("days_since_listen"), (d) => Math.min(1, d / 60));
    const byOptions = await computeEvaluation({
      data: tk,
      split: { kind: "temporal", timeColumn: "snapshot_date", cutoff: "2024-07-01" },
      predictions: scores,
      label: "churned",
      metrics: ["roc_auc"],
      nBoot: 50,
    });
    const s = temporalSplit(tk, { timeColumn: "snapshot_date", cutoff: "2024-07-01" });
    const testScores = Array.from(s.testIndices, (i) => scores[i]!);
    const bySplit = await computeEvaluation({
      split: s,
      predictions: testScores,
      label: "churned",
      metrics: ["roc_auc"],
      nBoot: 50,
    });
    expect(byOptions.rows).toBe(s.test.numRows);
    expect(byOptions.metrics).toEqual(bySplit.metrics);
    expect(byOptions.metrics[0]!.value).toBeCloseTo(rocAucScore(s.test.numbers("churned"), testScores), 12);
    expect(byOptions.split).toEqual(s.definition);
    // data that is neither the split's table nor its test side is refused
    await expect(
      computeEvaluation({
        data: tk.head(10),
        split: s,
        predictions: testScores,
        label: "churned",
        metrics: ["f1"],
      }),
    ).rejects.toThrow(/data has 10 rows; the split has/);
  });

  it("compares label metrics with each side at its own threshold when the baseline has one", async () => {
    const yTest = split.test.numbers("churned");
    const model = await new LogisticRegression({ C: 1, standardize: true }).fit({
      X: split.train.pick(...features),
      y: split.train.numbers("churned"),
    });
    const scores = model.predictProba(split.test.pick(...features));
    // the baseline: inactivity days scaled to [0, 1], meant to be cut at 14 days
    const days = split.test.numbers("days_since_listen");
    const b = Float64Array.from(days, (d) => Math.min(1, d / 60));
    const bThreshold = 14 / 60;
    const e = await computeEvaluation({
      predictions: scores,
      data: split.test,
      label: "churned",
      metrics: ["f1", "roc_auc"],
      threshold: 0.3,
      baseline: { name: "rule", predictions: b, threshold: bThreshold },
      nBoot: 50,
      compareBoot: 400,
      seed: 3,
    });
    const f1Base = f1Score(yTest, predictAt(b, bThreshold));
    const f1Model = f1Score(yTest, predictAt(scores, 0.3));
    expect(e.baseline!.metrics.f1).toBeCloseTo(f1Base, 12);
    const f1 = e.comparisons.find((c) => c.metric === "f1")!;
    expect(f1.baseline).toBeCloseTo(f1Base, 12);
    expect(f1.model).toBeCloseTo(f1Model, 12);
    // the same comparison as a paired bootstrap on the two 0/1 prediction vectors
    const direct = await pairedBootstrap({
      yTrue: yTest,
      predsA: predictAt(b, bThreshold),
      predsB: predictAt(scores, 0.3),
      metric: "f1",
      nBoot: 400,
      seed: 3,
    });
    expect(f1.meanDiff).toBeCloseTo(direct.meanDiff, 12);
    expect(f1.pValue).toBe(direct.pValue);
    // rank metrics still use the raw scores
    expect(e.comparisons.find((c) => c.metric === "roc_auc")!.baseline).toBeCloseTo(
      rocAucScore(yTest, b),
      12,
    );
    // at the model's threshold the baseline's F1 differs: the option matters
    expect(Math.abs(f1Score(yTest, predictAt(b, 0.3)) - f1Base)).toBeGreaterThan(0.01);
  });

  it("rejects bad input with typed errors naming the problem", async () => {
    const base = { data: split.test, label: "churned", metrics: ["f1"] };
    await expect(computeEvaluation({ ...base })).rejects.toThrow(/as a model or as predictions/);
    await expect(computeEvaluation({ ...base, predictions: [0.5] })).rejects.toThrow(
      /gives 1 predictions for \d+ rows/,
    );
    const nan = new Float64Array(split.test.numRows).fill(0.3);
    nan[5] = Number.NaN;
    await expect(computeEvaluation({ ...base, predictions: nan })).rejects.toThrow(/prediction 5 is NaN/);
    const big = new Float64Array(split.test.numRows).fill(1.5);
    await expect(computeEvaluation({ ...base, metrics: ["brier"], predictions: big })).rejects.toThrow(
      /probabilities in \[0, 1\]/,
    );
    await expect(
      computeEvaluation({ ...base, label: "segment", predictions: nan.fill(0.2) }),
    ).rejects.toThrow(/is a category/);
    await expect(
      computeEvaluation({ ...base, label: "tenure_days", predictions: nan.fill(0.2) }),
    ).rejects.toThrow(/labels must be 0 or 1/);
    await expect(
      computeEvaluation({ ...base, metrics: ["auc"], predictions: nan.fill(0.2) }),
    ).rejects.toThrow(/unknown metric/);
    expect(() =>
      toEvaluation({
        evaluationId: "e".repeat(32),
        runId: null,
        name: "x",
        createdTime: 1,
        content: { format: 99 },
      }),
    ).toThrow(/content format 99/);
  });
});
