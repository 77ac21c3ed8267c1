/**
 * L2-penalized logistic regression with scikit-learn's objective
 *
 *     f(w, b) = C · Σ s_i · log(1 + exp(-(2y_i - 1)(x_i·w + b))) + ½‖w‖²
 *
 * (s_i = sample weight × class weight; the intercept is not penalized), minimized by Newton's
 * method with a Cholesky solve and a backtracking line search. Converged means the gradient of
 * the objective scaled the way scikit-learn scales it (divided by C · Σ s_i) has max-norm ≤ tol.
 * `standardize: true` is a pipeline step: the training mean/std are stored and applied at predict;
 * `coef` is then in the standardized space.
 */
import { SextantError } from "../../core/index.js";
import type { FeatureInput, Matrix } from "../matrix.js";
import { BaseClassifier, type ClassWeight, checkNumber, prepareFit, sigmoid } from "./common.js";
import { readHeader } from "./format.js";
import type { FitInput, ModelJSON } from "./types.js";

export interface LogisticRegressionParams {
  /** Inverse regularization strength (default 1). */
  C?: number;
  classWeight?: ClassWeight | null;
  fitIntercept?: boolean;
  /** Standardize features with the training mean and (population) std first (default false). */
  standardize?: boolean;
  maxIter?: number;
  /** Tolerance on the max-norm of the scaled gradient (default 1e-10). */
  tol?: number;
  /** Where the not-converged warning goes (default console.warn). Not stored with the model. */
  onWarning?: (message: string) => void;
}

type StoredParams = Required<Omit<LogisticRegressionParams, "onWarning" | "classWeight">> & {
  classWeight: ClassWeight | null;
};

const VERSION = 1;

export class LogisticRegression extends BaseClassifier {
  readonly kind = "logistic_regression";
  readonly params: StoredParams;
  protected readonly missing = "reject" as const;
  #onWarning: (message: string) => void;
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  /** Training mean and std per feature when standardize is on, else null. */
  mean: Float64Array | null = null;
  scale: Float64Array | null = null;
  converged = false;
  iterations = 0;
  /** Final value of f(w, b) on the training data. */
  objective = Number.NaN;

  constructor(params: LogisticRegressionParams = {}) {
    super();
    const p: StoredParams = {
      C: checkNumber("C", params.C ?? 1, { min: 0, exclusiveMin: true }),
      classWeight: params.classWeight ?? null,
      fitIntercept: params.fitIntercept ?? true,
      standardize: params.standardize ?? false,
      maxIter: checkNumber("maxIter", params.maxIter ?? 1000, { min: 1, integer: true }),
      tol: checkNumber("tol", params.tol ?? 1e-10, { min: 0 }),
    };
    if (!Number.isFinite(p.C)) throw new SextantError("INVALID_ARGUMENT", "C must be finite");
    this.params = p;
    this.#onWarning = params.onWarning ?? ((m) => console.warn(m));
  }

