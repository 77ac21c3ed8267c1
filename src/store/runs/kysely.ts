/**
 * The runs aggregate over SQL, shared by SQLite and PostgreSQL: every query written once with
 * Kysely against the Database (../engine) that supplies the connection and the transactions.
 * Where the database has flights (PostgreSQL), the run writes the SDK sends all the time
 * (createRun, logBatch, updateRun) go first as one statement each, written for PostgreSQL
 * (FlightStatement); a write it refuses runs the checked transaction, which raises the typed error.
 */
import { CompiledQuery, type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import {
  LIMITS,
  newRunId,
  SextantError,
  sha256,
  validateArtifactPath,
  validateExperimentName,
  validateKey,
  validateParamValue,
  validateRunId,
  validateRunName,
  validateTagValue,
} from "../../core/index.js";
import type {
  Database,
  DB,
  Dialect,
  FlightResult,
  MetricSummaryTable,
  RunsTable,
  Tx,
} from "../engine/index.js";
import { checkSearchSize, type OrderBy, parseFilter, parseOrderBy } from "../search/index.js";
import {
  type ArtifactEntry,
  type CountRunsInput,
  type CreateExperimentInput,
  type CreateRunInput,
  type Experiment,
  type ExperimentColumns,
  type ExperimentSummary,
  type HistoryQuery,
  type LifecycleStage,
  type LogBatchInput,
  type MetricSeriesInput,
  type MetricSummary,
  RUN_STATUSES,
  type Run,
  type RunColumns,
  type RunDataset,
  type RunInfo,
  type RunStatus,
  type RunStore,
  type SearchRunsInput,
  type SearchRunsResult,
  type UpdateRunInput,
  type ViewType,
} from "./contract.js";
import { decodeSeries, encodeChunk, type SeriesColumns, seriesStats } from "./metric-codec.js";
import { planSearch, type SearchPhase } from "./search-sql.js";

/** Points per stored chunk; longer fragments are split. */
export const CHUNK_POINTS = 32_768;
export const MAX_SEARCH_RESULTS = 50_000;
const DEFAULT_SEARCH_RESULTS = 1000;
/** Rows of the sort key a bounded search phase considers (see SearchPhase.bounded). */
export const SEARCH_BUDGET = 5000;

export interface KyselyRunStoreOptions {
  /** Rows of the sort key a bounded search reads before falling back to a full sort (default 5000). */
  searchBudget?: number;
}
/** Rows per multi-row INSERT, under both engines' bound-parameter limits. */
const INSERT_ROWS = 500;

/** Batches per group-commit transaction, at most. */
const GROUP_COMMIT_MAX = 256;

interface PreparedBatch {
  /** Experiment keys this batch registered, cached once its transaction commits. */
  registered?: string[];
  runId: string;
  key: string | undefined;
  heartbeatAt: number | undefined;
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
  metrics: MetricSeriesInput[];
}

interface PendingBatch {
  batch: PreparedBatch;
  resolve(): void;
  reject(e: unknown): void;
}

export class KyselyRunStore implements RunStore {
  readonly #database: Database;
  readonly #db: Kysely<DB>;
  readonly #dialect: Dialect;

  readonly #searchBudget: number;
  /** Whether concurrent logBatch calls share transactions (see #drain). */
  readonly #groupCommit: boolean;
  readonly #pending: PendingBatch[] = [];
  #draining = false;
  readonly #runExperiment = new Map<string, number>();
  /** The database's one-round-trip transactions, where it has them (PostgreSQL). */
  readonly #flight:
    | ((statements: readonly CompiledQuery[], writes?: Record<string, number>) => Promise<FlightResult[]>)
    | undefined;
  readonly #knownKeys = new Set<string>();

  constructor(database: Database, options: KyselyRunStoreOptions = {}) {
    this.#database = database;
    this.#db = database.db;
    this.#dialect = database.dialect;
    this.#searchBudget = options.searchBudget ?? SEARCH_BUDGET;
    // SQLite has one writer at a time anyway; PostgreSQL runs concurrent transactions itself.
    this.#groupCommit = database.dialect === "sqlite";
    this.#flight = database.flight?.bind(database);
  }

  /** Runs `fn` in one write transaction: all of it commits or none of it does. */
  #tx<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
    return this.#database.tx(fn);
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(input: CreateExperimentInput, now: number): Promise<Experiment> {
    const name = validateExperimentName(input.name);
    const tags = validateTags(input.tags ?? {}, "experiment tag");
    const id = await this.#tx(async (t) => {
      const existing = await t
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing) {
        throw new SextantError("EXPERIMENT_ALREADY_EXISTS", `an experiment named '${name}' already exists`, {
          name,
          experimentId: String(existing.experiment_id),
        });
      }
      const row = await t
        .insertInto("experiments")
        .values({
          name,
          artifact_location: input.artifactLocation ?? "",
          lifecycle_stage: "active",
          creation_time: now,
          last_update_time: now,
        })
        .returning("experiment_id")
        .executeTakeFirstOrThrow();
      const eid = Number(row.experiment_id);
      if (input.artifactLocation === undefined) {
        await t
          .updateTable("experiments")
          .set({ artifact_location: `mlflow-artifacts:/${eid}` })
          .where("experiment_id", "=", eid)
          .execute();
      }
      for (let i = 0; i < tags.length; i += INSERT_ROWS) {
        await t
          .insertInto("experiment_tags")
          .values(
            tags.slice(i, i + INSERT_ROWS).map((x) => ({ experiment_id: eid, key: x.key, value: x.value })),
          )
          .execute();
      }
      return eid;
    });
    return this.getExperiment(String(id));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const id = parseExperimentId(experimentId);
    // the experiment and its tags at once (on PostgreSQL, over two pooled connections)
    const [row, tags] = await Promise.all([
      this.#db.selectFrom("experiments").selectAll().where("experiment_id", "=", id).executeTakeFirst(),
      this.#db
        .selectFrom("experiment_tags")
        .select(["key", "value"])
        .where("experiment_id", "=", id)
        .execute(),
    ]);
    if (!row) throw experimentNotFound(experimentId);
    return toExperiment(row, tags);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const [row, tags] = await Promise.all([
      this.#db.selectFrom("experiments").selectAll().where("name", "=", name).executeTakeFirst(),
      this.#db
        .selectFrom("experiment_tags as t")
        .innerJoin("experiments as e", "e.experiment_id", "t.experiment_id")
        .select(["t.key", "t.value"])
        .where("e.name", "=", name)
        .execute(),
    ]);
    return row ? toExperiment(row, tags) : null;
  }

  async listExperiments(viewType: ViewType = "active"): Promise<ExperimentSummary[]> {
    let q = this.#db
      .selectFrom("experiments as e")
      .selectAll("e")
      .select((eb) => [
        eb
          .selectFrom("runs as r")
          .select((e2) => e2.fn.countAll<number>().as("c"))
          .whereRef("r.experiment_id", "=", "e.experiment_id")
          .where("r.lifecycle_stage", "=", "active")
          .as("run_count"),
        eb
          .selectFrom("runs as r")
          .select((e2) => e2.fn.max("r.start_time").as("m"))
          .whereRef("r.experiment_id", "=", "e.experiment_id")
          .where("r.lifecycle_stage", "=", "active")
          .as("last_start"),
      ])
      .orderBy("e.experiment_id");
    if (viewType !== "all") q = q.where("e.lifecycle_stage", "=", viewType);
    const rows = await q.execute();
    const tagRows = await this.#db.selectFrom("experiment_tags").selectAll().execute();
    const tagsBy = new Map<number, Array<{ key: string; value: string }>>();
    for (const t of tagRows) {
      const id = Number(t.experiment_id);
      const list = tagsBy.get(id) ?? [];
      if (list.length === 0) tagsBy.set(id, list);
      list.push(t);
    }
    return rows.map((r) => ({
      ...toExperiment(r, tagsBy.get(Number(r.experiment_id)) ?? []),
      runCount: Number(r.run_count ?? 0),
      lastRunStartTime: r.last_start === null || r.last_start === undefined ? null : Number(r.last_start),
    }));
  }

  async renameExperiment(experimentId: string, name: string, now: number): Promise<void> {
    const id = parseExperimentId(experimentId);
    validateExperimentName(name);
    await this.#tx(async (t) => {
      await this.#requireExperiment(t, id, experimentId);
      const clash = await t
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (clash && Number(clash.experiment_id) !== id) {
        throw new SextantError("EXPERIMENT_ALREADY_EXISTS", `an experiment named '${name}' already exists`, {
          name,
        });
      }
      await t
        .updateTable("experiments")
        .set({ name, last_update_time: now })
        .where("experiment_id", "=", id)
        .execute();
    });
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    const id = parseExperimentId(experimentId);
    if (id === 0 && stage === "deleted") {
      throw new SextantError("INVALID_STATE", "the Default experiment cannot be deleted", { experimentId });
    }
    await this.#tx(async (t) => {
      await this.#requireExperiment(t, id, experimentId);
      await t
        .updateTable("experiments")
        .set({ lifecycle_stage: stage, last_update_time: now })
        .where("experiment_id", "=", id)
        .execute();
    });
  }

  async setExperimentTag(experimentId: string, key: string, value: string, now: number): Promise<void> {
    const id = parseExperimentId(experimentId);
    validateKey("experiment tag", key);
    validateTagValue(key, value);
    await this.#tx(async (t) => {
      await this.#requireExperiment(t, id, experimentId);
      await t
        .insertInto("experiment_tags")
        .values({ experiment_id: id, key, value })
        .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value }))
        .execute();
      await t
        .updateTable("experiments")
        .set({ last_update_time: now })
        .where("experiment_id", "=", id)
        .execute();
    });
  }

  async #requireExperiment(t: Tx, id: number, raw: string): Promise<Selectable<DB["experiments"]>> {
    const row = await t
      .selectFrom("experiments")
      .selectAll()
      .where("experiment_id", "=", id)
      .executeTakeFirst();
    if (!row) throw experimentNotFound(raw);
    return row;
  }

  // ---------------------------------------------------------------- runs

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    const expId = parseExperimentId(input.experimentId);
    const runName = validateRunName(input.runName);
    const tags = validateTags(input.tags ?? {}, "tag");
    const runId = input.runId === undefined ? newRunId() : validateRunId(input.runId);
    if (input.parentRunId != null) validateRunId(input.parentRunId);
    if (input.seed != null && !Number.isSafeInteger(input.seed)) {
      throw new SextantError("INVALID_ARGUMENT", `seed must be a safe integer, got ${input.seed}`);
    }
    const row: RunsTable = {
      run_id: runId,
      experiment_id: expId,
      run_name: runName,
      user_id: input.userId,
      status: "RUNNING",
      start_time: input.startTime,
      end_time: null,
      parent_run_id: input.parentRunId ?? null,
      lifecycle_stage: "active",
      artifact_uri: input.artifactUri.replaceAll("{runId}", runId),
      heartbeat_at: input.startTime,
      crashed: 0,
      seed: input.seed ?? null,
      code: input.code == null ? null : JSON.stringify(input.code),
      environment: input.environment == null ? null : JSON.stringify(input.environment),
      deleted_time: null,
    };
    if (!(await this.#createRunFlight(row, tags))) {
      await this.#tx(async (t) => {
        await this.#createRunChecked(t, row, tags, input);
      });
    }
    this.#cacheExperiment(runId, expId);
    return toRunInfo(row);
  }

  /**
   * createRun in one statement where the database has flights (PostgreSQL): a guard that fails
   * (dividing by zero) unless the experiment is active and the parent exists, and the writes as
   * data-modifying CTEs that read the guard; the primary key refuses a clashing run id. Returns
   * false, having written nothing, when anything was refused: the checked transaction then says why.
   */
  async #createRunFlight(row: RunsTable, tags: Array<{ key: string; value: string }>): Promise<boolean> {
    if (!this.#flight) return false;
    const q = new FlightStatement();
    q.text("guard AS (SELECT 1 / COUNT(*) AS ok FROM experiments WHERE experiment_id = ")
      .param(row.experiment_id)
      .text(" AND lifecycle_stage = 'active'");
    if (row.parent_run_id !== null) {
      q.text(" AND EXISTS (SELECT 1 FROM runs WHERE run_id = ").param(row.parent_run_id).text(")");
    }
    q.text(`), run AS (INSERT INTO runs (${RUN_COLUMNS.join(", ")}) SELECT `);
    RUN_COLUMNS.forEach((c, i) => {
      if (i > 0) q.text(", ");
      q.param(row[c]);
    });
    q.text(" FROM guard RETURNING run_id)");
    const keys = this.#unknownKeys(row.experiment_id, [["tag", tags.map((x) => x.key)]]);
    const writes: Record<string, number> = { runs: 1 };
    if (keys.rows.length > 0) {
      keyCte(q, row.experiment_id, keys.rows);
      writes.experiment_keys = keys.rows.length;
    }
    if (tags.length > 0) {
      q.text(", tags AS (INSERT INTO tags (run_id, key, value) SELECT run.run_id, v.key, v.value FROM run, ")
        .values(
          tags.map((x) => [x.key, x.value]),
          TEXT_PAIR,
        )
        .text(" AS v (key, value))");
      writes.tags = tags.length;
    }
    if (!(await this.#flew(q, writes))) return false;
    this.#remember(keys.entries);
    return true;
  }

  /**
   * Sends one statement of CTEs (`WITH guard AS (…), … SELECT FROM guard`) as a flight; false when the
   * database refused it (a guard, a key or a reference), in which case nothing was written.
   */
  async #flew(q: FlightStatement, writes: Record<string, number>): Promise<boolean> {
    if (q.parameters.length > MAX_FLIGHT_PARAMETERS) return false;
    const statement = q.compile();
    try {
      await this.#flight!([statement], writes);
      return true;
    } catch (e) {
      if (isRefusal(e)) return false;
      throw e;
    }
  }

  async #createRunChecked(
    t: Tx,
    row: RunsTable,
    tags: Array<{ key: string; value: string }>,
    input: CreateRunInput,
  ): Promise<void> {
    const { run_id: runId, experiment_id: expId } = row;
    const exp = await this.#requireExperiment(t, expId, input.experimentId);
    if (exp.lifecycle_stage !== "active") {
      throw new SextantError(
        "INVALID_STATE",
        `experiment ${input.experimentId} is deleted; restore it to add runs`,
        {
          experimentId: input.experimentId,
        },
      );
    }
    if (input.parentRunId != null) {
      const parent = await t
        .selectFrom("runs")
        .select("run_id")
        .where("run_id", "=", input.parentRunId)
        .executeTakeFirst();
      if (!parent) throw runNotFound(input.parentRunId);
    }
    const clash = await t.selectFrom("runs").select("run_id").where("run_id", "=", runId).executeTakeFirst();
    if (clash) throw new SextantError("INVALID_ARGUMENT", `a run with id ${runId} already exists`, { runId });
    await t.insertInto("runs").values(row).execute();
    await this.#registerKeys(t, expId, [["tag", tags.map((x) => x.key)]]);
    for (const q of tagInserts(t, runId, tags, false)) await q.execute();
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    const row = await this.#db.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
    if (!row) throw runNotFound(runId);
    const [run] = await this.#hydrate([row]);
    return run!;
  }

  async updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    validateRunId(runId);
    if (update.status !== undefined && !RUN_STATUSES.includes(update.status)) {
      throw new SextantError("INVALID_ARGUMENT", `unknown run status '${update.status}'`, {
        status: update.status,
        allowed: RUN_STATUSES,
      });
    }
    if (update.runName !== undefined) validateRunName(update.runName);
    if (update.endTime != null && (!Number.isSafeInteger(update.endTime) || update.endTime < 0)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `endTime must be a non-negative integer, got ${update.endTime}`,
      );
    }
    const set: Partial<RunsTable> = {};
    if (update.status !== undefined) {
      set.status = update.status;
      set.crashed = 0;
    }
    if (update.endTime !== undefined) set.end_time = update.endTime;
    if (update.runName !== undefined) set.run_name = update.runName;
    const columns = Object.keys(set) as Array<keyof RunsTable>;
    if (this.#flight && columns.length > 0) {
      // one statement where the database has flights; no row means no active run, said below
      const q = new FlightStatement("UPDATE runs SET ");
      for (const [i, c] of columns.entries()) q.text(`${i > 0 ? ", " : ""}${c} = `).param(set[c]);
      q.text(" WHERE run_id = ").param(runId).text(" AND lifecycle_stage = 'active' RETURNING *");
      const [res] = await this.#flight([q.compile("")], { runs: 1 });
      if (res!.rows.length === 1) return toRunInfo(res!.rows[0] as unknown as RunsTable);
    }
    return this.#tx(async (t) => {
      await this.#requireActiveRun(t, runId);
      if (Object.keys(set).length > 0)
        await t.updateTable("runs").set(set).where("run_id", "=", runId).execute();
      const row = await t
        .selectFrom("runs")
        .selectAll()
        .where("run_id", "=", runId)
        .executeTakeFirstOrThrow();
      return toRunInfo(row);
    });
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    validateRunId(runId);
    await this.#tx(async (t) => {
      const row = await t.selectFrom("runs").select("run_id").where("run_id", "=", runId).executeTakeFirst();
      if (!row) throw runNotFound(runId);
      await t
        .updateTable("runs")
        .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? now : null })
        .where("run_id", "=", runId)
        .execute();
    });
  }

  async heartbeat(runId: string, now: number): Promise<boolean> {
    return this.#beat(this.#db, runId, now);
  }

  async #beat(t: Tx, runId: string, now: number): Promise<boolean> {
    const res = await beatQuery(t, runId, now).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async markCrashedRuns(staleBefore: number): Promise<number> {
    // Look before writing: the common answer is "none", and a read takes no write lock.
    const stale = await this.#db
      .selectFrom("runs")
      .select("run_id")
      .where("status", "=", "RUNNING")
      .where("heartbeat_at", "<", staleBefore)
      .limit(1)
      .executeTakeFirst();
    if (!stale) return 0;
    const res = await this.#db
      .updateTable("runs")
      .set((eb) => ({ status: "FAILED", crashed: 1, end_time: eb.ref("heartbeat_at") }))
      .where("status", "=", "RUNNING")
      .where("heartbeat_at", "<", staleBefore)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** The experiment a run belongs to (it never changes, so it is cached). */
  async #experimentOf(t: Tx, runId: string): Promise<number> {
    const cached = this.#runExperiment.get(runId);
    if (cached !== undefined) return cached;
    const row = await t
      .selectFrom("runs")
      .select("experiment_id")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!row) throw runNotFound(runId);
    return this.#cacheExperiment(runId, Number(row.experiment_id));
  }

  #cacheExperiment(runId: string, experimentId: number): number {
    if (this.#runExperiment.size >= 100_000) this.#runExperiment.clear();
    this.#runExperiment.set(runId, experimentId);
    return experimentId;
  }

  /**
   * Adds keys to the experiment's key registry (what the UI offers as columns). Keys this process
   * has seen committed are skipped; returns the cache entries to add once the transaction commits.
   */
  async #registerKeys(t: Tx, experimentId: number, groups: Array<[string, string[]]>): Promise<string[]> {
    const { rows, entries } = this.#unknownKeys(experimentId, groups);
    for (const q of keyInserts(t, rows)) await q.execute();
    return entries;
  }

  /** The keys of `groups` this process has not seen committed for the experiment. */
  #unknownKeys(
    experimentId: number,
    groups: Array<[string, string[]]>,
  ): { rows: ExperimentKeyRow[]; entries: string[] } {
    const rows: ExperimentKeyRow[] = [];
    const entries: string[] = [];
    for (const [kind, keys] of groups) {
      for (const key of keys) {
        const entry = `${experimentId}\0${kind}\0${key}`;
        if (this.#knownKeys.has(entry)) continue;
        entries.push(entry);
        rows.push({ experiment_id: experimentId, kind, key });
      }
    }
    return { rows, entries };
  }

  #remember(entries: string[] | undefined): void {
    if (!entries) return;
    if (this.#knownKeys.size > 200_000) this.#knownKeys.clear();
    for (const e of entries) this.#knownKeys.add(e);
  }

  async #requireActiveRun(t: Tx, runId: string): Promise<{ experiment_id: number }> {
    const row = await t
      .selectFrom("runs")
      .select(["lifecycle_stage", "experiment_id"])
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!row) throw runNotFound(runId);
    if (row.lifecycle_stage !== "active") {
      throw new SextantError("INVALID_STATE", `run ${runId} is deleted; restore it before writing to it`, {
        runId,
      });
    }
    this.#cacheExperiment(runId, Number(row.experiment_id));
    return row;
  }

  // ---------------------------------------------------------------- logging

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    validateRunId(runId);
    const key = batch.idempotencyKey;
    if (key !== undefined && (typeof key !== "string" || key.length === 0 || key.length > 128)) {
      throw new SextantError("INVALID_ARGUMENT", "idempotencyKey must be a string of 1 to 128 characters");
    }
    if (batch.heartbeatAt !== undefined && !Number.isSafeInteger(batch.heartbeatAt)) {
      throw new SextantError("INVALID_ARGUMENT", "heartbeatAt must be integer milliseconds");
    }
    const prepared: PreparedBatch = {
      runId,
      key,
      heartbeatAt: batch.heartbeatAt,
      params: validateParams(batch.params ?? []),
      tags: validateTagList(batch.tags ?? []),
      metrics: (batch.metrics ?? []).filter((m) => m.values.length > 0),
    };
    for (const m of prepared.metrics) validateSeries(m);
    if (!this.#groupCommit) {
      if (await this.#logBatchFlight(prepared)) return;
      await this.#tx((t) => this.#applyBatch(t, prepared));
      this.#remember(prepared.registered);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ batch: prepared, resolve, reject });
      if (!this.#draining) {
        // SQLite runs synchronously, so a transaction started now would finish before any other
        // request is read; waiting for the check phase lets the requests already read join it.
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  /**
   * Group commit: batches that arrive while a write transaction is open wait, then go together in
   * the next one, each inside its own savepoint. A batch that fails rolls back to its savepoint and
   * only its caller sees the error; the others commit. Every caller is answered after COMMIT.
   */
  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, GROUP_COMMIT_MAX);
        const errors = new Map<number, unknown>();
        try {
          await this.#tx(async (t) => {
            if (group.length === 1) {
              await this.#applyBatch(t, group[0]!.batch);
              return;
            }
            for (let i = 0; i < group.length; i++) {
              await sql`SAVEPOINT sx_batch`.execute(t);
              try {
                await this.#applyBatch(t, group[i]!.batch);
              } catch (e) {
                await sql`ROLLBACK TO sx_batch`.execute(t);
                errors.set(i, e);
              }
              await sql`RELEASE sx_batch`.execute(t);
            }
          });
        } catch (e) {
          for (const w of group) w.reject(e);
          continue;
        }
        group.forEach((w, i) => {
          if (errors.has(i)) w.reject(errors.get(i));
          else {
            this.#remember(w.batch.registered);
            w.resolve();
          }
        });
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * logBatch in one statement where the database has flights (see #createRunFlight): a guard that
   * fails unless the run is active, and the writes. The params, and the idempotency key, are
   * inserted as new: one the run already has is refused, and the checked transaction then sorts
   * out a repeat from a conflict (or acknowledges an applied batch). Metric summaries are merged
   * in SQL (mergedSummary) and the chunks numbered back from the merged chunk counts the upsert
   * returns, so nothing is read first. Returns false, having written nothing, when anything was
   * refused.
   */
  async #logBatchFlight(b: PreparedBatch): Promise<boolean> {
    const experimentId = this.#runExperiment.get(b.runId);
    if (!this.#flight || experimentId === undefined) return false;
    const { runId, key, params, tags, metrics } = b;
    const q = new FlightStatement();
    q.text("guard AS (SELECT 1 / COUNT(*) AS ok FROM runs WHERE run_id = ")
      .param(runId)
      .text(" AND lifecycle_stage = 'active')");
    const writes: Record<string, number> = {};
    if (b.heartbeatAt !== undefined) {
      q.text(", beat AS (UPDATE runs SET heartbeat_at = ")
        .param(b.heartbeatAt)
        .text(", status = 'RUNNING', end_time = NULL, crashed = 0 FROM guard WHERE run_id = ")
        .param(runId)
        .text(" AND lifecycle_stage = 'active' AND (status = 'RUNNING' OR crashed = 1))");
      writes.runs = 1;
    }
    const empty = params.length === 0 && tags.length === 0 && metrics.length === 0;
    const keys = this.#unknownKeys(experimentId, [
      ["param", params.map((p) => p.key)],
      ["tag", tags.map((x) => x.key)],
      ["metric", metrics.map((m) => m.key)],
    ]);
    if (!empty) {
      if (keys.rows.length > 0) {
        keyCte(q, experimentId, keys.rows);
        writes.experiment_keys = keys.rows.length;
      }
      if (key !== undefined) {
        q.text(", batch AS (INSERT INTO batch_keys (idempotency_key, run_id, created_time) SELECT ")
          .param(key)
          .text(", ")
          .param(runId)
          .text(", ")
          .param(b.heartbeatAt ?? 0)
          .text(" FROM guard)");
        writes.batch_keys = 1;
      }
      if (params.length > 0) {
        keyValueCte(q, "params", runId, params, "");
        writes.params = params.length;
      }
      if (tags.length > 0) {
        keyValueCte(
          q,
          "tags",
          runId,
          tags,
          " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
        );
        writes.tags = tags.length;
      }
      if (metrics.length > 0) {
        const { chunks, summaries } = encodeMetrics(runId, metrics, new Map());
        q.text(`, summary AS (INSERT INTO metric_summary (${SUMMARY_COLUMNS.join(", ")}) SELECT `)
          .param(runId)
          .text(", v.* FROM guard, ")
          .values(
            summaries.map((x) => SUMMARY_VALUES.map((c) => x[c])),
            SUMMARY_CASTS,
          )
          .text(
            ` AS v (${SUMMARY_VALUES.join(", ")}) ON CONFLICT (run_id, key) DO UPDATE SET ${MERGED_SUMMARY} RETURNING key, chunks)`,
          );
        // each chunk's number counts back from the key's merged chunk count
        const perKey = new Map(summaries.map((x) => [x.key, x.chunks]));
        q.text(
          ", chunks AS (INSERT INTO metric_chunks (run_id, key, seq, n, min_step, max_step, data) SELECT ",
        )
          .param(runId)
          .text(", s.key, s.chunks - v.back, v.n, v.min_step, v.max_step, v.data FROM summary s JOIN ")
          .values(
            chunks.map((c) => [c.key, perKey.get(c.key)! - c.seq, c.n, c.min_step, c.max_step, c.data]),
            CHUNK_CASTS,
          )
          .text(" AS v (key, back, n, min_step, max_step, data) ON v.key = s.key)");
        writes.metric_summary = summaries.length;
        writes.metric_chunks = chunks.length;
      }
    }
    if (!(await this.#flew(q, writes))) return false;
    if (!empty) this.#remember(keys.entries);
    return true;
  }

  async #applyBatch(t: Tx, b: PreparedBatch): Promise<void> {
    const { runId, key, params, tags, metrics } = b;
    // A heartbeat that lands proves the run exists and is active; otherwise look at it.
    if (b.heartbeatAt === undefined || !(await this.#beat(t, runId, b.heartbeatAt)))
      await this.#requireActiveRun(t, runId);
    if (params.length === 0 && tags.length === 0 && metrics.length === 0) return;
    b.registered = await this.#registerKeys(t, await this.#experimentOf(t, runId), [
      ["param", params.map((p) => p.key)],
      ["tag", tags.map((x) => x.key)],
      ["metric", metrics.map((m) => m.key)],
    ]);
    if (key !== undefined) {
      const res = await t
        .insertInto("batch_keys")
        .values({ idempotency_key: key, run_id: runId, created_time: b.heartbeatAt ?? 0 })
        .onConflict((oc) => oc.column("idempotency_key").doNothing())
        .executeTakeFirst();
      // applied before: acknowledge without applying again
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) return;
    }
    if (params.length > 0) await this.#writeParams(t, runId, params);
    for (const q of tagInserts(t, runId, tags, true)) await q.execute();
    if (metrics.length > 0) await this.#writeMetrics(t, runId, metrics);
  }

  async #writeParams(t: Tx, runId: string, params: Array<{ key: string; value: string }>): Promise<void> {
    const existing = new Map<string, string>();
    for (let i = 0; i < params.length; i += INSERT_ROWS) {
      const keys = params.slice(i, i + INSERT_ROWS).map((p) => p.key);
      const rows = await t
        .selectFrom("params")
        .select(["key", "value"])
        .where("run_id", "=", runId)
        .where("key", "in", keys)
        .execute();
      for (const r of rows) existing.set(r.key, r.value);
    }
    const fresh: Array<{ key: string; value: string }> = [];
    for (const p of params) {
      const old = existing.get(p.key);
      if (old === undefined) fresh.push(p);
      else if (old !== p.value) throw paramConflict(runId, p.key, old, p.value);
    }
    for (const q of paramInserts(t, runId, fresh)) await q.execute();
  }

  async #writeMetrics(t: Tx, runId: string, series: MetricSeriesInput[]): Promise<void> {
    const keys = [...new Set(series.map((x) => x.key))];
    const current = new Map<string, MetricSummaryTable>();
    for (let i = 0; i < keys.length; i += INSERT_ROWS) {
      let q = t
        .selectFrom("metric_summary")
        .selectAll()
        .where("run_id", "=", runId)
        .where("key", "in", keys.slice(i, i + INSERT_ROWS));
      if (this.#dialect === "postgres") q = q.forUpdate();
      for (const r of await q.execute()) current.set(r.key, normalizeSummary(r));
    }
    const { chunks, summaries } = encodeMetrics(runId, series, current);
    for (let i = 0; i < chunks.length; i += 100) {
      await t
        .insertInto("metric_chunks")
        .values(chunks.slice(i, i + 100))
        .execute();
    }
    for (let i = 0; i < summaries.length; i += INSERT_ROWS) {
      await t
        .insertInto("metric_summary")
        .values(summaries.slice(i, i + INSERT_ROWS))
        .onConflict((oc) =>
          oc.columns(["run_id", "key"]).doUpdateSet((eb) => ({
            last_value: eb.ref("excluded.last_value"),
            last_nan: eb.ref("excluded.last_nan"),
            last_step: eb.ref("excluded.last_step"),
            last_timestamp: eb.ref("excluded.last_timestamp"),
            min_value: eb.ref("excluded.min_value"),
            max_value: eb.ref("excluded.max_value"),
            count: eb.ref("excluded.count"),
            chunks: eb.ref("excluded.chunks"),
          })),
        )
        .execute();
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateRunId(runId);
    validateKey("tag", key);
    await this.#tx(async (t) => {
      await this.#requireActiveRun(t, runId);
      const res = await t
        .deleteFrom("tags")
        .where("run_id", "=", runId)
        .where("key", "=", key)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) {
        throw new SextantError("INVALID_ARGUMENT", `run ${runId} has no tag '${key}'`, { runId, key });
      }
    });
  }

  async logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    validateRunId(runId);
    for (const d of datasets) {
      validateKey("dataset", d.name);
      if (typeof d.digest !== "string" || d.digest.length === 0) {
        throw new SextantError("INVALID_ARGUMENT", `dataset '${d.name}' needs a digest`, { name: d.name });
      }
      if (typeof d.context !== "string" || d.context.length === 0 || d.context.length > LIMITS.keyLength) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `dataset '${d.name}' needs a context such as train, val or test`,
          {
            name: d.name,
          },
        );
      }
    }
    await this.#tx(async (t) => {
      const run = await this.#requireActiveRun(t, runId);
      for (const d of datasets) {
        const datasetId = sha256(`${run.experiment_id}\0${d.name}\0${d.digest}`).slice(0, 32);
        await t
          .insertInto("datasets")
          .values({
            dataset_id: datasetId,
            experiment_id: run.experiment_id,
            name: d.name,
            digest: d.digest,
            source_type: d.sourceType,
            source: d.source,
            size: d.size,
            num_rows: d.rows,
            num_columns: d.columns,
            schema: d.schema,
            profile: d.profile,
          })
          .onConflict((oc) => oc.column("dataset_id").doNothing())
          .execute();
        await t
          .insertInto("run_inputs")
          .values({ run_id: runId, dataset_id: datasetId, context: d.context })
          .onConflict((oc) => oc.columns(["run_id", "dataset_id", "context"]).doNothing())
          .execute();
      }
    });
  }

  // ---------------------------------------------------------------- reading

  async getMetricHistory(runId: string, key: string, query: HistoryQuery = {}): Promise<SeriesColumns> {
    validateRunId(runId);
    const run = await this.#db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!run) throw runNotFound(runId);
    let q = this.#db
      .selectFrom("metric_chunks")
      .select("data")
      .where("run_id", "=", runId)
      .where("key", "=", key)
      .orderBy("seq");
    const { minStep, maxStep } = query;
    if (minStep !== undefined) q = q.where("max_step", ">=", minStep);
    if (maxStep !== undefined) q = q.where("min_step", "<=", maxStep);
    const rows = await q.execute();
    const series = decodeSeries(rows.map((r) => r.data));
    if (minStep === undefined && maxStep === undefined) return series;
    return sliceSteps(series, minStep ?? Number.NEGATIVE_INFINITY, maxStep ?? Number.POSITIVE_INFINITY);
  }

  async searchRuns(input: SearchRunsInput): Promise<SearchRunsResult> {
    const maxResults = input.maxResults ?? DEFAULT_SEARCH_RESULTS;
    if (!Number.isSafeInteger(maxResults) || maxResults < 1 || maxResults > MAX_SEARCH_RESULTS) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `maxResults must be an integer in 1..${MAX_SEARCH_RESULTS}, got ${maxResults}`,
      );
    }
    checkSearchSize(input.experimentIds, input.filter, input.orderBy ?? []);
    const expIds = input.experimentIds.map(parseExperimentId);
    const filter = input.filter ? parseFilter(input.filter) : null;
    const orderBy: OrderBy[] = (input.orderBy ?? []).map((o) => parseOrderBy(o));
    const viewType = input.viewType ?? "active";
    const fingerprint = sha256(
      JSON.stringify([expIds, input.filter ?? "", input.orderBy ?? [], viewType]),
    ).slice(0, 12);
    let { phase, offset } = decodePageToken(input.pageToken, fingerprint);
    if (expIds.length === 0) return { runs: [], nextPageToken: null };

    const phases = planSearch(filter, orderBy, this.#dialect);
    const scope: RawBuilder<unknown>[] = [sql`r.experiment_id IN (${sql.join(expIds)})`];
    if (viewType !== "all") scope.push(sql`r.lifecycle_stage = ${viewType}`);
    // Collect maxResults + 1 rows (one more tells whether a next page exists), phase after phase.
    const rows: RunsTable[] = [];
    const origin: Array<{ phase: number; offset: number }> = [];
    while (rows.length <= maxResults && phase < phases.length) {
      const want = maxResults + 1 - rows.length;
      const got = await this.#runPhase(phases[phase]!, scope, want, offset);
      got.forEach((r, i) => {
        rows.push(r);
        origin.push({ phase, offset: offset + i });
      });
      if (got.length < want) {
        phase++;
        offset = 0;
      } else break;
    }
    const more = rows.length > maxResults;
    const page = more ? rows.slice(0, maxResults) : rows;
    return {
      runs: await this.#hydrate(page, input.columns),
      nextPageToken: more ? encodePageToken(origin[maxResults]!, fingerprint) : null,
    };
  }

  async countRuns(input: CountRunsInput): Promise<number> {
    checkSearchSize(input.experimentIds, input.filter, []);
    const expIds = input.experimentIds.map(parseExperimentId);
    if (expIds.length === 0) return 0;
    const filter = input.filter ? parseFilter(input.filter) : null;
    const [p] = planSearch(filter, [], this.#dialect);
    const where: RawBuilder<unknown>[] = [sql`r.experiment_id IN (${sql.join(expIds)})`, ...p!.where];
    const viewType = input.viewType ?? "active";
    if (viewType !== "all") where.push(sql`r.lifecycle_stage = ${viewType}`);
    const query = sql<{
      n: number | string;
    }>`SELECT COUNT(*) AS n FROM runs r ${sql.join(p!.joins, sql` `)} WHERE ${sql.join(where, sql` AND `)}`;
    return Number((await query.execute(this.#db)).rows[0]?.n ?? 0);
  }

  async listColumns(experimentId: string): Promise<ExperimentColumns> {
    const id = parseExperimentId(experimentId);
    await this.#requireExperiment(this.#db, id, experimentId);
    const rows = await this.#db
      .selectFrom("experiment_keys")
      .select(["kind", "key"])
      .where("experiment_id", "=", id)
      .orderBy("kind")
      .orderBy("key")
      .execute();
    const out: ExperimentColumns = { params: [], metrics: [], tags: [] };
    for (const r of rows) {
      if (r.kind === "param") out.params.push(r.key);
      else if (r.kind === "metric") out.metrics.push(r.key);
      else if (r.kind === "tag") out.tags.push(r.key);
    }
    return out;
  }

  /** `want` rows of one search phase from `offset`, through its bounded form when that is exact. */
  async #runPhase(
    p: SearchPhase,
    scope: RawBuilder<unknown>[],
    want: number,
    offset: number,
  ): Promise<RunsTable[]> {
    const run = async (q: SearchPhase) => {
      const extra = q.orderValue ? sql`, ${q.orderValue} AS sx_order` : sql``;
      const query = sql<RunsTable & { sx_order?: number | string }>`SELECT r.*${extra} FROM runs r ${sql.join(
        q.joins,
        sql` `,
      )} WHERE ${sql.join([...scope, ...q.where], sql` AND `)} ORDER BY ${sql.join(q.order)} LIMIT ${want} OFFSET ${offset}`;
      return (await query.execute(this.#db)).rows;
    };
    const budget = Math.max(this.#searchBudget, 4 * (offset + want));
    if (p.bounded && offset + want <= this.#searchBudget) {
      const boundary = (await p.bounded.boundary(budget).execute(this.#db)).rows[0];
      const got = await run(p.bounded.phase(budget));
      if (boundary === undefined) return got;
      const last = got[want - 1]?.sx_order;
      if (last !== undefined && last !== null) {
        const b = boundary.v;
        if (p.bounded.ascending ? last < b : last > b) return got;
      }
    }
    return run(p);
  }

  /** Loads params, tags, metric summaries and datasets for rows, in a few batched queries. */
  async #hydrate(rows: RunsTable[], columns: RunColumns = {}): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.run_id);
    // IN lists in slices, under every engine's bound-parameter limit; a kind whose column list
    // is given (and empty) is not read at all
    const byIds = async <T>(q: (slice: string[]) => Promise<T[]>, keys?: string[]): Promise<T[]> => {
      const out: T[] = [];
      if (keys !== undefined && keys.length === 0) return out;
      const per =
        keys === undefined ? INSERT_ROWS : Math.max(1, Math.floor(INSERT_ROWS / Math.max(1, keys.length)));
      for (let i = 0; i < ids.length; i += per) out.push(...(await q(ids.slice(i, i + per))));
      return out;
    };
    const [params, tags, metrics, datasets] = await Promise.all([
      byIds(
        (slice) =>
          this.#db
            .selectFrom("params")
            .select(["run_id", "key", "value"])
            .where("run_id", "in", slice)
            .$if(columns.params !== undefined, (q) => q.where("key", "in", columns.params!))
            .execute(),
        columns.params,
      ),
      byIds(
        (slice) =>
          this.#db
            .selectFrom("tags")
            .select(["run_id", "key", "value"])
            .where("run_id", "in", slice)
            .$if(columns.tags !== undefined, (q) => q.where("key", "in", columns.tags!))
            .execute(),
        columns.tags,
      ),
      byIds(
        (slice) =>
          this.#db
            .selectFrom("metric_summary")
            .selectAll()
            .where("run_id", "in", slice)
            .$if(columns.metrics !== undefined, (q) => q.where("key", "in", columns.metrics!))
            .orderBy("key")
            .execute(),
        columns.metrics,
      ),
      byIds((slice) =>
        this.#db
          .selectFrom("run_inputs as ri")
          .innerJoin("datasets as d", "d.dataset_id", "ri.dataset_id")
          .select([
            "ri.run_id",
            "ri.context",
            "d.name",
            "d.digest",
            "d.source_type",
            "d.source",
            "d.size",
            "d.num_rows",
            "d.num_columns",
            "d.schema",
            "d.profile",
          ])
          .where("ri.run_id", "in", slice)
          .orderBy("d.name")
          .execute(),
      ),
    ]);
    const runs = new Map<string, Run>();
    for (const r of rows) {
      runs.set(r.run_id, {
        info: toRunInfo(r),
        data: { params: {}, metrics: {}, tags: {} },
        metricSummaries: [],
        datasets: [],
        code: r.code ? (JSON.parse(r.code) as Record<string, unknown>) : null,
        environment: r.environment ? (JSON.parse(r.environment) as Record<string, unknown>) : null,
      });
    }
    for (const p of params) runs.get(p.run_id)!.data.params[p.key] = p.value;
    for (const t of tags) runs.get(t.run_id)!.data.tags[t.key] = t.value;
    for (const m of metrics) {
      const run = runs.get(m.run_id)!;
      const s = toMetricSummary(m);
      run.metricSummaries.push(s);
      run.data.metrics[m.key] = s.value;
    }
    for (const d of datasets) {
      runs.get(d.run_id)!.datasets.push({
        name: d.name,
        digest: d.digest,
        sourceType: d.source_type,
        source: d.source,
        size: numOrNull(d.size),
        rows: numOrNull(d.num_rows),
        columns: numOrNull(d.num_columns),
        schema: d.schema,
        profile: d.profile,
        context: d.context,
      });
    }
    return ids.map((id) => runs.get(id)!);
  }

  // ---------------------------------------------------------------- artifacts

  async recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    validateRunId(runId);
    validateArtifactPath(entry.path);
    if (!/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `artifact hash must be 64 hex digits, got '${entry.sha256}'`,
      );
    }
    await this.#tx(async (t) => {
      await this.#requireActiveRun(t, runId);
      const row = {
        run_id: runId,
        path: entry.path,
        sha256: entry.sha256,
        size: entry.size,
        created_time: entry.createdTime,
      };
      await t
        .insertInto("artifacts")
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(["run_id", "path"])
            .doUpdateSet({ sha256: row.sha256, size: row.size, created_time: row.created_time }),
        )
        .execute();
    });
  }

  async listArtifacts(runId: string, prefix = ""): Promise<ArtifactEntry[]> {
    validateRunId(runId);
    const run = await this.#db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!run) throw runNotFound(runId);
    let q = this.#db
      .selectFrom("artifacts")
      .select(["path", "sha256", "size", "created_time"])
      .where("run_id", "=", runId)
      .orderBy("path");
    const dir = prefix.replace(/\/+$/, "");
    if (dir !== "") {
      validateArtifactPath(dir);
      // every path that starts with "dir/": "/" + 1 is "0" in code-point order
      q = q.where("path", ">=", `${dir}/`).where("path", "<", `${dir}0`);
    }
    const rows = await q.execute();
    return rows.map((r) => ({
      path: r.path,
      sha256: r.sha256,
      size: Number(r.size),
      createdTime: Number(r.created_time),
    }));
  }

  async getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    validateRunId(runId);
    validateArtifactPath(path);
    const row = await this.#db
      .selectFrom("artifacts")
      .select(["path", "sha256", "size", "created_time"])
      .where("run_id", "=", runId)
      .where("path", "=", path)
      .executeTakeFirst();
    if (!row) {
      const run = await this.#db
        .selectFrom("runs")
        .select("run_id")
        .where("run_id", "=", runId)
        .executeTakeFirst();
      if (!run) throw runNotFound(runId);
      throw new SextantError("ARTIFACT_NOT_FOUND", `run ${runId} has no artifact '${path}'`, { runId, path });
    }
    return {
      path: row.path,
      sha256: row.sha256,
      size: Number(row.size),
      createdTime: Number(row.created_time),
    };
  }
}

