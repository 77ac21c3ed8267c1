import { describe, expect, it } from "vitest";
import { categoricalDistribution, floatDistribution, intDistribution } from "../distributions.js";
import type { Direction, DistributionJSON, FrozenTrial, StudySummary, TrialState } from "../storage.js";
import { paramImportances, studyReport } from "./report.js";

/** The 32-bit LCG test/oracles/hpo_analysis_importance.py uses, so both sides build the same trials. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let ids = 0;
function trial(
  number: number,
  state: TrialState,
  params: Record<string, number>,
  distributions: Record<string, DistributionJSON>,
  values: number[] | null,
  extra: Partial<FrozenTrial> = {},
): FrozenTrial {
  return {
    trialId: `t${ids++}`,
    studyId: "s1",
    number,
    state,
    values,
    params,
    distributions: Object.fromEntries(Object.keys(params).map((k) => [k, distributions[k]!])),
    intermediate: {},
    userAttrs: {},
    systemAttrs: {},
    startTime: 1000 + number * 100,
    endTime: state === "RUNNING" || state === "WAITING" ? null : 1000 + number * 100 + 40 + number,
    heartbeatAt: null,
    runId: `run-${number}`,
    ...extra,
  };
}

function summary(directions: Direction[]): StudySummary {
  return {
    studyId: "s1",
    name: "demo",
    directions,
    userAttrs: {},
    systemAttrs: {},
    createdTime: 5,
    runId: "parent",
  };
}

/** y = 10·x1 + 2·x2 + 0.1·noise, x3 irrelevant; every 10th trial PRUNED, trial 15 FAIL. */
function linearTrials(): FrozenTrial[] {
  const u = lcg(1);
  const d = {
    x1: floatDistribution("x1", 0, 1),
    x2: floatDistribution("x2", 0, 1),
    x3: intDistribution("x3", 1, 10),
  };
  return Array.from({ length: 80 }, (_, i) => {
    const x1 = u();
    const x2 = u();
    const x3 = 1 + Math.floor(u() * 10);
    const noise = u() - 0.5;
    const y = 10 * x1 + 2 * x2 + 0.1 * noise;
    const state: TrialState = i % 10 === 9 ? "PRUNED" : i === 15 ? "FAIL" : "COMPLETE";
    return trial(i, state, { x1, x2, x3 }, d, state === "COMPLETE" ? [y] : null);
  });
}

/** y = offset[c] + x + 0.05·(log10(lr) + 4), offsets a:0 b:5 c:10. */
function categoricalTrials(): FrozenTrial[] {
  const u = lcg(2);
  const d = {
    booster: categoricalDistribution("booster", ["a", "b", "c"]),
    x: floatDistribution("x", 0, 1),
    lr: floatDistribution("lr", 1e-4, 1, { log: true }),
  };
  return Array.from({ length: 80 }, (_, i) => {
    const c = Math.floor(u() * 3);
    const x = u();
    const lr = 10 ** (-4 + 4 * u());
    const y = [0, 5, 10][c]! + x + 0.05 * (Math.log10(lr) + 4);
    return trial(i, "COMPLETE", { booster: c, x, lr }, d, [y]);
  });
}

// test/oracles/hpo_analysis_importance.py (Optuna 3.1 get_param_importances, seed 0; scikit-learn
// 1.2 DecisionTreeRegressor(max_depth=3, any random_state) on Optuna's encoding, and Optuna's
// _FanovaTree arithmetic on that tree).
const ORACLE = {
  linear: {
    mdi: { x1: 0.9768936248680359, x2: 0.01904073976427008, x3: 0.004065635367693976 },
    fanova: { x1: 0.9910286693199835, x2: 0.00846946244351344, x3: 0.0005018682365031779 },
    treeDepth3: { x1: 0.9926485013153246, x2: 0.007351498684675454, x3: 0 },
    treeFanovaDepth3: { x1: 0.9985852269027831, x2: 0.0014147730972168748, x3: 0 },
  },
  categorical: {
    mdi: { booster: 0.9950419871940671, x: 0.004817375067880651, lr: 0.00014063773805224352 },
    fanova: { booster: 0.9950059206848846, x: 0.004987181251908556, lr: 6.898063206850106e-6 },
    treeDepth3: { booster: 0.9959520917541975, lr: 0, x: 0.0040479082458026484 },
    treeFanovaDepth3: { booster: 0.9967593238231676, lr: 0, x: 0.0032406761768323613 },
  },
  paretoFront: [4, 8, 10, 15, 16, 19, 26, 28, 30],
};

