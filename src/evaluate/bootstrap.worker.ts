/**
 * The paired bootstrap's row path: the per-resample kernels, and the worker-thread entry that runs
 * them. The main thread runs the same code on its share of the chunks.
 *
 * A row resample is a vector of bootstrap weights W (how many times each row was drawn; the
 * weights sum to n). The rows are put once in descending order of model A's score, so W is
 * indexed by that position: model A's curve is a sequential walk over W, model B's a walk over W
 * gathered through B's own order. Tied scores form groups that enter the curve together, as in
 * scikit-learn's ROC and precision-recall curves; a row with weight 0 is absent, as scikit-learn
 * drops zero-weight samples.
 *
 * The resamples are cut into fixed chunks, each with its own stream of the seeded Rng's generator
 * (an Rng.streamState, drawn up front), and each resample writes its own slot: the result does not
 * depend on how many threads ran, nor on which thread took which chunk.
 */
import { Stream } from "../core/rng.js";
import { CELL_METRICS, type CellMetric, type ConfusionMatrix } from "./metrics.js";

/** Resamples per chunk (a unit of work and of seeding). */
export const CHUNK = 256;

/** What a row resample computes per model. */
export type RowKernel =
  | { kind: "auc" }
  | { kind: "ap" }
  | { kind: "cells"; metric: CellMetric; zeroDivision: number }
  /** Mean of a per-row loss; `bothClasses`: a resample with one class is drawn again (log loss). */
  | { kind: "mean"; bothClasses: boolean };

/** The rows in model A's descending score order, with everything a kernel reads. */
export interface RowData {
  n: number;
  /** Row index (in the caller's input) at each position. */
  orderA: Uint32Array;
  /** Label at each position. */
  yA: Uint8Array;
  /** 1 where a position ends a group of tied A scores. */
  lastA: Uint8Array;
  tiesA: boolean;
  /** Position (in A's order) of the k-th row in B's descending score order. */
  posB: Uint32Array;
  /** Label of the k-th row in B's order. */
  yB: Uint8Array;
  lastB: Uint8Array;
  tiesB: boolean;
  /** Cell (label·4 + A's prediction·2 + B's prediction) at each position, for cell metrics. */
  cell: Uint8Array | null;
  /** Per-row losses at each position, for mean metrics. */
  lossA: Float64Array | null;
  lossB: Float64Array | null;
  /**
   * For average precision: the positives' positions in A's order and where each one's tie group
   * ends; the same as indices into B's order.
   */
  apAtA: Uint32Array | null;
  apEndA: Uint32Array | null;
  apAtB: Uint32Array | null;
  apEndB: Uint32Array | null;
}

const TWO32 = 4294967296;

/**
 * Fills `w` with the counts of n uniform draws of a position in [0, n): a multinomial(n, 1/n)
 * weight vector. Positions come from Lemire's multiply-and-reject, which is exactly uniform: on
 * each 16-bit half of a 32-bit output for n ≤ 2^16, on whole outputs for n < 2^21; above that
 * from 53-bit uniforms, with a bias below n/2^53.
 */
export function drawWeights(st: Stream, w: Int32Array, n: number): void {
  w.fill(0, 0, n);
  if (n <= 65536) drawSmall(st, w, n);
  else if (n < 2097152) drawMedium(st, w, n);
  else for (let j = 0; j < n; j++) w[Math.floor(st.random() * n)]!++;
}

function drawSmall(st: Stream, w: Int32Array, n: number): void {
  const reject = 65536 % n;
  let j = 0;
  while (j < n) {
    const x = st.next32();
    const lo = (x & 0xffff) * n; // < 2^32
    if ((lo & 0xffff) >= reject) {
      w[lo >>> 16]!++;
      j++;
    }
    if (j < n) {
      const hi = (x >>> 16) * n;
      if ((hi & 0xffff) >= reject) {
        w[hi >>> 16]!++;
        j++;
      }
    }
  }
}

function drawMedium(st: Stream, w: Int32Array, n: number): void {
  const reject = TWO32 % n;
  for (let j = 0; j < n; j++) {
    for (;;) {
      const m = st.next32() * n; // exact: below 2^53
      const pos = Math.floor(m / TWO32);
      if (m - pos * TWO32 >= reject) {
        w[pos]!++;
        break;
      }
    }
  }
}

