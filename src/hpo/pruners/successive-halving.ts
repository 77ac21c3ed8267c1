/**
 * Asynchronous successive halving (ASHA, Li et al. 2018), with Optuna's semantics: a trial that
 * reaches a rung's step is promoted when its value there is in the top 1/reductionFactor of the
 * values recorded at that rung so far (the best of them while fewer than reductionFactor trials
 * reached it), and pruned otherwise. The rung a trial completed and its value there are recorded
 * in the trial's system attributes as `completed_rung_<k>` (the only state a pruner writes: the
 * study persists it).
 *
 * One default differs from Optuna's: `minResource: "auto"` puts the first rung at 10% of a
 * complete trial's steps, not 1% (`autoMinResourceFraction`). Every other rule, and the decisions
 * with an explicit minResource or autoMinResourceFraction 0.01, are Optuna's (checked against
 * Optuna 3.1 by test/oracles/hpo_pruners.py).
 */
import { SextantError } from "../../core/index.js";
import type { Pruner, StudyView } from "../sampler.js";
import type { Direction, FrozenTrial } from "../storage.js";
import { checkInt, checkObjective, directionOf, lastStep, type ObjectiveOption, valueAt } from "./util.js";

export interface SuccessiveHalvingPrunerOptions extends ObjectiveOption {
  /**
   * The step of the first rung (rung k is at minResource × reductionFactor^(minEarlyStoppingRate + k)).
   * "auto" (the default) estimates it once, when the first trial has COMPLETEd, as
   * max(1, ⌊autoMinResourceFraction × its last step⌋).
   */
  minResource?: "auto" | number;
  /**
   * Where "auto" puts the first rung, as a fraction of the steps of a complete trial. Default 0.1:
   * for 100 steps, rungs at steps 9 and 36 with the default reductionFactor 4. Optuna uses 0.01
   * (a first rung at step 1 of 100), which judges curves that saturate at different speeds before
   * they have separated: on the learning-curve benchmark (analysis/learning-curves.ts, curve sets
   * 0–4, `npm run bench -- hpo`) Optuna's default uses 6.6% of the no-pruning budget and loses
   * 0.032 of the best final value on average; 0.1 uses 22% and loses 0.005 (0.004 over sets 0–9;
   * 0.12 and 0.15 lose less for 24% and 29%). Pass 0.01 for Optuna's behaviour.
   */
  autoMinResourceFraction?: number;
  /** Keep the top 1/reductionFactor at each rung. Default 4. */
  reductionFactor?: number;
  /** Skips the first rungs: the first check is at minResource × reductionFactor^rate. Default 0. */
  minEarlyStoppingRate?: number;
  /** Prune at a rung until more than this many trials have reached it. Default 0. */
  bootstrapCount?: number;
}

export function completedRungKey(rung: number): string {
  return `completed_rung_${rung}`;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  readonly objective: number;
  readonly autoMinResourceFraction: number;
  #minResource: number | null;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    const minResource = options.minResource ?? "auto";
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    this.objective = checkObjective(options.objective);
    this.autoMinResourceFraction = options.autoMinResourceFraction ?? 0.1;
    if (!(this.autoMinResourceFraction > 0 && this.autoMinResourceFraction <= 1)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `autoMinResourceFraction must be in (0, 1], got ${String(this.autoMinResourceFraction)}`,
      );
    }
    if (minResource !== "auto") checkInt("minResource", minResource, 1);
    checkInt("reductionFactor", this.reductionFactor, 2);
    checkInt("minEarlyStoppingRate", this.minEarlyStoppingRate, 0);
    checkInt("bootstrapCount", this.bootstrapCount, 0);
    if (this.bootstrapCount > 0 && minResource === "auto") {
      throw new SextantError("INVALID_ARGUMENT", "bootstrapCount > 0 needs a minResource, not 'auto'");
    }
    this.#minResource = minResource === "auto" ? null : minResource;
  }

  /** The first rung's step once known (estimated from the history when "auto"). */
  get minResource(): number | null {
    return this.#minResource;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === null) return false;
    const o = this.objective;
    let rung = currentRung(trial);
    const value = valueAt(trial, step, o) ?? Number.NaN;
    let trials: readonly FrozenTrial[] | null = null;
    for (;;) {
      if (this.#minResource === null) {
        trials ??= study.trials();
        this.#minResource = estimateMinResource(trials, this.autoMinResourceFraction);
        if (this.#minResource === null) return false;
      }
      const promotionStep = this.#minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      if (Number.isNaN(value)) return true;
      trials ??= study.trials();
      const key = completedRungKey(rung);
      // the pruner's only side effect: the study persists new system attributes of the judged trial
      trial.systemAttrs[key] = value;
      const competing: number[] = [];
      for (const t of trials) {
        if (t.number === trial.number) continue;
        const v = t.systemAttrs[key];
        if (typeof v === "number") competing.push(v);
      }
      competing.push(value);
      if (competing.length <= this.bootstrapCount) return true;
      if (!isPromotable(value, competing, this.reductionFactor, directionOf(study, o))) return true;
      rung++;
    }
  }
}

/** How many rungs the trial has completed (Optuna counts consecutive completed_rung_k keys). */
export function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (completedRungKey(rung) in trial.systemAttrs) rung++;
  return rung;
}

function estimateMinResource(trials: readonly FrozenTrial[], fraction: number): number | null {
  let last = -1;
  for (const t of trials) {
    if (t.state !== "COMPLETE") continue;
    const s = lastStep(t);
    if (s !== null && s > last) last = s;
  }
  // the epsilon keeps 0.01 × 300 at 3 (Optuna computes last // 100 in integers)
  return last < 0 ? null : Math.max(Math.floor(last * fraction + 1e-9), 1);
}

function isPromotable(
  value: number,
  competing: number[],
  reductionFactor: number,
  direction: Direction,
): boolean {
  let idx = Math.floor(competing.length / reductionFactor) - 1;
  if (idx === -1) idx = 0;
  competing.sort((a, b) => a - b);
  return direction === "maximize"
    ? value >= competing[competing.length - 1 - idx]!
    : value <= competing[idx]!;
}
