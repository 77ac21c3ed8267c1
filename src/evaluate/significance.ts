/**
 * Is model B really better than model A on the same rows? Paired bootstrap with a percentile
 * confidence interval, McNemar's test on the discordant pairs, DeLong's test for two correlated
 * ROC AUCs, and Holm / Benjamini–Hochberg adjustment when several candidates are compared at once.
 * The same bootstrap engine gives one model's metric its interval (`bootstrap`: the evaluation
 * record's intervals).
 *
 * Conventions: a difference is always B − A; labels are 0/1; label metrics threshold the
 * predictions (score ≥ threshold → 1, so 0/1 predictions pass through unchanged).
 */
import { availableParallelism } from "node:os";
import {
  type Alloc,
  descendingOrder,
  erfc,
  logFactorial,
  multinomial,
  ndtri,
  quantileSorted,
  Rng,
  rankRows,
  SextantError,
  Stream,
  type TypedArrayCtor,
  type WorkerPool,
  workerPool,
} from "../core/index.js";
import {
  CHUNK,
  cellsToMatrices,
  claimChunks,
  DONE,
  drawWeights,
  NEXT,
  type RowData,
  type RowKernel,
  type RowTask,
  runRowChunk,
  STARTED,
} from "./bootstrap.worker.js";
import {
  apFromArrays,
  aucFromArrays,
  brierRow,
  brierScore,
  CELL_METRICS,
  type CellMetric,
  type ConfusionMatrix,
  type Labels,
  logLoss,
  logLossRow,
  type Scores,
  toBinary,
} from "./metrics.js";

function bad(message: string, details: Record<string, unknown> = {}): SextantError {
  return new SextantError("INVALID_ARGUMENT", message, details);
}

// ================================================================ paired bootstrap

/** Metrics the bootstrap knows by name. */
export const BOOTSTRAP_METRICS = [
  "f1",
  "precision",
  "recall",
  "accuracy",
  "mcc",
  "balanced_accuracy",
  "roc_auc",
  "average_precision",
  "log_loss",
  "brier",
] as const;
export type BootstrapMetricName = (typeof BOOTSTRAP_METRICS)[number];

/**
 * A custom metric: the labels and raw (unthresholded) predictions of one resample → a number.
 * The arrays are reused from one resample to the next: copy them to keep them.
 */
export type MetricFn = (yTrue: Uint8Array, preds: Float64Array) => number;

/** What the bootstrap of one model and the paired bootstrap of two share. */
export interface BootstrapSettings {
  metric: BootstrapMetricName | MetricFn;
  /** Resamples (default 10,000). */
  nBoot?: number;
  /** Seed of the resampling: the result is a pure function of the inputs and the seed. */
  seed: number;
  /** Level of the percentile interval (default 0.95). */
  ci?: number;
  /** Label metrics predict 1 where the prediction is ≥ threshold (default 0.5). */
  threshold?: number;
  /** For precision, recall and F1 (scikit-learn's zero_division; default 0). */
  zeroDivision?: 0 | 1;
  /**
   * "cells" resamples the joint confusion cells (only for label metrics), "rows" resamples rows;
   * "auto" (default) takes cells whenever the metric allows it.
   */
  method?: "auto" | "cells" | "rows";
  /** Threads for the row path (default: all cores); the result does not depend on it. */
  threads?: number;
}

export interface PairedBootstrapOptions extends BootstrapSettings {
  yTrue: Labels;
  /** Predictions of the reference model A: scores, probabilities or 0/1 labels. */
  predsA: Scores;
  /** Predictions of the candidate model B. */
  predsB: Scores;
  /**
   * Whether a larger metric is better (default: true, except log_loss and brier). The p-value
   * counts the resamples where B is not better.
   */
  greaterIsBetter?: boolean;
}

/** One model's metric with a percentile interval: {@link bootstrap}. */
export interface BootstrapOptions extends BootstrapSettings {
  yTrue: Labels;
  /** The model's predictions: scores, probabilities or 0/1 labels. */
  preds: Scores;
}

export interface BootstrapResult {
  /** The metric's name, or "custom". */
  metric: string;
  /** The metric on the full data. */
  value: number;
  /** Percentile interval of the resampled values (numpy's linear interpolation). */
  ci: [number, number];
  /** The resampled values, in resample order. */
  samples: Float64Array;
  nBoot: number;
  method: "cells" | "rows";
}

