// the numerical kernels, one implementation each
export * from "./binomial.js";
export { type Clock, ManualClock, systemClock } from "./clock.js";
export { type Columns, downsample, MIN_DOWNSAMPLE_POINTS, minMaxBucketIndices } from "./downsample.js";
export { entropySeed } from "./entropy.js";
export { ERROR_CATALOG, type ErrorCode, type ErrorSpec, isSextantError, SextantError } from "./errors.js";
export { sha256, sha256File } from "./hash.js";
export { newRunId } from "./ids.js";
export * from "./normal.js";
export * from "./quantile.js";
export * from "./ranking.js";
export { Rng, Stream } from "./rng.js";
export {
  type KeyKind,
  LIMITS,
  paramToString,
  pathNotUnique,
  validateArtifactPath,
  validateExperimentName,
  validateKey,
  validateMetric,
  validateParamValue,
  validateRunId,
  validateRunName,
  validateTagValue,
} from "./validation.js";
export { type WorkerPool, workerModule, workerPool } from "./worker-pool.js";
