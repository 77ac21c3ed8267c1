/**
 * The gradient-boosting worker, and the step code every thread of a fit shares.
 *
 * Binning runs as ordinary pool tasks (a fixed share of the features each). The per-node
 * histogram steps and the per-iteration gradient steps are too small and too many for a task
 * each (a pool round trip costs more than a small node's histogram), so during the boosting loop
 * each worker runs one long `helper` task that waits on the fit's shared memory:
 *
 * - the calling thread publishes a step (kind, chunk count, parameters) under a new generation
 *   number and wakes the helpers (Atomics.notify);
 * - every thread, the caller included, claims chunks (feature ranges, row blocks) with a
 *   compare-and-swap on one word holding (generation << 16 | next chunk), so a thread that gets
 *   less CPU simply takes fewer chunks and a stale thread can never claim a chunk of a later step;
 * - each chunk's result goes to its own slot, and a done-counter is bumped; the caller waits
 *   (Atomics.wait) until every chunk is done, then merges the slots in chunk order — so the model
 *   does not depend on which thread computed what, nor on the thread count.
 */
import { type ArenaLayout, CTL_WORDS, PRM_WORDS, RES_STRIDE } from "./arena.js";
import { featureThresholds } from "./binning.js";
import {
  type FeatureBins,
  findBestSplit,
  type SplitCandidate,
  type SplitParams,
  subtractHistogram,
} from "./hist.js";
import { bindKernels, type Kernels } from "./kernels.js";

/** Control words (i32). */
export const GEN = 0;
export const NEXT = 1;
export const DONE = 2;
export const STOP = 3;
export const FAILED = 4;
export const KIND = 5;
export const NCHUNKS = 6;
/** How many helpers have started. */
export const JOINED = 7;
export const HIST = 1;
export const GRAD = 2;

/** Step parameters of a histogram step (f64 words). */
export const P = {
  target: 0,
  parent: 1,
  sibling: 2,
  start: 3,
  end: 4,
  all: 5,
  /** Node stats: has, G, H, count, value — for the target at 6, for the sibling at 11. */
  targetStats: 6,
  siblingStats: 11,
} as const;

/** Split statistics of a node to search. */
export interface NodeStats {
  G: number;
  H: number;
  count: number;
  value: number;
}

/** What stays fixed during a fit. */
export interface FitShape {
  arena: ArenaLayout;
  bins: FeatureBins;
  params: SplitParams;
  /** Feature ranges of a histogram step; row blocks of a gradient step. */
  chunks: [number, number][];
  blocks: [number, number][];
}

export interface HelperTask extends FitShape {
  kind: "helper";
  /** Which per-thread buffers to use (the caller is 0). */
  share: number;
}

/** Thresholds for some features (on `rows` when given) and their binned columns. */
export interface BinTask {
  kind: "bin";
  arena: ArenaLayout;
  share: number;
  features: number[];
  columns: Float64Array[];
  rows: Int32Array | null;
  maxBins: number;
}

export interface Thread {
  shape: FitShape;
  share: number;
  kernels: Kernels;
  buffer: ArrayBufferLike;
  ctl: Int32Array;
  prm: Float64Array;
  res: Float64Array;
}

const kernelsById = new Map<number, Kernels>();

/** This thread's handle on a fit's arena (kernels instantiated once per arena and thread). */
export function thread(shape: FitShape, share: number): Thread {
  const a = shape.arena;
  let k = kernelsById.get(a.id);
  if (!k) {
    if (kernelsById.size >= 4) kernelsById.delete(kernelsById.keys().next().value!);
    k = bindKernels(a.module, a.memory);
    kernelsById.set(a.id, k);
  }
  const buffer = a.memory.buffer;
  return {
    shape,
    share,
    kernels: k,
    buffer,
    ctl: new Int32Array(buffer, a.ctl, CTL_WORDS),
    prm: new Float64Array(buffer, a.prm, PRM_WORDS),
    res: new Float64Array(buffer, a.res, RES_STRIDE * Math.max(shape.chunks.length, shape.blocks.length)),
  };
}

