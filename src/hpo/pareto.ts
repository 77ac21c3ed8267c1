/**
 * Pareto dominance over trials' objective values with their directions: the front a
 * multi-objective study reports as `bestTrials` (Optuna's semantics: equal value vectors do not
 * dominate each other, so duplicates are all on the front).
 */
import { SextantError } from "../core/index.js";
import type { Direction, FrozenTrial } from "./storage.js";

/** Whether `a` dominates `b`: no worse in every objective and better in at least one. */
export function valuesDominate(
  a: readonly number[],
  b: readonly number[],
  directions: readonly Direction[],
): boolean {
  if (a.length !== directions.length || b.length !== directions.length) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `dominance compares ${directions.length} values, got ${a.length} and ${b.length}`,
    );
  }
  let better = false;
  for (let j = 0; j < directions.length; j++) {
    // as losses: maximized objectives negated
    const x = directions[j] === "maximize" ? -a[j]! : a[j]!;
    const y = directions[j] === "maximize" ? -b[j]! : b[j]!;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/** Indices of the non-dominated points, in input order. */
export function paretoFrontIndices(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
): number[] {
  const n = points.length;
  const m = directions.length;
  const sign = directions.map((d) => (d === "maximize" ? -1 : 1));
  const losses = points.map((p) => {
    if (p.length !== m) {
      throw new SextantError("INVALID_ARGUMENT", `dominance compares ${m} values, got ${p.length}`);
    }
    return p.map((v, j) => v * sign[j]!);
  });
  if (m === 1) {
    let best = Number.POSITIVE_INFINITY;
    for (const l of losses) if (l[0]! < best) best = l[0]!;
    return losses.flatMap((l, i) => (l[0] === best ? [i] : []));
  }
  // sort by the first loss (then the rest) so only earlier points can dominate later ones
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    const a = losses[i]!;
    const b = losses[j]!;
    for (let k = 0; k < m; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
    return i - j;
  });
  const front: number[] = [];
  for (const i of order) {
    const p = losses[i]!;
    let dominated = false;
    for (const f of front) {
      const q = losses[f]!;
      let noWorse = true;
      let better = false;
      for (let k = 0; k < m; k++) {
        if (q[k]! > p[k]!) {
          noWorse = false;
          break;
        }
        if (q[k]! < p[k]!) better = true;
      }
      if (noWorse && better) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push(i);
  }
  return front.sort((a, b) => a - b);
}

/**
 * The COMPLETE trials on the Pareto front, in number order. Trials without values (or with the
 * wrong number of them) are ignored. For one objective: every trial with the best value.
 */
export function paretoFrontTrials(
  trials: readonly FrozenTrial[],
  directions: readonly Direction[],
): FrozenTrial[] {
  const done = trials.filter(
    (t) => t.state === "COMPLETE" && t.values !== null && t.values.length === directions.length,
  );
  const idx = paretoFrontIndices(
    done.map((t) => t.values!),
    directions,
  );
  return idx.map((i) => done[i]!);
}

/**
 * Non-domination rank of each point: 0 for the Pareto front, 1 for the front of the rest, and so
 * on (NSGA-II's fast non-dominated sort).
 */
export function paretoRanks(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
): number[] {
  const n = points.length;
  const ranks = new Array<number>(n).fill(-1);
  const count = new Array<number>(n).fill(0);
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (valuesDominate(points[i]!, points[j]!, directions)) {
        dominatedBy[i]!.push(j);
        count[j]!++;
      } else if (valuesDominate(points[j]!, points[i]!, directions)) {
        dominatedBy[j]!.push(i);
        count[i]!++;
      }
    }
  }
  let front = count.flatMap((c, i) => (c === 0 ? [i] : []));
  let rank = 0;
  while (front.length > 0) {
    const next: number[] = [];
    for (const i of front) {
      ranks[i] = rank;
      for (const j of dominatedBy[i]!) if (--count[j]! === 0) next.push(j);
    }
    front = next;
    rank++;
  }
  return ranks;
}
