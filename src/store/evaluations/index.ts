export {
  type CreateEvaluationInput,
  type EvaluationRecord,
  type EvaluationStore,
  evaluationExists,
  type ListEvaluationsInput,
  MAX_EVALUATION_BYTES,
  MAX_EVALUATIONS_LISTED,
  prepareEvaluation,
  validateEvaluationId,
} from "./contract.js";
export { HttpEvaluationStore } from "./http.js";
export { KyselyEvaluationStore } from "./kysely.js";
