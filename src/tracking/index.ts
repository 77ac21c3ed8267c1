export * from "./capture/index.js";
export {
  ActiveRun,
  type LogArtifactOptions,
  type LogDatasetOptions,
  type MetricOptions,
} from "./run.js";
export { generateRunName } from "./run-names.js";
export {
  type CaptureOptions,
  type MetricPoint,
  type OpenOptions,
  type SearchRunsOptions,
  Sextant,
  type SextantLoadStudyOptions,
  type SextantStudyOptions,
  type StartRunOptions,
} from "./sextant.js";
export { RunTrialTracker, type RunTrialTrackerOptions } from "./study-tracker.js";
