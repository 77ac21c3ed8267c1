/** The versioned JSON model format: every kind round-trips; unknown kinds and versions are refused. */
import { describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import {
  type Classifier,
  DecisionTree,
  GradientBoosting,
  LogisticRegression,
  loadModel,
  MODEL_KINDS,
  type ModelJSON,
  RandomForest,
  RuleClassifier,
} from "./index.js";

const X = Array.from({ length: 60 }, (_, i) => [i % 10, (i * 7) % 13, i % 3 === 0 ? Number.NaN : i / 10]);
const Xclean = X.map((r) => [r[0]!, r[1]!]);
const y = X.map((r) => (r[0]! + r[1]! > 10 ? 1 : 0));

async function fitted(): Promise<[Classifier, number[][]][]> {
  return [
    [
      await new RuleClassifier({ feature: "a", direction: ">", threshold: 4 }).fit({
        X: Xclean,
        y,
        featureNames: ["a", "b"],
      }),
      Xclean,
    ],
    [await new LogisticRegression().fit({ X: Xclean, y }), Xclean],
    [await new DecisionTree().fit({ X, y }), X],
    [await new RandomForest({ nEstimators: 7 }).fit({ X, y }), X],
    [await new GradientBoosting({ nEstimators: 7, minSamplesLeaf: 2 }).fit({ X, y }), X],
  ];
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isSextantError(e, "INVALID_ARGUMENT")) return e.message;
    throw e;
  }
  return "no error";
}

describe("model JSON", () => {
  it("every kind round-trips exactly through a JSON string", async () => {
    const kinds = new Set<string>();
    for (const [m, data] of await fitted()) {
      const json = m.toJSON();
      expect(json).toMatchObject({ format: "sextant-model", version: 1, kind: m.kind });
      const back = loadModel(JSON.stringify(json));
      expect(back.kind).toBe(m.kind);
      expect(back.featureNames).toEqual(m.featureNames);
      expect(Array.from(back.predictProba(data))).toEqual(Array.from(m.predictProba(data)));
      expect(JSON.stringify(back.toJSON())).toEqual(JSON.stringify(json));
      kinds.add(m.kind);
    }
    expect([...kinds].sort()).toEqual([...MODEL_KINDS].sort());
  });

  it("refuses unknown kinds, versions and formats with INVALID_ARGUMENT", async () => {
    const gb = (await fitted())[4]![0].toJSON();
    expect(errorOf(() => loadModel({ ...gb, kind: "svm" }))).toMatch(
      /unknown model kind "svm" \(this Sextant reads rule, /,
    );
    expect(errorOf(() => loadModel({ ...gb, version: 2 }))).toMatch(
      /gradient_boosting model format version 2 is not supported \(this Sextant reads 1\); upgrade Sextant/,
    );
    expect(errorOf(() => loadModel({ ...gb, format: "onnx" } as unknown as ModelJSON))).toMatch(
      /not a Sextant model/,
    );
    expect(errorOf(() => loadModel("{not json"))).toMatch(/does not parse/);
    expect(errorOf(() => LogisticRegression.fromJSON(gb))).toMatch(
      /this is a "gradient_boosting" model, not a "logistic_regression"/,
    );
  });

  it("refuses corrupt state", async () => {
    const [, , dt, rf] = await fitted();
    const j = dt![0].toJSON();
    const state = j.state as { tree: { left: { b64: string } } };
    const bad = structuredClone(j);
    (bad.state as typeof state).tree.left.b64 = "AAAA"; // truncated/mismatched array
    expect(errorOf(() => loadModel(bad))).toMatch(/decision_tree state.tree/);
    const noTrees = { ...rf![0].toJSON(), state: { nFeatures: 3, trees: [] } };
    expect(errorOf(() => loadModel(noTrees))).toMatch(/trees must be a non-empty array/);
  });
});
