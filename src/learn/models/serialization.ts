/**
 * Loading any stored model: `loadModel(json)` reads the versioned header and hands the JSON to the
 * kind's `fromJSON`, which refuses versions it does not know.
 */
import { SextantError } from "../../core/index.js";
import { GradientBoosting } from "./boosting.js";
import { RandomForest } from "./forest.js";
import { FORMAT } from "./format.js";
import { LogisticRegression } from "./logistic.js";
import { RuleClassifier } from "./rule.js";
import { DecisionTree } from "./tree.js";
import type { Classifier, ModelJSON } from "./types.js";

const READERS: Record<string, (json: ModelJSON) => Classifier> = {
  rule: (j) => RuleClassifier.fromJSON(j),
  logistic_regression: (j) => LogisticRegression.fromJSON(j),
  decision_tree: (j) => DecisionTree.fromJSON(j),
  random_forest: (j) => RandomForest.fromJSON(j),
  gradient_boosting: (j) => GradientBoosting.fromJSON(j),
};

/** The model kinds this version reads. */
export const MODEL_KINDS: readonly string[] = Object.keys(READERS);

/**
 * A fitted model from its stored JSON (object or string), whatever its kind.
 * @throws INVALID_ARGUMENT when it is not a Sextant model, or its kind or version is unknown
 */
export function loadModel(json: ModelJSON | string): Classifier {
  let m: ModelJSON;
  if (typeof json === "string") {
    try {
      m = JSON.parse(json) as ModelJSON;
    } catch (e) {
      throw new SextantError("INVALID_ARGUMENT", "the model JSON does not parse", {}, { cause: e });
    }
  } else m = json;
  if (typeof m !== "object" || m === null || m.format !== FORMAT) {
    throw new SextantError("INVALID_ARGUMENT", `not a Sextant model (format must be "${FORMAT}")`);
  }
  const read = typeof m.kind === "string" && Object.hasOwn(READERS, m.kind) ? READERS[m.kind] : undefined;
  if (!read) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `unknown model kind "${String(m.kind)}" (this Sextant reads ${MODEL_KINDS.join(", ")}); upgrade Sextant`,
      { kind: m.kind },
    );
  }
  return read(m);
}
