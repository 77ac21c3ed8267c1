export {
  type Lineage,
  type LoadedModel,
  META_FILE,
  MODEL_FILE,
  type Registry,
  RegistryReader,
  type TransitionOptions,
} from "./contract.js";
export { HttpRegistry } from "./http.js";
export { type ManifestEntry, manifestHash, manifestOf } from "./manifest.js";
export {
  type CheckContext,
  checkPolicy,
  checkPolicyShape,
  type EvidenceChecker,
  type PolicyCheck,
  type PolicyCondition,
  type PromotionPolicy,
  registerEvidenceKind,
  requirementsFor,
  type StageRequirements,
} from "./policy.js";
export { ModelRegistry, type RegistryDeps } from "./registry.js";
export { planAliasRollback, planStageRollback, type RollbackPlan } from "./rollback.js";
export * from "./rules.js";
export { type ModelRef, parseModelUri, parseRunsUri } from "./uri.js";
