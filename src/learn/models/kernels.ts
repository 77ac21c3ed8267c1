/**
 * The gradient-boosting kernels in WebAssembly (see wasm.ts for the text syntax). They run on
 * one shared memory, so the calling thread and the pool workers work on the same binned columns,
 * gradients, row partition and histograms.
 *
 * Memory conventions (byte offsets): binned columns are feature-major bytes (feature f of row i
 * at binned + f·n + i); gradients and hessians are interleaved float32 pairs (gh + 8i, gh + 8i + 4);
 * a histogram is float64 triples (sum g, sum h, count) per bin, nBins per feature, features
 * contiguous.
 *
 *   hist_all(hist, binned, gh, n, f0, f1, nBins)    adds every row 0..n−1 into the histograms of
 *       features [f0, f1) (the caller zeroes them)
 *   hist_rows(hist, binned, gh, part, m, f0, f1, nBins, n, ogh, gather)    the same for the m rows
 *       listed at part (u32); their gh pairs are first gathered into ogh when `gather` is 1
 *   partition(part, m, col, cut, missingBin, missingLeft, scratch) → rows going left: stable,
 *       branch-free in-place partition of the m row indices at part by their bin in col (bin <= cut
 *       goes left; the missing bin goes left iff missingLeft)
 *   bin_column(out, x, n, thr, nThr, missingBin)    bins n float64 values: the number of
 *       thresholds below x (a branch-free binary search), NaN → missingBin
 *   scale_rows(e, part, m, factor)    e[r] = clamp(e[r] · factor, 1e-300, 1e300) for the m rows r
 *       listed at part (the running exp(−raw score) of boosting)
 */
import { assemble, type FuncDef, instantiate, Wasm, type WasmMemory, type WasmModule } from "./wasm.js";

const i32 = (...names: string[]): [string, "i32"][] => names.map((n) => [n, "i32"]);

/** hs = hist + f·nBins·24, col = binned + f·n, for f in [f0, f1), around `inner`. */
const perFeature = (inner: string): string => `
  local.get f0 local.set f
  block loop
    local.get f local.get f1 i32.ge_u br_if 1
    local.get hist local.get f local.get nBins i32.mul i32.const 24 i32.mul i32.add local.set hs
    local.get binned local.get f local.get n i32.mul i32.add local.set col
    ${inner}
    local.get f i32.const 1 i32.add local.set f
    br 0
  end end`;

/** hist[b] += g, hist[b+8] += h, hist[b+16] += 1 for b = hs + bin·24, bin on the stack; g, h at q. */
const accumulate = `
  i32.const 24 i32.mul local.get hs i32.add local.tee b
  local.get b f64.load local.get q f32.load f64.promote_f32 f64.add f64.store
  local.get b local.get b f64.load offset=8 local.get q f32.load offset=4 f64.promote_f32 f64.add f64.store offset=8
  local.get b local.get b f64.load offset=16 f64.const 1 f64.add f64.store offset=16`;

const histAll: FuncDef = {
  name: "hist_all",
  params: i32("hist", "binned", "gh", "n", "f0", "f1", "nBins"),
  locals: i32("f", "hs", "col", "p", "pend", "b", "q"),
  body: perFeature(`
    local.get col local.tee p local.get n i32.add local.set pend
    local.get gh local.set q
    loop
      local.get p i32.load8_u ${accumulate}
      local.get q i32.const 8 i32.add local.set q
      local.get p i32.const 1 i32.add local.tee p local.get pend i32.lt_u br_if 0
    end`),
};

const histRows: FuncDef = {
  name: "hist_rows",
  params: i32("hist", "binned", "gh", "part", "m", "f0", "f1", "nBins", "n", "ogh", "gather"),
  locals: i32("f", "hs", "col", "p", "pend", "b", "q"),
  body: `
    local.get part local.get m i32.const 2 i32.shl i32.add local.set pend
    local.get gather if
      local.get part local.set p local.get ogh local.set q
      loop ;; ogh[k] = gh pair of row part[k]
        local.get q local.get gh local.get p i32.load i32.const 3 i32.shl i32.add i64.load i64.store
        local.get q i32.const 8 i32.add local.set q
        local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0
      end
    end
    ${perFeature(`
      local.get part local.set p local.get ogh local.set q
      loop
        local.get col local.get p i32.load i32.add i32.load8_u ${accumulate}
        local.get q i32.const 8 i32.add local.set q
        local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0
      end`)}`,
};