export interface PairedBootstrapResult {
  /** The metric's name, or "custom". */
  metric: string;
  /** The metric of A and of B on the full data. */
  valueA: number;
  valueB: number;
  /** Mean of the resampled differences B − A. */
  meanDiff: number;
  /** Percentile interval of the resampled differences (numpy's linear interpolation). */
  ci: [number, number];
  /**
   * Share of resampled differences that do not favour B: ≤ 0 when greater is better, ≥ 0 when
   * lower is better.
   */
  pValue: number;
  /** The resampled differences B − A, in resample order (for plotting). */
  diffs: Float64Array;
  nBoot: number;
  method: "cells" | "rows";
  greaterIsBetter: boolean;
}

const CELL_NAMES: Record<string, CellMetric> = {
  f1: "f1",
  precision: "precision",
  recall: "recall",
  accuracy: "accuracy",
  mcc: "mcc",
  balanced_accuracy: "balanced_accuracy",
};

interface Prepared {
  name: string;
  t: Uint8Array;
  a: Float64Array;
  /** Model B's predictions; A's own for the bootstrap of one model (`paired` false). */
  b: Float64Array;
  paired: boolean;
  n: number;
  nBoot: number;
  level: number;
  threshold: number;
  zeroDivision: number;
  greaterIsBetter: boolean;
  method: "cells" | "rows";
  cellMetric: CellMetric | null;
  fn: MetricFn | null;
  seeds: Rng;
}

function checkScores(s: Scores, name: string, probabilities: boolean): Float64Array {
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw bad(`${name}[${i}] is ${String(v)}: predictions must be numbers, not NaN`, { name, index: i });
    }
    if (probabilities && (v < 0 || v > 1)) {
      throw bad(`${name}[${i}] is ${v}: probabilities must lie in [0, 1]`, { name, index: i });
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks and lays out a bootstrap's input: two models' predictions for the paired bootstrap, one
 * (`predsB` null) for the bootstrap of one model.
 */
function prepare(
  o: BootstrapSettings & { yTrue: Labels; greaterIsBetter?: boolean },
  predsA: Scores,
  predsB: Scores | null,
): Prepared {
  const n = o.yTrue.length;
  if (predsB === null) {
    if (predsA.length !== n) {
      throw bad(`yTrue has ${n} values and preds ${predsA.length}; they must match`, {
        yTrue: n,
        preds: predsA.length,
      });
    }
  } else if (predsA.length !== n || predsB.length !== n) {
    throw bad(
      `yTrue, predsA and predsB have ${n}, ${predsA.length} and ${predsB.length} values; they must match`,
      { yTrue: n, predsA: predsA.length, predsB: predsB.length },
    );
  }
  if (n === 0) throw bad("empty input: the bootstrap needs at least one row");
  const nBoot = o.nBoot ?? 10_000;
  if (!Number.isSafeInteger(nBoot) || nBoot < 1) {
    throw bad(`nBoot must be a positive integer, got ${String(nBoot)}`, { nBoot });
  }
  const level = o.ci ?? 0.95;
  if (!(level > 0 && level < 1))
    throw bad(`ci must lie strictly between 0 and 1, got ${String(level)}`, { ci: level });
  const threshold = o.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) throw bad(`threshold must be a finite number, got ${String(threshold)}`);
  if (!Number.isSafeInteger(o.seed)) throw bad(`seed must be a safe integer, got ${String(o.seed)}`);
  const zd = o.zeroDivision ?? 0;
  if (zd !== 0 && zd !== 1) throw bad(`zeroDivision must be 0 or 1, got ${String(zd)}`);

  const fn = typeof o.metric === "function" ? o.metric : null;
  const name = fn ? "custom" : String(o.metric);
  if (!fn && !(BOOTSTRAP_METRICS as readonly string[]).includes(name)) {
    throw bad(
      `unknown metric ${JSON.stringify(name)}; pass one of ${BOOTSTRAP_METRICS.join(", ")} or a function`,
      {
        metric: name,
      },
    );
  }
  const probabilistic = name === "log_loss" || name === "brier";
  const t = toBinary(o.yTrue, "yTrue");
  const a = checkScores(predsA, predsB === null ? "preds" : "predsA", probabilistic);
  const b = predsB === null ? a : checkScores(predsB, "predsB", probabilistic);
  if (name === "roc_auc") {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += t[i]!;
    if (pos === 0 || pos === n) {
      throw bad(`only one class present in yTrue: ${name} is not defined in that case`, {
        positives: pos,
        negatives: n - pos,
      });
    }
  }
  const cellMetric = CELL_NAMES[name] ?? null;
  const want = o.method ?? "auto";
  if (want !== "auto" && want !== "cells" && want !== "rows") throw bad(`unknown method ${String(want)}`);
  if (want === "cells" && cellMetric === null) {
    throw bad(`the cell method needs a metric of the confusion cells, not ${name}`, { metric: name });
  }
  return {
    name,
    t,
    a,
    b,
    paired: predsB !== null,
    n,
    nBoot,
    level,
    threshold,
    zeroDivision: zd,
    greaterIsBetter: o.greaterIsBetter ?? !probabilistic,
    method: cellMetric !== null && want !== "rows" ? "cells" : "rows",
    cellMetric,
    fn,
    seeds: new Rng(o.seed),
  };
}

