/**
 * Evaluation records over SQL (table `evaluations`, migration 5): the indexed fields as columns,
 * the content (metrics, segments, backtest, comparison, curves) as JSON text. Records are
 * immutable once written.
 */
import type { Selectable } from "kysely";
import { SextantError, validateRunId } from "../../core/index.js";
import type { Database, DB, Tx } from "../engine/index.js";
import {
  type CreateEvaluationInput,
  type EvaluationRecord,
  type EvaluationStore,
  evaluationExists,
  type ListEvaluationsInput,
  MAX_EVALUATIONS_LISTED,
  prepareEvaluation,
  validateEvaluationId,
} from "./contract.js";

export class KyselyEvaluationStore implements EvaluationStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  create(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    return this.#database.tx((t) => insertEvaluation(t, input));
  }

  get(evaluationId: string): Promise<EvaluationRecord> {
    return selectEvaluation(this.#database.db, evaluationId);
  }

  list(input: ListEvaluationsInput = {}): Promise<EvaluationRecord[]> {
    return selectEvaluations(this.#database.db, input);
  }
}

async function insertEvaluation(t: Tx, input: CreateEvaluationInput): Promise<EvaluationRecord> {
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

async function selectEvaluation(db: Tx, evaluationId: string): Promise<EvaluationRecord> {
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

async function selectEvaluations(db: Tx, input: ListEvaluationsInput = {}): Promise<EvaluationRecord[]> {
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

function toRecord(row: Selectable<DB["evaluations"]>): EvaluationRecord {
  return {
    evaluationId: row.evaluation_id,
    runId: row.run_id,
    name: row.name,
    createdTime: Number(row.created_time),
    content: JSON.parse(row.body) as Record<string, unknown>,
  };
}
