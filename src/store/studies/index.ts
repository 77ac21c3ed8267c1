export {
  type CategoricalChoice,
  checkNewStudy,
  checkRequestId,
  checkRunLink,
  type Direction,
  type DistributionJSON,
  FINISHED_STATES,
  type FrozenTrial,
  type StudyListing,
  type StudyStorage,
  type StudySummary,
  type TrialState,
  type TrialTemplate,
  type TrialTracker,
} from "./contract.js";
export { HttpStudyStorage } from "./http.js";
export { KyselyStudyStorage } from "./kysely.js";
export { cloneTrial, InMemoryStorage } from "./memory.js";