  async fit(input: FitInput): Promise<this> {
    const d = prepareFit(input, "reject", this.params.classWeight);
    const { nRows: n, nCols } = d.X;
    let cols = d.X.columns;
    this.mean = null;
    this.scale = null;
    if (this.params.standardize) {
      const mean = new Float64Array(nCols);
      const scale = new Float64Array(nCols);
      cols = cols.map((c, j) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += c[i]!;
        const mu = s / n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (c[i]! - mu) ** 2;
        const sd = Math.sqrt(v / n);
        mean[j] = mu;
        scale[j] = sd > 0 ? sd : 1; // like StandardScaler: constant columns are left unscaled
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = (c[i]! - mu) / scale[j]!;
        return out;
      });
      this.mean = mean;
      this.scale = scale;
    }
    const r = newton(cols, d.y, d.w, this.params);
    this.coef = r.beta.slice(0, nCols);
    this.intercept = this.params.fitIntercept ? r.beta[nCols]! : 0;
    this.converged = r.converged;
    this.iterations = r.iterations;
    this.objective = r.f;
    this.bind(d.names, nCols);
    if (!r.converged) {
      this.#onWarning(
        `LogisticRegression did not converge in ${r.iterations} iterations (scaled gradient ${r.gradNorm.toExponential(2)} > tol ${this.params.tol}); ` +
          "the data may be (nearly) separable with little regularization: lower C, standardize, or raise maxIter",
      );
    }
    return this;
  }

  /** The decision function x·w + b (after standardization) per row. @throws like predictProba */
  decisionFunction(X: FeatureInput): Float64Array {
    return this.#linear(this.matrixFor(X));
  }

  #linear(m: Matrix): Float64Array {
    const z = new Float64Array(m.nRows).fill(this.intercept);
    for (let j = 0; j < this.nFeatures; j++) {
      const c = m.columns[j]!;
      const mu = this.mean?.[j] ?? 0;
      const w = this.coef[j]! / (this.scale?.[j] ?? 1);
      for (let i = 0; i < m.nRows; i++) z[i]! += (c[i]! - mu) * w;
    }
    return z;
  }

  protected probaOf(m: Matrix): Float64Array {
    const z = this.#linear(m);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
    return z;
  }

  toJSON(): ModelJSON {
    if (!this.fitted) throw new SextantError("INVALID_STATE", "this logistic_regression model is not fitted");
    return {
      format: "sextant-model",
      version: VERSION,
      kind: this.kind,
      featureNames: this.featureNames,
      params: { ...this.params },
      state: {
        coef: Array.from(this.coef),
        intercept: this.intercept,
        mean: this.mean ? Array.from(this.mean) : null,
        scale: this.scale ? Array.from(this.scale) : null,
        converged: this.converged,
        iterations: this.iterations,
        objective: this.objective,
      },
    };
  }

  static fromJSON(json: ModelJSON | string): LogisticRegression {
    const m = readHeader(json, "logistic_regression", [VERSION]);
    const s = m.state as Record<string, unknown>;
    const nums = (v: unknown, what: string): Float64Array => {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `logistic_regression state.${what} must be an array of numbers`,
        );
      }
      return Float64Array.from(v as number[]);
    };
    const lr = new LogisticRegression(m.params as LogisticRegressionParams);
    lr.coef = nums(s.coef, "coef");
    if (typeof s.intercept !== "number")
      throw new SextantError("INVALID_ARGUMENT", "state.intercept must be a number");
    lr.intercept = s.intercept;
    lr.mean = s.mean === null ? null : nums(s.mean, "mean");
    lr.scale = s.scale === null ? null : nums(s.scale, "scale");
    if ((lr.mean && lr.mean.length !== lr.coef.length) || (lr.scale && lr.scale.length !== lr.coef.length)) {
      throw new SextantError("INVALID_ARGUMENT", "logistic_regression state arrays differ in length");
    }
    lr.converged = s.converged === true;
    lr.iterations = typeof s.iterations === "number" ? s.iterations : 0;
    lr.objective = typeof s.objective === "number" ? s.objective : Number.NaN;
    lr.bind(m.featureNames, lr.coef.length);
    return lr;
  }
}

interface NewtonResult {
  beta: Float64Array;
  f: number;
  converged: boolean;
  iterations: number;
  gradNorm: number;
}

/** log(1 + exp(-m)) without overflow. */
function logloss(m: number): number {
  return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
}

