/**
 * The learners' one small interface. Every model is a binary classifier: fit on (X, y), predict
 * P(y = 1), threshold it, and round-trip through a versioned JSON format that the registry stores
 * and the serving gateway loads.
 */
import type { FeatureInput } from "../matrix.js";

export interface FitInput {
  X: FeatureInput;
  /** 0/1 labels (or false/true). */
  y: ArrayLike<number | boolean>;
  sampleWeight?: ArrayLike<number>;
  /** Names for the columns of row-array input (a table brings its own). */
  featureNames?: string[];
  /** Held-out data for models that stop early on it (gradient boosting). */
  validation?: { X: FeatureInput; y: ArrayLike<number | boolean> };
}

export interface PredictOptions {
  /** Probability at or above which the prediction is 1 (default 0.5). */
  threshold?: number;
}

/** The stored form of a fitted model. */
export interface ModelJSON {
  format: "sextant-model";
  /** Format version of this kind; readers refuse versions they do not know. */
  version: number;
  kind: string;
  featureNames: string[] | null;
  params: Record<string, unknown>;
  state: unknown;
}

export interface Classifier {
  /** "rule", "logistic_regression", "decision_tree", "random_forest", "gradient_boosting". */
  readonly kind: string;
  /** Feature names seen at fit (from a table or `featureNames`), checked at predict time. */
  readonly featureNames: string[] | null;
  fit(input: FitInput): Promise<this>;
  /** P(y = 1) per row. @throws INVALID_STATE before fit; INVALID_ARGUMENT on a feature mismatch */
  predictProba(X: FeatureInput): Float64Array;
  predict(X: FeatureInput, options?: PredictOptions): Uint8Array;
  toJSON(): ModelJSON;
}
