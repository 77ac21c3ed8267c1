/**
 * What every learner shares: validating fit input (shapes, 0/1 labels with both classes, weights),
 * class weights, binding feature names at fit and checking them at predict, and the base class
 * that turns `predictProba` into `predict`.
 */
import { isSextantError, SextantError } from "../../core/index.js";
import { type FeatureInput, isTableLike, type Matrix, toLabels, toMatrix } from "../matrix.js";
import type { Classifier, FitInput, ModelJSON, PredictOptions } from "./types.js";

/** Class weights: "balanced" (n / (2 · count of the class), like scikit-learn) or explicit. */
export type ClassWeight = "balanced" | { 0: number; 1: number };

export interface FitData {
  X: Matrix;
  y: Uint8Array;
  /** Per-row weight: sample weight × class weight (all 1 when neither is given). */
  w: Float64Array;
  names: string[] | null;
}

/** How a learner treats NaN in X: "native" (trees) or "reject" (linear models, rules). */
export type MissingPolicy = "native" | "reject";

/** Converts and validates fit input. @throws INVALID_ARGUMENT on any malformed part */
export function prepareFit(
  input: FitInput,
  missing: MissingPolicy,
  classWeight?: ClassWeight | null,
): FitData {
  if (typeof input !== "object" || input === null) {
    throw new SextantError("INVALID_ARGUMENT", "fit takes { X, y, sampleWeight? }");
  }
  const { X: rawX, featureNames } = input;
  if (featureNames !== undefined && !isTableLike(rawX)) checkNames(featureNames);
  const X = toMatrix(rawX, isTableLike(rawX) ? featureNames : undefined);
  if (X.nRows === 0) throw new SextantError("INVALID_ARGUMENT", "X has no rows");
  if (X.nCols === 0) throw new SextantError("INVALID_ARGUMENT", "X has no columns");
  let names = X.names;
  if (names === null && featureNames !== undefined) {
    if (featureNames.length !== X.nCols) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `featureNames has ${featureNames.length} names for ${X.nCols} columns`,
      );
    }
    names = [...featureNames];
  }
  const m: Matrix = { ...X, names };
  checkValues(m, missing);
  const y = toLabels(input.y, m.nRows);
  const w = sampleWeights(input.sampleWeight, m.nRows);
  applyClassWeight(w, y, classWeight ?? null);
  let w0 = 0;
  let w1 = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) w1 += w[i]!;
    else w0 += w[i]!;
  }
  if (w0 <= 0 || w1 <= 0) {
    const which = w1 <= 0 ? 1 : 0;
    throw new SextantError(
      "INVALID_ARGUMENT",
      `y has a single class: no rows of class ${which} (with positive weight); a classifier needs both`,
    );
  }
  return { X: m, y, w, names };
}

function checkNames(names: string[]): void {
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) {
    throw new SextantError("INVALID_ARGUMENT", "featureNames must be an array of strings");
  }
  if (new Set(names).size !== names.length) {
    throw new SextantError("INVALID_ARGUMENT", "featureNames has duplicates");
  }
}

function columnLabel(m: Matrix, j: number): string {
  const name = m.names?.[j];
  return name === undefined ? `column ${j}` : `column "${name}" (index ${j})`;
}

/** Rejects ±Infinity everywhere and NaN unless the learner handles missing values. */
export function checkValues(m: Matrix, missing: MissingPolicy): void {
  for (let j = 0; j < m.nCols; j++) {
    const col = m.columns[j]!;
    if (col.length !== m.nRows) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `${columnLabel(m, j)} has ${col.length} values for ${m.nRows} rows`,
      );
    }
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (v - v === 0) continue; // finite
      if (Number.isNaN(v)) {
        if (missing === "native") continue;
        throw new SextantError(
          "INVALID_ARGUMENT",
          `${columnLabel(m, j)} has a missing value (NaN) at row ${i}; this model does not handle missing values (impute first, or use a tree model)`,
          { column: m.names?.[j] ?? j, row: i },
        );
      }
      throw new SextantError("INVALID_ARGUMENT", `${columnLabel(m, j)} has an infinite value at row ${i}`, {
        column: m.names?.[j] ?? j,
        row: i,
      });
    }
  }
}

/** Sample weights as a fresh array (all ones when absent). @throws INVALID_ARGUMENT on a bad weight */
export function sampleWeights(sw: ArrayLike<number> | undefined, n: number): Float64Array {
  const w = new Float64Array(n);
  if (sw === undefined || sw === null) return w.fill(1);
  if (typeof sw !== "object" || typeof sw.length !== "number") {
    throw new SextantError("INVALID_ARGUMENT", "sampleWeight must be an array of numbers");
  }
  if (sw.length !== n) {
    throw new SextantError("INVALID_ARGUMENT", `sampleWeight has ${sw.length} values for ${n} rows`);
  }
  for (let i = 0; i < n; i++) {
    const v = sw[i]!;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `sampleWeight[${i}] is ${String(v)}; weights must be finite and non-negative`,
        { row: i },
      );
    }
    w[i] = v;
  }
  return w;
}