function ranking(r: Record<string, number>): string[] {
  return Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => k);
}

describe("paramImportances", () => {
  for (const [name, make] of [
    ["linear", linearTrials],
    ["categorical", categoricalTrials],
  ] as const) {
    describe(name, () => {
      const oracle = ORACLE[name];
      const trials = make();

      it("one unbootstrapped depth-3 tree equals scikit-learn's DecisionTreeRegressor", () => {
        const got = paramImportances(trials, 1, { forest: { nTrees: 1, bootstrap: false, maxDepth: 3 } });
        for (const [k, v] of Object.entries(oracle.treeDepth3)) expect(got[k]).toBeCloseTo(v, 10);
      });

      it("the seeded forest matches Optuna's MDI evaluator within 0.01 and ranks as it and fANOVA do", () => {
        const got = paramImportances(trials, 1, { seed: 0 });
        expect(Object.keys(got)).toEqual(ranking(oracle.mdi)); // sorted, most important first
        expect(ranking(got)).toEqual(ranking(oracle.fanova));
        for (const [k, v] of Object.entries(oracle.mdi)) expect(Math.abs(got[k]! - v)).toBeLessThan(0.01);
        const sum = Object.values(got).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 12);
      });

      it("fANOVA on one unbootstrapped depth-3 tree equals Optuna's fANOVA tree arithmetic", () => {
        const got = paramImportances(trials, 1, {
          method: "fanova",
          forest: { nTrees: 1, bootstrap: false, maxDepth: 3 },
        });
        // scikit-learn splits float32 copies of the features, so thresholds (and cell sizes) differ
        // from ours in the 8th digit
        for (const [k, v] of Object.entries(oracle.treeFanovaDepth3)) expect(got[k]).toBeCloseTo(v, 9);
      });

      it("fANOVA on the seeded forest matches Optuna's evaluator within 0.01 and ranks as it does", () => {
        const got = paramImportances(trials, 1, { method: "fanova", seed: 0 });
        expect(Object.keys(got)).toEqual(ranking(oracle.fanova));
        for (const [k, v] of Object.entries(oracle.fanova)) expect(Math.abs(got[k]! - v)).toBeLessThan(0.01);
        expect(Object.values(got).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      });

      it("is deterministic for a seed and varies with it", () => {
        const a = paramImportances(trials, 1, { seed: 7 });
        expect(paramImportances(trials, 1, { seed: 7 })).toEqual(a);
        expect(paramImportances(trials, 1, { seed: 8 })).not.toEqual(a);
      });
    });
  }

  it("the known answer: x1 dominates, then x2, the irrelevant x3 last; the categorical dominates", () => {
    const lin = paramImportances(linearTrials(), 1);
    expect(ranking(lin)).toEqual(["x1", "x2", "x3"]);
    expect(lin.x1!).toBeGreaterThan(0.9);
    const cat = paramImportances(categoricalTrials(), 1);
    expect(ranking(cat)).toEqual(["booster", "x", "lr"]);
    expect(cat.booster!).toBeGreaterThan(0.95);
  });

  it("uses only COMPLETE trials and params every one of them has with the same distribution", () => {
    const trials = linearTrials();
    // a PRUNED trial with absurd params changes nothing
    const withPruned = [
      ...trials,
      trial(80, "PRUNED", { x1: 0.5, x2: 0.5, x3: 3 }, trials[0]!.distributions, null),
    ];
    expect(paramImportances(withPruned, 1)).toEqual(paramImportances(trials, 1));
    // a param missing from one COMPLETE trial, and one with a different range, drop out
    const d = { ...trials[0]!.distributions, extra: floatDistribution("extra", 0, 1) };
    const mixed = trials.map((t, i) => {
      if (t.state !== "COMPLETE") return t;
      const params = i === 0 ? { ...t.params } : { ...t.params, extra: 0.5 };
      const out = trial(t.number, "COMPLETE", params, d, t.values);
      if (i === 1) out.distributions.x3 = intDistribution("x3", 1, 20);
      return out;
    });
    expect(Object.keys(paramImportances(mixed, 1)).sort()).toEqual(["x1", "x2"]);
  });

  it("fANOVA gives a param with one possible value 0 and leaves it out of the forest", () => {
    const trials = linearTrials().map((t) =>
      trial(
        t.number,
        t.state,
        { ...t.params, fixed: 3 },
        { ...t.distributions, fixed: intDistribution("fixed", 3, 3) },
        t.values,
      ),
    );
    const got = paramImportances(trials, 1, { method: "fanova" });
    expect(got.fixed).toBe(0);
    expect(got).toEqual({ ...paramImportances(linearTrials(), 1, { method: "fanova" }), fixed: 0 });
    expect(studyReport(summary(["minimize"]), trials, { importance: "fanova" }).importanceMethod).toBe(
      "fanova",
    );
  });

  it("is empty with fewer than two COMPLETE trials, and all zero for a constant target", () => {
    const d = { x: floatDistribution("x", 0, 1) };
    expect(paramImportances([trial(0, "COMPLETE", { x: 0.2 }, d, [1])], 1)).toEqual({});
    const flat = [0.1, 0.5, 0.9].map((x, i) => trial(i, "COMPLETE", { x }, d, [3]));
    expect(paramImportances(flat, 1)).toEqual({ x: 0 });
  });
});