// ---------------------------------------------------------------- helpers

/** The runs table's columns, in the order a flight inserts them. */
const RUN_COLUMNS: Array<keyof RunsTable> = [
  "run_id",
  "experiment_id",
  "run_name",
  "user_id",
  "status",
  "start_time",
  "end_time",
  "parent_run_id",
  "lifecycle_stage",
  "artifact_uri",
  "heartbeat_at",
  "crashed",
  "seed",
  "code",
  "environment",
  "deleted_time",
];

const SUMMARY_COLUMNS: Array<keyof MetricSummaryTable> = [
  "run_id",
  "key",
  "last_value",
  "last_nan",
  "last_step",
  "last_timestamp",
  "min_value",
  "max_value",
  "count",
  "chunks",
];
/** SUMMARY_COLUMNS after run_id: a flight's VALUES list of summaries, and their SQL types. */
const SUMMARY_VALUES = SUMMARY_COLUMNS.slice(1);
const SUMMARY_CASTS = [
  "",
  "DOUBLE PRECISION",
  "BIGINT",
  "BIGINT",
  "BIGINT",
  "DOUBLE PRECISION",
  "DOUBLE PRECISION",
  "BIGINT",
  "BIGINT",
];

/** Bound parameters a flight's one statement may take (PostgreSQL's limit is 65,535). */
const MAX_FLIGHT_PARAMETERS = 30_000;

