/**
 * Exhaustive search over a given grid (Optuna's GridSampler): every combination of the listed
 * values is tried once, in an order shuffled by the seed. A grid point counts as taken once a
 * finished or running trial holds it, which is read from the trials' params (so several processes
 * sharing a study see each other's points); when all are taken the sampler re-tries finished
 * ones and {@link GridSampler.isExhausted} tells the study to stop.
 */
import { entropySeed, Rng } from "../../core/index.js";
import { toInternal } from "../distributions.js";
import type { Sampler, StudyView } from "../sampler.js";
import type { CategoricalChoice, DistributionJSON, FrozenTrial } from "../storage.js";

export type GridValue = CategoricalChoice;

export class GridSampler implements Sampler {
  readonly searchSpace: Readonly<Record<string, readonly GridValue[]>>;
  readonly #names: string[];
  readonly #sizes: number[];
  readonly #total: number;
  #rng: Rng;
  /** Grid ids handed out by this process, by trial id. */
  readonly #assigned = new Map<string, number>();

  constructor(searchSpace: Record<string, readonly GridValue[]>, options: { seed?: number } = {}) {
    this.#names = Object.keys(searchSpace).sort();
    for (const name of this.#names) {
      const values = searchSpace[name] as readonly GridValue[];
      if (!Array.isArray(values) || values.length === 0) throw new RangeError(`grid for '${name}' is empty`);
      for (const v of values) {
        if (v !== null && !["string", "number", "boolean"].includes(typeof v)) {
          throw new TypeError(
            `grid for '${name}' holds a ${typeof v}; use strings, numbers, booleans or null`,
          );
        }
      }
    }
    this.searchSpace = Object.fromEntries(this.#names.map((n) => [n, [...(searchSpace[n] as GridValue[])]]));
    this.#sizes = this.#names.map((n) => (searchSpace[n] as GridValue[]).length);
    this.#total = this.#sizes.reduce((a, b) => a * b, 1);
    this.#rng = new Rng(options.seed ?? entropySeed());
  }

  /** Number of grid points. */
  get size(): number {
    return this.#total;
  }

  reseedRng(seed: number): void {
    this.#rng = new Rng(seed);
  }

  /** The grid point's values, by param name. */
  point(gridId: number): Record<string, GridValue> {
    const out: Record<string, GridValue> = {};
    let rest = gridId;
    for (let i = this.#names.length - 1; i >= 0; i--) {
      const size = this.#sizes[i] as number;
      const name = this.#names[i] as string;
      out[name] = (this.searchSpace[name] as GridValue[])[rest % size] as GridValue;
      rest = Math.floor(rest / size);
    }
    return out;
  }

  inferRelativeSearchSpace(): Record<string, DistributionJSON> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(
    study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: DistributionJSON,
  ): number {
    if (!(name in this.searchSpace)) throw new RangeError(`param '${name}' is not in the grid`);
    let id = this.#assigned.get(trial.trialId);
    if (id === undefined) {
      const open = this.#unvisited(study, trial);
      const pool = open.length ? open : Array.from({ length: this.#total }, (_, i) => i);
      id = pool[this.#rng.int(0, pool.length - 1)] as number;
      this.#assigned.set(trial.trialId, id);
    }
    const value = this.point(id)[name] as GridValue;
    if (distribution.type === "categorical") return toInternal(name, distribution, value);
    if (typeof value !== "number")
      throw new RangeError(`grid value ${String(value)} of '${name}' is not a number`);
    return value;
  }

  /** True when every grid point is held by a finished trial (the study should stop). */
  isExhausted(study: StudyView): boolean {
    return this.#unvisited(study, null, true).length === 0;
  }

  /** Grid ids not yet taken by finished trials (nor running ones, unless that leaves none). */
  #unvisited(study: StudyView, current: FrozenTrial | null, finishedOnly = false): number[] {
    const finished = new Uint8Array(this.#total);
    const running = new Uint8Array(this.#total);
    for (const t of study.trials()) {
      if (current && t.trialId === current.trialId) continue;
      const id = this.#assigned.get(t.trialId) ?? this.#gridIdOf(t);
      if (id === undefined) continue;
      if (t.state === "RUNNING" || t.state === "WAITING") running[id] = 1;
      else finished[id] = 1;
    }
    const open: number[] = [];
    for (let i = 0; i < this.#total; i++) if (!finished[i] && (finishedOnly || !running[i])) open.push(i);
    if (open.length === 0 && !finishedOnly) {
      for (let i = 0; i < this.#total; i++) if (!finished[i]) open.push(i);
    }
    return open;
  }

  /** The grid point a trial's params sit on (every grid param set), if any. */
  #gridIdOf(t: FrozenTrial): number | undefined {
    let id = 0;
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i] as string;
      const d = t.distributions[name];
      const v = t.params[name];
      if (!d || v === undefined) return undefined;
      const ext = d.type === "categorical" ? d.choices[v] : v;
      const values = this.searchSpace[name] as GridValue[];
      const k = values.findIndex((g) => g === ext || (Number.isNaN(g) && Number.isNaN(ext)));
      if (k < 0) return undefined;
      id = id * (this.#sizes[i] as number) + k;
    }
    return id;
  }
}
