/**
 * Fast prediction for tree ensembles: all trees packed into one WebAssembly memory as 16-byte
 * nodes, rows processed in chunks of 512 with every row of the chunk stepping through a tree
 * level by level (leaves loop on themselves), branch-free — the independent rows keep the CPU
 * busy instead of waiting on one row's chain of loads and mispredicted branches.
 *
 * Node layout: i32 column offset of the feature in the chunk buffer (f · CHUNK · 8) with bit 0
 * set when a missing value goes right; i32 index of the next node (left child; +1 goes right;
 * a leaf points at itself); f64 threshold (+∞ for a leaf). A row goes right when x > threshold,
 * or when x is NaN and the bit is set.
 */
import type { Matrix } from "../matrix.js";
import type { TreeArrays } from "./trees.js";
import { assemble, type FuncDef, instantiate, PAGE, Wasm, type WasmMemory, type WasmModule } from "./wasm.js";

const CHUNK = 512;

/**
 * One level for `u` rows at a time: a = idx[r] (a node's byte address), x = the row's value of
 * the node's feature, idx[r] = next + 16 · (x > thr [| x is NaN & missing goes right]).
 * `nan`: nodes carry the missing-goes-right flag in bit 0 of the column offset.
 */
function level(u: number, nan: boolean): string {
  let code = "";
  for (let j = 0; j < u; j++)
    code += ` local.get p i32.load offset=${4 * j} local.tee a${j} i32.load local.set c${j}`;
  for (let j = 0; j < u; j++) {
    code += nan
      ? ` local.get xr local.get c${j} i32.const -8 i32.and i32.add f64.load offset=${8 * j} local.tee v
          local.get a${j} f64.load offset=8 f64.gt
          local.get v local.get v f64.ne local.get c${j} i32.and i32.or`
      : ` local.get xr local.get c${j} i32.add f64.load offset=${8 * j} local.get a${j} f64.load offset=8 f64.gt`;
    code += ` i32.const 4 i32.shl local.get a${j} i32.load offset=4 i32.add local.set c${j}`;
  }
  for (let j = 0; j < u; j++) code += ` local.get p local.get c${j} i32.store offset=${4 * j}`;
  return `${code} local.get xr i32.const ${8 * u} i32.add local.set xr
    local.get p i32.const ${4 * u} i32.add local.tee p local.get pend i32.lt_u br_if 0`;
}

/**
 * predict(x, rows, nodes, values, trees, nTrees, idx, out): out[r] += Σ_t value(leaf of row r in
 * tree t) for rows r < rows (a multiple of the unroll); trees holds (root address, depth) pairs;
 * a leaf's value is at values + (address − nodes) / 2.
 */
function predictFn(name: string, u: number, nan: boolean): FuncDef {
  const pairs: [string, "i32"][] = [];
  for (let j = 0; j < u; j++) pairs.push([`a${j}`, "i32"], [`c${j}`, "i32"]);
  return {
    name,
    params: ["x", "rows", "nodes", "values", "trees", "nTrees", "idx", "out"].map((n) => [n, "i32"]),
    locals: [
      ...["t", "d", "depth", "root", "p", "pend", "xr", "a", "o"].map((n): [string, "i32"] => [n, "i32"]),
      ...pairs,
      ["v", "f64"],
    ],
    body: `
    local.get idx local.get rows i32.const 2 i32.shl i32.add local.set pend
    block loop ;; for each tree
      local.get t local.get nTrees i32.ge_u br_if 1
      local.get trees local.get t i32.const 3 i32.shl i32.add local.tee a i32.load local.set root
      local.get a i32.load offset=4 local.set depth
      local.get idx local.set p
      loop local.get p local.get root i32.store
        local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0 end
      i32.const 0 local.set d
      block loop ;; for each level
        local.get d local.get depth i32.ge_u br_if 1
        local.get idx local.set p
        local.get x local.set xr
        loop ${level(u, nan)} end
        local.get d i32.const 1 i32.add local.set d
        br 0
      end end
      local.get idx local.set p
      local.get out local.set o
      loop ;; out += value of the leaf reached
        local.get o local.get o f64.load
        local.get values local.get p i32.load local.get nodes i32.sub i32.const 1 i32.shr_u i32.add f64.load
        f64.add f64.store
        local.get o i32.const 8 i32.add local.set o
        local.get p i32.const 4 i32.add local.tee p local.get pend i32.lt_u br_if 0
      end
      local.get t i32.const 1 i32.add local.set t
      br 0
    end end`,
  };
}

let compiled: WasmModule | null = null;

type PredictKernel = (
  x: number,
  rows: number,
  nodes: number,
  values: number,
  trees: number,
  nTrees: number,
  idx: number,
  out: number,
) => void;

interface Predictor {
  /** For chunks without missing values (4 rows interleaved). */
  predict: PredictKernel;
  /** For chunks with missing values (2 rows interleaved; reads the flagged node table). */
  predict_nan: PredictKernel;
}

