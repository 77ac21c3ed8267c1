/**
 * Search spaces inferred from a study's history, kept incrementally (finished trials never change,
 * so each call looks only at trials it has not settled yet).
 */
import { isSingle, sameDistribution } from "../distributions.js";
import type { StudyView } from "../sampler.js";
import type { DistributionJSON, FrozenTrial, TrialState } from "../storage.js";

/**
 * The params (with their distributions) that every finished trial of interest has, with the same
 * distribution: the space a relative sampler can model jointly. Mirrors Optuna's
 * IntersectionSearchSpace: COMPLETE trials, and PRUNED ones when `includePruned`.
 */
export class IntersectionSearchSpace {
  readonly #includePruned: boolean;
  #space: Map<string, DistributionJSON> | null = null;
  /** Trials before this number are settled. */
  #cursor = 0;

  constructor(includePruned = false) {
    this.#includePruned = includePruned;
  }

  calculate(study: StudyView): Record<string, DistributionJSON> {
    const trials = study.trials();
    let nextCursor = this.#cursor;
    let settled = true;
    for (let i = 0; i < trials.length; i++) {
      const t = trials[i] as FrozenTrial;
      if (t.number < this.#cursor) continue;
      const used = t.state === "COMPLETE" || (this.#includePruned && t.state === "PRUNED");
      const finished = t.state === "COMPLETE" || t.state === "PRUNED" || t.state === "FAIL";
      if (!finished) {
        settled = false;
        continue;
      }
      if (settled) nextCursor = t.number + 1;
      if (!used) continue;
      if (this.#space === null) {
        this.#space = new Map(Object.entries(t.distributions));
        continue;
      }
      for (const [name, d] of this.#space) {
        const other = t.distributions[name];
        if (!other || !sameDistribution(other, d)) this.#space.delete(name);
      }
    }
    this.#cursor = nextCursor;
    // Finished trials past an unsettled one are seen again next time; intersecting twice is harmless.
    const out: Record<string, DistributionJSON> = {};
    if (this.#space) for (const [name, d] of [...this.#space].sort(byName)) out[name] = d;
    return out;
  }
}

function byName(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Groups of params that always appear together (Optuna's group-decomposed search space): each
 * finished trial's param set splits the groups it cuts across.
 */
export class GroupDecomposedSearchSpace {
  readonly #states: readonly TrialState[];
  #groups: Map<string, DistributionJSON>[] = [];
  readonly #seen = new Set<number>();

  constructor(includePruned = false) {
    this.#states = includePruned ? ["COMPLETE", "PRUNED"] : ["COMPLETE"];
  }

  calculate(study: StudyView): Record<string, DistributionJSON>[] {
    for (const t of study.trials(this.#states)) {
      if (this.#seen.has(t.number)) continue;
      this.#seen.add(t.number);
      this.#add(t.distributions);
    }
    return this.#groups.map((g) => {
      const out: Record<string, DistributionJSON> = {};
      for (const [name, d] of [...g].sort(byName)) out[name] = d;
      return out;
    });
  }

  #add(dists: Record<string, DistributionJSON>): void {
    const keys = new Set(Object.keys(dists));
    const next: Map<string, DistributionJSON>[] = [];
    for (const g of this.#groups) {
      const inside = new Map<string, DistributionJSON>();
      const outside = new Map<string, DistributionJSON>();
      for (const [name, d] of g) {
        if (keys.has(name)) {
          inside.set(name, d);
          keys.delete(name);
        } else outside.set(name, d);
      }
      if (inside.size) next.push(inside);
      if (outside.size) next.push(outside);
    }
    const rest = new Map<string, DistributionJSON>();
    for (const name of keys) rest.set(name, dists[name] as DistributionJSON);
    if (rest.size) next.push(rest);
    this.#groups = next;
  }
}

/** The space without single-valued distributions (those need no sampling). */
export function withoutSingles(space: Record<string, DistributionJSON>): Record<string, DistributionJSON> {
  const out: Record<string, DistributionJSON> = {};
  for (const [name, d] of Object.entries(space)) if (!isSingle(d)) out[name] = d;
  return out;
}
