/**
 * Classification metrics with scikit-learn's names (camelCase) and definitions. Pure functions
 * over arrays or typed arrays; labels are 0/1, scores are real numbers (probabilities for the
 * probabilistic metrics). Edge cases follow scikit-learn: a zero denominator gives `zeroDivision`
 * (default 0) where scikit-learn warns, and a typed INVALID_ARGUMENT where it raises.
 */
import { averagePrecision, descendingOrder, quantileSorted, rocAuc, SextantError } from "../core/index.js";

export type Labels = ArrayLike<number | boolean>;
export type Scores = ArrayLike<number>;

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ZeroDivisionOption {
  /** Value when a denominator is zero (scikit-learn's zero_division; default 0). */
  zeroDivision?: 0 | 1;
}

function bad(message: string, details: Record<string, unknown> = {}): SextantError {
  return new SextantError("INVALID_ARGUMENT", message, details);
}

/** Checks two inputs of equal, non-zero length. */
function checkLengths(a: ArrayLike<unknown>, b: ArrayLike<unknown>, names: [string, string]): number {
  if (a.length !== b.length) {
    throw bad(`${names[0]} has ${a.length} values and ${names[1]} has ${b.length}; they must match`, {
      [names[0]]: a.length,
      [names[1]]: b.length,
    });
  }
  if (a.length === 0) throw bad("empty input: metrics need at least one value");
  return a.length;
}

/** 0/1 labels as bytes. @throws INVALID_ARGUMENT naming the first value that is not 0/1 */
export function toBinary(y: Labels, name = "yTrue"): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false) {
      throw bad(`${name}[${i}] is ${String(v)}: labels must be 0 or 1`, { name, index: i });
    }
  }
  return out;
}

function toScores(s: Scores, name: string, probabilities: boolean): Float64Array {
  const out = Float64Array.from(s as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (typeof (s as ArrayLike<unknown>)[i] !== "number" || Number.isNaN(v)) {
      throw bad(`${name}[${i}] is ${String((s as ArrayLike<unknown>)[i])}: scores must be numbers, not NaN`, {
        name,
        index: i,
      });
    }
    if (probabilities && (v < 0 || v > 1)) {
      throw bad(`${name}[${i}] is ${v}: probabilities must lie in [0, 1]`, { name, index: i });
    }
  }
  return out;
}