/** The state of one independent stream of the seeded Rng per chunk (four 32-bit words each). */
function drawSeeds(rng: Rng, chunks: number, shared: boolean): Uint32Array {
  const out = alloc(Uint32Array, 4 * chunks, shared);
  for (let c = 0; c < chunks; c++) out.set(rng.streamState(), 4 * c);
  return out;
}

function alloc<T>(Ctor: TypedArrayCtor<T>, n: number, shared: boolean): T {
  return shared ? new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT)) : new Ctor(n);
}

/** The eight joint cells: label·4 + A's prediction·2 + B's prediction. */
function jointCells(p: Prepared): Float64Array {
  const c = new Float64Array(8);
  for (let i = 0; i < p.n; i++) {
    const k = p.t[i]! * 4 + (p.a[i]! >= p.threshold ? 2 : 0) + (p.b[i]! >= p.threshold ? 1 : 0);
    c[k]!++;
  }
  return c;
}

function cellFn(m: CellMetric): (c: ConfusionMatrix, zd: number) => number {
  return CELL_METRICS[m] as (c: ConfusionMatrix, zd: number) => number;
}

/** Sorts the rows once and lays out what the row kernels read (B's side only when paired). */
function rowData(p: Prepared, shared: boolean): RowData {
  const { n, t, a, b } = p;
  const orderA = descendingOrder(a);
  const put: Alloc = (Ctor, m) => alloc(Ctor, m, shared);
  const d: RowData = {
    n,
    orderA: alloc(Uint32Array, n, shared),
    a: rankRows(t, a, orderA, put),
    b: null,
    posB: null,
    cell: null,
    lossA: null,
    lossB: null,
  };
  d.orderA.set(orderA);
  if (p.paired) {
    const orderB = descendingOrder(b);
    d.b = rankRows(t, b, orderB, put);
    const rank = new Uint32Array(n);
    for (let i = 0; i < n; i++) rank[orderA[i]!] = i;
    d.posB = alloc(Uint32Array, n, shared);
    for (let i = 0; i < n; i++) d.posB[i] = rank[orderB[i]!]!;
  }
  if (p.cellMetric !== null) {
    d.cell = alloc(Uint8Array, n, shared);
    for (let i = 0; i < n; i++) {
      const r = orderA[i]!;
      d.cell[i] = t[r]! * 4 + (a[r]! >= p.threshold ? 2 : 0) + (b[r]! >= p.threshold ? 1 : 0);
    }
  }
  if (p.name === "log_loss" || p.name === "brier") {
    const loss = p.name === "brier" ? brierRow : logLossRow;
    const perRow = (s: Float64Array) => {
      const out = alloc(Float64Array, n, shared);
      for (let i = 0; i < n; i++) out[i] = loss(t[orderA[i]!]!, s[orderA[i]!]!);
      return out;
    };
    d.lossA = perRow(a);
    if (p.paired) d.lossB = perRow(b);
  }
  return d;
}

/**
 * The row layout the kernels walk, for a metric by name (exported for the tests, which check the
 * weighted walks against scikit-learn's sample_weight results).
 * @internal
 */
export function bootstrapRows(
  o: Pick<PairedBootstrapOptions, "yTrue" | "predsA" | "predsB" | "threshold"> & {
    metric: BootstrapMetricName;
  },
): RowData {
  return rowData(prepare({ ...o, seed: 0 }, o.predsA, o.predsB), false);
}

function kernelOf(p: Prepared): RowKernel {
  if (p.cellMetric !== null) return { kind: "cells", metric: p.cellMetric, zeroDivision: p.zeroDivision };
  if (p.name === "roc_auc") return { kind: "auc" };
  if (p.name === "average_precision") return { kind: "ap" };
  return { kind: "mean" };
}

