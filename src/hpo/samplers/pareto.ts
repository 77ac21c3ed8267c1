/**
 * Multi-objective helpers, all on loss vectors (every objective minimised: maximised ones are
 * negated first): Pareto dominance, non-domination ranks, hypervolume (exact, WFG-style recursion
 * with a sweep in two dimensions), greedy hypervolume subset selection, crowding distance.
 */

export const HV_EPS = 1e-12;

/** a dominates b: no worse everywhere, better somewhere. */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] as number;
    const y = b[j] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** Rank of each point: 0 for the Pareto front, 1 for the front once that is removed, … */
export function nondominationRanks(points: readonly ArrayLike<number>[]): Int32Array {
  const n = points.length;
  const ranks = new Int32Array(n).fill(-1);
  const count = new Int32Array(n);
  const dominated: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const p = points[i] as ArrayLike<number>;
    for (let j = i + 1; j < n; j++) {
      const q = points[j] as ArrayLike<number>;
      if (dominates(p, q)) {
        (dominated[i] as number[]).push(j);
        count[j] = (count[j] as number) + 1;
      } else if (dominates(q, p)) {
        (dominated[j] as number[]).push(i);
        count[i] = (count[i] as number) + 1;
      }
    }
  }
  let front: number[] = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) front.push(i);
  let rank = 0;
  while (front.length) {
    const next: number[] = [];
    for (const i of front) {
      ranks[i] = rank;
      for (const j of dominated[i] as number[]) {
        count[j] = (count[j] as number) - 1;
        if (count[j] === 0) next.push(j);
      }
    }
    front = next;
    rank++;
  }
  return ranks;
}

/** Exact hypervolume dominated by `points` up to `ref` (points beyond ref contribute nothing). */
export function hypervolume(points: readonly ArrayLike<number>[], ref: ArrayLike<number>): number {
  const m = ref.length;
  const inside = points.filter((p) => {
    for (let j = 0; j < m; j++) if (!((p[j] as number) < (ref[j] as number))) return false;
    return true;
  });
  if (inside.length === 0) return 0;
  if (m === 1) return (ref[0] as number) - Math.min(...inside.map((p) => p[0] as number));
  return hvRec(
    inside.map((p) => Array.from(p)),
    Array.from(ref),
  );
}

function boxVolume(p: readonly number[], ref: readonly number[]): number {
  let v = 1;
  for (let j = 0; j < ref.length; j++) v *= (ref[j] as number) - (p[j] as number);
  return v;
}

function hv2d(points: number[][], ref: readonly number[]): number {
  const s = [...points].sort(
    (a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number),
  );
  let vol = 0;
  let yTop = ref[1] as number;
  for (const p of s) {
    const y = p[1] as number;
    if (y < yTop) {
      vol += ((ref[0] as number) - (p[0] as number)) * (yTop - y);
      yTop = y;
    }
  }
  return vol;
}

function hvRec(points: number[][], ref: readonly number[]): number {
  const n = points.length;
  if (n === 0) return 0;
  if (ref.length === 2) return hv2d(points, ref);
  if (n === 1) return boxVolume(points[0] as number[], ref);
  const s = [...points].sort((a, b) => (a[0] as number) - (b[0] as number));
  let vol = 0;
  for (let i = 0; i < n; i++) {
    const p = s[i] as number[];
    vol += boxVolume(p, ref) - hvRec(limitSet(p, s, i + 1), ref);
  }
  return vol;
}

/** The non-dominated set of {max(q, p) : q in s[from..]}. */
function limitSet(p: readonly number[], s: number[][], from: number): number[][] {
  const limited: number[][] = [];
  for (let i = from; i < s.length; i++) {
    const q = s[i] as number[];
    limited.push(q.map((v, j) => Math.max(v, p[j] as number)));
  }
  const keep: number[][] = [];
  outer: for (let i = 0; i < limited.length; i++) {
    const a = limited[i] as number[];
    for (let j = 0; j < limited.length; j++) {
      if (j === i) continue;
      const b = limited[j] as number[];
      // drop a when b dominates it, or equals it and comes first
      if (dominates(b, a) || (j < i && b.every((v, k) => v === a[k]))) continue outer;
    }
    keep.push(a);
  }
  return keep;
}

/** The reference point Optuna's MOTPE uses: 1.1× the worst point (0.9× where negative), 0 → EPS. */
export function referencePoint(points: readonly ArrayLike<number>[]): number[] {
  const m = (points[0] as ArrayLike<number>).length;
  const ref: number[] = [];
  for (let j = 0; j < m; j++) {
    let worst = Number.NEGATIVE_INFINITY;
    for (const p of points) if ((p[j] as number) > worst) worst = p[j] as number;
    let r = Math.max(1.1 * worst, 0.9 * worst);
    if (r === 0) r = HV_EPS;
    ref.push(r);
  }
  return ref;
}

/**
 * Greedy hypervolume subset selection: picks `k` of `points` (indices into it), each time the one
 * adding the most hypervolume to those already picked (a 1 − 1/e approximation).
 */
export function selectByHypervolume(
  points: readonly ArrayLike<number>[],
  k: number,
  ref: ArrayLike<number>,
): number[] {
  const chosen: number[] = [];
  const chosenPts: ArrayLike<number>[] = [];
  const taken = new Uint8Array(points.length);
  let hvChosen = 0;
  while (chosen.length < k && chosen.length < points.length) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      if (taken[i]) continue;
      const gain = hypervolume([...chosenPts, points[i] as ArrayLike<number>], ref) - hvChosen;
      if (gain > bestGain) {
        bestGain = gain;
        best = i;
      }
    }
    taken[best] = 1;
    chosen.push(best);
    chosenPts.push(points[best] as ArrayLike<number>);
    hvChosen = hypervolume(chosenPts, ref);
  }
  return chosen;
}

/**
 * Crowding distance of each point (NSGA-II): per objective, the gap between its neighbours in
 * sorted order over the objective's finite range; boundary points get ∞; an objective whose values
 * are all equal adds nothing.
 */
export function crowdingDistances(points: readonly ArrayLike<number>[]): Float64Array {
  const n = points.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const m = (points[0] as ArrayLike<number>).length;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let j = 0; j < m; j++) {
    const val = (i: number) => (points[i] as ArrayLike<number>)[j] as number;
    idx.sort((a, b) => val(a) - val(b) || a - b);
    const first = val(idx[0] as number);
    const last = val(idx[n - 1] as number);
    if (first === last) continue;
    let vMin = Number.POSITIVE_INFINITY;
    let vMax = Number.NEGATIVE_INFINITY;
    for (const i of idx) {
      const v = val(i);
      if (Number.isFinite(v)) {
        if (v < vMin) vMin = v;
        if (v > vMax) vMax = v;
      }
    }
    let width = vMax - vMin;
    if (!(width > 0)) width = 1;
    for (let r = 0; r < n; r++) {
      const lo = r === 0 ? Number.NEGATIVE_INFINITY : val(idx[r - 1] as number);
      const hi = r === n - 1 ? Number.POSITIVE_INFINITY : val(idx[r + 1] as number);
      const gap = lo === hi ? 0 : hi - lo;
      const i = idx[r] as number;
      out[i] = (out[i] as number) + gap / width;
    }
  }
  return out;
}
