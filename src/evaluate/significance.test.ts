/**
 * Tests of the significance tools. Every expected number below comes from
 * test/oracles/evaluate_significance.py (scikit-learn 1.2.1, statsmodels, SciPy 1.10): the
 * weighted rank metrics from scikit-learn's sample_weight, McNemar and the multiple-testing
 * adjustments from statsmodels, DeLong from an independent O(m·n) implementation, the chi-square
 * values from scipy.stats.
 */
import { describe, expect, it } from "vitest";
import { quantileSorted, Rng, SextantError, Stream } from "../core/index.js";
import { CHI2_CRIT_001 } from "../core/testing/index.js";
import { drawWeights, type RowKernel, rowMetric } from "./bootstrap.worker.js";
import { averagePrecisionScore, f1Score, logLoss, rocAucScore } from "./metrics.js";
import {
  benjaminiHochberg,
  bootstrap,
  bootstrapRows,
  bootstrapSync,
  delongTest,
  discordantPairs,
  holm,
  mcnemarFromPredictions,
  mcnemarTest,
  pairedBootstrap,
  pairedBootstrapSync,
  parallelTuning,
} from "./significance.js";

// ---------------------------------------------------------------- oracle facts
// Weighted rank metrics: scikit-learn 1.2.1 roc_auc_score / average_precision_score with sample_weight = W.
const WY = [0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0];
const WA = [
  0.5, 0.7, 0.6, 0.5, 0.0, 0.5, 0.7, 0.2, 0.2, 0.5, 0.6, 0.3, 0.5, 0.7, 0.1, 0.5, 0.4, 0.6, 0.4, 0.4, 0.4,
  0.4, 1.0, 0.6, 0.7, 0.2, 0.9, 0.7, 0.6, 0.1,
];
const WB = [
  0.7, 0.7, 0.8, 0.9, 0.5, 0.9, 0.9, 0.0, 0.3, 0.2, 0.8, 0.6, 0.5, 0.5, 0.1, 0.4, 0.1, 0.4, 0.7, 0.3, 0.5,
  0.2, 0.8, 0.4, 0.4, 0.7, 0.6, 0.9, 0.4, 0.4,
];
const WW = [0, 1, 0, 1, 0, 1, 0, 1, 0, 2, 3, 0, 2, 1, 2, 1, 1, 0, 0, 0, 1, 1, 3, 0, 1, 0, 4, 3, 0, 1];
const W_FACTS = {
  aucA: 0.914027149321267,
  aucB: 0.9117647058823529,
  apA: 0.8857730897864677,
  apB: 0.8601398601398602,
  aucAUnweighted: 0.8148148148148148,
  apBUnweighted: 0.7228919872398133,
  logLossA: 0.4642897292055284,
  brierB: 0.14833333333333337,
};