/** The metric of one model's predictions on the full data. */
function fullValue(p: Prepared, s: Float64Array): number {
  if (p.fn) return p.fn(p.t, s);
  if (p.cellMetric !== null) {
    const c: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (let i = 0; i < p.n; i++) {
      const pred = s[i]! >= p.threshold;
      if (p.t[i] === 1) {
        if (pred) c.tp++;
        else c.fn++;
      } else if (pred) c.fp++;
      else c.tn++;
    }
    return cellFn(p.cellMetric)(c, p.zeroDivision);
  }
  if (p.name === "roc_auc") return aucFromArrays(p.t, s);
  if (p.name === "average_precision") return apFromArrays(p.t, s);
  if (p.name === "log_loss") return logLoss(p.t, s);
  return brierScore(p.t, s);
}

/** The metric of A and B on the full data. */
function observed(p: Prepared): [number, number] {
  const va = fullValue(p, p.a);
  return [va, p.paired ? fullValue(p, p.b) : va];
}

/** Cell path: nBoot multinomial(n, p̂) draws of the eight joint cells. */
function runCells(p: Prepared): [Float64Array, Float64Array] {
  const counts = jointCells(p);
  const f = cellFn(p.cellMetric!);
  const st = new Stream(drawSeeds(p.seeds, 1, false));
  const outA = new Float64Array(p.nBoot);
  const outB = new Float64Array(p.nBoot);
  const draw = new Float64Array(8);
  for (let r = 0; r < p.nBoot; r++) {
    multinomial(p.n, counts, st, draw);
    const [A, B] = cellsToMatrices(draw);
    outA[r] = f(A, p.zeroDivision);
    outB[r] = f(B, p.zeroDivision);
  }
  return [outA, outB];
}

/** Row path with a custom metric: the same weight vectors, expanded to resampled rows. */
function runCustom(p: Prepared, fn: MetricFn): [Float64Array, Float64Array] {
  const nChunks = Math.ceil(p.nBoot / CHUNK);
  const seeds = drawSeeds(p.seeds, nChunks, false);
  const d = rowData(p, false);
  const outA = new Float64Array(p.nBoot);
  const outB = new Float64Array(p.nBoot);
  const w = new Int32Array(p.n);
  const yr = new Uint8Array(p.n);
  const ar = new Float64Array(p.n);
  const br = new Float64Array(p.n);
  for (let c = 0; c < nChunks; c++) {
    const st = new Stream(seeds.subarray(4 * c, 4 * c + 4));
    const end = Math.min(p.nBoot, (c + 1) * CHUNK);
    for (let r = c * CHUNK; r < end; r++) {
      // the kernels' weight draw: a custom metric sees the same resamples as a built-in one
      drawWeights(st, w, p.n);
      let k = 0;
      for (let i = 0; i < p.n; i++) {
        const row = d.orderA[i]!;
        for (let m = w[i]!; m > 0; m--) {
          yr[k] = p.t[row]!;
          ar[k] = p.a[row]!;
          if (p.paired) br[k] = p.b[row]!;
          k++;
        }
      }
      const va = fn(yr, ar);
      const vb = p.paired ? fn(yr, br) : va;
      if (typeof va !== "number" || typeof vb !== "number" || Number.isNaN(va) || Number.isNaN(vb)) {
        throw bad(
          `the custom metric returned ${String(va)} and ${String(vb)} on resample ${r}: it must return numbers`,
          {
            resample: r,
          },
        );
      }
      outA[r] = va;
      outB[r] = vb;
    }
  }
  return [outA, outB];
}

/** Below this many row visits (n·nBoot) the row path stays on the calling thread. */
const PARALLEL_MIN_WORK = 4_000_000;

function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return Math.max(1, availableParallelism());
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw bad(`threads must be a positive integer, got ${String(threads)}`, { threads });
  }
  return threads;
}

function rowTask(p: Prepared, shared: boolean, helpers = 0): RowTask {
  const nChunks = Math.ceil(p.nBoot / CHUNK);
  const ctl = alloc(Int32Array, STARTED + helpers, shared);
  return {
    data: rowData(p, shared),
    kernel: kernelOf(p),
    seeds: drawSeeds(p.seeds, nChunks, shared),
    nChunks,
    nBoot: p.nBoot,
    ctl,
    outA: alloc(Float64Array, p.nBoot, shared),
    outB: alloc(Float64Array, p.nBoot, shared),
    helper: -1,
  };
}

function runRowsHere(p: Prepared): [Float64Array, Float64Array] {
  const task = rowTask(p, false);
  const w = new Int32Array(p.n);
  for (let c = 0; c < task.nChunks; c++) {
    runRowChunk(task.data, task.kernel, task.seeds, c, p.nBoot, task.outA, task.outB, w);
  }
  return [task.outA, task.outB];
}

/**
 * For the tests: whether the calling thread takes chunks too (default true). With false the
 * helpers do every chunk, so a test can check what the worker threads compute.
 * @internal
 */
