/**
 * A remote store that keeps working when its server does not: writes of runs and evaluations go
 * to the server until one fails because the server cannot be reached (after the HTTP client's
 * retries), and from then on to an offline spool, in order, for `sextant sync` to deliver later.
 * Reads always ask the server. Studies and tokens need the server itself (a study is shared work,
 * a token an admin's change): they go to it directly.
 *
 * A write is given its run id or idempotency key here, before either path sees it, so one that
 * reached the server before it went away is not applied a second time when the spool is synced.
 */
import { randomUUID } from "node:crypto";
import { newRunId, SextantError } from "../../core/index.js";
import type { ArtifactStore, BlobRef, BlobStream, PutStreamOptions } from "../artifacts/index.js";
import type { Store } from "../contract.js";
import type {
  CreateEvaluationInput,
  EvaluationRecord,
  EvaluationStore,
  ListEvaluationsInput,
} from "../evaluations/index.js";
import type {
  ArtifactEntry,
  CountRunsInput,
  CreateExperimentInput,
  CreateRunInput,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  HistoryQuery,
  LifecycleStage,
  LogBatchInput,
  Run,
  RunDataset,
  RunInfo,
  RunStore,
  SearchRunsInput,
  SearchRunsResult,
  SeriesColumns,
  UpdateRunInput,
  ViewType,
} from "../runs/index.js";
import type { StudyStorage } from "../studies/index.js";
import type { TokenStore } from "../tokens/index.js";
import { SpoolStore } from "./spool.js";

function unreachable(e: unknown): boolean {
  return e instanceof SextantError && e.code === "STORE_UNAVAILABLE";
}

/** Where writes go: the server, until it is unreachable; then the spool, for good. */
class Switch {
  readonly primary: Store;
  readonly #spoolDir: string;
  readonly #onFailover: (spoolFile: string, cause: unknown) => void;
  spool: SpoolStore | null = null;
  readonly #infos = new Map<string, RunInfo>();

  constructor(primary: Store, spoolDir: string, onFailover: (file: string, cause: unknown) => void) {
    this.primary = primary;
    this.#spoolDir = spoolDir;
    this.#onFailover = onFailover;
  }

  goOffline(cause: unknown): SpoolStore {
    if (!this.spool) {
      this.spool = new SpoolStore(this.#spoolDir);
      for (const info of this.#infos.values()) this.spool.remember(info);
      this.#onFailover(this.spool.file, cause);
    }
    return this.spool;
  }

  /** Runs a write on the server, or on the spool once the server is gone. */
  async write<T>(fn: (s: Pick<Store, "runs" | "evaluations">) => Promise<T>): Promise<T> {
    if (this.spool) return fn(this.spool);
    try {
      return await fn(this.primary);
    } catch (e) {
      if (!unreachable(e)) throw e;
      return fn(this.goOffline(e));
    }
  }

  remember(info: RunInfo): RunInfo {
    this.#infos.set(info.runId, info);
    this.spool?.remember(info);
    return info;
  }
}

class FailoverRunStore implements RunStore {
  readonly #s: Switch;
  readonly #primary: RunStore;

  constructor(s: Switch) {
    this.#s = s;
    this.#primary = s.primary.runs;
  }

  createExperiment(input: CreateExperimentInput, now: number): Promise<Experiment> {
    return this.#s.write((s) => s.runs.createExperiment(input, now));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const spool = this.#s.spool;
    if (spool && (experimentId.startsWith("offline:") || experimentId === "0"))
      return spool.runs.getExperiment(experimentId);
    return this.#primary.getExperiment(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    // Offline, an experiment is known by its name alone: a sync finds it on the server by name.
    if (this.#s.spool) return this.#s.spool.runs.getExperimentByName(name);
    try {
      return await this.#primary.getExperimentByName(name);
    } catch (e) {
      if (!unreachable(e)) throw e;
      this.#s.goOffline(e);
      return null;
    }
  }

  listExperiments(viewType?: ViewType): Promise<ExperimentSummary[]> {
    return this.#primary.listExperiments(viewType);
  }

  renameExperiment(experimentId: string, name: string, now: number): Promise<void> {
    return this.#s.write((s) => s.runs.renameExperiment(experimentId, name, now));
  }

  setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    return this.#s.write((s) => s.runs.setExperimentLifecycle(experimentId, stage, now));
  }

  setExperimentTag(experimentId: string, key: string, value: string, now: number): Promise<void> {
    return this.#s.write((s) => s.runs.setExperimentTag(experimentId, key, value, now));
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    const withId = { ...input, runId: input.runId ?? newRunId() };
    return this.#s.remember(await this.#s.write((s) => s.runs.createRun(withId)));
  }

  getRun(runId: string): Promise<Run> {
    return this.#primary.getRun(runId);
  }

  async updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    return this.#s.remember(await this.#s.write((s) => s.runs.updateRun(runId, update)));
  }

  setRunLifecycle(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    return this.#s.write((s) => s.runs.setRunLifecycle(runId, stage, now));
  }

  heartbeat(runId: string, now: number): Promise<boolean> {
    return this.#s.write((s) => s.runs.heartbeat(runId, now));
  }

  markCrashedRuns(staleBefore: number): Promise<number> {
    return this.#s.write((s) => s.runs.markCrashedRuns(staleBefore));
  }

  logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const keyed = { ...batch, idempotencyKey: batch.idempotencyKey ?? randomUUID() };
    return this.#s.write((s) => s.runs.logBatch(runId, keyed));
  }

