/**
 * The study storage contract and its in-memory implementation live with the store
 * (src/store/studies), which keeps studies in the same database as runs; this module re-exports
 * them for the HPO code.
 */
export {
  type AskInput,
  type AskResult,
  type CategoricalChoice,
  cloneTrial,
  type Direction,
  type DistributionJSON,
  FINISHED_STATES,
  type FrozenTrial,
  InMemoryStorage,
  type StudyListing,
  type StudyStorage,
  type StudySummary,
  type TrialParam,
  type TrialState,
  type TrialTemplate,
  type TrialTracker,
} from "../store/index.js";