export function confusionMatrix(yTrue: Labels, yPred: Labels): ConfusionMatrix {
  checkLengths(yTrue, yPred, ["yTrue", "yPred"]);
  const t = toBinary(yTrue, "yTrue");
  const p = toBinary(yPred, "yPred");
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < t.length; i++) {
    if (p[i] === 1) {
      if (t[i] === 1) tp++;
      else fp++;
    } else if (t[i] === 1) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

// ------------------------------------------------------------ from the four cells

/** The label metrics computed from confusion cells (also used by the bootstrap's fast path). */
export const CELL_METRICS = {
  precision: (c: ConfusionMatrix, zd: number): number => (c.tp + c.fp === 0 ? zd : c.tp / (c.tp + c.fp)),
  recall: (c: ConfusionMatrix, zd: number): number => (c.tp + c.fn === 0 ? zd : c.tp / (c.tp + c.fn)),
  f1: (c: ConfusionMatrix, zd: number): number => fbetaFromCells(c, 1, zd),
  accuracy: (c: ConfusionMatrix): number => (c.tp + c.tn) / (c.tp + c.fp + c.tn + c.fn),
  balanced_accuracy: (c: ConfusionMatrix): number => balancedFromCells(c),
  mcc: (c: ConfusionMatrix): number => mccFromCells(c),
} as const;
export type CellMetric = keyof typeof CELL_METRICS;

export function fbetaFromCells(c: ConfusionMatrix, beta: number, zd: number): number {
  const b2 = beta * beta;
  const den = (1 + b2) * c.tp + b2 * c.fn + c.fp;
  return den === 0 ? zd : ((1 + b2) * c.tp) / den;
}

function balancedFromCells(c: ConfusionMatrix): number {
  // scikit-learn averages the recall of the classes present in yTrue
  const pos = c.tp + c.fn;
  const neg = c.tn + c.fp;
  const recalls: number[] = [];
  if (pos > 0) recalls.push(c.tp / pos);
  if (neg > 0) recalls.push(c.tn / neg);
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

function mccFromCells(c: ConfusionMatrix): number {
  const den = Math.sqrt((c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn));
  return den === 0 ? 0 : (c.tp * c.tn - c.fp * c.fn) / den;
}

export function precisionScore(yTrue: Labels, yPred: Labels, opts: ZeroDivisionOption = {}): number {
  return CELL_METRICS.precision(confusionMatrix(yTrue, yPred), opts.zeroDivision ?? 0);
}

export function recallScore(yTrue: Labels, yPred: Labels, opts: ZeroDivisionOption = {}): number {
  return CELL_METRICS.recall(confusionMatrix(yTrue, yPred), opts.zeroDivision ?? 0);
}

export function f1Score(yTrue: Labels, yPred: Labels, opts: ZeroDivisionOption = {}): number {
  return fbetaFromCells(confusionMatrix(yTrue, yPred), 1, opts.zeroDivision ?? 0);
}

export function fbetaScore(
  yTrue: Labels,
  yPred: Labels,
  opts: ZeroDivisionOption & { beta: number },
): number {
  if (!(opts.beta > 0) || !Number.isFinite(opts.beta)) throw bad(`beta must be positive, got ${opts.beta}`);
  return fbetaFromCells(confusionMatrix(yTrue, yPred), opts.beta, opts.zeroDivision ?? 0);
}

export function accuracyScore(yTrue: Labels, yPred: Labels): number {
  return CELL_METRICS.accuracy(confusionMatrix(yTrue, yPred));
}

export function balancedAccuracyScore(yTrue: Labels, yPred: Labels): number {
  return balancedFromCells(confusionMatrix(yTrue, yPred));
}

export function matthewsCorrcoef(yTrue: Labels, yPred: Labels): number {
  return mccFromCells(confusionMatrix(yTrue, yPred));
}

// ------------------------------------------------------------ ranking metrics

function bothClasses(t: Uint8Array, what: string): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < t.length; i++) pos += t[i]!;
  const neg = t.length - pos;
  if (pos === 0 || neg === 0) {
    throw bad(`only one class present in yTrue: ${what} is not defined in that case`, {
      positives: pos,
      negatives: neg,
    });
  }
  return { pos, neg };
}

/**
 * ROC AUC: the probability a random positive outscores a random negative, ties counting half —
 * the trapezoidal area under scikit-learn's ROC curve. @throws INVALID_ARGUMENT with one class
 */
export function rocAucScore(yTrue: Labels, yScore: Scores): number {
  checkLengths(yTrue, yScore, ["yTrue", "yScore"]);
  const t = toBinary(yTrue);
  const s = toScores(yScore, "yScore", false);
  return aucFromArrays(t, s);
}

/** ROC AUC of checked arrays, by the one walk of src/core/ranking.ts with unit weights. */
export function aucFromArrays(t: Uint8Array, s: Float64Array): number {
  bothClasses(t, "ROC AUC");
  return rocAuc(t, s);
}

/**
 * Average precision as scikit-learn defines it: Σₙ (Rₙ − Rₙ₋₁) Pₙ over the distinct score
 * thresholds from the highest, with no interpolation. With no positive in yTrue it is 0, as in
 * scikit-learn (which warns).
 */
export function averagePrecisionScore(yTrue: Labels, yScore: Scores): number {
  checkLengths(yTrue, yScore, ["yTrue", "yScore"]);
  const t = toBinary(yTrue);
  const s = toScores(yScore, "yScore", false);
  return apFromArrays(t, s);
}

/** Average precision of checked arrays, by the one walk of src/core/ranking.ts with unit weights. */
export function apFromArrays(t: Uint8Array, s: Float64Array): number {
  return averagePrecision(t, s);
}

