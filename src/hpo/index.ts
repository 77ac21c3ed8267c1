/**
 * `sextant-ml/hpo`: hyperparameter optimization. Define-by-run studies (ask/tell and `optimize`),
 * samplers (TPE, random, grid, QMC, NSGA-II), pruners (median, percentile, successive halving,
 * Hyperband), Pareto fronts for multi-objective studies, and the storage contract shared by the
 * in-memory storage and the Store's database.
 * @example
 *   import { createStudy, TpeSampler } from "sextant-ml/hpo";
 *   const study = await createStudy({ sampler: new TpeSampler({ seed: 1 }) });
 *   await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 2) ** 2, { nTrials: 50 });
 */

export { type ImportanceMethod, type StudyReportOptions, studyReport } from "./analysis/index.js";
export {
  type CategoricalChoice,
  categoricalDistribution,
  floatDistribution,
  intDistribution,
  toExternal,
} from "./distributions.js";
export { paretoFrontIndices, paretoFrontTrials, paretoRanks, valuesDominate } from "./pareto.js";
export type { ProcessesSummary, StoreLocator, WorkerCrash } from "./processes.js";
export {
  HyperbandPruner,
  type HyperbandPrunerOptions,
  MedianPruner,
  NopPruner,
  PercentilePruner,
  type PercentilePrunerOptions,
  SuccessiveHalvingPruner,
  type SuccessiveHalvingPrunerOptions,
} from "./pruners/index.js";
export type { Pruner, Sampler, StudyView } from "./sampler.js";
export {
  GridSampler,
  type GridValue,
  NsgaIISampler,
  type NsgaIISamplerOptions,
  QmcSampler,
  type QmcSamplerOptions,
  RandomSampler,
  type RandomSamplerOptions,
  TpeSampler,
  type TpeSamplerOptions,
} from "./samplers/index.js";
export { loadWorkerScript, type WorkerScript } from "./script.js";
export type {
  Direction,
  DistributionJSON,
  FrozenTrial,
  StudyStorage,
  StudySummary,
  TrialState,
  TrialTemplate,
  TrialTracker,
} from "./storage.js";
export { cloneTrial, FINISHED_STATES, InMemoryStorage } from "./storage.js";
export {
  type CreateStudyOptions,
  createStudy,
  deleteStudy,
  type EnqueueOptions,
  type LoadStudyOptions,
  loadStudy,
  type Objective,
  type ObjectiveValue,
  type OptimizeOptions,
  type OptimizeProgress,
  type OptimizeSummary,
  Study,
  type StudyOptions,
  type TellState,
} from "./study.js";
export { externalParams, isTrialPruned, type ParamValue, Trial, TrialPruned } from "./trial.js";
