/** Input validation shared by every learner, the feature-name contract, and the test AUC helper. */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import {
  type Classifier,
  DecisionTree,
  GradientBoosting,
  LogisticRegression,
  RandomForest,
  RuleClassifier,
} from "./index.js";
import { FIXTURES, rocAuc, slice, synth, table, toCsv } from "./testing/index.js";

const X = [
  [1, 10],
  [2, 20],
  [3, 30],
  [4, 40],
  [5, 50],
  [6, 60],
];
const y = [0, 0, 0, 1, 1, 1];

const makers: Record<string, () => Classifier> = {
  rule: () => new RuleClassifier({ feature: 0, direction: ">=", threshold: 4 }),
  logistic_regression: () => new LogisticRegression(),
  decision_tree: () => new DecisionTree(),
  random_forest: () => new RandomForest({ nEstimators: 5 }),
  gradient_boosting: () => new GradientBoosting({ nEstimators: 5, minSamplesLeaf: 1 }),
};

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isSextantError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "ok";
}

describe.each(Object.keys(makers))("%s input checks", (kind) => {
  const make = makers[kind]!;

  it("fits and predicts on rows, a table, and Float64Array rows", async () => {
    const m = await make().fit({ X, y });
    expect(m.predictProba(X)).toHaveLength(6);
    expect(m.predict(X)).toBeInstanceOf(Uint8Array);
    const f64 = X.map((r) => Float64Array.from(r));
    expect(Array.from(m.predictProba(f64))).toEqual(Array.from(m.predictProba(X)));
  });

  it("rejects malformed fit input with INVALID_ARGUMENT", async () => {
    expect(await code(make().fit({ X: [[1, 2], [3]], y: [0, 1] }))).toMatch(
      /^INVALID_ARGUMENT: row 1 of X has 1 values/,
    );
    expect(await code(make().fit({ X, y: [0, 1] }))).toMatch(/^INVALID_ARGUMENT: y has 2 labels for 6 rows/);
    expect(await code(make().fit({ X, y: [0, 0, 2, 1, 1, 1] }))).toMatch(
      /^INVALID_ARGUMENT: label 2 is 2; binary labels/,
    );
    expect(await code(make().fit({ X, y: [0, 0, Number.NaN, 1, 1, 1] }))).toMatch(
      /^INVALID_ARGUMENT: label 2 is NaN/,
    );
    expect(await code(make().fit({ X, y: [1, 1, 1, 1, 1, 1] }))).toMatch(
      /^INVALID_ARGUMENT: y has a single class/,
    );
    expect(await code(make().fit({ X, y, sampleWeight: [1, 1, -1, 1, 1, 1] }))).toMatch(
      /^INVALID_ARGUMENT: sampleWeight\[2\] is -1; weights must be finite and non-negative/,
    );
    expect(await code(make().fit({ X, y, sampleWeight: [1, 1, 1] }))).toMatch(
      /^INVALID_ARGUMENT: sampleWeight has 3 values/,
    );
    expect(await code(make().fit({ X, y, sampleWeight: [1, 1, 1, 0, 0, 0] }))).toMatch(
      /single class: no rows of class 1/,
    );
    expect(await code(make().fit({ X: [], y: [] }))).toMatch(/^INVALID_ARGUMENT: X has no rows/);
    const inf = X.map((r, i) => (i === 3 ? [r[0]!, Number.POSITIVE_INFINITY] : r));
    expect(await code(make().fit({ X: inf, y }))).toMatch(
      /^INVALID_ARGUMENT: column 1 has an infinite value at row 3/,
    );
    expect(await code(make().fit({ X, y, featureNames: ["a"] }))).toMatch(
      /featureNames has 1 names for 2 columns/,
    );
  });

  it("raises INVALID_STATE when predicting before fit", async () => {
    expect(await code(() => make().predictProba(X))).toMatch(/^INVALID_STATE: this .* model is not fitted/);
    expect(await code(() => make().predict(X))).toMatch(/^INVALID_STATE/);
    expect(await code(() => make().toJSON())).toMatch(/^INVALID_STATE/);
  });

  it("checks the feature count, and the names (by name for a table) when fitted with names", async () => {
    const cols = [Float64Array.from(X, (r) => r[0]!), Float64Array.from(X, (r) => r[1]!)];
    const m = await make().fit({ X: table(cols, ["a", "b"]), y });
    expect(m.featureNames).toEqual(["a", "b"]);
    // a table with the columns in another order is matched by name
    const swapped = table([cols[1]!, cols[0]!], ["b", "a"]);
    expect(Array.from(m.predictProba(swapped))).toEqual(Array.from(m.predictProba(table(cols, ["a", "b"]))));
    expect(await code(() => m.predictProba(table(cols, ["a", "c"])))).toMatch(
      /^INVALID_ARGUMENT: the table does not provide the model's features \(a, b\)/,
    );
    expect(await code(() => m.predictProba([[1, 2, 3]]))).toMatch(
      /^INVALID_ARGUMENT: X has 3 features; the model was fitted on 2 \(a, b\)/,
    );
    const rowsFitted = await make().fit({ X, y, featureNames: ["a", "b"] });
    expect(rowsFitted.featureNames).toEqual(["a", "b"]);
    expect(rowsFitted.predictProba(X)).toHaveLength(6);
  });

  it("validates the threshold of predict", async () => {
    const m = await make().fit({ X, y });
    expect(Array.from(m.predict(X, { threshold: 0 }))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await code(() => m.predict(X, { threshold: Number.NaN }))).toMatch(/^INVALID_ARGUMENT: threshold/);
  });
});

