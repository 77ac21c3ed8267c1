/**
 * NSGA-II (Deb et al. 2002; Optuna's NSGAIISampler) for multi-objective studies.
 *
 * Trials belong to generations of `populationSize`. Generation 0 is random. Once a generation has
 * `populationSize` COMPLETE trials, it and the previous parents are ranked by non-domination (ties
 * on the boundary front broken by crowding distance) and the best `populationSize` become the
 * parents of the next. A child picks two parents by binary tournament on dominance, mixes them by
 * uniform crossover (each param from the second parent with `swappingProb`) with `crossoverProb`
 * (else copies one parent), and each param then mutates — is redrawn at random — with
 * `mutationProb` (default 1/number of params).
 *
 * The generation of a trial is remembered by this process when it samples the trial; trials of
 * other processes (or earlier runs) are placed by number, ⌊number / populationSize⌋, unless their
 * system attrs carry "nsga2:generation".
 */
import { entropySeed, Rng } from "../../core/index.js";
import { contains } from "../distributions.js";
import type { Sampler, StudyView } from "../sampler.js";
import type { Direction, DistributionJSON, FrozenTrial } from "../storage.js";
import { crowdingDistances, dominates, nondominationRanks } from "./pareto.js";
import { IntersectionSearchSpace, withoutSingles } from "./search-space.js";
import { sampleUniform } from "./transform.js";

export const GENERATION_ATTR = "nsga2:generation";

export interface NsgaIISamplerOptions {
  seed?: number;
  /** Individuals per generation (>= 2). Default 50. */
  populationSize?: number;
  /** Per-param mutation probability. Default 1 / number of params. */
  mutationProb?: number;
  /** Probability of crossover (else a parent is copied). Default 0.9. */
  crossoverProb?: number;
  /** Uniform crossover: probability of taking a param from the second parent. Default 0.5. */
  swappingProb?: number;
}

export class NsgaIISampler implements Sampler {
  readonly #populationSize: number;
  readonly #mutationProb: number | null;
  readonly #crossoverProb: number;
  readonly #swappingProb: number;
  #rng: Rng;
  #random: Rng;
  readonly #generationOf = new Map<string, number>();
  readonly #space = new IntersectionSearchSpace(false);
  /** Elite of each settled generation, cached (trial numbers). */
  readonly #elite = new Map<number, { members: number; parents: number; elite: number[] }>();

  constructor(options: NsgaIISamplerOptions = {}) {
    const p = options.populationSize ?? 50;
    if (!Number.isInteger(p) || p < 2) throw new RangeError("populationSize must be an integer >= 2");
    const m = options.mutationProb ?? null;
    if (m !== null && !(m >= 0 && m <= 1)) throw new RangeError("mutationProb must be in [0, 1]");
    const c = options.crossoverProb ?? 0.9;
    if (!(c >= 0 && c <= 1)) throw new RangeError("crossoverProb must be in [0, 1]");
    const s = options.swappingProb ?? 0.5;
    if (!(s >= 0 && s <= 1)) throw new RangeError("swappingProb must be in [0, 1]");
    this.#populationSize = p;
    this.#mutationProb = m;
    this.#crossoverProb = c;
    this.#swappingProb = s;
    const seed = options.seed ?? entropySeed();
    this.#rng = new Rng(seed);
    this.#random = this.#rng.fork();
  }

