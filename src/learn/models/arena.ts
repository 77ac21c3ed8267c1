/**
 * The shared memory of one gradient-boosting fit: a WebAssembly.Memory (SharedArrayBuffer-backed)
 * holding the binned columns, the labels, weights and running exp(−raw score), the interleaved
 * gradient/hessian pairs, the row partition, per-thread gather and threshold buffers, and the
 * histogram slots, and the words the threads coordinate through. The calling thread and the pool
 * workers run the WebAssembly kernels on it; `ArenaLayout` is what a worker needs to find it all.
 */
import { SextantError } from "../../core/index.js";
import { bindKernels, type Kernels, kernelModule } from "./kernels.js";
import { PAGE, Wasm, type WasmMemory, type WasmModule } from "./wasm.js";

export interface ArenaLayout {
  /** Unique per arena (per fit) in this process: workers cache their kernel instance by it. */
  id: number;
  memory: WasmMemory;
  module: WasmModule;
  n: number;
  nFeatures: number;
  nBins: number;
  /** Byte offsets. */
  binned: number;
  /** u8 labels, f64 weights, f64 exp(−raw score) per row. */
  y: number;
  w: number;
  e: number;
  /** Coordination of the threads (see boosting.worker.ts): i32 control words, f64 step parameters, f64 results per chunk. */
  ctl: number;
  prm: number;
  res: number;
  gh: number;
  part: number;
  /** Per thread, the offset of its gather buffer (8 bytes per row). */
  scratch: number[];
  /** Per thread, room for 256 float64 bin thresholds. */
  thr: number[];
  /** Float64 values per histogram (nFeatures × nBins × 3). */
  histLength: number;
}

export interface Slot {
  offset: number;
  view: Float64Array;
}

const MAX_BYTES = 65536 * PAGE - PAGE;
export const CTL_WORDS = 16;
export const PRM_WORDS = 32;
/** Result values per chunk (two split candidates of 8 values). */
export const RES_STRIDE = 16;
/** The most chunks (feature ranges or row blocks) a step is cut into. */
export const MAX_CHUNKS = 64;
let nextId = 1;

const align = (x: number): number => Math.ceil(x / 64) * 64;

export class Arena {
  readonly layout: ArenaLayout;
  readonly binned: Uint8Array;
  readonly y: Uint8Array;
  readonly w: Float64Array;
  readonly e: Float64Array;
  readonly ctl: Int32Array;
  readonly prm: Float64Array;
  readonly res: Float64Array;
  /** g at 2i, h at 2i + 1. */
  readonly gh: Float32Array;
  readonly part: Uint32Array;
  /** The kernels bound to this memory, for the calling thread. */
  readonly kernels: Kernels;
  readonly #free: Slot[] = [];
  #top: number;

  constructor(n: number, nFeatures: number, nBins: number, threads: number, initialSlots: number) {
    const histLength = nFeatures * nBins * 3;
    let at = 0;
    const take = (bytes: number): number => {
      const o = at;
      at = align(at + bytes);
      return o;
    };
    const binned = take(n * nFeatures);
    const y = take(n);
    const w = take(8 * n);
    const e = take(8 * n);
    const ctl = take(4 * CTL_WORDS);
    const prm = take(8 * PRM_WORDS);
    const res = take(8 * RES_STRIDE * MAX_CHUNKS);
    const gh = take(8 * n);
    const part = take(4 * n);
    const scratch = Array.from({ length: threads }, () => take(8 * n));
    const thr = Array.from({ length: threads }, () => take(256 * 8));
    const fixed = at;
    const wanted = fixed + initialSlots * histLength * 8;
    if (wanted > MAX_BYTES) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `gradient boosting on ${n} rows × ${nFeatures} features needs ${Math.ceil(wanted / 2 ** 20)} MiB of working memory, over the 4 GiB limit: subsample the rows`,
      );
    }
    const memory = new Wasm.Memory({ initial: Math.ceil(wanted / PAGE), maximum: 65536, shared: true });
    this.layout = {
      id: nextId++,
      memory,
      module: kernelModule(),
      n,
      nFeatures,
      nBins,
      binned,
      y,
      w,
      e,
      ctl,
      prm,
      res,
      gh,
      part,
      scratch,
      thr,
      histLength,
    };
    this.kernels = bindKernels(this.layout.module, memory);
    const buf = memory.buffer;
    this.binned = new Uint8Array(buf, binned, n * nFeatures);
    this.y = new Uint8Array(buf, y, n);
    this.w = new Float64Array(buf, w, n);
    this.e = new Float64Array(buf, e, n);
    this.ctl = new Int32Array(buf, ctl, CTL_WORDS);
    this.prm = new Float64Array(buf, prm, PRM_WORDS);
    this.res = new Float64Array(buf, res, RES_STRIDE * MAX_CHUNKS);
    this.gh = new Float32Array(buf, gh, 2 * n);
    this.part = new Uint32Array(buf, part, n);
    this.#top = fixed;
  }

  allocSlot(): Slot {
    const s = this.#free.pop();
    if (s) return s;
    const bytes = this.layout.histLength * 8;
    const { memory } = this.layout;
    const end = this.#top + bytes;
    if (end > memory.buffer.byteLength) {
      if (end > MAX_BYTES)
        throw new SextantError(
          "INVALID_ARGUMENT",
          "gradient boosting ran out of histogram memory (4 GiB): limit maxLeafNodes",
        );
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    }
    const slot = {
      offset: this.#top,
      view: new Float64Array(memory.buffer, this.#top, this.layout.histLength),
    };
    this.#top = align(end);
    return slot;
  }

  releaseSlot(s: Slot | null): void {
    if (s) this.#free.push(s);
  }

  /** e[r] *= factor (clamped to [1e-300, 1e300]) for the rows part[start, end). */
  scaleRows(start: number, end: number, factor: number): void {
    if (end > start)
      this.kernels.scale_rows(this.layout.e, this.layout.part + 4 * start, end - start, factor);
  }

  /** Stable partition of part[start, end) by a split; returns the first index going right. */
  partition(
    start: number,
    end: number,
    feature: number,
    cut: number,
    missingBin: number,
    missingLeft: boolean,
  ): number {
    if (end <= start) return start;
    const { n, binned, part, scratch } = this.layout;
    const left = this.kernels.partition(
      part + 4 * start,
      end - start,
      binned + feature * n,
      cut,
      missingBin,
      missingLeft ? 1 : 0,
      scratch[0]!,
    );
    return start + left;
  }
}
