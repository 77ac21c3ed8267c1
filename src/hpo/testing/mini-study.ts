/**
 * A tiny synchronous in-memory study over the Sampler/Pruner interfaces, for sampler tests and the
 * hpo benchmark until the real Study is in place: ask → sampleRelative → the objective's suggests
 * (sampleIndependent for what the relative step left out) → tell. Trials are plain FrozenTrial
 * objects; several can be asked before any is told (parallel workers).
 */
import {
  categoricalDistribution,
  contains,
  floatDistribution,
  intDistribution,
  isSingle,
  sameDistribution,
  toExternal,
} from "../distributions.js";
import type { Pruner, Sampler, StudyView } from "../sampler.js";
import type { CategoricalChoice, Direction, DistributionJSON, FrozenTrial, TrialState } from "../storage.js";

export interface MiniTrial {
  readonly number: number;
  readonly frozen: FrozenTrial;
  suggestFloat(name: string, low: number, high: number, opts?: { log?: boolean; step?: number }): number;
  suggestInt(name: string, low: number, high: number, opts?: { log?: boolean; step?: number }): number;
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T;
  report(value: number | number[], step: number): void;
  shouldPrune(): boolean;
}

export type Objective = (trial: MiniTrial) => number | number[];

/** Raised by an objective to end its trial as PRUNED. */
export class TrialPruned extends Error {}

/** Samplers that can tell when there is nothing left to try (GridSampler). */
interface Exhaustible {
  isExhausted(study: StudyView): boolean;
}

function isExhaustible(s: unknown): s is Exhaustible {
  return typeof (s as Partial<Exhaustible>).isExhausted === "function";
}

export class MiniStudy implements StudyView {
  readonly directions: readonly Direction[];
  readonly sampler: Sampler;
  readonly pruner: Pruner | null;
  readonly studyId: string;
  readonly #trials: FrozenTrial[] = [];
  #clock = 0;

  constructor(options: { sampler: Sampler; directions?: Direction[]; pruner?: Pruner; studyId?: string }) {
    this.sampler = options.sampler;
    this.directions = options.directions ?? ["minimize"];
    this.pruner = options.pruner ?? null;
    this.studyId = options.studyId ?? "mini-study";
  }

  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    if (!states) return this.#trials;
    return this.#trials.filter((t) => states.includes(t.state));
  }

  /** Starts a trial: creates it RUNNING and runs the sampler's relative step. */
  ask(): MiniTrial {
    const number = this.#trials.length;
    const frozen: FrozenTrial = {
      trialId: `${this.studyId}-${number}`,
      studyId: this.studyId,
      number,
      state: "RUNNING",
      values: null,
      params: {},
      distributions: {},
      intermediate: {},
      userAttrs: {},
      systemAttrs: {},
      startTime: this.#clock++,
      endTime: null,
      heartbeatAt: null,
      runId: null,
    };
    this.#trials.push(frozen);
    this.sampler.beforeTrial?.(this, frozen);
    const space = this.sampler.inferRelativeSearchSpace(this, frozen);
    const relative = Object.keys(space).length ? this.sampler.sampleRelative(this, frozen, space) : {};
    return this.#trial(frozen, space, relative);
  }

  /** Finishes a trial (COMPLETE with values, or PRUNED/FAIL) and calls the sampler's afterTrial. */
  tell(trial: MiniTrial, values: number | number[] | null, state: TrialState = "COMPLETE"): void {
    const t = trial.frozen;
    if (t.state !== "RUNNING") throw new Error(`trial ${t.number} is already ${t.state}`);
    let vs = values === null ? null : Array.isArray(values) ? values : [values];
    if (
      state === "COMPLETE" &&
      (vs === null || vs.length !== this.directions.length || vs.some(Number.isNaN))
    ) {
      state = "FAIL";
      vs = null;
    }
    if (state !== "COMPLETE") vs = null;
    this.sampler.afterTrial?.(this, t, state, vs);
    t.values = vs;
    t.state = state;
    t.endTime = this.#clock++;
  }

  /** Runs `nTrials` trials one after another (fewer when the sampler runs out). */
  optimize(objective: Objective, nTrials: number): void {
    for (let i = 0; i < nTrials; i++) {
      if (isExhaustible(this.sampler) && this.sampler.isExhausted(this)) return;
      const trial = this.ask();
      let out: number | number[];
      try {
        out = objective(trial);
      } catch (e) {
        if (e instanceof TrialPruned) {
          this.tell(trial, null, "PRUNED");
          continue;
        }
        this.tell(trial, null, "FAIL");
        throw e;
      }
      this.tell(trial, out);
    }
  }

  /** The COMPLETE trial with the best value (single objective). */
  get bestTrial(): FrozenTrial | null {
    let best: FrozenTrial | null = null;
    const sign = this.directions[0] === "maximize" ? -1 : 1;
    for (const t of this.#trials) {
      if (t.state !== "COMPLETE" || !t.values) continue;
      if (!best || sign * (t.values[0] as number) < sign * ((best.values as number[])[0] as number)) best = t;
    }
    return best;
  }

  get bestValue(): number {
    return ((this.bestTrial?.values ?? [Number.NaN])[0] as number) ?? Number.NaN;
  }

  #trial(
    frozen: FrozenTrial,
    space: Record<string, DistributionJSON>,
    relative: Record<string, number>,
  ): MiniTrial {
    const suggest = (name: string, d: DistributionJSON): number => {
      const prev = frozen.distributions[name];
      if (prev) {
        if (!sameDistribution(prev, d))
          throw new Error(`param '${name}' suggested with another distribution`);
        return frozen.params[name] as number;
      }
      let v: number;
      const rel = relative[name];
      if (isSingle(d)) v = d.type === "categorical" ? 0 : d.low;
      else if (rel !== undefined && space[name] && sameDistribution(space[name] as DistributionJSON, d))
        v = rel;
      else v = this.sampler.sampleIndependent(this, frozen, name, d);
      if (!contains(d, v)) throw new Error(`sampler gave ${v} for '${name}', outside ${JSON.stringify(d)}`);
      frozen.params[name] = v;
      frozen.distributions[name] = d;
      return v;
    };
    const study = this;
    return {
      number: frozen.number,
      frozen,
      suggestFloat(name, low, high, opts = {}) {
        return suggest(name, floatDistribution(name, low, high, opts));
      },
      suggestInt(name, low, high, opts = {}) {
        return suggest(name, intDistribution(name, low, high, opts));
      },
      suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
        const d = categoricalDistribution(name, choices);
        return toExternal(d, suggest(name, d)) as T;
      },
      report(value, step) {
        frozen.intermediate[step] = Array.isArray(value) ? value : [value];
      },
      shouldPrune() {
        return study.pruner ? study.pruner.prune(study, frozen) : false;
      },
    };
  }
}

/** Runs a study and returns it (sugar for tests and benchmarks). */
export function miniOptimize(options: {
  sampler: Sampler;
  objective: Objective;
  nTrials: number;
  directions?: Direction[];
  pruner?: Pruner;
}): MiniStudy {
  const study = new MiniStudy(options);
  study.optimize(options.objective, options.nTrials);
  return study;
}