export const parallelTuning = { callerWorks: true };

/** Atomics.waitAsync (Node ≥ 16; not in the ES2023 lib typings). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: unknown };
  }
).waitAsync;

async function runRowsParallel(p: Prepared, threads: number): Promise<[Float64Array, Float64Array]> {
  const nHelpers = Math.min(threads - 1, Math.ceil(p.nBoot / CHUNK) - 1);
  const task = rowTask(p, true, nHelpers);
  const workers = pool(threads - 1);
  // written by the helpers' callbacks
  const state: { failure: { reason: unknown } | null; settled: number } = { failure: null, settled: 0 };
  const aborts = Array.from({ length: nHelpers }, () => new AbortController());
  const helpers = aborts.map((ac, k) =>
    workers.run({ ...task, helper: k }, { signal: ac.signal }).then(
      () => undefined,
      (e: unknown) => {
        // a helper aborted before it started had nothing to do
        if (!(ac.signal.aborted && Atomics.load(task.ctl, STARTED + k) === 0))
          state.failure ??= { reason: e };
      },
    ),
  );
  for (const h of helpers) void h.then(() => state.settled++);
  // the calling thread claims chunks too, one at a time, yielding so the pool can dispatch
  const w = new Int32Array(p.n);
  try {
    if (parallelTuning.callerWorks) {
      while (claimChunks(task, w, 1) === 1) await new Promise((r) => setImmediate(r));
    }
  } catch (e) {
    Atomics.store(task.ctl, NEXT, task.nChunks);
    for (const ac of aborts) ac.abort();
    await Promise.all(helpers);
    throw e;
  }
  // every chunk is claimed (or left to the helpers): wait for their chunks, or a failure
  for (;;) {
    const done = Atomics.load(task.ctl, DONE);
    if (done >= task.nChunks || state.failure !== null || state.settled === nHelpers) break;
    const r = waitAsync(task.ctl, DONE, done, 50);
    if (r.async) await r.value;
  }
  // helpers still queued or booting can only find nothing left: do not wait for their start-up
  aborts.forEach((ac, k) => {
    if (Atomics.load(task.ctl, STARTED + k) === 0) ac.abort();
  });
  await Promise.all(helpers);
  if (Atomics.load(task.ctl, DONE) < task.nChunks) {
    throw new SextantError("INTERNAL", "a bootstrap worker failed", {}, { cause: state.failure?.reason });
  }
  return [task.outA, task.outB];
}

/** The percentile interval of resampled values at the level asked. */
function percentileCi(p: Prepared, values: Float64Array): [number, number] {
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - p.level) / 2;
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}

function summarize(
  p: Prepared,
  valueA: number,
  valueB: number,
  outA: Float64Array,
  outB: Float64Array,
): PairedBootstrapResult {
  const diffs = new Float64Array(p.nBoot);
  let sum = 0;
  let against = 0;
  for (let r = 0; r < p.nBoot; r++) {
    const d = outB[r]! - outA[r]!;
    diffs[r] = d;
    sum += d;
    if (p.greaterIsBetter ? d <= 0 : d >= 0) against++;
  }
  return {
    metric: p.name,
    valueA,
    valueB,
    meanDiff: sum / p.nBoot,
    ci: percentileCi(p, diffs),
    pValue: against / p.nBoot,
    diffs,
    nBoot: p.nBoot,
    method: p.method,
    greaterIsBetter: p.greaterIsBetter,
  };
}

/** The resampled metric of A and of B: the cell path, a custom metric's rows, or the row kernels. */
async function resample(p: Prepared, threads: number): Promise<[Float64Array, Float64Array]> {
  if (p.method === "cells") return runCells(p);
  if (p.fn) return runCustom(p, p.fn);
  if (threads > 1 && p.n * p.nBoot >= PARALLEL_MIN_WORK && Math.ceil(p.nBoot / CHUNK) > 1) {
    return runRowsParallel(p, threads);
  }
  return runRowsHere(p);
}

/** {@link resample} on the calling thread. */
function resampleHere(p: Prepared, threads: number | undefined): [Float64Array, Float64Array] {
  if (threads !== undefined) resolveThreads(threads);
  return p.method === "cells" ? runCells(p) : p.fn ? runCustom(p, p.fn) : runRowsHere(p);
}