// statsmodels.stats.contingency_tables.mcnemar([[0, b], [c, 0]], exact, correction)
const MCNEMAR: {
  b: number;
  c: number;
  exact: boolean;
  correction: boolean;
  statistic: number;
  pvalue: number;
}[] = [
  { b: 7, c: 2, exact: true, correction: true, statistic: 2.0, pvalue: 0.1796875 },
  { b: 7, c: 2, exact: false, correction: true, statistic: 1.7777777777777777, pvalue: 0.18242243945173198 },
  { b: 7, c: 2, exact: false, correction: false, statistic: 2.7777777777777777, pvalue: 0.09558070454562936 },
  { b: 10, c: 25, exact: true, correction: true, statistic: 10.0, pvalue: 0.016673847800120715 },
  { b: 10, c: 25, exact: false, correction: true, statistic: 5.6, pvalue: 0.01796047752607879 },
  {
    b: 10,
    c: 25,
    exact: false,
    correction: false,
    statistic: 6.428571428571429,
    pvalue: 0.011229886652916672,
  },
  { b: 30, c: 12, exact: true, correction: true, statistic: 12.0, pvalue: 0.007915897334896727 },
  {
    b: 30,
    c: 12,
    exact: false,
    correction: true,
    statistic: 6.880952380952381,
    pvalue: 0.008711912962379598,
  },
  {
    b: 30,
    c: 12,
    exact: false,
    correction: false,
    statistic: 7.714285714285714,
    pvalue: 0.00547855324254737,
  },
  { b: 5, c: 5, exact: true, correction: true, statistic: 5.0, pvalue: 1.0 },
  { b: 5, c: 5, exact: false, correction: true, statistic: 0.1, pvalue: 0.7518296340458492 },
  { b: 5, c: 5, exact: false, correction: false, statistic: 0.0, pvalue: 1.0 },
  { b: 0, c: 7, exact: true, correction: true, statistic: 0.0, pvalue: 0.015625 },
  { b: 0, c: 7, exact: false, correction: true, statistic: 5.142857142857143, pvalue: 0.02334220201289086 },
  { b: 0, c: 7, exact: false, correction: false, statistic: 7.0, pvalue: 0.008150971593502705 },
  { b: 0, c: 0, exact: true, correction: true, statistic: 0.0, pvalue: 1.0 },
  { b: 1, c: 0, exact: true, correction: true, statistic: 0.0, pvalue: 1.0 },
  { b: 1, c: 0, exact: false, correction: true, statistic: 0.0, pvalue: 1.0 },
  { b: 1, c: 0, exact: false, correction: false, statistic: 1.0, pvalue: 0.31731050786291115 },
  { b: 120, c: 151, exact: true, correction: true, statistic: 120.0, pvalue: 0.06820129335098726 },
  {
    b: 120,
    c: 151,
    exact: false,
    correction: true,
    statistic: 3.321033210332103,
    pvalue: 0.06839883037870295,
  },
  {
    b: 120,
    c: 151,
    exact: false,
    correction: false,
    statistic: 3.5461254612546127,
    pvalue: 0.059684664039857206,
  },
  { b: 3, c: 40, exact: true, correction: true, statistic: 3.0, pvalue: 3.0213413992896676e-9 },
  { b: 3, c: 40, exact: false, correction: true, statistic: 30.13953488372093, pvalue: 4.020508809874526e-8 },
  {
    b: 3,
    c: 40,
    exact: false,
    correction: false,
    statistic: 31.837209302325583,
    pvalue: 1.676500532655945e-8,
  },
  { b: 5000, c: 5200, exact: true, correction: true, statistic: 5000.0, pvalue: 0.04878796312682233 },
  {
    b: 5000,
    c: 5200,
    exact: false,
    correction: true,
    statistic: 3.8824509803921567,
    pvalue: 0.04879327729809471,
  },
  {
    b: 5000,
    c: 5200,
    exact: false,
    correction: false,
    statistic: 3.9215686274509802,
    pvalue: 0.0476703806561615,
  },
];

// DeLong: the straightforward O(m·n) placement-value implementation in the oracle script (numpy/scipy).
const DL = {
  y: [
    0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0,
    1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0,
  ],
  a: [
    -0.7, 0.2, -0.5, 0.9, -0.4, -0.6, 0.6, 0.9, 1.1, -1.3, 0.0, 1.4, -1.2, 0.3, -0.1, 1.3, 0.7, -0.3, -0.4,
    -0.3, 2.3, 0.4, -0.3, 1.2, 0.7, -0.2, -1.1, -0.0, -0.4, 1.2, 0.7, 0.8, 1.5, 0.5, 1.1, 0.8, 1.4, -0.5, 0.3,
    -0.9, -1.2, -0.3, -0.9, 0.2, 2.2, -0.8, 0.2, 0.2, 0.5, -0.2, 0.6, 0.7, 1.3, -0.2, 0.7, 0.8, -1.1, 1.1,
    -0.9, 1.0,
  ],
  b: [
    -0.0, 0.1, -0.7, 1.5, -0.8, -1.3, 1.8, -1.9, 1.2, -2.1, 2.1, 0.9, 1.7, 1.5, -1.6, 1.6, 1.7, -0.2, -0.4,
    -0.2, 1.0, 2.5, -0.6, 1.6, 0.7, -0.7, -1.6, 1.3, -0.3, 1.3, 0.2, 0.8, 1.4, 0.9, 0.3, 1.2, 1.4, -0.2, -0.7,
    2.7, 0.3, -1.1, 0.1, 1.5, -0.8, -0.4, 0.7, -1.7, 0.9, -0.1, 1.6, -0.5, 2.1, 0.7, 1.4, 0.4, -1.5, 3.0,
    -0.8, 0.6,
  ],
};
const DL_FACTS = {
  aucA: 0.6595022624434389,
  aucB: 0.8569004524886877,
  diff: 0.19739819004524883,
  se: 0.07216228985722851,
  z: 2.735475695627131,
  p: 0.006229018607870676,
  ci: [0.0559627008831409, 0.33883367920735674],
  ci90: [0.07870178584446308, 0.3160945942460346],
};
const DL_SMALL = {
  y: [1, 1, 0, 0, 1, 0],
  a: [0.9, 0.4, 0.4, 0.2, 0.7, 0.8],
  b: [0.6, 0.6, 0.3, 0.6, 0.9, 0.1],
};
const DL_SMALL_FACTS = {
  aucA: 0.7222222222222222,
  aucB: 0.8888888888888888,
  se: 0.33333333333333337,
  z: 0.49999999999999983,
  p: 0.617075077451974,
  ci: [-0.48665466151335146, 0.8199879948466847],
};

