/** The learners: binary classifiers with one interface and a versioned JSON format. */
export { type EarlyStopping, GradientBoosting, type GradientBoostingParams } from "./boosting.js";
export type { ClassWeight } from "./common.js";
export { RandomForest, type RandomForestParams } from "./forest.js";
export { LogisticRegression, type LogisticRegressionParams } from "./logistic.js";
export {
  type BestThreshold,
  type Direction,
  RuleClassifier,
  type RuleMetric,
  type RuleParams,
} from "./rule.js";
export { loadModel, MODEL_KINDS } from "./serialization.js";
export { DecisionTree, type DecisionTreeParams, type MaxFeatures } from "./tree.js";
export type { TreeArrays } from "./trees.js";
export type { Classifier, FitInput, ModelJSON, PredictOptions } from "./types.js";