/** Drops this thread's kernels for an arena (at the end of its fit). */
export function forget(arenaId: number): void {
  kernelsById.delete(arenaId);
}

function histogram(t: Thread, offset: number): Float64Array {
  const a = t.shape.arena;
  if (offset + a.histLength * 8 > t.buffer.byteLength) t.buffer = a.memory.buffer; // grown since
  return new Float64Array(t.buffer, offset, a.histLength);
}

function statsAt(prm: Float64Array, at: number): NodeStats | null {
  return prm[at] === 1
    ? { G: prm[at + 1]!, H: prm[at + 2]!, count: prm[at + 3]!, value: prm[at + 4]! }
    : null;
}

export function writeStats(prm: Float64Array, at: number, s: NodeStats | null): void {
  prm[at] = s ? 1 : 0;
  if (s) {
    prm[at + 1] = s.G;
    prm[at + 2] = s.H;
    prm[at + 3] = s.count;
    prm[at + 4] = s.value;
  }
}

function writeCandidate(res: Float64Array, at: number, c: SplitCandidate | null): void {
  res[at] = c ? 1 : 0;
  if (c) {
    res[at + 1] = c.gain;
    res[at + 2] = c.feature;
    res[at + 3] = c.bin;
    res[at + 4] = c.missingLeft ? 1 : 0;
    res[at + 5] = c.gLeft;
    res[at + 6] = c.hLeft;
    res[at + 7] = c.nLeft;
  }
}

export function readCandidate(res: Float64Array, at: number): SplitCandidate | null {
  if (res[at] !== 1) return null;
  return {
    gain: res[at + 1]!,
    feature: res[at + 2]!,
    bin: res[at + 3]!,
    missingLeft: res[at + 4] === 1,
    gLeft: res[at + 5]!,
    hLeft: res[at + 6]!,
    nLeft: res[at + 7]!,
  };
}

/** One histogram chunk: features [f0, f1) of the target (and sibling), and their best splits. */
export function histChunk(
  t: Thread,
  f0: number,
  f1: number,
  gather: boolean,
  out: Float64Array,
  at: number,
): void {
  const { arena: a, bins, params } = t.shape;
  const prm = t.prm;
  const B = a.nBins;
  const targetAt = prm[P.target]!;
  const target = histogram(t, targetAt);
  target.fill(0, f0 * B * 3, f1 * B * 3);
  const start = prm[P.start]!;
  const m = prm[P.end]! - start;
  if (m > 0) {
    if (prm[P.all] === 1) t.kernels.hist_all(targetAt, a.binned, a.gh, a.n, f0, f1, B);
    else {
      const scratch = a.scratch[t.share]!;
      t.kernels.hist_rows(
        targetAt,
        a.binned,
        a.gh,
        a.part + 4 * start,
        m,
        f0,
        f1,
        B,
        a.n,
        scratch,
        gather ? 1 : 0,
      );
    }
  }
  let sibling: Float64Array | null = null;
  if (prm[P.sibling]! >= 0) {
    sibling = histogram(t, prm[P.sibling]!);
    subtractHistogram(sibling, histogram(t, prm[P.parent]!), target, B, f0, f1);
  }
  const x = statsAt(prm, P.targetStats);
  const y = statsAt(prm, P.siblingStats);
  writeCandidate(out, at, x ? findBestSplit(bins, target, f0, f1, x.G, x.H, x.count, x.value, params) : null);
  writeCandidate(
    out,
    at + 8,
    y && sibling ? findBestSplit(bins, sibling, f0, f1, y.G, y.H, y.count, y.value, params) : null,
  );
}

/**
 * One gradient block: g = w(p − y), h = w·p(1 − p) with p = σ(raw) = 1 / (1 + exp(−raw)), as
 * float32 pairs, and their sums. The fit keeps exp(−raw) per row (multiplied by exp(−leaf value)
 * after each tree), which saves an exp per row per iteration.
 */