/**
 * Paired bootstrap of a metric difference B − A on the same rows.
 *
 * Label metrics (f1, precision, recall, accuracy, mcc, balanced_accuracy) depend on the rows only
 * through the eight joint cells (label, A's prediction, B's prediction); resampling n rows is the
 * same as drawing those cells from a multinomial(n, p̂), which costs O(1) per resample ("cells").
 * Rank and probabilistic metrics, and custom functions, resample rows ("rows"): per resample a
 * weight vector over the rows, walked over the score orders sorted once; large jobs share the
 * resamples with worker threads. A resample that holds a single class is drawn again for roc_auc
 * (undefined there, as in scikit-learn); log loss is defined with one class (scikit-learn's
 * labels=[0, 1]); a custom function sees every resample as drawn and receives the labels and raw
 * predictions of the resampled rows.
 *
 * @throws INVALID_ARGUMENT on mismatched lengths, empty input, labels outside {0, 1}, NaN
 *   predictions, probabilities outside [0, 1] (log_loss, brier), one class only (roc_auc), an
 *   unknown metric, or a bad nBoot, ci, seed or threshold
 */
export async function pairedBootstrap(o: PairedBootstrapOptions): Promise<PairedBootstrapResult> {
  const p = prepare(o, o.predsA, o.predsB);
  const threads = resolveThreads(o.threads);
  const [va, vb] = observed(p);
  const [outA, outB] = await resample(p, threads);
  return summarize(p, va, vb, outA, outB);
}

/** {@link pairedBootstrap} on the calling thread only; the same result for the same seed. */
export function pairedBootstrapSync(o: PairedBootstrapOptions): PairedBootstrapResult {
  const p = prepare(o, o.predsA, o.predsB);
  const [va, vb] = observed(p);
  const [outA, outB] = resampleHere(p, o.threads);
  return summarize(p, va, vb, outA, outB);
}

function single(p: Prepared, value: number, samples: Float64Array): BootstrapResult {
  return { metric: p.name, value, ci: percentileCi(p, samples), samples, nBoot: p.nBoot, method: p.method };
}

/**
 * One model's metric with a percentile bootstrap interval: the paired bootstrap's engine (its cell
 * path, row kernels, seeding and threads) run on one model's predictions. The evaluation record's
 * intervals are these.
 * @throws INVALID_ARGUMENT as {@link pairedBootstrap}
 */
export async function bootstrap(o: BootstrapOptions): Promise<BootstrapResult> {
  const p = prepare(o, o.preds, null);
  const threads = resolveThreads(o.threads);
  const [value] = observed(p);
  const [samples] = await resample(p, threads);
  return single(p, value, samples);
}

/** {@link bootstrap} on the calling thread only; the same result for the same seed. */
export function bootstrapSync(o: BootstrapOptions): BootstrapResult {
  const p = prepare(o, o.preds, null);
  const [value] = observed(p);
  const [samples] = resampleHere(p, o.threads);
  return single(p, value, samples);
}

// ---------------------------------------------------------------- worker pool

/** The bootstrap worker pool with up to `maxThreads` workers. */
function pool(maxThreads: number): WorkerPool {
  return workerPool(import.meta.url, "bootstrap.worker", maxThreads);
}

// ================================================================ chi-square and binomial tails

/** P(X ≥ x) for X ~ chi-square with one degree of freedom. */
function chi2Sf1(x: number): number {
  return x <= 0 ? 1 : erfc(Math.sqrt(x / 2));
}

/** P(X ≤ k) for X ~ Binomial(m, 1/2). */
function binomCdfHalf(k: number, m: number): number {
  if (k >= m) return 1;
  if (k < 0) return 0;
  const lm = logFactorial(m) - m * Math.LN2;
  // sum from the largest term (at k, since k ≤ m/2 when called from McNemar) down
  let sum = 0;
  for (let j = k; j >= 0; j--) {
    const term = Math.exp(lm - logFactorial(j) - logFactorial(m - j));
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum;
}

// ================================================================ McNemar

export interface McNemarOptions {
  /** The exact binomial test (default true); false: the chi-square approximation. */
  exact?: boolean;
  /** Continuity correction of the chi-square statistic (default true). */
  correction?: boolean;
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw bad(`${name} must be a non-negative integer count, got ${String(v)}`);
}

/**
 * McNemar's test on the discordant pairs: b rows only A got right, c rows only B got right (or
 * the other way round: the test is symmetric). As statsmodels' `mcnemar`: exact → statistic
 * min(b, c) and the two-sided binomial p-value (capped at 1); otherwise statistic
 * (|b − c| − correction)² / (b + c) against chi-square(1). One deliberate difference: with no
 * discordant pair (b = c = 0) there is no evidence either way, so the result is statistic 0 and
 * p-value 1 in every form (statsmodels' chi-square form divides by zero there and returns p 0
 * with the correction, NaN without).
 * @throws INVALID_ARGUMENT when b or c is not a non-negative integer
 */
export function mcnemarTest(b: number, c: number, opts: McNemarOptions = {}): TestResult {
  checkCount("b", b);
  checkCount("c", c);
  if (b + c === 0) return { statistic: 0, pValue: 1 };
  if (opts.exact ?? true) {
    const statistic = Math.min(b, c);
    return { statistic, pValue: Math.min(1, 2 * binomCdfHalf(statistic, b + c)) };
  }
  const corr = (opts.correction ?? true) ? 1 : 0;
  const statistic = (Math.abs(b - c) - corr) ** 2 / (b + c);
  return { statistic, pValue: chi2Sf1(statistic) };
}

/** The discordant counts of two label predictions against yTrue: b = only A right, c = only B right. */
export function discordantPairs(yTrue: Labels, predA: Labels, predB: Labels): { b: number; c: number } {
  const n = yTrue.length;
  if (predA.length !== n || predB.length !== n) {
    throw bad(
      `yTrue, predA and predB have ${n}, ${predA.length} and ${predB.length} values; they must match`,
    );
  }
  if (n === 0) throw bad("empty input: McNemar's test needs at least one row");
  const t = toBinary(yTrue, "yTrue");
  const pa = toBinary(predA, "predA");
  const pb = toBinary(predB, "predB");
  let b = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const ra = pa[i] === t[i];
    const rb = pb[i] === t[i];
    if (ra && !rb) b++;
    else if (rb && !ra) c++;
  }
  return { b, c };
}