describe("studyReport", () => {
  it("single objective: counts, history with best-so-far, trials table, slices, parallel data", () => {
    const d = {
      lr: floatDistribution("lr", 1e-3, 1, { log: true }),
      depth: intDistribution("depth", 1, 8),
      kind: categoricalDistribution("kind", ["gbdt", "rf", null]),
    };
    const trials = [
      trial(3, "RUNNING", { lr: 0.1 }, d, null),
      trial(0, "COMPLETE", { lr: 0.01, depth: 3, kind: 1 }, d, [0.5]),
      trial(1, "COMPLETE", { lr: 0.2, depth: 5, kind: 0 }, d, [0.7]),
      trial(2, "PRUNED", { lr: 0.5, depth: 2, kind: 2 }, d, null, { intermediate: { 0: [0.2], 1: [0.25] } }),
      trial(4, "FAIL", { lr: 0.05, depth: 1, kind: 0 }, d, null),
      trial(5, "COMPLETE", { lr: 0.3, depth: 7, kind: 2 }, d, [0.6], {
        intermediate: { 2: [0.5], 0: [0.4] },
      }),
    ];
    const r = studyReport(summary(["maximize"]), trials);
    expect(r.study).toMatchObject({ name: "demo", directions: ["maximize"], nTrials: 6, runId: "parent" });
    expect(r.study.counts).toEqual({ RUNNING: 1, WAITING: 0, COMPLETE: 3, PRUNED: 1, FAIL: 1 });
    expect(r.history.map((h) => [h.number, h.state, h.values, h.best])).toEqual([
      [0, "COMPLETE", [0.5], [0.5]],
      [1, "COMPLETE", [0.7], [0.7]],
      [2, "PRUNED", null, [0.7]],
      [4, "FAIL", null, [0.7]],
      [5, "COMPLETE", [0.6], [0.7]],
    ]);
    expect(r.history[0]).toMatchObject({ startTime: 1000, endTime: 1040, durationMs: 40 });
    expect(r.best).toEqual([{ number: 1, value: 0.7 }]);
    expect(r.paretoFront).toEqual([1]);
    expect(r.params.map((p) => [p.name, p.count, p.labels])).toEqual([
      ["lr", 6, null],
      ["depth", 5, null],
      ["kind", 5, ["gbdt", "rf", "null"]],
    ]);
    expect(r.importanceMethod).toBe("random-forest-mdi");
    expect(Object.values(r.importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(r.importancesByObjective).toEqual([r.importances]);

    expect(r.parallel.axes.map((a) => [a.name, a.type, a.min, a.max, a.log])).toEqual([
      ["lr", "float", 1e-3, 1, true],
      ["depth", "int", 1, 8, false],
      ["kind", "categorical", 0, 2, false],
    ]);
    expect(r.parallel.rows).toEqual([
      { number: 0, values: [0.5], coords: [0.01, 3, 1] },
      { number: 1, values: [0.7], coords: [0.2, 5, 0] },
      { number: 5, values: [0.6], coords: [0.3, 7, 2] },
    ]);
    const kind = r.slices.find((s) => s.param === "kind")!;
    expect(kind.points.map((p) => [p.number, p.x, p.xi, p.values[0]])).toEqual([
      [0, "rf", 1, 0.5],
      [1, "gbdt", 0, 0.7],
      [5, null, 2, 0.6],
    ]);
    expect(r.intermediate).toEqual([
      { number: 2, state: "PRUNED", steps: [0, 1], values: [[0.2], [0.25]] },
      { number: 5, state: "COMPLETE", steps: [0, 2], values: [[0.4], [0.5]] },
    ]);
    expect(
      r.trials.map((t) => [t.number, t.state, t.params.kind, t.values, t.runId, t.pareto, t.lastStep]),
    ).toEqual([
      [0, "COMPLETE", "rf", [0.5], "run-0", false, null],
      [1, "COMPLETE", "gbdt", [0.7], "run-1", true, null],
      [2, "PRUNED", null, null, "run-2", false, 1],
      [3, "RUNNING", undefined, null, "run-3", false, null],
      [4, "FAIL", "gbdt", null, "run-4", false, null],
      [5, "COMPLETE", null, [0.6], "run-5", false, 2],
    ]);
    expect(r.trials[3]!.durationMs).toBeNull();
    // JSON-ready: survives a round trip unchanged
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("minimize: best-so-far takes the minimum; no COMPLETE trial gives no importances", () => {
    const d = { x: floatDistribution("x", 0, 1) };
    const r = studyReport(
      summary(["minimize"]),
      [0.4, 0.6, 0.1, 0.3].map((v, i) => trial(i, "COMPLETE", { x: v }, d, [v])),
    );
    expect(r.history.map((h) => h.best[0])).toEqual([0.4, 0.4, 0.1, 0.1]);
    expect(r.best).toEqual([{ number: 2, value: 0.1 }]);
    const empty = studyReport(summary(["minimize"]), [trial(0, "RUNNING", {}, d, null)]);
    expect(empty.importanceMethod).toBeNull();
    expect(empty.importances).toEqual({});
    expect(empty.history).toEqual([]);
    expect(empty.best).toEqual([null]);
  });

  it("multi-objective: history per objective and the Pareto front as Optuna's best_trials", () => {
    const u = lcg(3);
    const d = { x1: floatDistribution("x1", 0, 1), x2: floatDistribution("x2", 0, 1) };
    const trials: FrozenTrial[] = [];
    for (let i = 0; i < 30; i++) {
      const x1 = u();
      const x2 = u();
      trials.push(trial(i, "COMPLETE", { x1, x2 }, d, [x1, Math.sqrt(x1) - x2]));
    }
    trials.push(trial(30, "COMPLETE", { ...trials[4]!.params }, d, [...trials[4]!.values!]));
    trials.push(trial(31, "PRUNED", { x1: 0, x2: 0 }, d, null));
    const r = studyReport(summary(["minimize", "maximize"]), trials);
    expect(r.paretoFront).toEqual(ORACLE.paretoFront);
    expect(r.trials.filter((t) => t.pareto).map((t) => t.number)).toEqual(ORACLE.paretoFront);
    const v0 = trials.slice(0, 31).map((t) => t.values![0]!);
    const v1 = trials.slice(0, 31).map((t) => t.values![1]!);
    expect(r.best).toEqual([
      { number: v0.indexOf(Math.min(...v0)), value: Math.min(...v0) },
      { number: v1.indexOf(Math.max(...v1)), value: Math.max(...v1) },
    ]);
    const h = r.history;
    expect(h).toHaveLength(32);
    for (let i = 0; i < 31; i++) {
      expect(h[i]!.best).toEqual([Math.min(...v0.slice(0, i + 1)), Math.max(...v1.slice(0, i + 1))]);
    }
    expect(h[31]!.best).toEqual(h[30]!.best);
    expect(r.importancesByObjective).toHaveLength(2);
    // objective 0 is x1 itself; objective 1 depends on both
    expect(ranking(r.importancesByObjective[0]!)[0]).toBe("x1");
    expect(r.importancesByObjective[0]!.x1!).toBeGreaterThan(0.95);
    expect(r.importances).toEqual(r.importancesByObjective[0]);
  });
});
