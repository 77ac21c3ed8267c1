/**
 * Evaluation records in the Store's database (table `evaluations`, migration 5): the indexed
 * fields as columns, the content (metrics, segments, backtest, comparison, curves) as JSON text.
 * Records are immutable once written.
 */
import type { Kysely, Selectable } from "kysely";
import { SextantError } from "../core/errors.js";
import { newRunId } from "../core/ids.js";
import { validateRunId } from "../core/validation.js";
import type { DB } from "./schema.js";
import type { CreateEvaluationInput, EvaluationRecord, ListEvaluationsInput } from "./types.js";

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

export async function insertEvaluation(
  t: Kysely<DB>,
  input: CreateEvaluationInput,
): Promise<EvaluationRecord> {
  const { record, body } = prepareEvaluation(input);
  if (record.runId !== null) {
    const run = await t
      .selectFrom("runs")
      .select("lifecycle_stage")
      .where("run_id", "=", record.runId)
      .executeTakeFirst();
    if (!run)
      throw new SextantError("RUN_NOT_FOUND", `no run with id '${record.runId}'`, { runId: record.runId });
    if (run.lifecycle_stage !== "active") {
      throw new SextantError(
        "INVALID_STATE",
        `run ${record.runId} is deleted; restore it before writing to it`,
        {
          runId: record.runId,
        },
      );
    }
  }
  const clash = await t
    .selectFrom("evaluations")
    .select("evaluation_id")
    .where("evaluation_id", "=", record.evaluationId)
    .executeTakeFirst();
  if (clash) throw evaluationExists(record.evaluationId);
  await t
    .insertInto("evaluations")
    .values({
      evaluation_id: record.evaluationId,
      run_id: record.runId,
      name: record.name,
      created_time: record.createdTime,
      body,
    })
    .execute();
  return record;
}

export async function selectEvaluation(db: Kysely<DB>, evaluationId: string): Promise<EvaluationRecord> {
  validateEvaluationId(evaluationId);
  const row = await db
    .selectFrom("evaluations")
    .selectAll()
    .where("evaluation_id", "=", evaluationId)
    .executeTakeFirst();
  if (!row) {
    throw new SextantError("EVALUATION_NOT_FOUND", `no evaluation with id '${evaluationId}'`, {
      evaluationId,
    });
  }
  return toRecord(row);
}

export async function selectEvaluations(
  db: Kysely<DB>,
  input: ListEvaluationsInput = {},
): Promise<EvaluationRecord[]> {
  const max = input.maxResults ?? MAX_EVALUATIONS_LISTED;
  if (!Number.isInteger(max) || max < 1 || max > MAX_EVALUATIONS_LISTED) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `maxResults must be 1 to ${MAX_EVALUATIONS_LISTED}, got ${max}`,
    );
  }
  let q = db.selectFrom("evaluations").selectAll();
  if (input.runId !== undefined) {
    validateRunId(input.runId);
    const run = await db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", "=", input.runId)
      .executeTakeFirst();
    if (!run)
      throw new SextantError("RUN_NOT_FOUND", `no run with id '${input.runId}'`, { runId: input.runId });
    q = q.where("run_id", "=", input.runId);
  }
  const rows = await q.orderBy("created_time", "desc").orderBy("evaluation_id").limit(max).execute();
  return rows.map(toRecord);
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

function toRecord(row: Selectable<DB["evaluations"]>): EvaluationRecord {
  return {
    evaluationId: row.evaluation_id,
    runId: row.run_id,
    name: row.name,
    createdTime: Number(row.created_time),
    content: JSON.parse(row.body) as Record<string, unknown>,
  };
}
