/**
 * Grows one gradient-boosting tree on binned data, like scikit-learn's TreeGrower: the node with
 * the highest gain is split next (leaf-wise; depth-wise takes the shallowest first), the smaller
 * child's histogram is built from its rows and the larger one's by subtraction from the parent,
 * and growth stops at maxLeafNodes / maxDepth / minSamplesLeaf / min hessian. Histogram work is
 * split by features between the calling thread and pool workers on shared memory.
 */
import type { Arena, Slot } from "./arena.js";
import type { NodeStats } from "./boosting.worker.js";
import { type FeatureBins, leafValue, type SplitCandidate, type SplitParams } from "./hist.js";
import type { HistStep, Team } from "./team.js";
import { type TreeArrays, TreeBuilder } from "./trees.js";

export interface GrowParams extends SplitParams {
  maxLeafNodes: number;
  maxDepth: number;
  learningRate: number;
  depthwise: boolean;
}

interface Node extends NodeStats {
  id: number;
  start: number;
  end: number;
  depth: number;
  hist: Slot | null;
  split: SplitCandidate | null;
}

export interface GrownTree {
  tree: TreeArrays;
  /** Bin thresholds of the splits (for predicting on binned data). */
  binThreshold: Uint8Array;
  /** Leaves as row ranges of `part` with their (shrunk) values. */
  leaves: { start: number; end: number; value: number }[];
}

export interface GrowContext {
  /** Binned columns, gradients and the row partition (the tree's rows are part[0, nRows), reordered by the splits). */
  arena: Arena;
  bins: FeatureBins;
  /** Real-valued thresholds per feature (bin b goes left iff x <= thresholds[f][b]). */
  thresholds: Float64Array[];
  team: Team;
  p: GrowParams;
}

/**
 * Grows a tree on rows part[0, nRows) with gradient sums G, H over them (`allRows`: the rows are
 * 0..n−1 in order, so the root histogram needs no gather).
 */