/**
 * A PostgreSQL statement of a flight written as text with numbered parameters: the run writes'
 * statements are built on every call, and a Kysely query costs several times as much to build
 * and compile. Most are `WITH guard AS (…), … SELECT FROM guard` (see #flew).
 */
class FlightStatement {
  readonly #parts: string[];
  readonly parameters: unknown[] = [];

  constructor(start = "WITH ") {
    this.#parts = [start];
  }

  text(s: string): this {
    this.#parts.push(s);
    return this;
  }

  /** A bound parameter, cast to `type` unless that is "" (text, or a type the context gives). */
  param(value: unknown, type = ""): this {
    this.parameters.push(value);
    this.#parts.push(
      type === "" ? `$${this.parameters.length}` : `CAST($${this.parameters.length} AS ${type})`,
    );
    return this;
  }

  /** `(VALUES (…), …)` of bound values, column `i` cast to `casts[i]`. */
  values(rows: unknown[][], casts: readonly string[]): this {
    this.#parts.push("(VALUES ");
    rows.forEach((row, r) => {
      this.#parts.push(r === 0 ? "(" : ", (");
      row.forEach((v, i) => {
        if (i > 0) this.#parts.push(", ");
        this.param(v, casts[i]);
      });
      this.#parts.push(")");
    });
    this.#parts.push(")");
    return this;
  }

  compile(end = " SELECT FROM guard"): CompiledQuery {
    return CompiledQuery.raw(`${this.#parts.join("")}${end}`, this.parameters);
  }
}