// statsmodels.stats.multitest.multipletests(P, alpha, method)
const P = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.5, 0.012, 0.9, 0.0001];
const MULTITEST: Record<string, { reject: boolean[]; adjusted: number[] }> = {
  "holm@0.05": {
    reject: [false, false, false, true, false, false, false, false, false, true],
    adjusted: [0.08, 0.2, 0.18, 0.045, 0.6000000000000001, 0.2, 1.0, 0.084, 1.0, 0.001],
  },
  "holm@0.1": {
    reject: [true, false, false, true, false, false, false, true, false, true],
    adjusted: [0.08, 0.2, 0.18, 0.045, 0.6000000000000001, 0.2, 1.0, 0.084, 1.0, 0.001],
  },
  "fdr_bh@0.05": {
    reject: [true, false, false, true, false, false, false, true, false, true],
    adjusted: [
      0.03, 0.05714285714285715, 0.05714285714285715, 0.024999999999999998, 0.25, 0.05714285714285715,
      0.5555555555555556, 0.03, 0.9, 0.001,
    ],
  },
  "fdr_bh@0.1": {
    reject: [true, true, true, true, false, true, false, true, false, true],
    adjusted: [
      0.03, 0.05714285714285715, 0.05714285714285715, 0.024999999999999998, 0.25, 0.05714285714285715,
      0.5555555555555556, 0.03, 0.9, 0.001,
    ],
  },
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    return (e as SextantError).code;
  }
  throw new Error("expected a SextantError");
}

/** A synthetic scored dataset: B is a better model than A on the same rows. */
function synth(n: number, seed: number, prevalence = 0.3) {
  const r = new Rng(seed);
  const y = new Uint8Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.random() < prevalence ? 1 : 0;
    const z = r.normal();
    a[i] = 1 / (1 + Math.exp(-(z + y[i]! * 0.9 - 1)));
    b[i] = 1 / (1 + Math.exp(-(0.8 * z + 0.5 * r.normal() + y[i]! * 1.2 - 1)));
  }
  return { y, a, b };
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

