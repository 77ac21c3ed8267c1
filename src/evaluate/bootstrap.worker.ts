/**
 * The paired bootstrap's row path: the per-resample kernels, and the worker-thread entry that runs
 * them. The main thread runs the same code on its share of the chunks.
 *
 * A row resample is a vector of bootstrap weights W (how many times each row was drawn; the
 * weights sum to n). The rows are put once in descending order of model A's score, so W is
 * indexed by that position: model A's curve is a sequential walk over W, model B's a walk over W
 * gathered through B's own order — the rank metrics' walks of src/core/ranking.ts, which also
 * compute them on the full data.
 *
 * The resamples are cut into fixed chunks, each with its own stream of the seeded Rng's generator
 * (an Rng.streamState, drawn up front), and each resample writes its own slot: the result does not
 * depend on how many threads ran, nor on which thread took which chunk.
 */
import { apWalk, aucWalk, type RankedRows, Stream } from "../core/index.js";
import { CELL_METRICS, type CellMetric, type ConfusionMatrix } from "./metrics.js";

/** Resamples per chunk (a unit of work and of seeding). */
export const CHUNK = 256;

/** What a row resample computes per model. */
export type RowKernel =
  | { kind: "auc" }
  | { kind: "ap" }
  | { kind: "cells"; metric: CellMetric; zeroDivision: number }
  /** Mean of a per-row loss (log loss, Brier score). */
  | { kind: "mean" };

/** The rows in model A's descending score order, with everything a kernel reads. */
export interface RowData {
  n: number;
  /** Row index (in the caller's input) at each position of A's order. */
  orderA: Uint32Array;
  /** Model A's rows in its descending score order: the weight vector is indexed by these positions. */
  a: RankedRows;
  /** Model B's rows in its own descending score order; null for the bootstrap of one model. */
  b: RankedRows | null;
  /** Position (in A's order) of the k-th row in B's order: B's walks gather the weights through it. */
  posB: Uint32Array | null;
  /** Cell (label·4 + A's prediction·2 + B's prediction) at each position, for cell metrics. */
  cell: Uint8Array | null;
  /** Per-row losses at each position, for mean metrics. */
  lossA: Float64Array | null;
  lossB: Float64Array | null;
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
 * Metric of A and B under one weight vector into `out` [A, B] (A's twice without B); false when
 * the resample must be drawn again (one class only, for ROC AUC). `scratch` holds at least 8
 * numbers.
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
      const sa = aucWalk(d.a, w, null, scratch);
      const pn = scratch[0]! * scratch[1]!;
      if (pn === 0) return false;
      out[0] = sa / pn;
      out[1] = d.b === null ? out[0]! : aucWalk(d.b, w, d.posB, scratch) / pn;
      return true;
    }
    case "ap": {
      const sa = apWalk(d.a, w, null, scratch);
      const pos = scratch[0]!;
      out[0] = pos === 0 ? 0 : sa / pos;
      out[1] = pos === 0 || d.b === null ? out[0]! : apWalk(d.b, w, d.posB, scratch) / pos;
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
      const lb = d.lossB ?? la;
      let sa = 0;
      let sb = 0;
      for (let i = 0; i < d.n; i++) {
        const wi = w[i]!;
        sa += wi * la[i]!;
        sb += wi * lb[i]!;
      }
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