/**
 * Cumulative true and false positives at each distinct score, from the highest (scikit-learn's
 * `_binary_clf_curve`): predicting 1 for score ≥ thresholds[k] gives tps[k] and fps[k]. The
 * curves and the threshold choices are computed from it.
 */
export function thresholdCounts(
  t: Uint8Array,
  s: Float64Array,
  order: Uint32Array = descendingOrder(s),
): { thresholds: Float64Array; tps: Float64Array; fps: Float64Array; positives: number } {
  const thresholds: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < order.length) {
    const v = s[order[i]!]!;
    while (i < order.length && s[order[i]!] === v) {
      if (t[order[i]!] === 1) tp++;
      else fp++;
      i++;
    }
    thresholds.push(v);
    tps.push(tp);
    fps.push(fp);
  }
  return {
    thresholds: Float64Array.from(thresholds),
    tps: Float64Array.from(tps),
    fps: Float64Array.from(fps),
    positives: tp,
  };
}

// ------------------------------------------------------------ probabilistic metrics

/**
 * The clipping of log loss: probabilities are clipped to [eps, 1 − eps] with eps the float64
 * machine epsilon 2⁻⁵² ≈ 2.22e-16, scikit-learn 1.2's default (its eps="auto", np.finfo(float64).eps;
 * before 1.2 the default was 1e-15, which `eps: 1e-15` restores).
 */
export const LOG_LOSS_EPS = Number.EPSILON;

/**
 * One row's log loss, −log q for a positive and −log(1 − q) for a negative, q the probability
 * clipped to [eps, 1 − eps] (scikit-learn 1.2's arithmetic; its renormalization by (1 − q) + q is
 * exactly 1 in binary floating point). The bootstrap's rows use it too.
 */
export function logLossRow(label: number, p: number, eps: number = LOG_LOSS_EPS): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return label === 1 ? -Math.log(q) : -Math.log(1 - q);
}

export interface LogLossOptions {
  /** Clipping (default {@link LOG_LOSS_EPS}, scikit-learn 1.2's). */
  eps?: number;
  /** Row weights: the weighted mean, as scikit-learn's sample_weight. Finite, ≥ 0, not all 0. */
  sampleWeight?: ArrayLike<number>;
}

/**
 * Mean binary cross-entropy, as scikit-learn 1.2.1's log_loss with labels=[0, 1]: probabilities
 * clipped to [eps, 1 − eps], eps = 2.22e-16 by default ({@link LOG_LOSS_EPS}). It is defined when
 * yTrue holds one class: −mean log(1 − p) for all negatives, −mean log p for all positives
 * (scikit-learn asks for labels=[0, 1] there and then computes the same).
 * @throws INVALID_ARGUMENT on mismatched lengths, probabilities outside [0, 1], an eps outside
 *   [0, 0.5), or sample weights that are negative, not finite or all 0
 */
export function logLoss(yTrue: Labels, yProb: Scores, opts: LogLossOptions = {}): number {
  const n = checkLengths(yTrue, yProb, ["yTrue", "yProb"]);
  const t = toBinary(yTrue);
  const p = toScores(yProb, "yProb", true);
  const eps = opts.eps ?? LOG_LOSS_EPS;
  if (typeof eps !== "number" || !(eps >= 0 && eps < 0.5))
    throw bad(`eps must lie in [0, 0.5), got ${String(eps)}`);
  const w = opts.sampleWeight;
  if (w === undefined) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += logLossRow(t[i]!, p[i]!, eps);
    return sum / n;
  }
  if (w.length !== n) throw bad(`sampleWeight has ${w.length} values and yTrue ${n}; they must match`);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    if (typeof wi !== "number" || !(wi >= 0 && Number.isFinite(wi))) {
      throw bad(`sampleWeight[${i}] is ${String(wi)}: weights must be finite and non-negative`, { index: i });
    }
    sum += wi * logLossRow(t[i]!, p[i]!, eps);
    total += wi;
  }
  if (total === 0) throw bad("sampleWeight sums to 0: the weighted mean is not defined");
  return sum / total;
}

