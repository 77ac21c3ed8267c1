/**
 * The trial an objective receives: define-by-run suggestions, intermediate reports, pruning.
 *
 * Everything here is synchronous: `suggestFloat` returns a number at once. The sampler decides in
 * memory, the trial's copy of itself changes at once (samplers of other in-flight trials see its
 * params), and the storage writes are queued in order; the study awaits them before it tells the
 * trial's outcome. A write that fails fails the trial at tell (`systemAttrs.fail_reason`).
 */
import { isSextantError, SextantError } from "../core/index.js";
import {
  type CategoricalChoice,
  categoricalDistribution,
  contains,
  floatDistribution,
  intDistribution,
  isSingle,
  sameDistribution,
  toExternal,
  toInternal,
} from "./distributions.js";
import type { Pruner, Sampler, StudyView } from "./sampler.js";
import type { Direction, DistributionJSON, FrozenTrial, StudyStorage, TrialParam } from "./storage.js";
import { cloneTrial } from "./storage.js";

/** Throw it from an objective to stop the trial as PRUNED (Optuna's `TrialPruned`). */
export class TrialPruned extends SextantError {
  constructor(message = "the trial was pruned") {
    super("TRIAL_PRUNED", message);
  }
}

/** Whether an error thrown by an objective means "pruned". */
export function isTrialPruned(e: unknown): boolean {
  return e instanceof TrialPruned || isSextantError(e, "TRIAL_PRUNED");
}

/** What a trial needs from its study (the Study implements it). @internal */
export interface TrialHost {
  readonly storage: StudyStorage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly view: StudyView;
  readonly directions: readonly Direction[];
  warn(message: string): void;
  reported(trial: Trial, step: number, values: number[]): void;
}

export type ParamValue = number | CategoricalChoice;

/** The params of a trial as the objective saw them (choices, not indices). */
export function externalParams(t: Pick<FrozenTrial, "params" | "distributions">): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const k in t.params) {
    const d = t.distributions[k];
    out[k] = d === undefined ? t.params[k]! : toExternal(d, t.params[k]!);
  }
  return out;
}

export class Trial {
  readonly #host: TrialHost;
  /** The trial as it is now: shared with the study's cache, so in-flight params are visible. */
  readonly #t: FrozenTrial;
  readonly #relativeSpace: Record<string, DistributionJSON>;
  readonly #relative: Record<string, number>;
  readonly #fixed: Record<string, unknown> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #params: TrialParam[] = [];
  #writeError: unknown;
  #finished = false;

  /** @internal Made by `Study.ask`. */
  constructor(host: TrialHost, working: FrozenTrial) {
    this.#host = host;
    this.#t = working;
    const fixed = working.systemAttrs.fixed_params;
    this.#fixed =
      fixed !== null && typeof fixed === "object" && !Array.isArray(fixed)
        ? (fixed as Record<string, unknown>)
        : undefined;
    // relative sampling runs once, before the objective asks for anything
    host.sampler.beforeTrial?.(host.view, working);
    this.#relativeSpace = host.sampler.inferRelativeSearchSpace(host.view, working);
    this.#relative = host.sampler.sampleRelative(host.view, working, this.#relativeSpace);
  }

  /** 0-based, per study. */
  get number(): number {
    return this.#t.number;
  }

  get trialId(): string {
    return this.#t.trialId;
  }

