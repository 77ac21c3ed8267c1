/**
 * Gradient boosting against scikit-learn's HistGradientBoostingClassifier. Expected AUCs are facts
 * computed once by `/usr/bin/python3 test/oracles/breast_cancer.py --no-write` and
 * `test/oracles/synth.py` (scikit-learn 1.2.1) on the committed fixtures, with the defaults on
 * both sides (max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
 * l2_regularization=0, max_bins=255; early stopping off below 10,000 rows).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GradientBoosting, loadModel } from "./index.js";
import { FIXTURES, readCsv, rocAuc, rows, synth, table } from "./testing/index.js";

type Data = ReturnType<typeof readCsv>;
const load = (name: string): [Data, Data] => [
  readCsv(join(FIXTURES, `${name}-train.csv`)),
  readCsv(join(FIXTURES, `${name}-test.csv`)),
];
const T = (d: Data) => table(d.columns, d.names);

describe("GradientBoosting vs HistGradientBoostingClassifier", () => {
  it.each([
    ["breast-cancer", 0.9851190476190477],
    ["synth", 0.8598125232545579],
    ["synth-missing", 0.8680311789177242], // NaN in two features, handled natively on both sides
  ])("%s: test AUC within 0.005 of sklearn's %f", async (name, skAuc) => {
    const [tr, te] = load(name);
    const gb = await new GradientBoosting().fit({ X: T(tr), y: tr.y });
    const auc = rocAuc(te.y, gb.predictProba(T(te)));
    expect(Math.abs(auc - skAuc)).toBeLessThan(0.005);
    expect(gb.nIter).toBe(100);
    expect(gb.trees.every((t) => t.feature.filter((f) => f < 0).length <= 31)).toBe(true);
  });
});

describe("GradientBoosting", () => {
  const [tr, te] = load("synth");

  it("builds the same model whatever the thread count", async () => {
    const d = synth(60_000, 99, true); // big enough for the parallel histogram and gradient steps
    const X = table(d.columns, d.names);
    const params = { nEstimators: 15, maxDepth: 5, seed: 1 };
    const one = await new GradientBoosting({ ...params, threads: 1 }).fit({ X, y: d.y });
    const two = await new GradientBoosting({ ...params, threads: 2 }).fit({ X, y: d.y });
    expect(JSON.stringify(two.toJSON().state)).toEqual(JSON.stringify(one.toJSON().state));
  });

  it("round-trips through JSON bit for bit (loadModel too)", async () => {
    const gb = await new GradientBoosting({ nEstimators: 30 }).fit({ X: T(tr), y: tr.y });
    const json = JSON.stringify(gb.toJSON());
    const back = GradientBoosting.fromJSON(json);
    const p = gb.predictProba(T(te));
    expect(Array.from(back.predictProba(T(te)))).toEqual(Array.from(p));
    expect(Array.from(loadModel(JSON.parse(json)).predictProba(T(te)))).toEqual(Array.from(p));
    expect(back.featureNames).toEqual(tr.names);
  });

  it("stops early on a held-out fraction and records the best iteration", async () => {
    const gb = await new GradientBoosting({
      nEstimators: 500,
      learningRate: 0.3,
      earlyStopping: { validationFraction: 0.2, nIterNoChange: 5 },
    }).fit({ X: T(tr), y: tr.y });
    expect(gb.nIter).toBeLessThan(500);
    expect(gb.validationLoss).toHaveLength(gb.nIter + 1);
    const best = gb.bestIteration!;
    expect(best).toBeGreaterThan(0);
    expect(Math.min(...gb.validationLoss)).toBe(gb.validationLoss[best]);
    expect(gb.nIter - best).toBeLessThanOrEqual(5);
  });

  it("uses FitInput.validation when given", async () => {
    const gb = await new GradientBoosting({ nEstimators: 300, learningRate: 0.3, earlyStopping: true }).fit({
      X: T(tr),
      y: tr.y,
      validation: { X: T(te), y: te.y },
    });
    expect(gb.nIter).toBeLessThan(300);
    expect(gb.validationLoss[gb.bestIteration!]).toBeLessThan(gb.validationLoss[0]!);
  });

  it("supports subsampling, depth-wise growth, L2, class weights and few bins", async () => {
    const variants = [
      { subsample: 0.5, seed: 3 },
      { growth: "depthwise" as const, maxDepth: 3, maxLeafNodes: null },
      { l2Regularization: 10 },
      { classWeight: "balanced" as const },
      { maxBins: 16 },
      { maxLeafNodes: 8, minSamplesLeaf: 5 },
    ];
    for (const v of variants) {
      const gb = await new GradientBoosting({ nEstimators: 50, ...v }).fit({ X: rows(tr), y: tr.y });
      expect(rocAuc(te.y, gb.predictProba(rows(te)))).toBeGreaterThan(0.83);
    }
    const deep = await new GradientBoosting({
      nEstimators: 3,
      growth: "depthwise",
      maxDepth: 2,
      maxLeafNodes: null,
    }).fit({
      X: rows(tr),
      y: tr.y,
    });
    expect(deep.trees.every((t) => t.feature.length <= 7)).toBe(true);
  });

  it("takes sample weights: a uniform scale changes nothing, up-weighting a class moves predictions", async () => {
    const plain = await new GradientBoosting({ nEstimators: 20 }).fit({ X: rows(tr), y: tr.y });
    const twice = await new GradientBoosting({ nEstimators: 20 }).fit({
      X: rows(tr),
      y: tr.y,
      sampleWeight: new Float64Array(tr.nRows).fill(2),
    });
    const a = twice.predictProba(rows(te));
    const b = plain.predictProba(rows(te));
    // equal up to the 1e-15 guard in −G / (H + λ + 1e-15), which does not scale
    expect(a.every((v, i) => Math.abs(v - b[i]!) < 1e-12)).toBe(true);
    const pos = await new GradientBoosting({ nEstimators: 20 }).fit({
      X: rows(tr),
      y: tr.y,
      sampleWeight: Array.from(tr.y, (l) => (l === 1 ? 3 : 1)),
    });
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(pos.predictProba(rows(te)))).toBeGreaterThan(mean(plain.predictProba(rows(te))) + 0.1);
  });

  it("learns the direction of missing values", async () => {
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const cls = i % 2;
      X.push([i % 8 === 1 ? Number.NaN : cls + (i % 5) * 0.01]);
      y.push(cls);
    }
    const gb = await new GradientBoosting({ nEstimators: 20, minSamplesLeaf: 5 }).fit({ X, y });
    const p = gb.predictProba([[Number.NaN], [0.02], [1.02]]);
    expect(p[0]!).toBeGreaterThan(0.9);
    expect(p[1]!).toBeLessThan(0.1);
    expect(p[2]!).toBeGreaterThan(0.9);
  });

  it("rejects bad options", () => {
    expect(() => new GradientBoosting({ maxBins: 256 })).toThrow(/maxBins must be <= 255/);
    expect(() => new GradientBoosting({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new GradientBoosting({ subsample: 1.5 })).toThrow(/subsample/);
    expect(() => new GradientBoosting({ earlyStopping: { nIterNoChange: 0 } })).toThrow(/nIterNoChange/);
    expect(() => new GradientBoosting({ threads: 0 })).toThrow(/threads/);
  });
});
