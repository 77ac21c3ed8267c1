/**
 * Evaluation records: what `sx.evaluate` measured (metrics with confidence intervals, segments,
 * backtest, the comparison with a baseline, curves), linked to a run. Implemented over SQL
 * (kysely.ts), over a Sextant server (http.ts) and in the offline spool.
 */
import type { EvaluationRecord } from "../../api/index.js";
import { newRunId, SextantError, validateRunId } from "../../core/index.js";

/**
 * An evaluation record as stored: the fields it is found by, plus its content (metrics with
 * confidence intervals, segments, backtest, baseline comparison, curves), whose shape
 * `sextant-ml/evaluate` defines (api/evaluations.ts EvaluationContent). Records are immutable.
 */
export type { EvaluationRecord } from "../../api/index.js";

export interface CreateEvaluationInput {
  /** Use this id instead of a fresh one (chosen by the client, so retries and replays are safe). */
  evaluationId?: string;
  runId?: string | null;
  name: string;
  createdTime: number;
  /** JSON-shaped; at most 8 MiB serialized. */
  content: Record<string, unknown>;
}

export interface ListEvaluationsInput {
  /** Only the run's records. */
  runId?: string;
  /** At most this many, newest first (default and limit 1000). */
  maxResults?: number;
}

export interface EvaluationStore {
  /**
   * Stores an evaluation record. @throws RUN_NOT_FOUND, INVALID_STATE (deleted run),
   * EVALUATION_ALREADY_EXISTS, INVALID_ARGUMENT, LIMIT_EXCEEDED
   */
  create(input: CreateEvaluationInput): Promise<EvaluationRecord>;
  /** @throws EVALUATION_NOT_FOUND */
  get(evaluationId: string): Promise<EvaluationRecord>;
  /** Records newest first (a run's, when runId is given). @throws RUN_NOT_FOUND */
  list(input?: ListEvaluationsInput): Promise<EvaluationRecord[]>;
}

/** Largest serialized content of one record (curves are downsampled well below this). */
export const MAX_EVALUATION_BYTES = 8 * 2 ** 20;
/** Records one listEvaluations call returns at most. */
export const MAX_EVALUATIONS_LISTED = 1000;
const NAME_MAX = 256;
const EVALUATION_ID = /^[0-9a-f]{32}$/;

export function validateEvaluationId(id: unknown): string {
  if (typeof id !== "string" || !EVALUATION_ID.test(id)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `invalid evaluation id ${JSON.stringify(id)}: expected 32 lowercase hex digits`,
      { evaluationId: id },
    );
  }
  return id;
}

/** Checks a create input and serializes its content. @throws INVALID_ARGUMENT, LIMIT_EXCEEDED */
export function prepareEvaluation(input: CreateEvaluationInput): {
  record: EvaluationRecord;
  body: string;
} {
  const evaluationId =
    input.evaluationId === undefined ? newRunId() : validateEvaluationId(input.evaluationId);
  const runId = input.runId == null ? null : validateRunId(input.runId);
  if (typeof input.name !== "string" || input.name.length === 0 || input.name.length > NAME_MAX) {
    throw new SextantError("INVALID_ARGUMENT", `an evaluation name is 1 to ${NAME_MAX} characters`, {
      name: input.name,
    });
  }
  if (!Number.isSafeInteger(input.createdTime) || input.createdTime < 0) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `createdTime must be epoch milliseconds, got ${input.createdTime}`,
    );
  }
  if (typeof input.content !== "object" || input.content === null || Array.isArray(input.content)) {
    throw new SextantError("INVALID_ARGUMENT", "an evaluation's content must be a JSON object");
  }
  let body: string;
  try {
    body = JSON.stringify(input.content);
  } catch (e) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `an evaluation's content is not JSON: ${(e as Error).message}`,
    );
  }
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_EVALUATION_BYTES) {
    throw new SextantError(
      "LIMIT_EXCEEDED",
      `the evaluation is ${bytes} bytes as JSON, over the limit of ${MAX_EVALUATION_BYTES}`,
      { bytes, limit: MAX_EVALUATION_BYTES },
    );
  }
  return {
    record: {
      evaluationId,
      runId,
      name: input.name,
      createdTime: input.createdTime,
      content: JSON.parse(body) as Record<string, unknown>,
    },
    body,
  };
}

export function evaluationExists(evaluationId: string): SextantError {
  return new SextantError(
    "EVALUATION_ALREADY_EXISTS",
    `an evaluation with id ${evaluationId} already exists`,
    {
      evaluationId,
    },
  );
}