  deleteTag(runId: string, key: string): Promise<void> {
    return this.#s.write((s) => s.runs.deleteTag(runId, key));
  }

  logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    return this.#s.write((s) => s.runs.logInputs(runId, datasets));
  }

  getMetricHistory(runId: string, key: string, query?: HistoryQuery): Promise<SeriesColumns> {
    return this.#primary.getMetricHistory(runId, key, query);
  }

  searchRuns(input: SearchRunsInput): Promise<SearchRunsResult> {
    return this.#primary.searchRuns(input);
  }

  countRuns(input: CountRunsInput): Promise<number> {
    return this.#primary.countRuns(input);
  }

  listColumns(experimentId: string): Promise<ExperimentColumns> {
    return this.#primary.listColumns(experimentId);
  }

  recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    return this.#s.write((s) => s.runs.recordArtifact(runId, entry));
  }

  listArtifacts(runId: string, prefix?: string): Promise<ArtifactEntry[]> {
    return this.#primary.listArtifacts(runId, prefix);
  }

  getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    return this.#primary.getArtifact(runId, path);
  }
}

class FailoverEvaluationStore implements EvaluationStore {
  readonly #s: Switch;

  constructor(s: Switch) {
    this.#s = s;
  }

  create(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    const withId = { ...input, evaluationId: input.evaluationId ?? newRunId() };
    return this.#s.write((s) => s.evaluations.create(withId));
  }

  get(evaluationId: string): Promise<EvaluationRecord> {
    return this.#s.primary.evaluations.get(evaluationId);
  }

  list(input?: ListEvaluationsInput): Promise<EvaluationRecord[]> {
    return this.#s.primary.evaluations.list(input);
  }
}

export class FailoverStore implements Store {
  readonly kind = "http" as const;
  /** The server's store (an HttpStore; any Store in tests). */
  readonly primary: Store;
  readonly runs: RunStore;
  readonly evaluations: EvaluationStore;
  readonly studies: StudyStorage;
  readonly tokens: TokenStore;
  readonly #switch: Switch;

  /** `offline: true` starts spooling at once (the server was not there at open, or mode "offline"). */
  constructor(
    primary: Store,
    spoolDir: string,
    options: { offline?: boolean; onFailover?: (file: string, cause: unknown) => void } = {},
  ) {
    this.primary = primary;
    this.#switch = new Switch(primary, spoolDir, options.onFailover ?? (() => {}));
    this.runs = new FailoverRunStore(this.#switch);
    this.evaluations = new FailoverEvaluationStore(this.#switch);
    this.studies = this.#online(primary.studies, "a study");
    this.tokens = this.#online(primary.tokens, "an API token");
    if (options.offline) this.#switch.goOffline(null);
  }

  /** `target`, refusing every call with OFFLINE once this store spools (it needs the server itself). */
  #online<T extends object>(target: T, what: string): T {
    const sw = this.#switch;
    return new Proxy(target, {
      get(obj, key, receiver) {
        const value = Reflect.get(obj, key, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (sw.spool) {
            return Promise.reject(
              new SextantError(
                "OFFLINE",
                `${what} lives on the server, and this client is offline (spooling to ${sw.spool.file}); run it again when the server is back`,
              ),
            );
          }
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  }

  /** Whether writes are going to the spool. */
  get offline(): boolean {
    return this.#switch.spool !== null;
  }

  /** The spool, once writes go there. */
  get spool(): SpoolStore | null {
    return this.#switch.spool;
  }

  async close(): Promise<void> {
    await this.primary.close();
    await this.#switch.spool?.close();
  }

  /** The artifact store that follows this store's state: the server's blobs, or the spool's. */
  artifactsOver(remote: ArtifactStore): ArtifactStore {
    const sw = this.#switch;
    const pick = async <T>(fn: (a: ArtifactStore) => Promise<T>): Promise<T> => {
      if (sw.spool) return fn(sw.spool.blobs);
      try {
        return await fn(remote);
      } catch (e) {
        if (!unreachable(e)) throw e;
        return fn(sw.goOffline(e).blobs);
      }
    };
    return {
      get uri() {
        return sw.spool ? sw.spool.blobs.uri : remote.uri;
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
