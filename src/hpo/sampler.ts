/**
 * The sampler and pruner interfaces (as small as Optuna's). Samplers and pruners are synchronous
 * and pure apart from their seeded generator: the study keeps the trial history in memory and
 * hands them a read-only view.
 */
import type { Direction, DistributionJSON, FrozenTrial, TrialState } from "./storage.js";

export interface StudyView {
  readonly directions: readonly Direction[];
  /** Trials in number order; filtered by state when given. Snapshots: do not modify. */
  trials(states?: readonly TrialState[]): readonly FrozenTrial[];
}

/**
 * Relative sampling draws several params jointly (multivariate TPE, QMC, NSGA-II) from a search
 * space inferred from the history; independent sampling draws one param the relative step did
 * not cover. `sampleRelative` runs once per trial before the objective asks for anything.
 */
export interface Sampler {
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, DistributionJSON>;
  /** Internal values for some or all of `space` (missing ones fall back to sampleIndependent). */
  sampleRelative(
    study: StudyView,
    trial: FrozenTrial,
    space: Record<string, DistributionJSON>,
  ): Record<string, number>;
  /** The internal value for one param. */
  sampleIndependent(
    study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: DistributionJSON,
  ): number;
  beforeTrial?(study: StudyView, trial: FrozenTrial): void;
  afterTrial?(study: StudyView, trial: FrozenTrial, state: TrialState, values: number[] | null): void;
  reseedRng?(seed: number): void;
}

export interface Pruner {
  /** Whether the trial (RUNNING, with its intermediate values so far) should stop now. */
  prune(study: StudyView, trial: FrozenTrial): boolean;
}