/** The (class 0, class 1) multipliers of a class-weight setting for labels y. */
export function classWeightFactors(
  y: Uint8Array,
  cw: ClassWeight | null,
  rows?: ArrayLike<number>,
): [number, number] {
  if (cw === null || cw === undefined) return [1, 1];
  if (cw === "balanced") {
    let n1 = 0;
    const n = rows === undefined ? y.length : rows.length;
    if (rows === undefined) for (let i = 0; i < y.length; i++) n1 += y[i]!;
    else for (let k = 0; k < rows.length; k++) n1 += y[rows[k]!]!;
    const n0 = n - n1;
    return [n0 > 0 ? n / (2 * n0) : 1, n1 > 0 ? n / (2 * n1) : 1];
  }
  if (typeof cw === "object") {
    const a = cw[0];
    const b = cw[1];
    if (typeof a !== "number" || typeof b !== "number" || !(a >= 0) || !(b >= 0) || !Number.isFinite(a + b)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        "classWeight must be 'balanced' or { 0: w0, 1: w1 } with w0, w1 >= 0",
      );
    }
    return [a, b];
  }
  throw new SextantError(
    "INVALID_ARGUMENT",
    `classWeight ${JSON.stringify(cw)} is not 'balanced' or { 0: w0, 1: w1 }`,
  );
}

function applyClassWeight(w: Float64Array, y: Uint8Array, cw: ClassWeight | null): void {
  if (cw === null) return;
  const [a, b] = classWeightFactors(y, cw);
  for (let i = 0; i < w.length; i++) w[i]! *= y[i] === 1 ? b : a;
}

/** Numerically stable logistic function. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Checks a numeric option. @throws INVALID_ARGUMENT */
export function checkNumber(
  name: string,
  v: unknown,
  opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new SextantError("INVALID_ARGUMENT", `${name} must be a number, got ${String(v)}`);
  }
  if (opts.integer && !Number.isInteger(v)) {
    throw new SextantError("INVALID_ARGUMENT", `${name} must be an integer, got ${v}`);
  }
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${name} must be ${opts.exclusiveMin ? ">" : ">="} ${opts.min}, got ${v}`,
    );
  }
  if (opts.max !== undefined && v > opts.max) {
    throw new SextantError("INVALID_ARGUMENT", `${name} must be <= ${opts.max}, got ${v}`);
  }
  return v;
}

/**
 * The base of every learner: keeps the bound feature names and count, converts predict input
 * (checking names when the model knows them) and thresholds probabilities.
 */
export abstract class BaseClassifier implements Classifier {
  abstract readonly kind: string;
  featureNames: string[] | null = null;
  nFeatures = -1;

  abstract fit(input: FitInput): Promise<this>;
  abstract toJSON(): ModelJSON;
  /** P(y = 1) for a validated matrix. */
  protected abstract probaOf(m: Matrix): Float64Array;
  /** How predict treats NaN. */
  protected abstract readonly missing: MissingPolicy;

  get fitted(): boolean {
    return this.nFeatures >= 0;
  }

  protected bind(names: string[] | null, nFeatures: number): void {
    this.featureNames = names;
    this.nFeatures = nFeatures;
  }

  /** The predict input as a matrix in the fitted column order. */
  protected matrixFor(X: FeatureInput): Matrix {
    if (!this.fitted) {
      throw new SextantError(
        "INVALID_STATE",
        `this ${this.kind} model is not fitted: call fit() first (or load one)`,
      );
    }
    const names = this.featureNames;
    let m: Matrix;
    if (isTableLike(X)) {
      try {
        m = toMatrix(X, names ?? undefined);
      } catch (e) {
        if (isSextantError(e)) throw e;
        throw new SextantError(
          "INVALID_ARGUMENT",
          `the table does not provide the model's features (${(names ?? []).join(", ")}): ${String(e)}`,
          { expected: names },
          { cause: e },
        );
      }
      if (names !== null) {
        const got = m.names ?? [];
        if (got.length !== names.length || got.some((n, j) => n !== names[j])) {
          throw new SextantError(
            "INVALID_ARGUMENT",
            `the table's features [${got.join(", ")}] do not match the model's [${names.join(", ")}]`,
            { expected: names, got },
          );
        }
      }
    } else {
      m = toMatrix(X);
    }
    if (m.nCols !== this.nFeatures) {
      const expected = names === null ? "" : ` (${names.join(", ")})`;
      throw new SextantError(
        "INVALID_ARGUMENT",
        `X has ${m.nCols} features; the model was fitted on ${this.nFeatures}${expected}`,
        { expected: this.nFeatures, got: m.nCols },
      );
    }
    checkValues({ ...m, names: names ?? m.names }, this.missing);
    return m;
  }

  predictProba(X: FeatureInput): Float64Array {
    return this.probaOf(this.matrixFor(X));
  }

  predict(X: FeatureInput, options: PredictOptions = {}): Uint8Array {
    const t = options.threshold ?? 0.5;
    checkNumber("threshold", t);
    const p = this.predictProba(X);
    const out = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = p[i]! >= t ? 1 : 0;
    return out;
  }
}