export function growTree(ctx: GrowContext, nRows: number, allRows: boolean, G: number, H: number): GrownTree {
  const { arena, bins, p } = ctx;
  const tree = new TreeBuilder(64);
  let binThr = new Uint8Array(64);
  tree.add(1);
  const leaves: GrownTree["leaves"] = [];
  const root: Node = {
    id: 0,
    start: 0,
    end: nRows,
    depth: 0,
    G,
    H,
    count: nRows,
    value: 0,
    hist: null,
    split: null,
  };
  const frontier: Node[] = [];
  const finalize = (nd: Node): void => {
    const v = leafValue(nd.G, nd.H, p.l2) * p.learningRate;
    tree.value[nd.id] = v;
    leaves.push({ start: nd.start, end: nd.end, value: v });
    arena.releaseSlot(nd.hist);
    nd.hist = null;
  };
  const task = (rows: Node, target: Slot): HistStep => ({
    start: rows.start,
    end: rows.end,
    all: allRows && rows === root,
    target: target.offset,
    targetStats: null,
    parent: -1,
    sibling: -1,
    siblingStats: null,
  });
  const stats = (nd: Node): NodeStats => ({ G: nd.G, H: nd.H, count: nd.count, value: nd.value });

  if (nRows < 2 * p.minSamplesLeaf || H < p.minHessianToSplit) finalize(root);
  else {
    root.hist = arena.allocSlot();
    const t = task(root, root.hist);
    t.targetStats = stats(root);
    root.split = ctx.team.hist(t)[0];
    if (root.split === null) finalize(root);
    else frontier.push(root);
  }

  while (frontier.length > 0) {
    let bi = 0;
    for (let k = 1; k < frontier.length; k++) {
      const a = frontier[k]!;
      const b = frontier[bi]!;
      if (
        p.depthwise
          ? a.depth < b.depth || (a.depth === b.depth && a.split!.gain > b.split!.gain)
          : a.split!.gain > b.split!.gain
      )
        bi = k;
    }
    const nd = frontier.splice(bi, 1)[0]!;
    const sp = nd.split!;
    const mid = arena.partition(nd.start, nd.end, sp.feature, sp.bin, bins.nBins - 1, sp.missingLeft);
    const nL = mid - nd.start;
    const nR = nd.end - mid;
    const left: Node = {
      id: 0,
      start: nd.start,
      end: mid,
      depth: nd.depth + 1,
      G: sp.gLeft,
      H: sp.hLeft,
      count: nL,
      value: leafValue(sp.gLeft, sp.hLeft, p.l2),
      hist: null,
      split: null,
    };
    const right: Node = {
      ...left,
      start: mid,
      end: nd.end,
      G: nd.G - sp.gLeft,
      H: nd.H - sp.hLeft,
      count: nR,
      value: leafValue(nd.G - sp.gLeft, nd.H - sp.hLeft, p.l2),
    };
    const nb = bins.nBinsNonMissing[sp.feature]!;
    const thr = sp.bin === nb - 1 ? Number.POSITIVE_INFINITY : ctx.thresholds[sp.feature]![sp.bin]!;
    // no missing values seen in training for this feature: they follow the larger child
    const missingLeft = bins.hasMissing[sp.feature] ? sp.missingLeft : nL > nR;
    left.id = tree.split(nd.id, sp.feature, thr, missingLeft);
    right.id = left.id + 1;
    if (binThr.length < tree.size) {
      const b = new Uint8Array(binThr.length * 2);
      b.set(binThr);
      binThr = b;
    }
    binThr[nd.id] = sp.bin;

    const nLeaves = leaves.length + frontier.length + 2;
    if (nLeaves >= p.maxLeafNodes) {
      arena.releaseSlot(nd.hist);
      finalize(left);
      finalize(right);
      for (const f of frontier.splice(0)) finalize(f);
      break;
    }
    const atDepth = left.depth >= p.maxDepth;
    const splitL = !atDepth && nL >= 2 * p.minSamplesLeaf;
    const splitR = !atDepth && nR >= 2 * p.minSamplesLeaf;
    if (splitL || splitR) {
      const [small, large] = nL < nR ? [left, right] : [right, left];
      small.hist = arena.allocSlot();
      large.hist = arena.allocSlot();
      const t = task(small, small.hist);
      t.parent = nd.hist!.offset;
      t.sibling = large.hist.offset;
      if (small === left ? splitL : splitR) t.targetStats = stats(small);
      if (large === left ? splitL : splitR) t.siblingStats = stats(large);
      const [cs, cl] = ctx.team.hist(t);
      small.split = cs;
      large.split = cl;
    }
    arena.releaseSlot(nd.hist);
    nd.hist = null;
    for (const c of [left, right]) {
      if (c.split === null) finalize(c);
      else frontier.push(c);
    }
  }
  return { tree: tree.finish(), binThreshold: binThr.slice(0, tree.size), leaves };
}

/**
 * For each row of a binned matrix (feature-major, n rows): adds the tree's value to raw, or, with
 * `asExp`, multiplies raw by exp(−value) (clamped to [1e-300, 1e300]) — it then holds exp(−raw).
 */
export function addBinned(
  g: GrownTree,
  binned: Uint8Array,
  n: number,
  missingBin: number,
  raw: Float64Array,
  asExp = false,
): void {
  const { feature, left, missingLeft, value } = g.tree;
  const ev = asExp ? value.map((v) => Math.exp(-v)) : null;
  const bt = g.binThreshold;
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (feature[node]! >= 0) {
      const b = binned[feature[node]! * n + i]!;
      const goLeft = b === missingBin ? missingLeft[node] === 1 : b <= bt[node]!;
      node = left[node]! + (goLeft ? 0 : 1);
    }
    if (ev) raw[i] = Math.min(1e300, Math.max(1e-300, raw[i]! * ev[node]!));
    else raw[i]! += value[node]!;
  }
}