/** McNemar's test of two label predictions on the same rows ({@link discordantPairs}, then {@link mcnemarTest}). */
export function mcnemarFromPredictions(
  yTrue: Labels,
  predA: Labels,
  predB: Labels,
  opts: McNemarOptions = {},
): TestResult & { b: number; c: number } {
  const { b, c } = discordantPairs(yTrue, predA, predB);
  return { ...mcnemarTest(b, c, opts), b, c };
}

// ================================================================ DeLong

export interface DelongResult {
  aucA: number;
  aucB: number;
  /** aucB − aucA. */
  diff: number;
  /** Standard error of the difference. */
  se: number;
  z: number;
  /** Two-sided. */
  pValue: number;
  /** Normal interval of the difference at the level asked (default 0.95). */
  ci: [number, number];
}

/** 1-based midranks of `v` (ties share the mean of their ranks). */
function midranks(v: Float64Array): Float64Array {
  const n = v.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => v[x]! - v[y]!);
  const out = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]!] === v[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = r;
    i = j + 1;
  }
  return out;
}

/**
 * DeLong's structural components of one score vector (Sun & Xu's midrank form). Their mean is the
 * AUC; the AUC reported is the rank metrics' own ({@link aucFromArrays}), the same to rounding.
 */
function components(pos: Float64Array, neg: Float64Array): { v10: Float64Array; v01: Float64Array } {
  const m = pos.length;
  const n = neg.length;
  const all = new Float64Array(m + n);
  all.set(pos);
  all.set(neg, m);
  const tz = midranks(all);
  const tx = midranks(pos);
  const ty = midranks(neg);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  for (let i = 0; i < m; i++) v10[i] = (tz[i]! - tx[i]!) / n;
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m;
  return { v10, v01 };
}

/** Sample covariance (n − 1 denominator). */
function cov(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i]! - mx) * (y[i]! - my);
  return s / (n - 1);
}

/**
 * DeLong's test (DeLong, DeLong & Clarke-Pearson 1988) for the difference of two ROC AUCs
 * measured on the same rows, with Sun & Xu's (2014) O(n log n) midrank computation of the
 * structural components. Ties count half, as in ROC AUC.
 *
 * @throws INVALID_ARGUMENT on mismatched lengths, empty input, NaN scores, or fewer than two rows
 *   of either class (the variance needs two)
 */
