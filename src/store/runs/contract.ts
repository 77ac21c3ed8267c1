/**
 * The runs aggregate: experiments, runs, params, tags, metric series, dataset inputs, the artifact
 * path index, and search. Implemented over SQL (kysely.ts, for SQLite and PostgreSQL), over a
 * Sextant server (http.ts) and, for offline clients, over an append-only spool (../offline/).
 *
 * Rules every implementation keeps:
 * - Writes are atomic: a call either applies completely or leaves the store as it was. A batch
 *   (logBatch) that fails validation or conflicts with stored params writes nothing.
 * - Returned objects are snapshots: later writes never change an object already returned.
 * - Several processes may write to one store at once (SQLite: WAL + immediate transactions with a
 *   busy timeout; PostgreSQL: row locks). Lock contention never surfaces as an error unless it
 *   outlasts the busy timeout, and then as STORE_BUSY.
 * - Params are immutable: logging a different value for an existing key fails with PARAM_CONFLICT;
 *   the same value again is a no-op.
 * - Deleted runs and experiments (lifecycle "deleted") refuse writes with INVALID_STATE; they can
 *   be restored.
 * - Unknown ids fail with RUN_NOT_FOUND / EXPERIMENT_NOT_FOUND; malformed input with
 *   INVALID_ARGUMENT, INVALID_NAME, LIMIT_EXCEEDED or INVALID_METRIC_VALUE.
 */
import type {
  ArtifactEntry,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  LifecycleStage,
  Run,
  RunDataset,
  RunInfo,
  RunStatus,
  SearchRunsResult,
  ViewType,
} from "../../api/index.js";
import type { SeriesColumns } from "./metric-codec.js";

export {
  type ArtifactEntry,
  type DatasetRecord,
  type Experiment,
  type ExperimentColumns,
  type ExperimentSummary,
  type LifecycleStage,
  type MetricSummary,
  RUN_STATUSES,
  type Run,
  type RunData,
  type RunDataset,
  type RunInfo,
  type RunStatus,
  type SearchRunsResult,
  type ViewType,
} from "../../api/index.js";

export interface CreateExperimentInput {
  name: string;
  artifactLocation?: string;
  tags?: Record<string, string>;
}

export interface CreateRunInput {
  experimentId: string;
  runName: string;
  userId: string;
  startTime: number;
  parentRunId?: string | null;
  tags?: Record<string, string>;
  seed?: number | null;
  code?: Record<string, unknown> | null;
  environment?: Record<string, unknown> | null;
  /** Artifact URI root of the run; `{runId}` is replaced by the new id. */
  artifactUri: string;
  /** Use this id instead of a fresh one (imports, tests). */
  runId?: string;
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number | null;
  runName?: string;
}

/** A metric series fragment in columns; the store encodes it into chunks. */
export interface MetricSeriesInput extends SeriesColumns {
  key: string;
}

export interface LogBatchInput {
  /**
   * Makes retries safe: a batch whose key was already applied is acknowledged and not applied
   * again. Up to 128 characters; keep it unique per batch (a UUID).
   */
  idempotencyKey?: string;
  /**
   * Also records a heartbeat at this time (a crashed run comes back to RUNNING), in the same
   * transaction: for clients that never send heartbeats of their own (MLflow's).
   */
  heartbeatAt?: number;
  metrics?: MetricSeriesInput[];
  params?: Array<{ key: string; value: string }>;
  tags?: Array<{ key: string; value: string }>;
}

/** Keys to return with each run; a kind left out is returned whole. */
export interface RunColumns {
  params?: string[];
  metrics?: string[];
  tags?: string[];
}

export interface CountRunsInput {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | null;
  viewType?: ViewType;
  /** Only these keys in each run's data and metric summaries (the rest of each kind is left out). */
  columns?: RunColumns;
}

export interface HistoryQuery {
  /** Inclusive step bounds. */
  minStep?: number;
  maxStep?: number;
}

export interface RunStore {
  createExperiment(input: CreateExperimentInput, now: number): Promise<Experiment>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** null when no experiment has that name (deleted ones included). */
  getExperimentByName(name: string): Promise<Experiment | null>;
  listExperiments(viewType?: ViewType): Promise<ExperimentSummary[]>;
  renameExperiment(experimentId: string, name: string, now: number): Promise<void>;
  setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string, now: number): Promise<void>;

  createRun(input: CreateRunInput): Promise<RunInfo>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo>;
  setRunLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void>;
  /**
   * Records that the run's process is alive. A run ended as crashed comes back to RUNNING.
   * Returns false when the run is no longer running (ended normally or deleted).
   */
  heartbeat(runId: string, now: number): Promise<boolean>;
  /** Ends RUNNING runs whose last heartbeat is older than `staleBefore` as FAILED + crashed. */
  markCrashedRuns(staleBefore: number): Promise<number>;

  /** The one write primitive for params, tags and metrics: all or nothing. */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logInputs(runId: string, datasets: RunDataset[]): Promise<void>;

  getMetricHistory(runId: string, key: string, query?: HistoryQuery): Promise<SeriesColumns>;
  searchRuns(input: SearchRunsInput): Promise<SearchRunsResult>;
  /** How many runs a search matches (for totals; ignores paging and order). */
  countRuns(input: CountRunsInput): Promise<number>;
  /** The param, metric and tag keys runs of the experiment have used. */
  listColumns(experimentId: string): Promise<ExperimentColumns>;

  recordArtifact(runId: string, entry: ArtifactEntry): Promise<void>;
  /** Artifacts under `prefix` (a directory path, "" for all), sorted by path. */
  listArtifacts(runId: string, prefix?: string): Promise<ArtifactEntry[]>;
  getArtifact(runId: string, path: string): Promise<ArtifactEntry>;
}