/** One row's Brier loss (p − y)²; the bootstrap's rows use it too. */
export function brierRow(label: number, p: number): number {
  return (p - label) ** 2;
}

export function brierScore(yTrue: Labels, yProb: Scores): number {
  const n = checkLengths(yTrue, yProb, ["yTrue", "yProb"]);
  const t = toBinary(yTrue);
  const p = toScores(yProb, "yProb", true);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += brierRow(t[i]!, p[i]!);
  return sum / n;
}

// ------------------------------------------------------------ curves

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is +Infinity (scikit-learn ≥ 1.3 uses inf; 1.2 used max + 1). */
  thresholds: number[];
}

/** The ROC curve over distinct thresholds, with scikit-learn's drop of collinear points. */
export function rocCurve(yTrue: Labels, yScore: Scores, opts: { dropIntermediate?: boolean } = {}): RocCurve {
  checkLengths(yTrue, yScore, ["yTrue", "yScore"]);
  const t = toBinary(yTrue);
  const s = toScores(yScore, "yScore", false);
  const { pos, neg } = bothClasses(t, "the ROC curve");
  const { thresholds: thr, tps, fps } = thresholdCounts(t, s);
  let keep = Array.from(fps, (_, k) => k);
  if (opts.dropIntermediate ?? true) {
    // keep the ends and every corner: drop points where both neighbours line up with them
    keep = keep.filter((k) => {
      if (k === 0 || k === fps.length - 1) return true;
      const d1 = fps[k - 1]! - 2 * fps[k]! + fps[k + 1]!;
      const d2 = tps[k - 1]! - 2 * tps[k]! + tps[k + 1]!;
      return d1 !== 0 || d2 !== 0;
    });
  }
  // scikit-learn drops collinear points first, then starts the curve at (0, 0)
  return {
    fpr: [0, ...keep.map((k) => fps[k]! / neg)],
    tpr: [0, ...keep.map((k) => tps[k]! / pos)],
    thresholds: [Number.POSITIVE_INFINITY, ...keep.map((k) => thr[k]!)],
  };
}

export interface PrCurve {
  /** One point per distinct threshold, then precision 1 at recall 0 (scikit-learn 1.2's precision_recall_curve). */
  precision: number[];
  recall: number[];
  /** Increasing; one fewer than precision/recall. */
  thresholds: number[];
}

export function precisionRecallCurve(yTrue: Labels, yScore: Scores): PrCurve {
  checkLengths(yTrue, yScore, ["yTrue", "yScore"]);
  const t = toBinary(yTrue);
  const s = toScores(yScore, "yScore", false);
  const { thresholds: thr, tps, fps, positives } = thresholdCounts(t, s);
  const precision: number[] = [];
  const recall: number[] = [];
  const thresholds: number[] = [];
  for (let k = 0; k < tps.length; k++) {
    precision.push(tps[k]! / (tps[k]! + fps[k]!));
    recall.push(positives === 0 ? 1 : tps[k]! / positives);
    thresholds.push(thr[k]!);
  }
  precision.reverse();
  recall.reverse();
  thresholds.reverse();
  precision.push(1);
  recall.push(0);
  return { precision, recall, thresholds };
}

export interface CalibrationCurve {
  /** Fraction of positives per non-empty bin. */
  probTrue: number[];
  /** Mean predicted probability per non-empty bin. */
  probPred: number[];
  /** Rows per non-empty bin. */
  counts: number[];
}

