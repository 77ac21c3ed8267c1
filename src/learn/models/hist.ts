/**
 * Histogram arithmetic and split finding of gradient boosting (the histograms themselves are
 * built by the WebAssembly kernels in wasm.ts), run by the calling thread and by the workers on
 * their share of the features. A node's histogram is a Float64Array of nFeatures × nBins × 3 values:
 * (sum of gradients, sum of hessians, count) per bin. Split finding follows scikit-learn's
 * HistGradientBoosting splitter: a left-to-right scan with missing values going right, and, for
 * features that had missing values in training, a right-to-left scan with them going left.
 */

export interface SplitParams {
  minSamplesLeaf: number;
  minHessianToSplit: number;
  l2: number;
}

/** The best split a thread found for one node among its features. */
export interface SplitCandidate {
  gain: number;
  feature: number;
  /** Last bin going left. */
  bin: number;
  missingLeft: boolean;
  gLeft: number;
  hLeft: number;
  nLeft: number;
}

/** What split finding needs to know about the features. */
export interface FeatureBins {
  /** Bins per feature in a histogram (maxBins + 1, the last one for missing values). */
  nBins: number;
  /** Per feature, bins used by non-missing values. */
  nBinsNonMissing: Int32Array;
  hasMissing: Uint8Array;
}

/** out = parent − small over features [f0, f1). */
export function subtractHistogram(
  out: Float64Array,
  parent: Float64Array,
  small: Float64Array,
  nBins: number,
  f0: number,
  f1: number,
): void {
  const B3 = nBins * 3;
  for (let i = f0 * B3; i < f1 * B3; i++) out[i] = parent[i]! - small[i]!;
}

/** The unregularized leaf value −G / (H + λ) (scikit-learn adds 1e-15 against division by zero). */
export function leafValue(G: number, H: number, l2: number): number {
  return -G / (H + l2 + 1e-15);
}

/**
 * Best split of a node over features [f0, f1) (ties: the lowest feature, then the first bin),
 * or null when no split satisfies the constraints with a positive gain. `value` is the node's
 * current value (0 at the root, like scikit-learn), which sets the loss the gain is measured from.
 */
export function findBestSplit(
  d: FeatureBins,
  hist: Float64Array,
  f0: number,
  f1: number,
  G: number,
  H: number,
  count: number,
  value: number,
  p: SplitParams,
): SplitCandidate | null {
  const B3 = d.nBins * 3;
  const { minSamplesLeaf, minHessianToSplit: minH, l2 } = p;
  const lossNode = G * value;
  let best: SplitCandidate | null = null;
  let bestGain = 0; // min_gain_to_split
  for (let f = f0; f < f1; f++) {
    const off = f * B3;
    const nb = d.nBinsNonMissing[f]!;
    const miss = d.hasMissing[f]!;
    // left to right, missing values to the right
    let gL = 0;
    let hL = 0;
    let nL = 0;
    let fBest = -1;
    let fGain = -1;
    let fG = 0;
    let fH = 0;
    let fN = 0;
    let fMissLeft = false;
    const end = nb - 1 + miss;
    for (let b = 0; b < end; b++) {
      const o = off + b * 3;
      gL += hist[o]!;
      hL += hist[o + 1]!;
      nL += hist[o + 2]!;
      const nR = count - nL;
      const hR = H - hL;
      if (nL < minSamplesLeaf) continue;
      if (nR < minSamplesLeaf) break;
      if (hL < minH) continue;
      if (hR < minH) break;
      const gR = G - gL;
      const gain = lossNode + (gL * gL) / (hL + l2 + 1e-15) + (gR * gR) / (hR + l2 + 1e-15);
      if (gain > fGain) {
        fGain = gain;
        fBest = b;
        fG = gL;
        fH = hL;
        fN = nL;
      }
    }
    if (miss) {
      // right to left, missing values to the left
      let gR = 0;
      let hR = 0;
      let nR = 0;
      let rGain = -1;
      let rBest = -1;
      let rG = 0;
      let rH = 0;
      let rN = 0;
      for (let b = nb - 2; b >= 0; b--) {
        const o = off + (b + 1) * 3;
        gR += hist[o]!;
        hR += hist[o + 1]!;
        nR += hist[o + 2]!;
        const nLL = count - nR;
        const hLL = H - hR;
        if (nR < minSamplesLeaf) continue;
        if (nLL < minSamplesLeaf) break;
        if (hR < minH) continue;
        if (hLL < minH) break;
        const gLL = G - gR;
        const gain = lossNode + (gLL * gLL) / (hLL + l2 + 1e-15) + (gR * gR) / (hR + l2 + 1e-15);
        if (gain > rGain) {
          rGain = gain;
          rBest = b;
          rG = gLL;
          rH = hLL;
          rN = nLL;
        }
      }
      if (rBest >= 0 && rGain > fGain && rGain > 0) {
        fGain = rGain;
        fBest = rBest;
        fG = rG;
        fH = rH;
        fN = rN;
        fMissLeft = true;
      }
    }
    if (fBest >= 0 && fGain > bestGain) {
      bestGain = fGain;
      best = { gain: fGain, feature: f, bin: fBest, missingLeft: fMissLeft, gLeft: fG, hLeft: fH, nLeft: fN };
    }
  }
  return best;
}

/** Merges per-thread candidates: the highest gain, ties to the lowest feature (thread-count independent). */
export function mergeCandidates(cs: (SplitCandidate | null)[]): SplitCandidate | null {
  let best: SplitCandidate | null = null;
  for (const c of cs) {
    if (c === null) continue;
    if (best === null || c.gain > best.gain || (c.gain === best.gain && c.feature < best.feature)) best = c;
  }
  return best;
}