  reseedRng(seed: number): void {
    this.#rng = new Rng(seed);
    this.#random = this.#rng.fork();
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, DistributionJSON> {
    return withoutSingles(this.#space.calculate(study));
  }

  sampleRelative(
    study: StudyView,
    trial: FrozenTrial,
    space: Record<string, DistributionJSON>,
  ): Record<string, number> {
    const [parentGeneration, parents] = this.#parents(study);
    this.#generationOf.set(trial.trialId, parentGeneration + 1);
    if (parentGeneration < 0 || parents.length === 0) return {};
    const names = Object.keys(space);
    const dirs = study.directions;
    let child: Record<string, number>;
    if (this.#rng.random() < this.#crossoverProb && parents.length >= 2) {
      child = {};
      for (let attempt = 0; ; attempt++) {
        const p0 = this.#tournament(parents, dirs, null);
        const p1 = this.#tournament(parents, dirs, p0);
        for (const name of names) {
          const from = this.#rng.random() < this.#swappingProb ? p1 : p0;
          child[name] = from.params[name] as number;
        }
        if (names.every((n) => contains(space[n] as DistributionJSON, child[n] as number)) || attempt > 100)
          break;
      }
    } else {
      const p = parents[this.#rng.int(0, parents.length - 1)] as FrozenTrial;
      child = {};
      for (const name of names) child[name] = p.params[name] as number;
    }
    const mutation = this.#mutationProb ?? 1 / Math.max(1, names.length);
    const out: Record<string, number> = {};
    for (const name of names) {
      // a mutated param is left out, and so drawn at random by sampleIndependent
      if (this.#rng.random() >= mutation && child[name] !== undefined && !Number.isNaN(child[name])) {
        out[name] = child[name] as number;
      }
    }
    return out;
  }

  sampleIndependent(
    _study: StudyView,
    _trial: FrozenTrial,
    _name: string,
    distribution: DistributionJSON,
  ): number {
    return sampleUniform(this.#random, distribution);
  }

  #tournament(
    pop: readonly FrozenTrial[],
    dirs: readonly Direction[],
    exclude: FrozenTrial | null,
  ): FrozenTrial {
    const pool = exclude ? pop.filter((t) => t !== exclude) : pop;
    const a = pool[this.#rng.int(0, pool.length - 1)] as FrozenTrial;
    const b = pool[this.#rng.int(0, pool.length - 1)] as FrozenTrial;
    return dominates(loss(a, dirs), loss(b, dirs)) ? a : b;
  }

  #generation(t: FrozenTrial): number {
    const own = this.#generationOf.get(t.trialId);
    if (own !== undefined) return own;
    const attr = t.systemAttrs[GENERATION_ATTR];
    if (typeof attr === "number") return attr;
    return Math.floor(t.number / this.#populationSize);
  }

  /** The latest full generation and its elite (the parents of the next). */
  #parents(study: StudyView): [number, FrozenTrial[]] {
    const byGen = new Map<number, FrozenTrial[]>();
    const byNumber = new Map<number, FrozenTrial>();
    for (const t of study.trials()) {
      byNumber.set(t.number, t);
      if (t.state !== "COMPLETE" || !t.values) continue;
      const g = this.#generation(t);
      const list = byGen.get(g);
      if (list) list.push(t);
      else byGen.set(g, [t]);
    }
    let parents: FrozenTrial[] = [];
    let generation = -1;
    for (;;) {
      const g = generation + 1;
      const members = byGen.get(g) ?? [];
      if (members.length < this.#populationSize) break;
      const cached = this.#elite.get(g);
      if (cached && cached.members === members.length && cached.parents === parents.length) {
        parents = cached.elite.map((n) => byNumber.get(n) as FrozenTrial);
      } else {
        const n = parents.length;
        parents = this.#selectElite(study.directions, [...members, ...parents]);
        this.#elite.set(g, { members: members.length, parents: n, elite: parents.map((t) => t.number) });
      }
      generation = g;
    }
    return [generation, parents];
  }

  #selectElite(dirs: readonly Direction[], population: FrozenTrial[]): FrozenTrial[] {
    const losses = population.map((t) => loss(t, dirs));
    const ranks = nondominationRanks(losses);
    const elite: FrozenTrial[] = [];
    for (let rank = 0; elite.length < this.#populationSize; rank++) {
      const front = population.filter((_, i) => ranks[i] === rank);
      if (front.length === 0) break;
      if (elite.length + front.length <= this.#populationSize) {
        elite.push(...front);
        continue;
      }
      const cd = crowdingDistances(front.map((t) => loss(t, dirs)));
      const order = front.map((_, i) => i).sort((a, b) => (cd[b] as number) - (cd[a] as number) || a - b);
      for (const i of order.slice(0, this.#populationSize - elite.length))
        elite.push(front[i] as FrozenTrial);
    }
    return elite;
  }
}

function loss(t: FrozenTrial, dirs: readonly Direction[]): number[] {
  return (t.values ?? []).map((v, j) => (dirs[j] === "maximize" ? -v : v));
}
