/**
 * The threads of one gradient-boosting fit: the calling thread plus up to `threads − 1` pool
 * workers on the fit's shared memory. Binning is split into fixed feature shares (pool tasks);
 * during the boosting loop the workers run `helper` tasks and every histogram or gradient step is
 * published to them through shared memory, with the chunks claimed by whoever is free (see
 * boosting.worker.ts). The calling thread always works too and never waits for a chunk nobody
 * claimed, so a busy or slow worker costs nothing but its absence. Results are merged in chunk
 * order: the model does not depend on the thread count.
 */
import { SextantError, type WorkerPool } from "../../core/index.js";
import { type Arena, MAX_CHUNKS, RES_STRIDE } from "./arena.js";
import {
  type BinTask,
  DONE,
  FAILED,
  type FitShape,
  forget,
  GEN,
  GRAD,
  type HelperTask,
  HIST,
  histChunk,
  JOINED,
  KIND,
  NCHUNKS,
  NEXT,
  type NodeStats,
  P,
  readCandidate,
  runBin,
  STOP,
  type Thread,
  thread,
  work,
  writeStats,
} from "./boosting.worker.js";
import { type FeatureBins, mergeCandidates, type SplitCandidate, type SplitParams } from "./hist.js";

/** Below this many (row × feature) cells a histogram step is done here alone, in one piece. */
const PARALLEL_MIN_CELLS = 20_000;
const CHUNKS_PER_THREAD = 8;
/** Gradient row blocks (fixed, so the sums do not depend on the thread count). */
const GRAD_BLOCKS = 16;
/** A claimed chunk taking longer than this means a worker died. */
const STALL_MS = 120_000;

export interface HistStep {
  /** Byte offsets of the histograms (sibling and parent −1 when there is no subtraction). */
  target: number;
  parent: number;
  sibling: number;
  start: number;
  end: number;
  all: boolean;
  targetStats: NodeStats | null;
  siblingStats: NodeStats | null;
}

function ranges(n: number, k: number): [number, number][] {
  return Array.from({ length: k }, (_, i): [number, number] => [
    Math.round((i * n) / k),
    Math.round(((i + 1) * n) / k),
  ]);
}

export class Team {
  readonly #pool: WorkerPool | null;
  readonly #threads: number;
  readonly #arena: Arena;
  readonly #shape: FitShape;
  readonly #me: Thread;
  readonly #whole: FitShape;
  #gen = 0;
  #helpers: Promise<unknown>[] = [];