const TEXT_PAIR = ["", ""] as const;

/** A flight's CTE inserting a run's params or tags (`conflict`: what a key it has already does). */
function keyValueCte(
  q: FlightStatement,
  table: "params" | "tags",
  runId: string,
  pairs: Array<{ key: string; value: string }>,
  conflict: string,
): void {
  q.text(`, ${table} AS (INSERT INTO ${table} (run_id, key, value) SELECT `)
    .param(runId)
    .text(", v.key, v.value FROM guard, ")
    .values(
      pairs.map((p) => [p.key, p.value]),
      TEXT_PAIR,
    )
    .text(` AS v (key, value)${conflict})`);
}

/** A flight's CTE adding keys to the experiment key registry, each once. */
function keyCte(q: FlightStatement, experimentId: number, rows: ExperimentKeyRow[]): void {
  q.text(", keys AS (INSERT INTO experiment_keys (experiment_id, kind, key) SELECT ")
    .param(experimentId)
    .text(", v.kind, v.key FROM guard, ")
    .values(
      rows.map((r) => [r.kind, r.key]),
      TEXT_PAIR,
    )
    .text(" AS v (kind, key) ON CONFLICT DO NOTHING)");
}

/** A heartbeat: an active run that is RUNNING (or was marked crashed) is alive at `now`. */
function beatQuery(t: Tx, runId: string, now: number) {
  return t
    .updateTable("runs")
    .set({ heartbeat_at: now, status: "RUNNING", end_time: null, crashed: 0 })
    .where("run_id", "=", runId)
    .where("lifecycle_stage", "=", "active")
    .where((eb) => eb.or([eb("status", "=", "RUNNING"), eb("crashed", "=", 1)]));
}

