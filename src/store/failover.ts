/**
 * A remote store that keeps working when its server does not: writes go to the server until one
 * fails because the server cannot be reached (after the HTTP client's retries), and from then on
 * to an offline spool, in order, for `sextant sync` to deliver later. Reads always ask the server.
 */
import { SextantError } from "../core/errors.js";
import { newRunId } from "../core/ids.js";
import type { ArtifactStore, BlobRef, BlobStream, PutStreamOptions } from "./artifacts.js";
import type { SeriesColumns } from "./metric-codec.js";
import { SpoolStore } from "./spool.js";
import type {
  ArtifactEntry,
  CountRunsInput,
  CreateEvaluationInput,
  CreateExperimentInput,
  CreateRunInput,
  EvaluationRecord,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  HistoryQuery,
  LifecycleStage,
  ListEvaluationsInput,
  LogBatchInput,
  Run,
  RunDataset,
  RunInfo,
  SearchRunsInput,
  SearchRunsResult,
  Store,
  UpdateRunInput,
  ViewType,
} from "./types.js";

function unreachable(e: unknown): boolean {
  return e instanceof SextantError && e.code === "STORE_UNAVAILABLE";
}

export class FailoverStore implements Store {
  readonly kind = "http";
  readonly primary: Store;
  readonly #spoolDir: string;
  readonly #onFailover: (spoolFile: string, cause: unknown) => void;
  #spool: SpoolStore | null = null;
  readonly #infos = new Map<string, RunInfo>();

  /** `offline: true` starts spooling at once (the server was not there at open, or mode "offline"). */
  constructor(
    primary: Store,
    spoolDir: string,
    options: { offline?: boolean; onFailover?: (file: string, cause: unknown) => void } = {},
  ) {
    this.primary = primary;
    this.#spoolDir = spoolDir;
    this.#onFailover = options.onFailover ?? (() => {});
    if (options.offline) this.#goOffline(null);
  }

  /** Whether writes are going to the spool. */
  get offline(): boolean {
    return this.#spool !== null;
  }

  /** The spool, once writes go there. */
  get spool(): SpoolStore | null {
    return this.#spool;
  }

  #goOffline(cause: unknown): SpoolStore {
    if (!this.#spool) {
      this.#spool = new SpoolStore(this.#spoolDir);
      for (const info of this.#infos.values()) this.#spool.remember(info);
      this.#onFailover(this.#spool.file, cause);
    }
    return this.#spool;
  }

  /** Runs a write on the server, or on the spool once the server is gone. */
  async #write<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    if (this.#spool) return fn(this.#spool);
    try {
      return await fn(this.primary);
    } catch (e) {
      if (!unreachable(e)) throw e;
      return fn(this.#goOffline(e));
    }
  }

  #remember(info: RunInfo): RunInfo {
    this.#infos.set(info.runId, info);
    this.#spool?.remember(info);
    return info;
  }

  createExperiment(input: CreateExperimentInput, now: number): Promise<Experiment> {
    return this.#write((s) => s.createExperiment(input, now));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    if (this.#spool && (experimentId.startsWith("offline:") || experimentId === "0"))
      return this.#spool.getExperiment(experimentId);
    return this.primary.getExperiment(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    // Offline, an experiment is known by its name alone: a sync finds it on the server by name.
    if (this.#spool) return this.#spool.getExperimentByName(name);
    try {
      return await this.primary.getExperimentByName(name);
    } catch (e) {
      if (!unreachable(e)) throw e;
      this.#goOffline(e);
      return null;
    }
  }

  listExperiments(viewType?: ViewType): Promise<ExperimentSummary[]> {
    return this.primary.listExperiments(viewType);
  }

  renameExperiment(experimentId: string, name: string, now: number): Promise<void> {
    return this.#write((s) => s.renameExperiment(experimentId, name, now));
  }

  setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    return this.#write((s) => s.setExperimentLifecycle(experimentId, stage, now));
  }

  setExperimentTag(experimentId: string, key: string, value: string, now: number): Promise<void> {
    return this.#write((s) => s.setExperimentTag(experimentId, key, value, now));
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    return this.#remember(await this.#write((s) => s.createRun(input)));
  }

  getRun(runId: string): Promise<Run> {
    return this.primary.getRun(runId);
  }

  async updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    return this.#remember(await this.#write((s) => s.updateRun(runId, update)));
  }

  setRunLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    return this.#write((s) => s.setRunLifecycle(runId, stage, now));
  }

  heartbeat(runId: string, now: number): Promise<boolean> {
    return this.#write((s) => s.heartbeat(runId, now));
  }

  markCrashedRuns(staleBefore: number): Promise<number> {
    return this.#write((s) => s.markCrashedRuns(staleBefore));
  }

  logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    return this.#write((s) => s.logBatch(runId, batch));
  }

  deleteTag(runId: string, key: string): Promise<void> {
    return this.#write((s) => s.deleteTag(runId, key));
  }

  logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    return this.#write((s) => s.logInputs(runId, datasets));
  }

  getMetricHistory(runId: string, key: string, query?: HistoryQuery): Promise<SeriesColumns> {
    return this.primary.getMetricHistory(runId, key, query);
  }

  searchRuns(input: SearchRunsInput): Promise<SearchRunsResult> {
    return this.primary.searchRuns(input);
  }

  countRuns(input: CountRunsInput): Promise<number> {
    return this.primary.countRuns(input);
  }

  listColumns(experimentId: string): Promise<ExperimentColumns> {
    return this.primary.listColumns(experimentId);
  }

  recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    return this.#write((s) => s.recordArtifact(runId, entry));
  }

  listArtifacts(runId: string, prefix?: string): Promise<ArtifactEntry[]> {
    return this.primary.listArtifacts(runId, prefix);
  }

  getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    return this.primary.getArtifact(runId, path);
  }

  createEvaluation(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    // one id for both paths: a record the server got before it went away is not spooled twice
    const withId = { ...input, evaluationId: input.evaluationId ?? newRunId() };
    return this.#write((s) => s.createEvaluation(withId));
  }

  getEvaluation(evaluationId: string): Promise<EvaluationRecord> {
    return this.primary.getEvaluation(evaluationId);
  }

  listEvaluations(input?: ListEvaluationsInput): Promise<EvaluationRecord[]> {
    return this.primary.listEvaluations(input);
  }

  async close(): Promise<void> {
    await this.primary.close();
    await this.#spool?.close();
  }

  /** The artifact store that follows this store's state: the server's blobs, or the spool's. */
  artifactsOver(remote: ArtifactStore): ArtifactStore {
    const self = this;
    const pick = async <T>(fn: (a: ArtifactStore) => Promise<T>): Promise<T> => {
      if (self.#spool) return fn(self.#spool.blobs);
      try {
        return await fn(remote);
      } catch (e) {
        if (!unreachable(e)) throw e;
        return fn(self.#goOffline(e).blobs);
      }
    };
    return {
      get uri() {
        return self.#spool ? self.#spool.blobs.uri : remote.uri;
      },
      put: (data: Uint8Array | string): Promise<BlobRef> => pick((a) => a.put(data)),
      putFile: (path: string): Promise<BlobRef> => pick((a) => a.putFile(path)),
      putStream: (source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<BlobRef> =>
        pick((a) => a.putStream(source, options)),
      get: (hash: string): Promise<Buffer> => remote.get(hash),
      getStream: (hash: string): Promise<BlobStream> => remote.getStream(hash),
      has: (hash: string): Promise<boolean> => pick((a) => a.has(hash)),
    };
  }
}