/** scikit-learn's calibration_curve (uniform or quantile bins), with the bin counts. */
export function calibrationCurve(
  yTrue: Labels,
  yProb: Scores,
  opts: { nBins?: number; strategy?: "uniform" | "quantile" } = {},
): CalibrationCurve {
  const n = checkLengths(yTrue, yProb, ["yTrue", "yProb"]);
  const t = toBinary(yTrue);
  const p = toScores(yProb, "yProb", true);
  const nBins = opts.nBins ?? 5;
  if (!Number.isInteger(nBins) || nBins < 1) throw bad(`nBins must be a positive integer, got ${nBins}`);
  let edges: number[];
  if ((opts.strategy ?? "uniform") === "quantile") {
    const sorted = Float64Array.from(p).sort();
    edges = Array.from({ length: nBins + 1 }, (_, k) => quantileSorted(sorted, k / nBins));
  } else {
    edges = Array.from({ length: nBins + 1 }, (_, k) => k / nBins);
  }
  // numpy.digitize(p, edges[1:-1], right=True): bin = number of inner edges strictly below p
  const inner = edges.slice(1, -1);
  const sumT = new Float64Array(nBins);
  const sumP = new Float64Array(nBins);
  const cnt = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    let b = 0;
    while (b < inner.length && p[i]! > inner[b]!) b++;
    sumT[b] = sumT[b]! + t[i]!;
    sumP[b] = sumP[b]! + p[i]!;
    cnt[b] = cnt[b]! + 1;
  }
  const out: CalibrationCurve = { probTrue: [], probPred: [], counts: [] };
  for (let b = 0; b < nBins; b++) {
    if (cnt[b] === 0) continue;
    out.probTrue.push(sumT[b]! / cnt[b]!);
    out.probPred.push(sumP[b]! / cnt[b]!);
    out.counts.push(cnt[b]!);
  }
  return out;
}

/** Expected calibration error: the bin-size-weighted mean gap between accuracy and confidence. */
export function expectedCalibrationError(
  yTrue: Labels,
  yProb: Scores,
  opts: { nBins?: number } = {},
): number {
  const c = calibrationCurve(yTrue, yProb, { nBins: opts.nBins ?? 10 });
  const n = c.counts.reduce((a, b) => a + b, 0);
  let ece = 0;
  for (let b = 0; b < c.counts.length; b++)
    ece += (c.counts[b]! / n) * Math.abs(c.probTrue[b]! - c.probPred[b]!);
  return ece;
}

// ------------------------------------------------------------ thresholds

export interface ThresholdChoice {
  /** Predict 1 when score ≥ threshold. */
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Every distinct-score threshold with its precision, recall and F1, highest threshold first. */
function thresholdTable(yTrue: Labels, yScore: Scores): ThresholdChoice[] {
  checkLengths(yTrue, yScore, ["yTrue", "yScore"]);
  const t = toBinary(yTrue);
  const s = toScores(yScore, "yScore", false);
  const { thresholds, tps, fps, positives } = thresholdCounts(t, s);
  const out: ThresholdChoice[] = [];
  for (let k = 0; k < tps.length; k++) {
    const precision = tps[k]! / (tps[k]! + fps[k]!);
    const recall = positives === 0 ? 0 : tps[k]! / positives;
    out.push({
      threshold: thresholds[k]!,
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    });
  }
  return out;
}

/** The threshold with the best F1 (the highest threshold among ties). */
export function bestF1Threshold(yTrue: Labels, yScore: Scores): ThresholdChoice {
  let best: ThresholdChoice | null = null;
  for (const row of thresholdTable(yTrue, yScore)) if (best === null || row.f1 > best.f1) best = row;
  return best!;
}

/**
 * The threshold reaching a target precision with the most recall, or a target recall with the
 * most precision. @throws INVALID_ARGUMENT when no threshold reaches the target
 */
export function thresholdForTarget(
  yTrue: Labels,
  yScore: Scores,
  target: { precision?: number; recall?: number },
): ThresholdChoice {
  const rows = thresholdTable(yTrue, yScore);
  let best: ThresholdChoice | null = null;
  if (target.precision !== undefined) {
    for (const r of rows)
      if (r.precision >= target.precision && (best === null || r.recall > best.recall)) best = r;
  } else if (target.recall !== undefined) {
    for (const r of rows)
      if (r.recall >= target.recall && (best === null || r.precision > best.precision)) best = r;
  } else throw bad("give a target precision or recall");
  if (best === null) throw bad(`no threshold reaches ${JSON.stringify(target)}`, { target });
  return best;
}