  /** The params suggested so far, as the objective saw them. */
  get params(): Record<string, ParamValue> {
    return externalParams(this.#t);
  }

  get distributions(): Record<string, DistributionJSON> {
    return structuredClone(this.#t.distributions);
  }

  get userAttrs(): Record<string, unknown> {
    return structuredClone(this.#t.userAttrs);
  }

  get systemAttrs(): Record<string, unknown> {
    return structuredClone(this.#t.systemAttrs);
  }

  get startTime(): number | null {
    return this.#t.startTime;
  }

  /** The tracking run recording this trial, when the study has a tracker. */
  get runId(): string | null {
    return this.#t.runId;
  }

  /** Whether the study has told this trial's outcome. */
  get finished(): boolean {
    return this.#finished;
  }

  /** A float in [low, high]; `{ log: true }` samples on a log scale, `{ step }` on a grid from low. */
  suggestFloat(
    name: string,
    low: number,
    high: number,
    options: { log?: boolean; step?: number } = {},
  ): number {
    this.#active("suggestFloat");
    return this.#suggest(name, floatDistribution(name, low, high, options)) as number;
  }

  /** An integer in [low, high]; `{ log: true }` or `{ step }` as for floats. */
  suggestInt(
    name: string,
    low: number,
    high: number,
    options: { log?: boolean; step?: number } = {},
  ): number {
    this.#active("suggestInt");
    return this.#suggest(name, intDistribution(name, low, high, options)) as number;
  }

  /** One of `choices` (strings, numbers, booleans or null). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    this.#active("suggestCategorical");
    return this.#suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /**
   * Reports an intermediate value (a vector in multi-objective studies, or the first objective
   * alone) at a step, a non-negative integer. A step reported twice keeps the first value, as in
   * Optuna (with a warning).
   */
  report(value: number | readonly number[], step: number): void {
    this.#active("report");
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new SextantError("INVALID_ARGUMENT", `step must be a non-negative integer, got ${String(step)}`, {
        step,
      });
    }
    const values =
      typeof value === "number" ? [value] : Array.isArray(value) ? [...(value as number[])] : null;
    if (values === null || values.length === 0 || values.some((v) => typeof v !== "number")) {
      throw new SextantError("INVALID_ARGUMENT", `a reported value is a number or a list of numbers`, {
        step,
      });
    }
    const n = this.#host.directions.length;
    if (values.length !== 1 && values.length !== n) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `reported ${values.length} values for a study with ${n} objectives (report one or ${n})`,
        { step },
      );
    }
    if (this.#t.intermediate[step] !== undefined) {
      this.#host.warn(`trial ${this.number}: step ${step} was already reported; the new value is ignored`);
      return;
    }
    this.#t.intermediate[step] = values;
    const trialId = this.#t.trialId;
    const storage = this.#host.storage;
    this.#write(() => storage.setTrialIntermediate(trialId, step, values));
    this.#host.reported(this, step, values);
  }

  /**
   * Whether the study's pruner would stop this trial now, judging its reports so far. Pruners
   * judge the first objective of multi-objective studies unless built with `objective`.
   */
  shouldPrune(): boolean {
    this.#active("shouldPrune");
    const attrs = this.#t.systemAttrs;
    const before = { ...attrs };
    const prune = this.#host.pruner.prune(this.#host.view, this.#t);
    // pruners may record state on the trial they judge (successive halving's rungs): persist it
    for (const k in attrs) {
      if (attrs[k] !== before[k]) {
        const v = attrs[k];
        const trialId = this.#t.trialId;
        const storage = this.#host.storage;
        this.#write(() => storage.setTrialAttr(trialId, "system", k, v));
      }
    }
    return prune;
  }

  setUserAttr(key: string, value: unknown): void {
    this.#active("setUserAttr");
    if (typeof key !== "string" || key === "")
      throw new SextantError("INVALID_ARGUMENT", "an attribute needs a key");
    this.#t.userAttrs[key] = value;
    const trialId = this.#t.trialId;
    const storage = this.#host.storage;
    this.#write(() => storage.setTrialAttr(trialId, "user", key, value));
  }

  /** A snapshot of the trial as it is now. */
  toFrozen(): FrozenTrial {
    return cloneTrial(this.#t);
  }

  // ---------------------------------------------------------------- for the study

  /** @internal The live working copy (the study's cache holds the same object). */
  get working(): FrozenTrial {
    return this.#t;
  }

  /** @internal Ends the trial for the objective: no suggest, report or attribute after this. */
  markFinished(): void {
    this.#finished = true;
  }

  /** @internal Queues a storage write after the trial's earlier ones. */
  queueWrite(op: () => Promise<unknown>): void {
    this.#write(op);
  }

  /** @internal Waits for the queued writes; resolves with the first error, if any. */
  async flush(): Promise<unknown> {
    await this.#queue;
    return this.#writeError;
  }

  // ---------------------------------------------------------------- internals

  #active(what: string): void {
    if (this.#finished) {
      throw new SextantError(
        "INVALID_STATE",
        `trial ${this.number} has ended; ${what} is not allowed any more`,
        {
          trial: this.number,
        },
      );
    }
  }

  /**
   * Params go out in batches: those suggested before the queue reaches them are written in one
   * call (so the params an objective asks for at its start cost one request, not one each).
   */
  #queueParam(param: TrialParam): void {
    this.#params.push(param);
    if (this.#params.length > 1) return;
    const trialId = this.#t.trialId;
    const storage = this.#host.storage;
    this.#write(() => {
      const batch = this.#params;
      this.#params = [];
      return storage.setTrialParams(trialId, batch);
    });
  }

  #write(op: () => Promise<unknown>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#writeError !== undefined) return;
      try {
        await op();
      } catch (e) {
        this.#writeError = e;
      }
    });
  }

  /** The external value for `name` under `dist`, sampling it on first use. */
  #suggest(name: string, dist: DistributionJSON): ParamValue {
    const t = this.#t;
    const prev = t.distributions[name];
    if (prev !== undefined) {
      if (!sameDistribution(prev, dist)) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `parameter '${name}' was suggested before with ${JSON.stringify(prev)}, now with ${JSON.stringify(dist)}`,
          { name },
        );
      }
      return toExternal(prev, t.params[name]!);
    }
    let v: number;
    if (this.#fixed !== undefined && Object.hasOwn(this.#fixed, name)) {
      // an enqueued value; one outside the distribution is an error (Optuna warns and keeps it)
      v = toInternal(name, dist, this.#fixed[name]);
    } else if (isSingle(dist)) {
      v = dist.type === "categorical" ? 0 : dist.low;
    } else {
      const rel = this.#relative[name];
      const relDist = this.#relativeSpace[name];
      if (
        rel !== undefined &&
        relDist !== undefined &&
        sameDistribution(relDist, dist) &&
        contains(dist, rel)
      ) {
        v = rel;
      } else {
        v = this.#host.sampler.sampleIndependent(this.#host.view, t, name, dist);
        if (!contains(dist, v)) {
          throw new SextantError(
            "INTERNAL",
            `the sampler returned ${String(v)} for parameter '${name}', outside ${JSON.stringify(dist)}`,
            { name },
          );
        }
      }
    }
    t.params[name] = v;
    t.distributions[name] = dist;
    this.#queueParam({ name, value: v, distribution: dist });
    return toExternal(dist, v);
  }
}