export function delongTest(
  yTrue: Labels,
  scoresA: Scores,
  scoresB: Scores,
  opts: { ci?: number } = {},
): DelongResult {
  const N = yTrue.length;
  if (scoresA.length !== N || scoresB.length !== N) {
    throw bad(
      `yTrue, scoresA and scoresB have ${N}, ${scoresA.length} and ${scoresB.length} values; they must match`,
    );
  }
  if (N === 0) throw bad("empty input: DeLong's test needs rows of both classes");
  const level = opts.ci ?? 0.95;
  if (!(level > 0 && level < 1)) throw bad(`ci must lie strictly between 0 and 1, got ${String(level)}`);
  const t = toBinary(yTrue, "yTrue");
  const a = checkScores(scoresA, "scoresA", false);
  const b = checkScores(scoresB, "scoresB", false);
  let m = 0;
  for (let i = 0; i < N; i++) m += t[i]!;
  const n = N - m;
  if (m < 2 || n < 2) {
    throw bad(`DeLong's test needs at least two rows of each class, got ${m} positive and ${n} negative`, {
      positives: m,
      negatives: n,
    });
  }
  const split = (s: Float64Array): [Float64Array, Float64Array] => {
    const p = new Float64Array(m);
    const q = new Float64Array(n);
    let i1 = 0;
    let i0 = 0;
    for (let i = 0; i < N; i++) {
      if (t[i] === 1) p[i1++] = s[i]!;
      else q[i0++] = s[i]!;
    }
    return [p, q];
  };
  const A = components(...split(a));
  const B = components(...split(b));
  const variance =
    (cov(A.v10, A.v10) + cov(B.v10, B.v10) - 2 * cov(A.v10, B.v10)) / m +
    (cov(A.v01, A.v01) + cov(B.v01, B.v01) - 2 * cov(A.v01, B.v01)) / n;
  const aucA = aucFromArrays(t, a);
  const aucB = aucFromArrays(t, b);
  const diff = aucB - aucA;
  const se = Math.sqrt(Math.max(0, variance));
  let z: number;
  if (se > 0) z = diff / se;
  else z = diff === 0 ? 0 : diff > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const pValue = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  const half = -ndtri((1 - level) / 2) * se;
  return { aucA, aucB, diff, se, z, pValue, ci: [diff - half, diff + half] };
}

// ================================================================ multiple comparisons

export interface Adjusted {
  /** Adjusted p-values, in the input order. */
  pAdjusted: number[];
  /** Which hypotheses are rejected at alpha, in the input order. */
  reject: boolean[];
}

function checkP(pValues: ArrayLike<number>, alpha: number): number[] {
  if (!(alpha > 0 && alpha < 1)) throw bad(`alpha must lie strictly between 0 and 1, got ${String(alpha)}`);
  const ps = Array.from(pValues);
  ps.forEach((p, i) => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw bad(`pValues[${i}] is ${String(p)}: p-values must lie in [0, 1]`, { index: i });
    }
  });
  return ps;
}

/** Indices sorting `ps` ascending (stable). */
function ascending(ps: number[]): number[] {
  return ps.map((_, i) => i).sort((x, y) => ps[x]! - ps[y]! || x - y);
}

/**
 * Holm's step-down adjustment (statsmodels' multipletests 'holm'): the k-th smallest p-value
 * (from 0) is multiplied by m − k, made non-decreasing and capped at 1; rejections stop at the
 * first p-value above alpha / (m − k).
 */
export function holm(pValues: ArrayLike<number>, opts: { alpha?: number } = {}): Adjusted {
  const alpha = opts.alpha ?? 0.05;
  const ps = checkP(pValues, alpha);
  const m = ps.length;
  const order = ascending(ps);
  const pAdjusted = new Array<number>(m);
  const reject = new Array<boolean>(m).fill(false);
  let running = 0;
  let stopped = false;
  order.forEach((idx, k) => {
    const p = ps[idx]!;
    running = Math.max(running, (m - k) * p);
    pAdjusted[idx] = Math.min(1, running);
    if (!stopped && p > alpha / (m - k)) stopped = true;
    reject[idx] = !stopped;
  });
  return { pAdjusted, reject };
}

/**
 * Benjamini–Hochberg's step-up adjustment of the false discovery rate (statsmodels'
 * multipletests 'fdr_bh'): the k-th smallest p-value (from 1) times m / k, made non-increasing
 * from the largest and capped at 1; every hypothesis up to the largest k with p ≤ k·alpha/m is
 * rejected.
 */
export function benjaminiHochberg(pValues: ArrayLike<number>, opts: { alpha?: number } = {}): Adjusted {
  const alpha = opts.alpha ?? 0.05;
  const ps = checkP(pValues, alpha);
  const m = ps.length;
  const order = ascending(ps);
  const pAdjusted = new Array<number>(m);
  const reject = new Array<boolean>(m).fill(false);
  let lastReject = -1;
  order.forEach((idx, k) => {
    if (ps[idx]! <= ((k + 1) / m) * alpha) lastReject = k;
  });
  let running = Number.POSITIVE_INFINITY;
  for (let k = m - 1; k >= 0; k--) {
    const idx = order[k]!;
    running = Math.min(running, (ps[idx]! * m) / (k + 1));
    pAdjusted[idx] = Math.min(1, running);
    reject[idx] = k <= lastReject;
  }
  return { pAdjusted, reject };
}
