/**
 * ROC AUC and average precision against scikit-learn 1.2.1 (roc_auc_score, average_precision_score,
 * with and without sample_weight), printed by test/oracles/core_ranking.py on the dataset below,
 * which both sides build from the same integer arithmetic.
 */
import { describe, expect, it } from "vitest";
import {
  averagePrecision,
  descendingOrder,
  rankRows,
  rocAuc,
  unitWeights,
  weightedAp,
  weightedAuc,
} from "./ranking.js";
import { Rng } from "./rng.js";

const N = 200;
const Y = Array.from({ length: N }, (_, i) => ((i * 7919) % 11 < 4 ? 1 : 0));
/** Scores on a grid of 0.05 (20 distinct values: many ties). */
const S = Y.map((y, i) => (Math.floor((((i * 2654435761) % 1000) * 12) / 1000) + 8 * y) / 20);
const W = Int32Array.from({ length: N }, (_, i) => (i * 37) % 4);
const UNTIED = Y.map((y, i) => ((i * 2654435761) % 1000003) / 1000003 + 0.3 * y);
const SKLEARN = {
  auc: 0.9455290691403301,
  ap: 0.9086953726320642,
  aucWeighted: 0.9544994212962963,
  apWeighted: 0.9217407150259107,
  aucUntied: 0.756444827958149,
  apUntied: 0.6988920123904266,
  apUntiedWeighted: 0.7213280343391588,
};

/** Weights by row → by position in the order. */
const byPosition = (order: Uint32Array, w: Int32Array) => Int32Array.from(order, (row) => w[row]!);

describe("rank metrics (scikit-learn)", () => {
  it("ROC AUC and average precision with tied scores", () => {
    expect(new Set(S).size).toBe(20);
    expect(rocAuc(Y, S)).toBeCloseTo(SKLEARN.auc, 14);
    expect(averagePrecision(Y, S)).toBeCloseTo(SKLEARN.ap, 14);
    expect(rocAuc(Y, UNTIED)).toBeCloseTo(SKLEARN.aucUntied, 14);
    expect(averagePrecision(Y, UNTIED)).toBeCloseTo(SKLEARN.apUntied, 14);
  });

  it("with integer sample weights, zeros dropping their rows", () => {
    const order = descendingOrder(S);
    const r = rankRows(Y, S, order);
    expect(r.ties).toBe(true);
    expect(weightedAuc(r, byPosition(order, W))).toBeCloseTo(SKLEARN.aucWeighted, 14);
    expect(weightedAp(r, byPosition(order, W))).toBeCloseTo(SKLEARN.apWeighted, 14);
    const ou = descendingOrder(UNTIED);
    const ru = rankRows(Y, UNTIED, ou);
    expect(ru.ties).toBe(false);
    expect(weightedAp(ru, byPosition(ou, W))).toBeCloseTo(SKLEARN.apUntiedWeighted, 14);
  });

  it("a walk gathered through another order gives the walk in that order", () => {
    // the bootstrap's B side: weights kept by A's positions, B's order walked through them
    const rng = new Rng(4);
    const a = Y.map((y) => rng.random() + 0.5 * y);
    const oa = descendingOrder(a);
    const ob = descendingOrder(S);
    const rank = new Uint32Array(N);
    for (let i = 0; i < N; i++) rank[oa[i]!] = i;
    const gather = Uint32Array.from(ob, (row) => rank[row]!);
    const wA = byPosition(oa, W);
    const rb = rankRows(Y, S, ob);
    expect(weightedAuc(rb, wA, gather)).toBe(weightedAuc(rb, byPosition(ob, W)));
    expect(weightedAp(rb, wA, gather)).toBe(weightedAp(rb, byPosition(ob, W)));
  });

  it("edge cases as scikit-learn: all scores tied, no positive, one class", () => {
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(averagePrecision([0, 0, 0], [0.2, 0.5, 0.1])).toBe(0);
    expect(rocAuc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNaN();
    expect(weightedAuc(rankRows([1, 0], [0.9, 0.1]), Int32Array.from([3, 0]))).toBeNaN();
    expect(weightedAp(rankRows([1, 0], [0.9, 0.1]), unitWeights(2))).toBe(1);
  });
});