/**
 * Weighted ROC AUC walk over A's order: returns Σ over negatives of weight × (positive weight
 * above + half the tied positive weight), and leaves the class weights in `tot` [pos, neg].
 */
export function aucWalkA(d: RowData, w: Int32Array, tot: Float64Array): number {
  // branchless: the labels in score order are too irregular for the branch predictor
  const y = d.yA;
  const n = d.n;
  let above = 0;
  let all = 0;
  let sum = 0;
  if (!d.tiesA) {
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      const pw = wi * y[i]!;
      all += wi;
      sum += (wi - pw) * above;
      above += pw;
    }
  } else {
    const last = d.lastA;
    let gp = 0;
    let gn = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      const pw = wi * y[i]!;
      gp += pw;
      gn += wi - pw;
      all += wi;
      const l = last[i]!;
      sum += l * gn * (above + gp * 0.5);
      above += l * gp;
      gp *= 1 - l;
      gn *= 1 - l;
    }
  }
  tot[0] = above;
  tot[1] = all - above;
  return sum;
}

/** The same walk over B's order, the weights gathered through `posB`. */
export function aucWalkB(d: RowData, w: Int32Array): number {
  const y = d.yB;
  const at = d.posB;
  const n = d.n;
  let above = 0;
  let sum = 0;
  if (!d.tiesB) {
    for (let i = 0; i < n; i++) {
      const wi = w[at[i]!]!;
      const pw = wi * y[i]!;
      sum += (wi - pw) * above;
      above += pw;
    }
  } else {
    const last = d.lastB;
    let gp = 0;
    let gn = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[at[i]!]!;
      const pw = wi * y[i]!;
      gp += pw;
      gn += wi - pw;
      const l = last[i]!;
      sum += l * gn * (above + gp * 0.5);
      above += l * gp;
      gp *= 1 - l;
      gn *= 1 - l;
    }
  }
  return sum;
}

/** Per-thread scratch: prefix sums of all and of positive weight (integers), and 1/k for k ≤ n. */
let cumAll = new Int32Array(0);
let cumPos = new Int32Array(0);
let inverse = new Float64Array(1);

function scratchFor(n: number): void {
  if (cumAll.length < n) {
    cumAll = new Int32Array(n);
    cumPos = new Int32Array(n);
    inverse = new Float64Array(n + 1);
    for (let k = 1; k <= n; k++) inverse[k] = 1 / k;
  }
}

/*
 * Weighted average precision as scikit-learn sums it — Σ over tie groups from the top of
 * (Rₖ − Rₖ₋₁)·Pₖ — in two passes: prefix sums of all and positive weight along the order, then
 * each positive adds its weight times the precision where its tie group ends. The weights are
 * integers, so the precision's denominator (the weight so far) is too, and its reciprocal comes
 * from a table: no division and no branch on the labels. A group reached with no weight yet adds
 * nothing (its positives weigh 0; 1/0 is stored as 0). Each pass is its own function with one
 * loop, so that each is optimized with its own type feedback.
 */

/** Prefix sums along A's order; returns the positive weight. */
function prefixA(n: number, y: Uint8Array, w: Int32Array, ca: Int32Array, cp: Int32Array): number {
  let all = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    all = (all + wi) | 0;
    tp = (tp + wi * y[i]!) | 0;
    ca[i] = all;
    cp[i] = tp;
  }
  return tp;
}

/** Prefix sums along B's order (weights gathered through `pb`); returns the positive weight. */
function prefixB(
  n: number,
  y: Uint8Array,
  w: Int32Array,
  pb: Uint32Array,
  ca: Int32Array,
  cp: Int32Array,
): number {
  let all = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[pb[i]!]!;
    all = (all + wi) | 0;
    tp = (tp + wi * y[i]!) | 0;
    ca[i] = all;
    cp[i] = tp;
  }
  return tp;
}

/** Prefix sums of all weight only (enough without ties), along A's order; returns the positive weight. */
function prefixAllA(n: number, y: Uint8Array, w: Int32Array, ca: Int32Array): number {
  let all = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    all = (all + wi) | 0;
    tp = (tp + wi * y[i]!) | 0;
    ca[i] = all;
  }
  return tp;
}