type ExperimentKeyRow = { experiment_id: number; kind: string; key: string };

/** Adds rows to the experiment key registry, each once. */
function keyInserts(t: Tx, rows: ExperimentKeyRow[]) {
  const out = [];
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    out.push(
      t
        .insertInto("experiment_keys")
        .values(rows.slice(i, i + INSERT_ROWS))
        .onConflict((oc) => oc.columns(["experiment_id", "kind", "key"]).doNothing()),
    );
  }
  return out;
}

/** Inserts a run's tags; `replace` overwrites the values of tags it already has. */
function tagInserts(t: Tx, runId: string, tags: Array<{ key: string; value: string }>, replace: boolean) {
  const out = [];
  for (let i = 0; i < tags.length; i += INSERT_ROWS) {
    const q = t
      .insertInto("tags")
      .values(tags.slice(i, i + INSERT_ROWS).map((x) => ({ run_id: runId, ...x })));
    out.push(
      replace
        ? q.onConflict((oc) =>
            oc.columns(["run_id", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })),
          )
        : q,
    );
  }
  return out;
}

/** Inserts params a run does not have yet (a key it has makes the insert fail). */
function paramInserts(t: Tx, runId: string, params: Array<{ key: string; value: string }>) {
  const out = [];
  for (let i = 0; i < params.length; i += INSERT_ROWS) {
    out.push(
      t.insertInto("params").values(params.slice(i, i + INSERT_ROWS).map((p) => ({ run_id: runId, ...p }))),
    );
  }
  return out;
}