  /** `pool` null (or one thread): everything runs in the calling thread. */
  constructor(
    arena: Arena,
    threads: number,
    pool: WorkerPool | null,
    bins: FeatureBins,
    params: SplitParams,
  ) {
    this.#arena = arena;
    const { nFeatures: nF, n } = arena.layout;
    this.#threads = pool ? Math.max(1, Math.min(threads, nF)) : 1;
    this.#pool = this.#threads > 1 ? pool : null;
    const chunks = ranges(nF, Math.min(nF, this.#threads * CHUNKS_PER_THREAD, MAX_CHUNKS));
    const blocks = ranges(n, Math.min(GRAD_BLOCKS, Math.max(1, n)));
    this.#shape = { arena: arena.layout, bins, params, chunks, blocks };
    this.#whole = { ...this.#shape, chunks: [[0, nF]] };
    this.#me = thread(this.#shape, 0);
  }

  get threads(): number {
    return this.#threads;
  }

  /** Bins the columns into the arena (pool tasks); returns thresholds and missing flags per feature. */
  static async bin(
    arena: Arena,
    pool: WorkerPool | null,
    threads: number,
    columns: Float64Array[],
    rows: Int32Array | null,
    maxBins: number,
  ): Promise<{ thresholds: Float64Array[]; hasMissing: Uint8Array }> {
    const layout = arena.layout;
    const groups =
      pool && threads > 1 && layout.n * layout.nFeatures >= 4 * PARALLEL_MIN_CELLS
        ? ranges(layout.nFeatures, threads)
        : [[0, layout.nFeatures] as [number, number]];
    const task = (k: number): BinTask => {
      const [f0, f1] = groups[k]!;
      const features = Array.from({ length: f1 - f0 }, (_, i) => f0 + i);
      return {
        kind: "bin",
        arena: layout,
        share: k,
        features,
        columns: features.map((f) => columns[f]!),
        rows,
        maxBins,
      };
    };
    const remote = groups
      .slice(1)
      .map((_, k) => pool!.run(task(k + 1)) as Promise<ReturnType<typeof runBin>>);
    const parts = [runBin(task(0)), ...(await Promise.all(remote))];
    return {
      thresholds: parts.flatMap((p) => p.thresholds),
      hasMissing: Uint8Array.from(
        parts.flatMap((p) => p.hasMissing),
        (b) => (b ? 1 : 0),
      ),
    };
  }

  /**
   * Starts the workers' helper loops (they join the steps published from then on) and gives them
   * a moment to start. The steps never wait for a helper, but the pool hands tasks to workers
   * from the event loop: call `yield()` between iterations so a late helper can still start.
   */
  async start(): Promise<void> {
    if (!this.#pool) return;
    const ctl = this.#arena.ctl;
    Atomics.store(ctl, STOP, 0);
    Atomics.store(ctl, JOINED, 0);
    for (let k = 1; k < this.#threads; k++) {
      const task: HelperTask = { ...this.#shape, kind: "helper", share: k };
      this.#helpers.push(this.#pool.run(task));
    }
    const t0 = Date.now();
    while (Atomics.load(ctl, JOINED) < this.#threads - 1 && Date.now() - t0 < 200) await this.yield();
  }

  /** Lets the event loop run (the pool dispatches tasks from it). */
  yield(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Stops the helpers and waits for them to return. */
  async stop(): Promise<void> {
    Atomics.store(this.#arena.ctl, STOP, 1);
    Atomics.notify(this.#arena.ctl, GEN);
    const helpers = this.#helpers;
    this.#helpers = [];
    forget(this.#arena.layout.id);
    await Promise.allSettled(helpers);
  }

  /** Gradients for every row from the arena's exp(−raw); returns their sums [G, H] (blocks in order). */
  gradients(): [number, number] {
    const blocks = this.#shape.blocks.length;
    const res = this.#publish(GRAD, blocks, null);
    let G = 0;
    let H = 0;
    for (let b = 0; b < blocks; b++) {
      G += res[b * RES_STRIDE]!;
      H += res[b * RES_STRIDE + 1]!;
    }
    return [G, H];
  }

  /** A histogram step: the target's histogram, the sibling's by subtraction, and their best splits. */
  hist(step: HistStep): [SplitCandidate | null, SplitCandidate | null] {
    const nF = this.#arena.layout.nFeatures;
    if (this.#pool === null || (step.end - step.start) * nF < PARALLEL_MIN_CELLS) {
      this.#writeHist(step);
      const me = { ...this.#me, shape: this.#whole };
      histChunk(me, 0, nF, true, this.#me.res, 0);
      return [readCandidate(this.#me.res, 0), readCandidate(this.#me.res, 8)];
    }
    const n = this.#shape.chunks.length;
    const res = this.#publish(HIST, n, step);
    const a: (SplitCandidate | null)[] = [];
    const b: (SplitCandidate | null)[] = [];
    for (let c = 0; c < n; c++) {
      a.push(readCandidate(res, c * RES_STRIDE));
      b.push(readCandidate(res, c * RES_STRIDE + 8));
    }
    return [mergeCandidates(a), mergeCandidates(b)];
  }

  #writeHist(s: HistStep): void {
    const prm = this.#me.prm;
    prm[P.target] = s.target;
    prm[P.parent] = s.parent;
    prm[P.sibling] = s.sibling;
    prm[P.start] = s.start;
    prm[P.end] = s.end;
    prm[P.all] = s.all ? 1 : 0;
    writeStats(prm, P.targetStats, s.targetStats);
    writeStats(prm, P.siblingStats, s.siblingStats);
  }

  /** Publishes a step, works on it, waits for the chunks others claimed; returns the result slots. */
  #publish(kind: number, nChunks: number, step: HistStep | null): Float64Array {
    const ctl = this.#arena.ctl;
    this.#gen = (this.#gen + 1) & 0x7fff;
    const gen = this.#gen;
    // close the claims of the previous step before touching its parameters
    Atomics.store(ctl, NEXT, (gen << 16) | 0xffff);
    if (step) this.#writeHist(step);
    Atomics.store(ctl, KIND, kind);
    Atomics.store(ctl, NCHUNKS, nChunks);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, NEXT, gen << 16);
    Atomics.store(ctl, GEN, gen);
    if (this.#pool) Atomics.notify(ctl, GEN);
    work(this.#me, gen);
    let last = Date.now();
    let done = Atomics.load(ctl, DONE);
    while (done < nChunks) {
      if (Atomics.load(ctl, FAILED) === 1)
        throw new SextantError("INTERNAL", "a gradient-boosting worker failed");
      Atomics.wait(ctl, DONE, done, 50);
      const now = Atomics.load(ctl, DONE);
      if (now !== done) last = Date.now();
      else if (Date.now() - last > STALL_MS)
        throw new SextantError("INTERNAL", "a gradient-boosting worker stopped responding");
      done = now;
    }
    return this.#me.res;
  }
}