describe("missing values", () => {
  const withNaN = X.map((r, i) => (i === 2 ? [r[0]!, Number.NaN] : r));

  it("logistic regression and the rule refuse NaN, naming the column", async () => {
    expect(
      await code(new LogisticRegression().fit({ X: withNaN, y, featureNames: ["age", "days"] })),
    ).toMatch(/^INVALID_ARGUMENT: column "days" \(index 1\) has a missing value \(NaN\) at row 2/);
    expect(
      await code(new RuleClassifier({ feature: 0, direction: ">", threshold: 1 }).fit({ X: withNaN, y })),
    ).toMatch(/^INVALID_ARGUMENT: column 1 has a missing value \(NaN\) at row 2/);
    const lr = await new LogisticRegression().fit({ X, y });
    expect(await code(() => lr.predictProba(withNaN))).toMatch(/missing value \(NaN\) at row 2/);
  });

  it("the tree models take NaN in fit and predict", async () => {
    for (const make of [makers.decision_tree!, makers.random_forest!, makers.gradient_boosting!]) {
      const m = await make().fit({ X: withNaN, y });
      const p = m.predictProba([
        [3, Number.NaN],
        [Number.NaN, Number.NaN],
      ]);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });
});

describe("the tests' ROC AUC helper", () => {
  it("matches sklearn.metrics.roc_auc_score on a vector with ties", () => {
    // /usr/bin/python3 -c "from sklearn.metrics import roc_auc_score; print(repr(roc_auc_score(
    //   [0,0,1,1,0,1,0,1,1,0,1,0], [0.1,0.4,0.35,0.8,0.4,0.4,0.2,0.9,0.5,0.5,0.5,0.05])))"  (sklearn 1.2.1)
    const auc = rocAuc(
      [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0],
      [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.5, 0.5, 0.5, 0.05],
    );
    expect(auc).toBeCloseTo(0.8333333333333333, 15);
  });
});

describe("the synthetic fixtures", () => {
  it("are exactly what the seeded generator writes (test/oracles/export-synth.ts)", () => {
    for (const [name, missing] of [
      ["synth", false],
      ["synth-missing", true],
    ] as const) {
      const d = synth(5000, 2024, missing);
      expect(toCsv(slice(d, 0, 4000))).toBe(readFileSync(join(FIXTURES, `${name}-train.csv`), "utf8"));
      expect(toCsv(slice(d, 4000, 5000))).toBe(readFileSync(join(FIXTURES, `${name}-test.csv`), "utf8"));
    }
  });
});