/**
 * A database's refusal of a statement: a data exception (a flight's guard divides by zero) or an
 * integrity constraint (a key that exists, a reference that does not).
 */
function isRefusal(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}

function experimentNotFound(id: string): SextantError {
  return new SextantError("EXPERIMENT_NOT_FOUND", `no experiment with id '${id}'`, { experimentId: id });
}

function runNotFound(id: string): SextantError {
  return new SextantError("RUN_NOT_FOUND", `no run with id '${id}'`, { runId: id });
}

function paramConflict(runId: string, key: string, old: string, value: string): SextantError {
  return new SextantError(
    "PARAM_CONFLICT",
    `param '${key}' of run ${runId} is already '${old.slice(0, 100)}'; params are immutable, so '${value.slice(0, 100)}' was not logged (start a new run to try another value)`,
    { runId, key, stored: old, attempted: value },
  );
}

function parseExperimentId(id: string): number {
  if (typeof id !== "string" || !/^\d{1,15}$/.test(id)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `invalid experiment id ${JSON.stringify(id)}: expected a decimal number`,
      {
        experimentId: id,
      },
    );
  }
  return Number(id);
}

function validateTags(
  tags: Record<string, unknown>,
  kind: "tag" | "experiment tag",
): Array<{ key: string; value: string }> {
  if (tags === null || typeof tags !== "object") {
    throw new SextantError("INVALID_ARGUMENT", "tags must be an object of string values");
  }
  return Object.entries(tags).map(([key, value]) => ({
    key: validateKey(kind, key),
    value: validateTagValue(key, value),
  }));
}