function sd(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

/** Two-sample Kolmogorov–Smirnov statistic sup |F₁ − F₂| (ties handled: steps after equal values). */
function ks(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const a = Float64Array.from(x).sort();
  const b = Float64Array.from(y).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** KS critical value at α = 0.001 (asymptotic: √(−ln(α/2)/2)·√((n₁+n₂)/(n₁n₂))). */
function ksCritical(n1: number, n2: number): number {
  return Math.sqrt(-Math.log(0.0005) / 2) * Math.sqrt((n1 + n2) / (n1 * n2));
}

describe("the row path's weighted walks (scikit-learn with sample_weight)", () => {
  const d = bootstrapRows({ yTrue: WY, predsA: WA, predsB: WB, metric: "roc_auc" });
  const ap = bootstrapRows({ yTrue: WY, predsA: WA, predsB: WB, metric: "average_precision" });
  /** The weights by position in A's order. */
  const byPosition = (w: number[]) => Int32Array.from(d.orderA, (row) => w[row]!);
  /** A row kernel's [A, B] under a weight vector. */
  const pair = (rows: typeof d, kernel: RowKernel, w: Int32Array) => {
    const out = new Float64Array(2);
    expect(rowMetric(rows, kernel, w, new Float64Array(8), out)).toBe(true);
    return [out[0]!, out[1]!];
  };

  it("lays the rows out in A's descending order with the tie groups marked, B's through A's positions", () => {
    expect(d.a.ties && d.b!.ties).toBe(true);
    for (let i = 1; i < d.n; i++) expect(WA[d.orderA[i]!]!).toBeLessThanOrEqual(WA[d.orderA[i - 1]!]!);
    for (let i = 0; i < d.n - 1; i++)
      expect(d.a.last[i]).toBe(WA[d.orderA[i]!] !== WA[d.orderA[i + 1]!] ? 1 : 0);
    for (let k = 1; k < d.n; k++)
      expect(WB[d.orderA[d.posB![k]!]!]!).toBeLessThanOrEqual(WB[d.orderA[d.posB![k - 1]!]!]!);
  });

  it("computes ROC AUC of a bootstrap weight vector exactly as roc_auc_score(sample_weight=W)", () => {
    const [a, b] = pair(d, { kind: "auc" }, byPosition(WW));
    expect(a).toBeCloseTo(W_FACTS.aucA, 14);
    expect(b).toBeCloseTo(W_FACTS.aucB, 14);
  });

  it("computes average precision of a weight vector as average_precision_score(sample_weight=W)", () => {
    const [a, b] = pair(ap, { kind: "ap" }, byPosition(WW));
    expect(a).toBeCloseTo(W_FACTS.apA, 14);
    expect(b).toBeCloseTo(W_FACTS.apB, 14);
  });

  it("computes log loss and Brier score of a weight vector as scikit-learn with sample_weight", () => {
    const scratch = new Float64Array(8);
    const out = new Float64Array(2);
    for (const [metric, kind, fact, side] of [
      ["log_loss", { kind: "mean" }, W_FACTS.logLossA, 0],
      ["brier", { kind: "mean" }, W_FACTS.brierB, 1],
    ] as const) {
      const rows = bootstrapRows({ yTrue: WY, predsA: WA, predsB: WB, metric });
      expect(rowMetric(rows, kind, byPosition(WW), scratch, out)).toBe(true);
      expect(out[side]).toBeCloseTo(fact, 14);
    }
  });

  it("reduces to the unweighted metrics with unit weights", () => {
    const ones = new Int32Array(d.n).fill(1);
    expect(pair(d, { kind: "auc" }, ones)[0]).toBeCloseTo(W_FACTS.aucAUnweighted, 14);
    expect(pair(ap, { kind: "ap" }, ones)[1]).toBeCloseTo(W_FACTS.apBUnweighted, 14);
  });
});

describe("pairedBootstrap", () => {
  const { y, a, b } = synth(1500, 3);

  it("reports the full-data metrics, the mean and percentile interval of B − A, and the p-value", () => {
    const r = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: b,
      metric: "roc_auc",
      nBoot: 1000,
      seed: 5,
    });
    expect(r.metric).toBe("roc_auc");
    expect(r.method).toBe("rows");
    expect(r.valueA).toBe(rocAucScore(y, a));
    expect(r.valueB).toBe(rocAucScore(y, b));
    expect(r.diffs).toHaveLength(1000);
    expect(r.meanDiff).toBeCloseTo(mean(r.diffs), 14);
    const sorted = Float64Array.from(r.diffs).sort();
    // numpy.percentile(diffs, [2.5, 97.5]) is linear between order statistics (999·0.025 = 24.975)
    expect(r.ci[0]).toBeCloseTo(sorted[24]! + 0.975 * (sorted[25]! - sorted[24]!), 14);
    expect(r.ci[1]).toBeCloseTo(sorted[974]! + 0.025 * (sorted[975]! - sorted[974]!), 14);
    expect(r.pValue).toBe(r.diffs.filter((v) => v <= 0).length / 1000);
    // B is clearly better here: the interval lies above 0 and covers the observed difference
    expect(r.ci[0]).toBeGreaterThan(0);
    expect(r.ci[0]).toBeLessThan(r.valueB - r.valueA);
    expect(r.ci[1]).toBeGreaterThan(r.valueB - r.valueA);
    expect(r.pValue).toBeLessThan(0.01);
  });

  it("is a pure function of the inputs and the seed", () => {
    const o = { yTrue: y, predsA: a, predsB: b, metric: "f1", nBoot: 500 } as const;
    const r1 = pairedBootstrapSync({ ...o, seed: 9 });
    const r2 = pairedBootstrapSync({ ...o, seed: 9 });
    const r3 = pairedBootstrapSync({ ...o, seed: 10 });
    expect(r2.diffs).toEqual(r1.diffs);
    expect(r3.diffs).not.toEqual(r1.diffs);
  });

  it("gives the same resamples whatever the thread count (worker threads on the row path)", async () => {
    const { y: y2, a: a2, b: b2 } = synth(2000, 8);
    // 2000 rows × 2500 resamples is above the size where the row path uses workers
    const o = {
      yTrue: y2,
      predsA: a2,
      predsB: b2,
      metric: "average_precision",
      nBoot: 2500,
      seed: 21,
    } as const;
    const here = pairedBootstrapSync(o);
    const two = await pairedBootstrap({ ...o, threads: 2 });
    const one = await pairedBootstrap({ ...o, threads: 1 });
    expect(two.diffs).toEqual(here.diffs);
    expect(one.diffs).toEqual(here.diffs);
    expect(two.ci).toEqual(here.ci);
    // the worker threads alone (the calling thread takes no chunk): the same resamples
    parallelTuning.callerWorks = false;
    try {
      const workersOnly = await pairedBootstrap({ ...o, threads: 3 });
      expect(workersOnly.diffs).toEqual(here.diffs);
    } finally {
      parallelTuning.callerWorks = true;
    }
  });

  it("bootstraps one model with the same engine: its resamples are model A's, on any thread count", async () => {
    const { y: y2, a: a2, b: b2 } = synth(2000, 8);
    // B = the labels scores 1 on every resample, so the paired differences are 1 − A's resamples
    for (const metric of ["roc_auc", "average_precision"] as const) {
      const o = { yTrue: y2, preds: a2, metric, nBoot: 2500, seed: 21 };
      const here = bootstrapSync(o);
      const two = await bootstrap({ ...o, threads: 2 });
      expect(two.samples).toEqual(here.samples);
      expect(here.value).toBe(metric === "roc_auc" ? rocAucScore(y2, a2) : averagePrecisionScore(y2, a2));
      const paired = pairedBootstrapSync({ ...o, predsA: a2, predsB: y2 });
      here.samples.forEach((v, k) => {
        expect(v).toBeCloseTo(1 - paired.diffs[k]!, 14);
      });
      const sorted = Float64Array.from(here.samples).sort();
      expect(here.ci).toEqual([quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)]);
    }
    // a custom metric and the cell path, one model
    const f1 = bootstrapSync({ yTrue: y2, preds: b2, metric: "f1", nBoot: 300, seed: 4 });
    expect(f1.method).toBe("cells");
    expect(f1.value).toBe(
      f1Score(
        y2,
        Array.from(b2, (v) => (v >= 0.5 ? 1 : 0)),
      ),
    );
    const fn = bootstrapSync({
      yTrue: y2,
      preds: b2,
      metric: (t, p) => rocAucScore(t, p),
      nBoot: 50,
      seed: 4,
    });
    const auc = bootstrapSync({ yTrue: y2, preds: b2, metric: "roc_auc", nBoot: 50, seed: 4 });
    fn.samples.forEach((v, k) => {
      expect(v).toBeCloseTo(auc.samples[k]!, 12);
    });
    expect(code(() => bootstrapSync({ yTrue: [1, 0], preds: [0.5], metric: "f1", seed: 1 }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("a custom function sees exactly the built-in row resamples (ROC AUC, average precision)", () => {
    const { y: ys, a: as, b: bs } = synth(300, 4);
    const o = { yTrue: ys, predsA: as, predsB: bs, nBoot: 300, seed: 2 };
    const auc = pairedBootstrapSync({ ...o, metric: "roc_auc" });
    const aucFn = pairedBootstrapSync({ ...o, metric: (t, p) => rocAucScore(t, p) });
    expect(aucFn.metric).toBe("custom");
    aucFn.diffs.forEach((v, i) => {
      expect(v).toBeCloseTo(auc.diffs[i]!, 12);
    });
    const ap = pairedBootstrapSync({ ...o, metric: "average_precision" });
    const apFn = pairedBootstrapSync({ ...o, metric: (t, p) => averagePrecisionScore(t, p) });
    apFn.diffs.forEach((v, i) => {
      expect(v).toBeCloseTo(ap.diffs[i]!, 12);
    });
    // and F1 on rows: the thresholded custom metric against the built-in on the same rows
    const f1 = pairedBootstrapSync({ ...o, metric: "f1", method: "rows" });
    const f1Fn = pairedBootstrapSync({
      ...o,
      metric: (t, p) =>
        f1Score(
          t,
          Array.from(p, (v) => (v >= 0.5 ? 1 : 0)),
        ),
    });
    f1Fn.diffs.forEach((v, i) => {
      expect(v).toBeCloseTo(f1.diffs[i]!, 12);
    });
  });

  it("the cell path and the row path agree in distribution (F1, MCC)", () => {
    for (const metric of ["f1", "mcc"] as const) {
      const cells = pairedBootstrapSync({ yTrue: y, predsA: a, predsB: b, metric, nBoot: 4000, seed: 31 });
      const rows = pairedBootstrapSync({
        yTrue: y,
        predsA: a,
        predsB: b,
        metric,
        nBoot: 4000,
        seed: 32,
        method: "rows",
      });
      expect(cells.method).toBe("cells");
      expect(rows.method).toBe("rows");
      expect(cells.valueA).toBe(rows.valueA);
      const s = sd(cells.diffs);
      // Monte-Carlo error of two independent runs: mean ±4·s·√(2/B), sd ±5·s/√B
      expect(Math.abs(mean(cells.diffs) - mean(rows.diffs))).toBeLessThan(4 * s * Math.sqrt(2 / 4000));
      expect(Math.abs(sd(rows.diffs) - s)).toBeLessThan((5 * s) / Math.sqrt(4000));
      for (const q of [0.025, 0.25, 0.5, 0.75, 0.975]) {
        const qc = quantileSorted(Float64Array.from(cells.diffs).sort(), q);
        const qr = quantileSorted(Float64Array.from(rows.diffs).sort(), q);
        expect(Math.abs(qc - qr)).toBeLessThan(0.2 * s);
      }
      expect(ks(cells.diffs, rows.diffs)).toBeLessThan(ksCritical(4000, 4000));
      // the check has power: a shift of a third of a standard deviation is rejected
      expect(
        ks(
          cells.diffs,
          rows.diffs.map((v) => v + s / 3),
        ),
      ).toBeGreaterThan(ksCritical(4000, 4000));
    }
  });

  it("agrees with DeLong's standard error for a ROC AUC difference", () => {
    const { y: y3, a: a3, b: b3 } = synth(1000, 12, 0.4);
    const boot = pairedBootstrapSync({
      yTrue: y3,
      predsA: a3,
      predsB: b3,
      metric: "roc_auc",
      nBoot: 3000,
      seed: 1,
    });
    const dl = delongTest(y3, a3, b3);
    expect(Math.abs(sd(boot.diffs) / dl.se - 1)).toBeLessThan(0.08);
    expect(boot.valueB - boot.valueA).toBeCloseTo(dl.diff, 14);
  });

  it("thresholds label metrics at `threshold` (≥ → 1) and passes 0/1 predictions through", () => {
    const r = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: b,
      metric: "f1",
      nBoot: 10,
      seed: 1,
      threshold: 0.3,
    });
    expect(r.valueA).toBe(
      f1Score(
        y,
        Array.from(a, (v) => (v >= 0.3 ? 1 : 0)),
      ),
    );
    const labels = Array.from(b, (v) => (v >= 0.5 ? 1 : 0));
    const r2 = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: labels,
      metric: "precision",
      nBoot: 10,
      seed: 1,
    });
    expect(r2.valueB).toBe(
      pairedBootstrapSync({ yTrue: y, predsA: a, predsB: b, metric: "precision", nBoot: 10, seed: 1 }).valueB,
    );
  });

  it("counts resamples against B by the metric's direction (losses: lower is better)", () => {
    const r = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: b,
      metric: "log_loss",
      nBoot: 800,
      seed: 3,
    });
    expect(r.greaterIsBetter).toBe(false);
    expect(r.valueB).toBeLessThan(r.valueA);
    expect(r.pValue).toBe(r.diffs.filter((v) => v >= 0).length / 800);
    expect(r.ci[1]).toBeLessThan(0);
    const brier = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: b,
      metric: "brier",
      nBoot: 50,
      seed: 3,
    });
    let s = 0;
    for (let i = 0; i < y.length; i++) s += (b[i]! - y[i]!) ** 2;
    expect(brier.valueB).toBeCloseTo(s / y.length, 14);
    const flipped = pairedBootstrapSync({
      yTrue: y,
      predsA: a,
      predsB: b,
      metric: "brier",
      nBoot: 50,
      seed: 3,
      greaterIsBetter: true,
    });
    expect(flipped.pValue).toBe(flipped.diffs.filter((v) => v <= 0).length / 50);
  });

  it("identical models give a zero distribution and p-value 1", () => {
    for (const metric of ["f1", "roc_auc"] as const) {
      const r = pairedBootstrapSync({ yTrue: y, predsA: a, predsB: a, metric, nBoot: 200, seed: 1 });
      expect(r.diffs.every((v) => v === 0)).toBe(true);
      expect(r.ci).toEqual([0, 0]);
      expect(r.pValue).toBe(1);
    }
  });

  it("average precision without positives is 0 on both paths (scikit-learn), also on the workers", async () => {
    const { a: a4, b: b4 } = synth(2000, 5);
    const zeros = new Uint8Array(2000);
    const r = await pairedBootstrap({
      yTrue: zeros,
      predsA: a4,
      predsB: b4,
      metric: "average_precision",
      nBoot: 2500,
      seed: 1,
      threads: 2,
    });
    expect([r.valueA, r.valueB]).toEqual([0, 0]);
    expect(r.diffs.every((v) => v === 0)).toBe(true);
  });

  it("redraws ROC AUC resamples that hold one class (small samples)", () => {
    // 1 positive in 6 rows: about a third of the resamples miss it
    const r = pairedBootstrapSync({
      yTrue: [1, 0, 0, 0, 0, 0],
      predsA: [0.9, 0.1, 0.5, 0.2, 0.3, 0.95],
      predsB: [0.7, 0.2, 0.1, 0.3, 0.4, 0.5],
      metric: "roc_auc",
      nBoot: 300,
      seed: 1,
    });
    expect(r.diffs.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("raises typed errors on bad input", () => {
    const ok = {
      yTrue: [0, 1, 1, 0],
      predsA: [0.1, 0.9, 0.6, 0.4],
      predsB: [0.2, 0.8, 0.7, 0.1],
      metric: "f1" as const,
      seed: 1,
    };
    const bad = (o: Partial<Parameters<typeof pairedBootstrapSync>[0]> & Record<string, unknown>) =>
      code(() => pairedBootstrapSync({ ...ok, ...o } as Parameters<typeof pairedBootstrapSync>[0]));
    expect(bad({ predsB: [0.1, 0.2] })).toBe("INVALID_ARGUMENT");
    expect(bad({ yTrue: [], predsA: [], predsB: [] })).toBe("INVALID_ARGUMENT");
    expect(bad({ yTrue: [1, 1, 1, 1], metric: "roc_auc" })).toBe("INVALID_ARGUMENT");
    expect(bad({ yTrue: [0, 2, 1, 0] })).toBe("INVALID_ARGUMENT");
    expect(bad({ predsA: [0.1, Number.NaN, 0.6, 0.4] })).toBe("INVALID_ARGUMENT");
    expect(bad({ predsA: [0.1, 1.5, 0.6, 0.4], metric: "brier" })).toBe("INVALID_ARGUMENT");
    expect(bad({ metric: "auc" as never })).toBe("INVALID_ARGUMENT");
    expect(bad({ metric: "roc_auc", method: "cells" })).toBe("INVALID_ARGUMENT");
    for (const ci of [0, 1, 1.5, Number.NaN]) expect(bad({ ci })).toBe("INVALID_ARGUMENT");
    for (const nBoot of [0, -5, 2.5, Number.POSITIVE_INFINITY])
      expect(bad({ nBoot })).toBe("INVALID_ARGUMENT");
    expect(bad({ seed: 0.5 })).toBe("INVALID_ARGUMENT");
    expect(bad({ threshold: Number.NaN })).toBe("INVALID_ARGUMENT");
    expect(bad({ threads: 0 })).toBe("INVALID_ARGUMENT");
    expect(bad({ metric: () => Number.NaN })).toBe("INVALID_ARGUMENT");
    // log loss is defined with one class (scikit-learn's labels=[0, 1]): no resample is drawn again
    const negatives = pairedBootstrapSync({ ...ok, yTrue: [0, 0, 0, 0], metric: "log_loss", nBoot: 50 });
    expect(negatives.valueA).toBe(logLoss([0, 0, 0, 0], ok.predsA));
    expect(negatives.diffs.every((v) => Number.isFinite(v))).toBe(true);
    // with both classes, average precision and the label metrics accept one-class input, as scikit-learn
    expect(
      pairedBootstrapSync({ ...ok, yTrue: [0, 0, 0, 0], metric: "average_precision", nBoot: 5 }).valueA,
    ).toBe(0);
  });
});

describe("the bootstrap weight vectors", () => {
  it("bootstrap weight vectors: n uniform positions (small, medium and large n)", () => {
    const st = new Stream([9, 8, 7, 6]);
    for (const [n, reps] of [
      [1000, 200],
      [70_000, 3],
      [2_100_000, 1],
    ] as const) {
      const w = new Int32Array(n);
      const bins = new Float64Array(50);
      for (let r = 0; r < reps; r++) {
        drawWeights(st, w, n);
        let sum = 0;
        for (let i = 0; i < n; i++) {
          sum += w[i]!;
          bins[Math.floor((i * 50) / n)]! += w[i]!;
        }
        expect(sum).toBe(n);
      }
      // 50 equal position bins: chi-square against uniform, 49 degrees of freedom
      const expected = (n * reps) / 50;
      const chi2 = bins.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(CHI2_CRIT_001[48]!);
    }
  });
});

describe("mcnemarTest (statsmodels)", () => {
  it("matches the exact binomial and the chi-square forms with and without correction", () => {
    for (const f of MCNEMAR) {
      const r = mcnemarTest(f.b, f.c, { exact: f.exact, correction: f.correction });
      expect(r.statistic).toBeCloseTo(f.statistic, 12);
      const rel = Math.abs(r.pValue - f.pvalue) / f.pvalue;
      expect(rel).toBeLessThan(1e-10);
    }
  });

  it("counts the discordant pairs of two predictions", () => {
    const y = [1, 1, 0, 0, 1, 0, 1, 0];
    const pa = [1, 0, 0, 1, 1, 0, 0, 1];
    const pb = [1, 1, 0, 0, 0, 0, 1, 1];
    // A right only at 4; B right only at 1, 3, 6
    expect(discordantPairs(y, pa, pb)).toEqual({ b: 1, c: 3 });
    expect(mcnemarFromPredictions(y, pa, pb)).toEqual({ ...mcnemarTest(1, 3), b: 1, c: 3 });
  });

  it("with no discordant pair reports no evidence (statistic 0, p 1)", () => {
    expect(mcnemarTest(0, 0)).toEqual({ statistic: 0, pValue: 1 });
    expect(mcnemarTest(0, 0, { exact: false })).toEqual({ statistic: 0, pValue: 1 });
  });

  it("rejects counts that are not non-negative integers", () => {
    expect(code(() => mcnemarTest(-1, 3))).toBe("INVALID_ARGUMENT");
    expect(code(() => mcnemarTest(1.5, 3))).toBe("INVALID_ARGUMENT");
    expect(code(() => discordantPairs([1, 0], [1], [0, 0]))).toBe("INVALID_ARGUMENT");
  });
});

describe("delongTest", () => {
  it("matches the straightforward DeLong computation (ties in both score vectors)", () => {
    const r = delongTest(DL.y, DL.a, DL.b);
    expect(r.aucA).toBeCloseTo(DL_FACTS.aucA, 14);
    expect(r.aucB).toBeCloseTo(DL_FACTS.aucB, 14);
    expect(r.aucA).toBeCloseTo(rocAucScore(DL.y, DL.a), 14);
    expect(r.diff).toBeCloseTo(DL_FACTS.diff, 14);
    expect(r.se).toBeCloseTo(DL_FACTS.se, 13);
    expect(r.z).toBeCloseTo(DL_FACTS.z, 11);
    expect(r.pValue).toBeCloseTo(DL_FACTS.p, 12);
    expect(r.ci[0]).toBeCloseTo(DL_FACTS.ci[0]!, 11);
    expect(r.ci[1]).toBeCloseTo(DL_FACTS.ci[1]!, 11);
    const r90 = delongTest(DL.y, DL.a, DL.b, { ci: 0.9 });
    expect(r90.ci[0]).toBeCloseTo(DL_FACTS.ci90[0]!, 11);
    expect(r90.ci[1]).toBeCloseTo(DL_FACTS.ci90[1]!, 11);
  });

  it("matches on a tiny example, and is antisymmetric in A and B", () => {
    const r = delongTest(DL_SMALL.y, DL_SMALL.a, DL_SMALL.b);
    expect(r.aucA).toBeCloseTo(DL_SMALL_FACTS.aucA, 14);
    expect(r.aucB).toBeCloseTo(DL_SMALL_FACTS.aucB, 14);
    expect(r.se).toBeCloseTo(DL_SMALL_FACTS.se, 14);
    expect(r.z).toBeCloseTo(DL_SMALL_FACTS.z, 12);
    expect(r.pValue).toBeCloseTo(DL_SMALL_FACTS.p, 12);
    expect(r.ci[0]).toBeCloseTo(DL_SMALL_FACTS.ci[0]!, 12);
    const s = delongTest(DL_SMALL.y, DL_SMALL.b, DL_SMALL.a);
    expect(s.z).toBeCloseTo(-r.z, 14);
    expect(s.pValue).toBeCloseTo(r.pValue, 14);
  });

  it("identical scores: difference 0, p-value 1", () => {
    const r = delongTest(DL.y, DL.a, DL.a);
    expect(r).toMatchObject({ diff: 0, se: 0, z: 0, pValue: 1, ci: [0, 0] });
  });

  it("raises typed errors on bad input", () => {
    expect(code(() => delongTest([1, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2]))).toBe("INVALID_ARGUMENT");
    expect(code(() => delongTest([], [], []))).toBe("INVALID_ARGUMENT");
    expect(code(() => delongTest([1, 0, 0, 0], [0.9, 0.1, 0.2, 0.3], [0.5, 0.4, 0.3, 0.2]))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(code(() => delongTest([1, 1, 0, 0], [0.9, Number.NaN, 0.2, 0.3], [0.5, 0.4, 0.3, 0.2]))).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

describe("holm and benjaminiHochberg (statsmodels multipletests)", () => {
  it("match the adjusted p-values and the rejections at two alphas", () => {
    for (const alpha of [0.05, 0.1]) {
      const h = holm(P, { alpha });
      const f = MULTITEST[`holm@${alpha}`]!;
      expect(h.reject).toEqual(f.reject);
      h.pAdjusted.forEach((v, i) => {
        expect(v).toBeCloseTo(f.adjusted[i]!, 14);
      });
      const bh = benjaminiHochberg(P, { alpha });
      const g = MULTITEST[`fdr_bh@${alpha}`]!;
      expect(bh.reject).toEqual(g.reject);
      bh.pAdjusted.forEach((v, i) => {
        expect(v).toBeCloseTo(g.adjusted[i]!, 14);
      });
    }
  });

  it("reject p-values outside [0, 1] and a bad alpha", () => {
    expect(code(() => holm([0.1, 1.2]))).toBe("INVALID_ARGUMENT");
    expect(code(() => benjaminiHochberg([0.1, Number.NaN]))).toBe("INVALID_ARGUMENT");
    expect(code(() => holm([0.1], { alpha: 0 }))).toBe("INVALID_ARGUMENT");
    expect(holm([])).toEqual({ pAdjusted: [], reject: [] });
  });
});