/** The same along B's order. */
function prefixAllB(n: number, w: Int32Array, pb: Uint32Array, ca: Int32Array): void {
  let all = 0;
  for (let i = 0; i < n; i++) {
    all = (all + w[pb[i]!]!) | 0;
    ca[i] = all;
  }
}

/** Σ over positives of weight × precision, without ties (each row its own group), in A's order. */
function apPositivesA(at: Uint32Array, w: Int32Array, ca: Int32Array, inv: Float64Array): number {
  let run = 0;
  let ap = 0;
  for (let k = 0; k < at.length; k++) {
    const i = at[k]!;
    const wi = w[i]!;
    run += wi;
    ap += wi * run * inv[ca[i]!]!;
  }
  return ap;
}

/** The same in B's order. */
function apPositivesB(
  at: Uint32Array,
  w: Int32Array,
  pb: Uint32Array,
  ca: Int32Array,
  inv: Float64Array,
): number {
  let run = 0;
  let ap = 0;
  for (let k = 0; k < at.length; k++) {
    const i = at[k]!;
    const wi = w[pb[i]!]!;
    run += wi;
    ap += wi * run * inv[ca[i]!]!;
  }
  return ap;
}

/** With tie groups: each positive takes the precision at its group's end (`pb`: B's order). */
function apPositivesTied(
  at: Uint32Array,
  end: Uint32Array,
  w: Int32Array,
  pb: Uint32Array | null,
  ca: Int32Array,
  cp: Int32Array,
  inv: Float64Array,
): number {
  let ap = 0;
  for (let k = 0; k < at.length; k++) {
    const i = at[k]!;
    const e = end[k]!;
    const wi = pb === null ? w[i]! : w[pb[i]!]!;
    ap += wi * cp[e]! * inv[ca[e]!]!;
  }
  return ap;
}

/** Average-precision walk over A's order; leaves the positive weight in `tot[0]`. */
function apWalkA(d: RowData, w: Int32Array, tot: Float64Array): number {
  scratchFor(d.n);
  if (!d.tiesA) {
    tot[0] = prefixAllA(d.n, d.yA, w, cumAll);
    return apPositivesA(d.apAtA!, w, cumAll, inverse);
  }
  tot[0] = prefixA(d.n, d.yA, w, cumAll, cumPos);
  return apPositivesTied(d.apAtA!, d.apEndA!, w, null, cumAll, cumPos, inverse);
}

/** The same over B's order. */
function apWalkB(d: RowData, w: Int32Array): number {
  scratchFor(d.n);
  if (!d.tiesB) {
    prefixAllB(d.n, w, d.posB, cumAll);
    return apPositivesB(d.apAtB!, w, d.posB, cumAll, inverse);
  }
  prefixB(d.n, d.yB, w, d.posB, cumAll, cumPos);
  return apPositivesTied(d.apAtB!, d.apEndB!, w, d.posB, cumAll, cumPos, inverse);
}

/** Weighted ROC AUC of A and B (for tests; the kernels use the walks directly). */
export function weightedAuc(d: RowData, w: Int32Array): [number, number] {
  const tot = new Float64Array(2);
  const sa = aucWalkA(d, w, tot);
  const pn = tot[0]! * tot[1]!;
  return [sa / pn, aucWalkB(d, w) / pn];
}

/** Weighted average precision of A and B (0 without positive weight, as scikit-learn). */
export function weightedAp(
  d: RowData,
  w: Int32Array,
  tot: Float64Array = new Float64Array(1),
): [number, number] {
  const a = apWalkA(d, w, tot);
  const pos = tot[0]!;
  if (pos === 0) return [0, 0];
  return [a / pos, apWalkB(d, w) / pos];
}

/** The eight joint cell counts (label, A's prediction, B's prediction) under a weight vector. */
function cellCounts(d: RowData, w: Int32Array, out: Float64Array): void {
  out.fill(0);
  const cell = d.cell!;
  for (let i = 0; i < d.n; i++) out[cell[i]!]! += w[i]!;
}

/** Confusion matrices of A and B from the eight joint cells. */
export function cellsToMatrices(c: ArrayLike<number>): [ConfusionMatrix, ConfusionMatrix] {
  // index = y·4 + a·2 + b
  const A: ConfusionMatrix = {
    tn: c[0]! + c[1]!,
    fp: c[2]! + c[3]!,
    fn: c[4]! + c[5]!,
    tp: c[6]! + c[7]!,
  };
  const B: ConfusionMatrix = {
    tn: c[0]! + c[2]!,
    fp: c[1]! + c[3]!,
    fn: c[4]! + c[6]!,
    tp: c[5]! + c[7]!,
  };
  return [A, B];
}