function validateTagList(tags: Array<{ key: string; value: string }>): Array<{ key: string; value: string }> {
  if (tags.length > 10 * LIMITS.batchTags) {
    throw new SextantError(
      "LIMIT_EXCEEDED",
      `a batch holds at most ${10 * LIMITS.batchTags} tags, got ${tags.length}`,
    );
  }
  const last = new Map<string, string>();
  for (const t of tags) last.set(validateKey("tag", t.key), validateTagValue(t.key, t.value));
  return [...last].map(([key, value]) => ({ key, value }));
}

function validateParams(
  params: Array<{ key: string; value: string }>,
): Array<{ key: string; value: string }> {
  const seen = new Map<string, string>();
  for (const p of params) {
    validateKey("param", p.key);
    if (typeof p.value !== "string") {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `value of param '${p.key}' must be a string at the store level`,
      );
    }
    validateParamValue(p.key, p.value);
    const prev = seen.get(p.key);
    if (prev !== undefined && prev !== p.value) {
      throw new SextantError(
        "PARAM_CONFLICT",
        `param '${p.key}' appears twice in one batch with different values`,
        {
          key: p.key,
        },
      );
    }
    seen.set(p.key, p.value);
  }
  return [...seen].map(([key, value]) => ({ key, value }));
}

function validateSeries(s: MetricSeriesInput): void {
  validateKey("metric", s.key);
  const n = s.values.length;
  if (
    !(s.values instanceof Float64Array) ||
    !(s.steps instanceof Float64Array) ||
    !(s.timestamps instanceof Float64Array)
  ) {
    throw new SextantError(
      "INVALID_METRIC_VALUE",
      `metric '${s.key}': series columns must be Float64Arrays`,
      { key: s.key },
    );
  }
  if (s.steps.length !== n || s.timestamps.length !== n) {
    throw new SextantError(
      "INVALID_METRIC_VALUE",
      `metric '${s.key}': steps, timestamps and values differ in length`,
      {
        key: s.key,
      },
    );
  }
  const { steps, timestamps } = s;
  for (let i = 0; i < n; i++) {
    const st = steps[i]!;
    const ts = timestamps[i]!;
    if (!Number.isSafeInteger(st)) {
      throw new SextantError("INVALID_METRIC_VALUE", `metric '${s.key}' got step ${st}; steps are integers`, {
        key: s.key,
        index: i,
      });
    }
    if (!Number.isSafeInteger(ts) || ts < 0) {
      throw new SextantError(
        "INVALID_METRIC_VALUE",
        `metric '${s.key}' got timestamp ${ts}; timestamps are non-negative integer milliseconds`,
        { key: s.key, index: i },
      );
    }
  }
}

