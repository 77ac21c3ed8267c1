/**
 * PercentilePruner and MedianPruner, with Optuna's semantics: prune when the trial's best
 * intermediate value so far is worse than the given percentile of the COMPLETE trials' values at
 * the same step.
 */
import { SextantError } from "../../core/index.js";
import type { Pruner, StudyView } from "../sampler.js";
import type { FrozenTrial } from "../storage.js";
import {
  checkInt,
  checkObjective,
  directionOf,
  lastStep,
  nanPercentile,
  type ObjectiveOption,
  reportedSteps,
  valueAt,
} from "./util.js";

export interface PercentilePrunerOptions extends ObjectiveOption {
  /** No pruning until this many trials have COMPLETEd. Default 5. */
  nStartupTrials?: number;
  /** No pruning before this step (steps count from 0). Default 0. */
  nWarmupSteps?: number;
  /**
   * Steps between pruning checks, offset by the warmup; a check with no value reported at its step
   * waits for the next report. Default 1.
   */
  intervalSteps?: number;
  /** No pruning at a step fewer than this many COMPLETE trials reported. Default 1. */
  nMinTrials?: number;
}

export class PercentilePruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;
  readonly objective: number;

  /** Keeps the top `percentile` percent: 25 prunes a trial unless it is in the best quarter. */
  constructor(percentile: number, options: PercentilePrunerOptions = {}) {
    if (typeof percentile !== "number" || !(percentile >= 0 && percentile <= 100)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `percentile must be between 0 and 100, got ${String(percentile)}`,
      );
    }
    this.percentile = percentile;
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    this.objective = checkObjective(options.objective);
    checkInt("nStartupTrials", this.nStartupTrials, 0);
    checkInt("nWarmupSteps", this.nWarmupSteps, 0);
    checkInt("intervalSteps", this.intervalSteps, 1);
    checkInt("nMinTrials", this.nMinTrials, 1);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.trials(["COMPLETE"]);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === null || step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, reportedSteps(trial), this.nWarmupSteps, this.intervalSteps))
      return false;

    const o = this.objective;
    const maximize = directionOf(study, o) === "maximize";
    let best = Number.NaN;
    for (const k in trial.intermediate) {
      const v = trial.intermediate[k]![o];
      if (v === undefined || Number.isNaN(v)) continue;
      if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
    }
    if (Number.isNaN(best)) return true;

    const others: number[] = [];
    for (const t of completed) {
      const v = valueAt(t, step, o);
      if (v !== undefined) others.push(v);
    }
    if (others.length < this.nMinTrials) return false;
    const p = nanPercentile(others, maximize ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return maximize ? best < p : best > p;
  }
}

/** Prunes a trial whose best intermediate value is worse than the median of COMPLETE trials at the step (Optuna's default pruner). */
export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}

/** Optuna's _is_first_in_interval_step: whether `step` is the first report at or after the latest check point. */
export function isFirstInIntervalStep(
  step: number,
  steps: readonly number[],
  nWarmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestLowerPruningStep =
    Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerPruningStep;
}