function newton(cols: Float64Array[], y: Uint8Array, s: Float64Array, p: StoredParams): NewtonResult {
  const n = y.length;
  const d = cols.length;
  const k = p.fitIntercept ? d + 1 : d; // unknowns
  const C = p.C;
  let sw = 0;
  for (let i = 0; i < n; i++) sw += s[i]!;
  const gScale = 1 / (C * sw);
  const beta = new Float64Array(k);
  const z = new Float64Array(n);
  const zTry = new Float64Array(n);
  const r = new Float64Array(n); // C s_i (p_i - y_i)
  const c = new Float64Array(n); // C s_i p_i (1 - p_i)
  const g = new Float64Array(k);
  const H = new Float64Array(k * k);
  const step = new Float64Array(k);
  const tmp = new Float64Array(n);
  const colsK = p.fitIntercept ? [...cols, new Float64Array(n).fill(1)] : cols;

  const objectiveAt = (zz: Float64Array, b: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) if (s[i]! > 0) f += s[i]! * logloss(y[i] === 1 ? zz[i]! : -zz[i]!);
    f *= C;
    let pen = 0;
    for (let j = 0; j < d; j++) pen += b[j]! ** 2;
    return f + 0.5 * pen;
  };
  const linear = (b: Float64Array, out: Float64Array): void => {
    out.fill(p.fitIntercept ? b[d]! : 0);
    for (let j = 0; j < d; j++) {
      const col = cols[j]!;
      const w = b[j]!;
      if (w !== 0) for (let i = 0; i < n; i++) out[i]! += w * col[i]!;
    }
  };

  let f = objectiveAt(z, beta);
  let iterations = 0;
  let gradNorm = Number.POSITIVE_INFINITY;
  let converged = false;
  for (;;) {
    // gradient and Hessian at beta
    for (let i = 0; i < n; i++) {
      const pi = sigmoid(z[i]!);
      r[i] = C * s[i]! * (pi - y[i]!);
      c[i] = C * s[i]! * pi * (1 - pi);
    }
    gradNorm = 0;
    for (let j = 0; j < k; j++) {
      const col = j < d ? cols[j]! : null;
      let acc = 0;
      if (col) for (let i = 0; i < n; i++) acc += r[i]! * col[i]!;
      else for (let i = 0; i < n; i++) acc += r[i]!;
      if (j < d) acc += beta[j]!;
      g[j] = acc;
      gradNorm = Math.max(gradNorm, Math.abs(acc) * gScale);
    }
    if (gradNorm <= p.tol) {
      converged = true;
      break;
    }
    if (iterations >= p.maxIter) break;
    // H = C·Xᵀ diag(s p (1 − p)) X + I (not on the intercept); four columns per pass over the rows
    for (let a = 0; a < k; a++) {
      const ca = colsK[a]!;
      for (let i = 0; i < n; i++) tmp[i] = c[i]! * ca[i]!;
      let b = 0;
      for (; b + 4 <= a + 1; b += 4) {
        const c0 = colsK[b]!;
        const c1 = colsK[b + 1]!;
        const c2 = colsK[b + 2]!;
        const c3 = colsK[b + 3]!;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i++) {
          const t = tmp[i]!;
          s0 += t * c0[i]!;
          s1 += t * c1[i]!;
          s2 += t * c2[i]!;
          s3 += t * c3[i]!;
        }
        H[a * k + b] = s0;
        H[a * k + b + 1] = s1;
        H[a * k + b + 2] = s2;
        H[a * k + b + 3] = s3;
      }
      for (; b <= a; b++) {
        const cb = colsK[b]!;
        let acc = 0;
        for (let i = 0; i < n; i++) acc += tmp[i]! * cb[i]!;
        H[a * k + b] = acc;
      }
      if (a < d) H[a * k + a]! += 1;
      for (let b2 = 0; b2 < a; b2++) H[b2 * k + a] = H[a * k + b2]!;
    }
    solveSPD(H, g, step, k); // step = H⁻¹ g; we move along -step
    let slope = 0;
    for (let j = 0; j < k; j++) slope -= g[j]! * step[j]!;
    // The Newton decrement −slope is twice the decrease a full step predicts. Once it is at the
    // rounding level of the objective, the gradient is as small as floating-point sums over the
    // rows can make it (on large data that floor can sit above a tight tol): the optimum is reached.
    if (-slope <= 1e-14 * Math.max(1, Math.abs(f))) {
      converged = true;
      break;
    }
    let t = 1;
    let accepted = false;
    const trial = new Float64Array(k);
    for (let ls = 0; ls < 60; ls++) {
      for (let j = 0; j < k; j++) trial[j] = beta[j]! - t * step[j]!;
      linear(trial, zTry);
      const fTry = objectiveAt(zTry, trial);
      if (fTry <= f + 1e-4 * t * slope) {
        beta.set(trial);
        z.set(zTry);
        f = fTry;
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    iterations++;
    if (!accepted) {
      // No decrease is representable any more: the gradient test above decides convergence.
      linear(beta, z);
      break;
    }
  }
  if (!converged && gradNorm <= p.tol) converged = true;
  return { beta, f, converged, iterations, gradNorm };
}

/** Solves H x = g for symmetric positive (semi)definite H by Cholesky, adding jitter if needed. */
function solveSPD(H: Float64Array, g: Float64Array, x: Float64Array, k: number): void {
  const L = new Float64Array(k * k);
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, H[i * k + i]!);
  let jitter = 0;
  for (let attempt = 0; attempt < 30; attempt++) {
    if (cholesky(H, L, k, jitter)) {
      // forward then backward substitution
      for (let i = 0; i < k; i++) {
        let acc = g[i]!;
        for (let j = 0; j < i; j++) acc -= L[i * k + j]! * x[j]!;
        x[i] = acc / L[i * k + i]!;
      }
      for (let i = k - 1; i >= 0; i--) {
        let acc = x[i]!;
        for (let j = i + 1; j < k; j++) acc -= L[j * k + i]! * x[j]!;
        x[i] = acc / L[i * k + i]!;
      }
      return;
    }
    jitter = jitter === 0 ? Math.max(1e-12, maxDiag * 1e-12) : jitter * 10;
  }
  throw new SextantError("INTERNAL", "logistic regression: the Hessian could not be factored");
}

function cholesky(H: Float64Array, L: Float64Array, k: number, jitter: number): boolean {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = H[i * k + j]! + (i === j ? jitter : 0);
      for (let m = 0; m < j; m++) acc -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) {
        if (!(acc > 0)) return false;
        L[i * k + i] = Math.sqrt(acc);
      } else L[i * k + j] = acc / L[j * k + j]!;
    }
  }
  return true;
}