function normalizeSummary(r: Selectable<MetricSummaryTable>): MetricSummaryTable {
  return {
    run_id: r.run_id,
    key: r.key,
    last_value: r.last_value === null ? null : Number(r.last_value),
    last_nan: Number(r.last_nan),
    last_step: Number(r.last_step),
    last_timestamp: Number(r.last_timestamp),
    min_value: r.min_value === null ? null : Number(r.min_value),
    max_value: r.max_value === null ? null : Number(r.max_value),
    count: Number(r.count),
    chunks: Number(r.chunks),
  };
}

/**
 * The chunks and summaries that add `series` to a run whose stored summaries are `current`: the
 * fragments of one key merged into one summary, chunks numbered on from the stored count.
 */
function encodeMetrics(
  runId: string,
  series: MetricSeriesInput[],
  current: Map<string, MetricSummaryTable>,
): { chunks: Array<Selectable<DB["metric_chunks"]>>; summaries: MetricSummaryTable[] } {
  // Merge fragments of the same key so each key gets one summary update.
  const byKey = new Map<string, MetricSeriesInput[]>();
  for (const s of series) {
    const list = byKey.get(s.key) ?? [];
    if (list.length === 0) byKey.set(s.key, list);
    list.push(s);
  }
  const chunks: Array<Selectable<DB["metric_chunks"]>> = [];
  const summaries: MetricSummaryTable[] = [];
  for (const [key, parts] of byKey) {
    const prev = current.get(key);
    let seq = prev ? prev.chunks : 0;
    let sum: MetricSummaryTable | null = prev ?? null;
    for (const part of parts) {
      const total = part.values.length;
      for (let off = 0; off < total; off += CHUNK_POINTS) {
        const end = Math.min(total, off + CHUNK_POINTS);
        const cols: SeriesColumns =
          off === 0 && end === total
            ? part
            : {
                steps: part.steps.subarray(off, end),
                timestamps: part.timestamps.subarray(off, end),
                values: part.values.subarray(off, end),
              };
        const st = seriesStats(cols);
        chunks.push({
          run_id: runId,
          key,
          seq: seq++,
          n: st.n,
          min_step: st.minStep,
          max_step: st.maxStep,
          data: encodeChunk(cols),
        });
        sum = mergeSummary(sum, runId, key, cols, st);
      }
    }
    sum!.chunks = seq;
    summaries.push(sum!);
  }
  return { chunks, summaries };
}

/**
 * A stored summary merged with a batch's (`excluded`) in SQL, as mergeSummary merges them: the
 * latest point is the one at the higher step (the batch's on a tie), min and max ignore NULL,
 * counts add up.
 */
const MERGED_SUMMARY = [
  ...["last_value", "last_nan", "last_step", "last_timestamp"].map(
    (c) =>
      `${c} = CASE WHEN excluded.last_step >= metric_summary.last_step THEN excluded.${c} ELSE metric_summary.${c} END`,
  ),
  "min_value = CASE WHEN excluded.min_value IS NULL OR metric_summary.min_value < excluded.min_value THEN metric_summary.min_value ELSE excluded.min_value END",
  "max_value = CASE WHEN excluded.max_value IS NULL OR metric_summary.max_value > excluded.max_value THEN metric_summary.max_value ELSE excluded.max_value END",
  "count = metric_summary.count + excluded.count",
  "chunks = metric_summary.chunks + excluded.chunks",
].join(", ");

const CHUNK_CASTS = ["", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BYTEA"] as const;

function mergeSummary(
  prev: MetricSummaryTable | null,
  runId: string,
  key: string,
  s: SeriesColumns,
  st: ReturnType<typeof seriesStats>,
): MetricSummaryTable {
  const takeNew = prev === null || st.maxStep >= prev.last_step;
  const lastValue = s.values[st.lastIndex]!;
  const out: MetricSummaryTable = prev
    ? { ...prev }
    : {
        run_id: runId,
        key,
        last_value: null,
        last_nan: 0,
        last_step: 0,
        last_timestamp: 0,
        min_value: null,
        max_value: null,
        count: 0,
        chunks: 0,
      };
  if (takeNew) {
    const nan = Number.isNaN(lastValue);
    out.last_value = nan ? null : lastValue;
    out.last_nan = nan ? 1 : 0;
    out.last_step = st.maxStep;
    out.last_timestamp = s.timestamps[st.lastIndex]!;
  }
  if (st.min !== null) out.min_value = out.min_value === null ? st.min : Math.min(out.min_value, st.min);
  if (st.max !== null) out.max_value = out.max_value === null ? st.max : Math.max(out.max_value, st.max);
  out.count += st.n;
  return out;
}

function toMetricSummary(m: Selectable<MetricSummaryTable>): MetricSummary {
  return {
    key: m.key,
    value: Number(m.last_nan) === 1 ? Number.NaN : Number(m.last_value),
    step: Number(m.last_step),
    timestamp: Number(m.last_timestamp),
    min: m.min_value === null ? null : Number(m.min_value),
    max: m.max_value === null ? null : Number(m.max_value),
    count: Number(m.count),
  };
}

function toExperiment(
  row: Selectable<DB["experiments"]>,
  tags: Array<{ key: string; value: string }>,
): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
  };
}

function toRunInfo(r: RunsTable): RunInfo {
  return {
    runId: r.run_id,
    runName: r.run_name,
    experimentId: String(r.experiment_id),
    userId: r.user_id,
    status: r.status as RunStatus,
    startTime: Number(r.start_time),
    endTime: numOrNull(r.end_time),
    parentRunId: r.parent_run_id,
    lifecycleStage: r.lifecycle_stage as LifecycleStage,
    artifactUri: r.artifact_uri,
    heartbeatAt: Number(r.heartbeat_at),
    crashed: Number(r.crashed) === 1,
    seed: numOrNull(r.seed),
  };
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function sliceSteps(s: SeriesColumns, lo: number, hi: number): SeriesColumns {
  const { steps } = s;
  let a = 0;
  while (a < steps.length && steps[a]! < lo) a++;
  let b = a;
  while (b < steps.length && steps[b]! <= hi) b++;
  return { steps: steps.slice(a, b), timestamps: s.timestamps.slice(a, b), values: s.values.slice(a, b) };
}

interface PagePosition {
  /** Which query of the search plan the next page starts in. */
  phase: number;
  offset: number;
}

function encodePageToken(pos: PagePosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ phase: pos.phase, offset: pos.offset, q: fingerprint })).toString(
    "base64url",
  );
}

function decodePageToken(token: string | null | undefined, fingerprint: string): PagePosition {
  if (token === undefined || token === null || token === "") return { phase: 0, offset: 0 };
  try {
    const obj = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      phase?: unknown;
      offset?: unknown;
      q?: unknown;
    };
    const { phase, offset } = obj;
    if (
      typeof phase === "number" &&
      typeof offset === "number" &&
      Number.isSafeInteger(phase) &&
      Number.isSafeInteger(offset) &&
      phase >= 0 &&
      phase <= 1 &&
      offset >= 0 &&
      obj.q === fingerprint
    ) {
      return { phase, offset };
    }
  } catch {
    // fall through to the typed error
  }
  throw new SextantError(
    "INVALID_PAGE_TOKEN",
    "the page token is malformed or belongs to a different search (same experiments, filter and order are needed)",
    { pageToken: token },
  );
}