const UNROLL = 4;

function depthOf(t: TreeArrays): number {
  const depth = new Int32Array(t.feature.length);
  let max = 0;
  for (let i = 0; i < t.feature.length; i++) {
    if (t.feature[i]! >= 0) {
      const l = t.left[i]!;
      depth[l] = depth[i]! + 1;
      depth[l + 1] = depth[i]! + 1;
      if (depth[i]! + 1 > max) max = depth[i]! + 1;
    }
  }
  return max;
}

/** Trees packed for prediction. */
export class Ensemble {
  readonly trees: TreeArrays[];
  readonly nFeatures: number;
  readonly #memory: WasmMemory;
  readonly #k: Predictor;
  readonly #at: {
    nodes: number;
    flagged: number;
    values: number;
    trees: number;
    treesNan: number;
    idx: number;
    out: number;
    x: number;
  };

  /** @param nFeatures columns of the input (feature indices in the trees are below it) */
  constructor(trees: TreeArrays[], nFeatures: number) {
    this.trees = trees;
    this.nFeatures = nFeatures;
    let total = 0;
    for (const t of trees) total += t.feature.length;
    const at = { trees: 0, treesNan: 0, idx: 0, out: 0, x: 0, nodes: 0, flagged: 0, values: 0 };
    let top = 0;
    const take = (bytes: number): number => {
      const o = top;
      top += Math.ceil(bytes / 16) * 16;
      return o;
    };
    at.trees = take(8 * trees.length);
    at.treesNan = take(8 * trees.length);
    at.idx = take(4 * CHUNK);
    at.out = take(8 * CHUNK);
    at.x = take(8 * CHUNK * Math.max(1, nFeatures));
    at.nodes = take(16 * total);
    at.flagged = take(16 * total);
    at.values = take(8 * total);
    this.#at = at;
    this.#memory = new Wasm.Memory({ initial: Math.ceil(top / PAGE) + 1 });
    compiled ??= new Wasm.Module(
      assemble([predictFn("predict", UNROLL, false), predictFn("predict_nan", 2, true)], false),
    );
    this.#k = instantiate<Predictor>(compiled, this.#memory);
    const buf = this.#memory.buffer;
    const values = new Float64Array(buf, at.values, total);
    // two node tables: plain, and with the missing-goes-right flag in bit 0 of the column offset
    for (const [base, table, flag] of [
      [at.nodes, at.trees, 0],
      [at.flagged, at.treesNan, 1],
    ] as const) {
      const treeTable = new Int32Array(buf, table, 2 * trees.length);
      const i32 = new Int32Array(buf, base, 4 * total);
      const f64 = new Float64Array(buf, base, 2 * total);
      let off = 0;
      trees.forEach((t, k) => {
        treeTable[2 * k] = base + 16 * off;
        treeTable[2 * k + 1] = depthOf(t);
        for (let i = 0; i < t.feature.length; i++) {
          const g = off + i;
          const f = t.feature[i]!;
          if (f >= 0) {
            i32[4 * g] = f * CHUNK * 8 + (flag && t.missingLeft[i] !== 1 ? 1 : 0);
            i32[4 * g + 1] = base + 16 * (off + t.left[i]!);
            f64[2 * g + 1] = t.threshold[i]!;
          } else {
            i32[4 * g] = 0;
            i32[4 * g + 1] = base + 16 * g;
            f64[2 * g + 1] = Number.POSITIVE_INFINITY;
          }
          values[g] = t.value[i]!;
        }
        off += t.feature.length;
      });
    }
  }

  /** out[i] += Σ over trees of the leaf value reached by row i. */
  addTo(m: Matrix, out: Float64Array): void {
    const buf = this.#memory.buffer;
    const at = this.#at;
    const x = new Float64Array(buf, at.x, CHUNK * Math.max(1, this.nFeatures));
    const o = new Float64Array(buf, at.out, CHUNK);
    for (let r0 = 0; r0 < m.nRows; r0 += CHUNK) {
      const rows = Math.min(CHUNK, m.nRows - r0);
      let nan = false;
      for (let f = 0; f < this.nFeatures; f++) {
        const col = m.columns[f]!.subarray(r0, r0 + rows);
        x.set(col, f * CHUNK);
        if (!nan) for (let i = 0; i < rows; i++) if (Number.isNaN(col[i])) nan = true;
      }
      o.fill(0);
      const padded = Math.ceil(rows / UNROLL) * UNROLL; // rows past the end compute garbage, ignored
      if (nan)
        this.#k.predict_nan(
          at.x,
          padded,
          at.flagged,
          at.values,
          at.treesNan,
          this.trees.length,
          at.idx,
          at.out,
        );
      else this.#k.predict(at.x, padded, at.nodes, at.values, at.trees, this.trees.length, at.idx, at.out);
      for (let i = 0; i < rows; i++) out[r0 + i]! += o[i]!;
    }
  }
}