export function gradBlock(t: Thread, r0: number, r1: number, out: Float64Array, at: number): void {
  const a = t.shape.arena;
  const buf = t.buffer;
  const y = new Uint8Array(buf, a.y + r0, r1 - r0);
  const w = new Float64Array(buf, a.w + 8 * r0, r1 - r0);
  const e = new Float64Array(buf, a.e + 8 * r0, r1 - r0);
  const gh = new Float32Array(buf, a.gh + 8 * r0, 2 * (r1 - r0));
  let G = 0;
  let H = 0;
  for (let i = 0; i < r1 - r0; i++) {
    const p = 1 / (1 + e[i]!);
    const wi = w[i]!;
    const g = Math.fround(wi * (p - y[i]!));
    const h = Math.fround(wi * p * (1 - p));
    gh[2 * i] = g;
    gh[2 * i + 1] = h;
    G += g;
    H += h;
  }
  out[at] = G;
  out[at + 1] = H;
}

/** Claims and runs chunks of step `gen` until none is left (or a later step has started). */
export function work(t: Thread, gen: number): void {
  const { ctl, res } = t;
  const tag = (gen & 0x7fff) << 16;
  let first = true;
  for (;;) {
    const v = Atomics.load(ctl, NEXT);
    if ((v & 0x7fff0000) !== tag) return;
    const c = v & 0xffff;
    if (c >= Atomics.load(ctl, NCHUNKS)) return;
    if (Atomics.compareExchange(ctl, NEXT, v, v + 1) !== v) continue; // another thread took it
    // claimed: the step's parameters stay put until every claimed chunk is done
    if (Atomics.load(ctl, KIND) === HIST) {
      const [f0, f1] = t.shape.chunks[c]!;
      histChunk(t, f0, f1, first, res, c * RES_STRIDE);
    } else {
      const [r0, r1] = t.shape.blocks[c]!;
      gradBlock(t, r0, r1, res, c * RES_STRIDE);
    }
    first = false;
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/** A worker's part of a fit: joins every published step until told to stop. */
export function helper(task: HelperTask): void {
  const t = thread(task, task.share);
  const ctl = t.ctl;
  let seen = -1;
  Atomics.add(ctl, JOINED, 1);
  try {
    for (;;) {
      if (Atomics.load(ctl, STOP) === 1) {
        forget(task.arena.id);
        return;
      }
      const gen = Atomics.load(ctl, GEN);
      if (gen !== seen) {
        seen = gen;
        work(t, gen);
        continue;
      }
      Atomics.wait(ctl, GEN, gen, 1000);
    }
  } catch (e) {
    Atomics.store(ctl, FAILED, 1);
    Atomics.notify(ctl, DONE);
    throw e;
  }
}

/** Bins a share of the features into the arena; returns their thresholds and missing flags. */
export function runBin(t: BinTask): { thresholds: Float64Array[]; hasMissing: boolean[] } {
  const a = t.arena;
  let k = kernelsById.get(a.id);
  if (!k) {
    k = bindKernels(a.module, a.memory);
    kernelsById.set(a.id, k);
  }
  const buf = a.memory.buffer;
  const x = new Float64Array(buf, a.scratch[t.share]!, a.n);
  const thr = new Float64Array(buf, a.thr[t.share]!, 256);
  const thresholds: Float64Array[] = [];
  const hasMissing: boolean[] = [];
  t.features.forEach((f, i) => {
    const col = t.columns[i]!;
    const r = featureThresholds(col, t.rows, t.maxBins);
    thresholds.push(r.thresholds);
    hasMissing.push(r.hasMissing);
    if (a.n === 0) return;
    x.set(col);
    thr.set(r.thresholds);
    k.bin_column(
      a.binned + f * a.n,
      a.scratch[t.share]!,
      a.n,
      a.thr[t.share]!,
      r.thresholds.length,
      t.maxBins,
    );
  });
  return { thresholds, hasMissing };
}

export default function run(t: HelperTask | BinTask): unknown {
  return t.kind === "helper" ? helper(t) : runBin(t);
}