const partition: FuncDef = {
  name: "partition",
  params: i32("part", "m", "col", "cut", "missingBin", "missingLeft", "scratch"),
  result: "i32",
  locals: i32("p", "pend", "l", "r", "s", "left"),
  body: `
    local.get part local.tee p local.tee l local.get m i32.const 2 i32.shl i32.add local.set pend
    local.get scratch local.set r
    loop
      local.get p i32.load local.set s
      ;; left = bin == missingBin ? missingLeft : bin <= cut
      local.get missingLeft
      local.get col local.get s i32.add i32.load8_u local.tee left local.get cut i32.le_u
      local.get left local.get missingBin i32.eq
      select local.set left
      local.get l local.get s i32.store
      local.get r local.get s i32.store
      local.get l local.get left i32.const 2 i32.shl i32.add local.set l
      local.get r i32.const 4 i32.add local.get left i32.const 2 i32.shl i32.sub local.set r
      local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0
    end
    local.get l local.get scratch local.get r local.get scratch i32.sub memory.copy
    local.get l local.get part i32.sub i32.const 2 i32.shr_u`,
};

const binColumn: FuncDef = {
  name: "bin_column",
  params: i32("out", "x", "n", "thr", "nThr", "missingBin"),
  locals: [...i32("i", "base", "len", "half"), ["v", "f64"]],
  body: `
    loop
      local.get out local.get i i32.add
      local.get x local.get i i32.const 3 i32.shl i32.add f64.load local.tee v
      local.get v f64.ne
      if:i32
        local.get missingBin
      else
        i32.const 0 local.set base
        local.get nThr local.set len
        block loop ;; lower bound: base = thr[base + half − 1] < v ? base + half : base
          local.get len i32.const 1 i32.le_u br_if 1
          local.get len i32.const 1 i32.shr_u local.set half
          local.get base local.get half i32.add
          local.get base
          local.get thr local.get base local.get half i32.add i32.const 1 i32.sub i32.const 3 i32.shl i32.add f64.load
          local.get v f64.lt
          select local.set base
          local.get len local.get half i32.sub local.set len
          br 0
        end end
        local.get base
        local.get nThr if:i32 ;; + (thr[base] < v)
          local.get thr local.get base i32.const 3 i32.shl i32.add f64.load local.get v f64.lt
        else
          i32.const 0
        end
        i32.add
      end
      i32.store8
      local.get i i32.const 1 i32.add local.tee i local.get n i32.lt_u br_if 0
    end`,
};

const scaleRows: FuncDef = {
  name: "scale_rows",
  params: [...i32("e", "part", "m"), ["factor", "f64"]],
  locals: i32("p", "pend", "a"),
  body: `
    local.get part local.tee p local.get m i32.const 2 i32.shl i32.add local.set pend
    loop
      local.get e local.get p i32.load i32.const 3 i32.shl i32.add local.tee a
      local.get a f64.load local.get factor f64.mul
      f64.const 1e-300 f64.max f64.const 1e300 f64.min
      f64.store
      local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0
    end`,
};

export interface Kernels {
  hist_all(hist: number, binned: number, gh: number, n: number, f0: number, f1: number, nBins: number): void;
  hist_rows(
    hist: number,
    binned: number,
    gh: number,
    part: number,
    m: number,
    f0: number,
    f1: number,
    nBins: number,
    n: number,
    ogh: number,
    gather: number,
  ): void;
  partition(
    part: number,
    m: number,
    col: number,
    cut: number,
    missingBin: number,
    missingLeft: number,
    scratch: number,
  ): number;
  bin_column(out: number, x: number, n: number, thr: number, nThr: number, missingBin: number): void;
  scale_rows(e: number, part: number, m: number, factor: number): void;
}

let compiled: WasmModule | null = null;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): WasmModule {
  compiled ??= new Wasm.Module(assemble([histAll, histRows, partition, binColumn, scaleRows], true));
  return compiled;
}

export function bindKernels(module: WasmModule, memory: WasmMemory): Kernels {
  return instantiate<Kernels>(module, memory);
}