/**
 * Metric of A and B under one weight vector into `out` [A, B]; false when the resample must be
 * drawn again (one class only, for ROC AUC and log loss). `scratch` holds at least 8 numbers.
 */
export function rowMetric(
  d: RowData,
  k: RowKernel,
  w: Int32Array,
  scratch: Float64Array,
  out: Float64Array,
): boolean {
  switch (k.kind) {
    case "auc": {
      const sa = aucWalkA(d, w, scratch);
      const pn = scratch[0]! * scratch[1]!;
      if (pn === 0) return false;
      out[0] = sa / pn;
      out[1] = aucWalkB(d, w) / pn;
      return true;
    }
    case "ap": {
      const [a, b] = weightedAp(d, w, scratch);
      out[0] = a;
      out[1] = b;
      return true;
    }
    case "cells": {
      cellCounts(d, w, scratch);
      const [A, B] = cellsToMatrices(scratch);
      const f = CELL_METRICS[k.metric] as (c: ConfusionMatrix, zd: number) => number;
      out[0] = f(A, k.zeroDivision);
      out[1] = f(B, k.zeroDivision);
      return true;
    }
    case "mean": {
      const la = d.lossA!;
      const lb = d.lossB!;
      const y = d.yA;
      let sa = 0;
      let sb = 0;
      let pos = 0;
      for (let i = 0; i < d.n; i++) {
        const wi = w[i]!;
        sa += wi * la[i]!;
        sb += wi * lb[i]!;
        pos += wi * y[i]!;
      }
      if (k.bothClasses && (pos === 0 || pos === d.n)) return false;
      out[0] = sa / d.n;
      out[1] = sb / d.n;
      return true;
    }
  }
}

/** One chunk of row resamples: slots [c·CHUNK, min((c+1)·CHUNK, nBoot)) of `out`. */
export function runRowChunk(
  d: RowData,
  k: RowKernel,
  seeds: Uint32Array,
  c: number,
  nBoot: number,
  outA: Float64Array,
  outB: Float64Array,
  w: Int32Array,
): void {
  const st = new Stream(seeds.subarray(4 * c, 4 * c + 4));
  const scratch = new Float64Array(8);
  const v = new Float64Array(2);
  const end = Math.min(nBoot, (c + 1) * CHUNK);
  for (let r = c * CHUNK; r < end; r++) {
    do drawWeights(st, w, d.n);
    while (!rowMetric(d, k, w, scratch, v));
    outA[r] = v[0]!;
    outB[r] = v[1]!;
  }
}

/** Control words of a row job (Int32Array over shared memory). */
export const NEXT = 0;
/** Chunks completed (bumped and notified after each). */
export const DONE = 1;
/** From word 2 on, one word per helper: set to 1 when the helper starts. */
export const STARTED = 2;

/** A worker's task: claim chunks from the shared counter until none is left. */
export interface RowTask {
  data: RowData;
  kernel: RowKernel;
  seeds: Uint32Array;
  nChunks: number;
  nBoot: number;
  /** Shared control words: NEXT, DONE, then STARTED per helper. */
  ctl: Int32Array;
  outA: Float64Array;
  outB: Float64Array;
  /** Which helper runs this task (its STARTED word); -1 for the calling thread. */
  helper: number;
}

/** Claims and runs chunks until none is left (or `budget` ran); returns how many it ran. */
export function claimChunks(t: RowTask, w: Int32Array, budget = Number.POSITIVE_INFINITY): number {
  let ran = 0;
  while (ran < budget) {
    const c = Atomics.add(t.ctl, NEXT, 1);
    if (c >= t.nChunks) break;
    runRowChunk(t.data, t.kernel, t.seeds, c, t.nBoot, t.outA, t.outB, w);
    Atomics.add(t.ctl, DONE, 1);
    Atomics.notify(t.ctl, DONE);
    ran++;
  }
  return ran;
}

export default function run(t: RowTask): number {
  Atomics.store(t.ctl, STARTED + t.helper, 1);
  return claimChunks(t, new Int32Array(t.data.n));
}
