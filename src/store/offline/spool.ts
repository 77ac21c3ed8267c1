/**
 * Offline spooling: while the server cannot be reached, writes go to an append-only file (one
 * JSON line per operation) and artifact bytes to a blob folder beside it. `syncSpool` replays the
 * file against a store later. Every operation replays idempotently (runs keep their client-chosen
 * ids, metric batches their idempotency keys, the rest are upserts), and progress is recorded
 * after each line, so a sync that is interrupted and run again applies everything exactly once.
 *
 * Experiments first seen offline get the id `offline:<name>`; a sync finds or creates them by name.
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { newRunId, SextantError, validateExperimentName } from "../../core/index.js";
import { type ArtifactStore, FsArtifactStore } from "../artifacts/index.js";
import type { Store } from "../contract.js";
import {
  type CreateEvaluationInput,
  type EvaluationRecord,
  type EvaluationStore,
  prepareEvaluation,
} from "../evaluations/index.js";
import {
  type ArtifactEntry,
  type CreateExperimentInput,
  type CreateRunInput,
  decodeBatch,
  type Experiment,
  type ExperimentColumns,
  type ExperimentSummary,
  encodeBatch,
  type LifecycleStage,
  type LogBatchInput,
  type Run,
  type RunDataset,
  type RunInfo,
  type RunStore,
  type SearchRunsResult,
  type SeriesColumns,
  type UpdateRunInput,
} from "../runs/index.js";

const OFFLINE_PREFIX = "offline:";

type SpoolOp =
  | { op: "createExperiment"; input: CreateExperimentInput; now: number }
  | { op: "renameExperiment"; experimentId: string; name: string; now: number }
  | { op: "setExperimentLifecycle"; experimentId: string; stage: LifecycleStage; now: number }
  | { op: "setExperimentTag"; experimentId: string; key: string; value: string; now: number }
  | { op: "createRun"; input: CreateRunInput & { runId: string } }
  | { op: "updateRun"; runId: string; update: UpdateRunInput }
  | { op: "setRunLifecycle"; runId: string; stage: LifecycleStage; now: number }
  | { op: "logBatch"; runId: string; batch: string }
  | { op: "deleteTag"; runId: string; key: string }
  | { op: "logInputs"; runId: string; datasets: RunDataset[] }
  | { op: "recordArtifact"; runId: string; entry: ArtifactEntry }
  | { op: "createEvaluation"; input: CreateEvaluationInput & { evaluationId: string } };

function offline(what: string): SextantError {
  return new SextantError(
    "OFFLINE",
    `${what} needs the server; this client is spooling offline (run \`sextant sync\` when it is back)`,
  );
}

/** The spool file of one process: operations appended one JSON line each. */
class Journal {
  readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    // Names sort in creation order, so a sync replays files as they were written.
    this.file = join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}-${randomBytes(3).toString("hex")}.jsonl`,
    );
  }

  append(op: SpoolOp): void {
    appendFileSync(this.file, `${JSON.stringify(op)}\n`);
  }
}

/** What a process writes while offline: runs and evaluations into one journal, blobs beside it. */
export class SpoolStore {
  readonly dir: string;
  /** Where artifact bytes wait for the sync. */
  readonly blobs: ArtifactStore;
  readonly runs: SpoolRunStore;
  readonly evaluations: SpoolEvaluationStore;
  readonly #journal: Journal;

  constructor(dir: string) {
    this.dir = dir;
    this.#journal = new Journal(dir);
    this.blobs = new FsArtifactStore(join(dir, "blobs"));
    this.runs = new SpoolRunStore(this.#journal);
    this.evaluations = new SpoolEvaluationStore(this.#journal);
  }

  /** The file this process spools to. */
  get file(): string {
    return this.#journal.file;
  }

  /** Lets later offline updates of a run created online answer with its info. */
  remember(info: RunInfo): void {
    this.runs.remember(info);
  }

  async close(): Promise<void> {
    // every operation is already on disk
  }
}

/** The runs aggregate offline: writes are journaled, reads need the server (OFFLINE). */
export class SpoolRunStore implements RunStore {
  readonly #journal: Journal;
  readonly #experiments = new Map<string, Experiment>();
  readonly #runs = new Map<string, RunInfo>();

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  #append(op: SpoolOp): void {
    this.#journal.append(op);
  }

  /** Lets later offline updates of a run created online answer with its info. */
  remember(info: RunInfo): void {
    this.#runs.set(info.runId, info);
  }

  async createExperiment(input: CreateExperimentInput, now: number): Promise<Experiment> {
    const name = validateExperimentName(input.name);
    this.#append({ op: "createExperiment", input, now });
    const exp: Experiment = {
      experimentId: `${OFFLINE_PREFIX}${name}`,
      name,
      artifactLocation: input.artifactLocation ?? "",
      lifecycleStage: "active",
      creationTime: now,
      lastUpdateTime: now,
      tags: { ...(input.tags ?? {}) },
    };
    this.#experiments.set(exp.experimentId, exp);
    return exp;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const known = this.#experiments.get(experimentId);
    if (known) return known;
    if (experimentId === "0") {
      return {
        experimentId: "0",
        name: "Default",
        artifactLocation: "",
        lifecycleStage: "active",
        creationTime: 0,
        lastUpdateTime: 0,
        tags: {},
      };
    }
    throw offline(`experiment ${experimentId}`);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    return this.#experiments.get(`${OFFLINE_PREFIX}${name}`) ?? null;
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    throw offline("listing experiments");
  }

  async renameExperiment(experimentId: string, name: string, now: number): Promise<void> {
    this.#append({ op: "renameExperiment", experimentId, name, now });
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    this.#append({ op: "setExperimentLifecycle", experimentId, stage, now });
  }

  async setExperimentTag(experimentId: string, key: string, value: string, now: number): Promise<void> {
    this.#append({ op: "setExperimentTag", experimentId, key, value, now });
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    const runId = input.runId ?? newRunId();
    this.#append({ op: "createRun", input: { ...input, runId } });
    const info: RunInfo = {
      runId,
      runName: input.runName,
      experimentId: input.experimentId,
      userId: input.userId,
      status: "RUNNING",
      startTime: input.startTime,
      endTime: null,
      parentRunId: input.parentRunId ?? null,
      lifecycleStage: "active",
      artifactUri: input.artifactUri.replaceAll("{runId}", runId),
      heartbeatAt: input.startTime,
      crashed: false,
      seed: input.seed ?? null,
    };
    this.#runs.set(runId, info);
    return info;
  }

  async getRun(runId: string): Promise<Run> {
    throw offline(`reading run ${runId}`);
  }

  async updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    this.#append({ op: "updateRun", runId, update });
    const prev = this.#runs.get(runId);
    if (!prev) throw offline(`the state of run ${runId}`);
    const info: RunInfo = {
      ...prev,
      ...(update.status === undefined ? {} : { status: update.status }),
      ...(update.endTime === undefined ? {} : { endTime: update.endTime }),
      ...(update.runName === undefined ? {} : { runName: update.runName }),
    };
    this.#runs.set(runId, info);
    return info;
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    this.#append({ op: "setRunLifecycle", runId, stage, now });
  }

  /** Offline there is nobody to tell; the run is alive as far as this process knows. */
  async heartbeat(runId: string): Promise<boolean> {
    return this.#runs.get(runId)?.status === "RUNNING";
  }

  /** The spool holds only this process's own runs, and none of them is silent. */
  async markCrashedRuns(): Promise<number> {
    return 0;
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const frame = encodeBatch({ ...batch, idempotencyKey: batch.idempotencyKey ?? randomUUID() });
    this.#append({ op: "logBatch", runId, batch: frame.toString("base64") });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.#append({ op: "deleteTag", runId, key });
  }

  async logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    this.#append({ op: "logInputs", runId, datasets });
  }

  async getMetricHistory(runId: string): Promise<SeriesColumns> {
    throw offline(`reading the history of run ${runId}`);
  }

  async searchRuns(): Promise<SearchRunsResult> {
    throw offline("searching runs");
  }

  async countRuns(): Promise<number> {
    throw offline("counting runs");
  }

  async listColumns(experimentId: string): Promise<ExperimentColumns> {
    throw offline(`the columns of experiment ${experimentId}`);
  }

  async recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    this.#append({ op: "recordArtifact", runId, entry });
  }

  async listArtifacts(runId: string): Promise<ArtifactEntry[]> {
    throw offline(`listing the artifacts of run ${runId}`);
  }

  async getArtifact(runId: string): Promise<ArtifactEntry> {
    throw offline(`reading the artifacts of run ${runId}`);
  }
}

/** Evaluation records offline: journaled with their id, readable again once synced. */
export class SpoolEvaluationStore implements EvaluationStore {
  readonly #journal: Journal;

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  /** Checked and given its id now, so the replay stores the very record this returns. */
  async create(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    const { record } = prepareEvaluation(input);
    this.#journal.append({ op: "createEvaluation", input: { ...input, evaluationId: record.evaluationId } });
    return record;
  }

  async get(evaluationId: string): Promise<EvaluationRecord> {
    throw offline(`reading evaluation ${evaluationId}`);
  }

  async list(): Promise<EvaluationRecord[]> {
    throw offline("listing evaluations");
  }
}

export interface SyncReport {
  files: number;
  /** Operations applied by this sync (those applied by an earlier, interrupted one are skipped). */
  applied: number;
  skipped: number;
}

export interface SyncOptions {
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Spool files not yet fully synced, oldest first. */
export function pendingSpoolFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Replays every spool file in `dir` against `store` (and its artifact store), exactly once.
 * Finished files are renamed to `*.jsonl.synced`.
 */
export async function syncSpool(
  dir: string,
  store: Store,
  artifacts: ArtifactStore,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const blobs = new FsArtifactStore(join(dir, "blobs"));
  const report: SyncReport = { files: 0, applied: 0, skipped: 0 };
  const expIds = new Map<string, string>();
  const resolveExperiment = async (id: string, now = 0): Promise<string> => {
    if (!id.startsWith(OFFLINE_PREFIX)) return id;
    const cached = expIds.get(id);
    if (cached) return cached;
    const name = id.slice(OFFLINE_PREFIX.length);
    let exp = await store.runs.getExperimentByName(name);
    if (!exp) {
      try {
        exp = await store.runs.createExperiment({ name }, now);
      } catch (e) {
        if (!(e instanceof SextantError && e.code === "EXPERIMENT_ALREADY_EXISTS")) throw e;
        exp = await store.runs.getExperimentByName(name);
      }
    }
    expIds.set(id, exp!.experimentId);
    return exp!.experimentId;
  };

  for (const file of pendingSpoolFiles(dir)) {
    report.files++;
    const progressFile = `${file}.done`;
    const done = existsSync(progressFile) ? Number(readFileSync(progressFile, "utf8")) || 0 : 0;
    const lines = readFileSync(file, "utf8").split("\n");
    const ops: SpoolOp[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === "") continue;
      try {
        ops.push(JSON.parse(line) as SpoolOp);
      } catch {
        // a write cut short by a crash can only be the last line
        if (i < lines.length - 2) {
          throw new SextantError("MALFORMED_REQUEST", `spool file ${file} is damaged at line ${i + 1}`, {
            file,
            line: i + 1,
          });
        }
      }
    }
    report.skipped += Math.min(done, ops.length);
    for (let i = done; i < ops.length; i++) {
      await applyOp(ops[i]!, store, artifacts, blobs, resolveExperiment);
      const tmp = `${progressFile}.tmp`;
      writeFileSync(tmp, String(i + 1));
      renameSync(tmp, progressFile);
      report.applied++;
      options.onProgress?.(i + 1, ops.length, file);
    }
    renameSync(file, `${file}.synced`);
    rmSync(progressFile, { force: true });
  }
  return report;
}

async function applyOp(
  op: SpoolOp,
  store: Store,
  artifacts: ArtifactStore,
  blobs: ArtifactStore,
  experiment: (id: string, now?: number) => Promise<string>,
): Promise<void> {
  switch (op.op) {
    case "createExperiment": {
      const id = await experiment(`${OFFLINE_PREFIX}${op.input.name}`, op.now);
      for (const [k, v] of Object.entries(op.input.tags ?? {}))
        await store.runs.setExperimentTag(id, k, v, op.now);
      return;
    }
    case "renameExperiment":
      return store.runs.renameExperiment(await experiment(op.experimentId), op.name, op.now);
    case "setExperimentLifecycle":
      return store.runs.setExperimentLifecycle(await experiment(op.experimentId), op.stage, op.now);
    case "setExperimentTag":
      return store.runs.setExperimentTag(await experiment(op.experimentId), op.key, op.value, op.now);
    case "createRun": {
      try {
        await store.runs.getRun(op.input.runId);
        return; // created by an earlier sync
      } catch (e) {
        if (!(e instanceof SextantError && e.code === "RUN_NOT_FOUND")) throw e;
      }
      const experimentId = await experiment(op.input.experimentId);
      const exp = await store.runs.getExperiment(experimentId);
      await store.runs.createRun({
        ...op.input,
        experimentId,
        artifactUri: `${exp.artifactLocation}/{runId}/artifacts`,
      });
      return;
    }
    case "updateRun":
      await store.runs.updateRun(op.runId, op.update);
      return;
    case "setRunLifecycle":
      return store.runs.setRunLifecycle(op.runId, op.stage, op.now);
    case "logBatch": {
      const { header, metrics } = decodeBatch(Buffer.from(op.batch, "base64"));
      return store.runs.logBatch(op.runId, {
        idempotencyKey: header.idempotencyKey,
        params: header.params,
        tags: header.tags,
        metrics,
      });
    }
    case "deleteTag":
      try {
        await store.runs.deleteTag(op.runId, op.key);
      } catch (e) {
        // already deleted by an earlier sync
        if (!(e instanceof SextantError && e.code === "INVALID_ARGUMENT")) throw e;
      }
      return;
    case "logInputs":
      return store.runs.logInputs(op.runId, op.datasets);
    case "recordArtifact":
      if (!(await artifacts.has(op.entry.sha256))) await artifacts.put(await blobs.get(op.entry.sha256));
      return store.runs.recordArtifact(op.runId, op.entry);
    case "createEvaluation":
      try {
        await store.evaluations.create(op.input);
      } catch (e) {
        // stored by an earlier, interrupted sync
        if (!(e instanceof SextantError && e.code === "EVALUATION_ALREADY_EXISTS")) throw e;
      }
      return;
  }
}
