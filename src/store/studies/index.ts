export {
  type AskInput,
  type AskResult,
  askTrialSteps,
  type CategoricalChoice,
  checkNewStudy,
  checkRequestId,
  checkRunLink,
  type Direction,
  type DistributionJSON,
  FINISHED_STATES,
  type FrozenTrial,
  type NewStudy,
  type StudyListing,
  type StudyStorage,
  type StudySummary,
  type TrialParam,
  type TrialState,
  type TrialTemplate,
  type TrialTracker,
} from "./contract.js";
export { HttpStudyStorage } from "./http.js";
export { KyselyStudyStorage } from "./kysely.js";
export { cloneTrial, InMemoryStorage } from "./memory.js";
