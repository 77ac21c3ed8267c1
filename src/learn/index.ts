/**
 * `sextant-ml/learn`: the tabular learners (rule, logistic regression, decision tree, random forest,
 * gradient boosting), loading stored models, the feature-matrix adapter, the data layer, and
 * TuneKeep, the synthetic churn data set of the walkthrough.
 */
export * from "./data/index.js";
export {
  type FeatureInput,
  isTableLike,
  type Matrix,
  type TableLike,
  toLabels,
  toMatrix,
} from "./matrix.js";
export {
  type BestThreshold,
  type Classifier,
  type ClassWeight,
  DecisionTree,
  type DecisionTreeParams,
  type Direction,
  type EarlyStopping,
  type FitInput,
  GradientBoosting,
  type GradientBoostingParams,
  LogisticRegression,
  type LogisticRegressionParams,
  loadModel,
  type MaxFeatures,
  MODEL_KINDS,
  type ModelJSON,
  type PredictOptions,
  RandomForest,
  type RandomForestParams,
  RuleClassifier,
  type RuleMetric,
  type RuleParams,
  type TreeArrays,
} from "./models/index.js";
export {
  DATA_DICTIONARY,
  generateTuneKeep,
  TUNEKEEP_COLUMNS,
  TUNEKEEP_FEATURES,
  TUNEKEEP_LABEL,
  TUNEKEEP_SEGMENTS,
  TUNEKEEP_TIME,
  type TuneKeepExport,
  type TuneKeepFeature,
  type TuneKeepOptions,
  writeTuneKeep,
} from "./tunekeep/index.js";
