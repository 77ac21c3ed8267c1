/**
 * The tracking client: `Sextant.open()` and everything a training script calls.
 */

import { userInfo } from "node:os";
import { type Clock, Rng, SextantError, systemClock } from "../core/index.js";
import { computeEvaluation, type EvaluateInput, type Evaluation, toEvaluation } from "../evaluate/index.js";
import type { StoreLocator } from "../hpo/index.js";
import {
  type CreateStudyOptions,
  createStudy as createHpoStudy,
  loadStudy as loadHpoStudy,
  type Study,
  type StudyOptions,
} from "../hpo/index.js";
import {
  HttpRegistry,
  type LoadedModel,
  ModelRegistry,
  type PromotionPolicy,
  type Registry,
  type TransitionOptions,
} from "../registry/index.js";
import {
  type ArtifactEntry,
  type ArtifactStore,
  type AuditEvent,
  type Experiment,
  type ExperimentSearchInput,
  type ExperimentSummary,
  FailoverStore,
  type HistoryQuery,
  type HttpClient,
  HttpStore,
  isDatabaseStore,
  type ModelVersion,
  openStore,
  type RegisteredModel,
  type RegistrySearchInput,
  type RemoteMode,
  type Run,
  type RunStatus,
  type SearchRunsResult,
  type SeriesColumns,
  type Store,
  type StudyListing,
  type StudyStorage,
  searchExperimentList,
  type ViewType,
} from "../store/index.js";
import {
  type CodeVersion,
  captureCodeVersion,
  captureEnvironment,
  type Environment,
} from "./capture/index.js";
import { ActiveRun, type RunHost } from "./run.js";
import { generateRunName } from "./run-names.js";
import { RunTrialTracker } from "./study-tracker.js";

export interface CaptureOptions {
  /** Git commit, branch, dirty flag and the uncommitted diff (as the artifact `sextant/code.diff`). */
  code?: boolean;
  /** Node, OS, CPU, memory, lockfile hash, resolved dependency versions, GPUs. */
  environment?: boolean;
  /** The process's command line and working directory. */
  command?: boolean;
}

export interface OpenOptions {
  /**
   * Store URI: a directory (embedded), `file:`, `:memory:`, `postgres://`, a server's
   * `http(s)://host:port`, or several servers of one store separated by commas
   * (`http://a:5000,http://b:5000`: requests move on to the next when one fails). Default
   * $SEXTANT_TRACKING_URI, else ./.sextant.
   */
  uri?: string;
  /** For a server URI: "auto" (default) spools writes while every server is unreachable, "online" fails, "offline" always spools. */
  mode?: RemoteMode;
  /** API token for a server (default $SEXTANT_TRACKING_TOKEN). */
  token?: string;
  /** Where offline writes wait for `sextant sync` (default ./.sextant/spool). */
  spoolDir?: string;
  /** How long unreachable servers are retried before a write spools (mode "auto") or fails (default 30 s). */
  retryForMs?: number;
  /** Where artifact blobs go for a PostgreSQL store (a directory); default $SEXTANT_ARTIFACTS_URI, else ./.sextant/artifacts. */
  artifactsUri?: string;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** What startRun captures; all on by default. `false` turns all off. */
  capture?: CaptureOptions | false;
  /** Working directory for relative paths and capture (default process.cwd()). */
  cwd?: string;
  /** User recorded on runs (default: the OS user). */
  userId?: string;
  /** How often a running run tells the store it is alive (default 10 s). */
  heartbeatIntervalMs?: number;
  /** A RUNNING run silent this long is shown as crashed (default 60 s). */
  crashAfterMs?: number;
  /** Buffered metric points that start a background write (default 100,000). */
  flushPoints?: number;
  /** Background write interval for buffered metrics (default 1 s). */
  flushIntervalMs?: number;
  /** Where warnings go (default: console.warn). */
  onWarning?: (message: string) => void;
}

export interface StartRunOptions {
  /** Run name (default: a generated one such as "brisk-heron-417"). */
  name?: string;
  parentRunId?: string;
  tags?: Record<string, string>;
  /** Records the seed and gives the run a seeded generator, `run.rng`. */
  seed?: number;
  /** Experiment name (default: the one set with setExperiment, else "Default"). */
  experiment?: string;
  /** Overrides the client's capture settings for this run. */
  capture?: CaptureOptions | false;
}

export interface SearchRunsOptions {
  /** Experiments to search by id … */
  experimentIds?: string[];
  /** … or by name. Neither: the current experiment. */
  experimentNames?: string[];
  /** MLflow search grammar, plus OR and parentheses. */
  filter?: string;
  /** e.g. ["metrics.f1 DESC", "params.lr"]. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | null;
  viewType?: ViewType;
}

export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** `sx.createStudy`: a study in the store, recorded as runs (the study a parent run, each trial a child run). */
export interface SextantStudyOptions
  extends Omit<CreateStudyOptions, "storage" | "tracker" | "clock" | "reopen"> {
  name: string;
  /**
   * Experiment the study's runs go to (created if needed). Default: the current experiment, else
   * "Default". A study that exists keeps the experiment of its run.
   */
  experiment?: string;
}

/** `sx.loadStudy`: an existing study by name. */
export interface SextantLoadStudyOptions
  extends Omit<StudyOptions, "storage" | "tracker" | "clock" | "reopen"> {
  name: string;
  experiment?: string;
}

const DIFF_ARTIFACT = "sextant/code.diff";

let processUser: string | undefined;

/** The OS user running this process (looked up once: it costs a system call every time). */
function osUser(): string {
  if (processUser !== undefined) return processUser;
  try {
    processUser = userInfo().username;
  } catch {
    processUser = process.env.USER ?? "unknown";
  }
  return processUser;
}

function resolveCapture(c: CaptureOptions | false | undefined): Required<CaptureOptions> {
  if (c === false) return { code: false, environment: false, command: false };
  return { code: c?.code ?? true, environment: c?.environment ?? true, command: c?.command ?? true };
}

export class Sextant {
  readonly store: Store;
  readonly artifacts: ArtifactStore;
  /** The store location that was opened. */
  readonly uri: string;
  readonly clock: Clock;
  readonly #options: OpenOptions;
  readonly #cwd: string;
  readonly #active = new Set<ActiveRun>();
  readonly #host: RunHost;
  #experiment: Experiment | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #codeCache: Promise<CodeVersion | null> | null = null;
  #registry: Registry | null = null;
  #envCache: Promise<Environment> | null = null;
  readonly #onBeforeExit = (): void => {
    if (!this.#closed) void this.close();
  };

  private constructor(store: Store, artifacts: ArtifactStore, uri: string, options: OpenOptions) {
    this.store = store;
    this.artifacts = artifacts;
    this.uri = uri;
    this.#options = options;
    this.clock = options.clock ?? systemClock;
    this.#cwd = options.cwd ?? process.cwd();
    const warn = options.onWarning ?? ((m: string) => console.warn(`[sextant] ${m}`));
    this.#host = {
      store,
      artifacts,
      clock: this.clock,
      cwd: this.#cwd,
      flushPoints: options.flushPoints ?? 100_000,
      runEnded: (run) => {
        this.#active.delete(run);
        this.#updateTimers();
      },
      warn,
    };
  }

  /**
   * Opens the store named by `options.uri`, $SEXTANT_TRACKING_URI, or the embedded ./.sextant.
   * @throws SextantError UNSUPPORTED_URI, STORE_UNAVAILABLE, STORE_SCHEMA_TOO_NEW
   */
  static async open(options: OpenOptions = {}): Promise<Sextant> {
    const clock = options.clock ?? systemClock;
    const warn = options.onWarning ?? ((m: string) => console.warn(`[sextant] ${m}`));
    const opened = await openStore({
      uri: options.uri,
      artifactsUri: options.artifactsUri,
      cwd: options.cwd,
      now: clock.now(),
      mode: options.mode,
      token: options.token,
      spoolDir: options.spoolDir,
      retryForMs: options.retryForMs,
      onOffline: (file) =>
        warn(
          `the server at ${options.uri ?? process.env.SEXTANT_TRACKING_URI} is unreachable; writes are spooled to ${file} — run \`sextant sync\` when it is back`,
        ),
    });
    const sx = new Sextant(opened.store, opened.artifacts, opened.uri, options);
    await sx.#sweepCrashed();
    process.on("beforeExit", sx.#onBeforeExit);
    return sx;
  }

  /** The experiment new runs go to. */
  get experiment(): Experiment | null {
    return this.#experiment;
  }

  /** Makes `name` the current experiment, creating it if needed. @throws INVALID_STATE if it is deleted */
  async setExperiment(name: string): Promise<Experiment> {
    const exp = await this.#getOrCreateExperiment(name);
    this.#experiment = exp;
    return exp;
  }

  async #getOrCreateExperiment(name: string): Promise<Experiment> {
    const found = await this.store.runs.getExperimentByName(name);
    if (found) {
      if (found.lifecycleStage === "deleted") {
        throw new SextantError(
          "INVALID_STATE",
          `experiment '${name}' is deleted; restore it or pick another name`,
          {
            name,
            experimentId: found.experimentId,
          },
        );
      }
      return found;
    }
    try {
      return await this.store.runs.createExperiment({ name }, this.clock.now());
    } catch (e) {
      // another process created it between our read and our write
      if (e instanceof SextantError && e.code === "EXPERIMENT_ALREADY_EXISTS") {
        const again = await this.store.runs.getExperimentByName(name);
        if (again) return again;
      }
      throw e;
    }
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const exp = await this.store.runs.getExperimentByName(name);
    if (!exp) throw new SextantError("EXPERIMENT_NOT_FOUND", `no experiment named '${name}'`, { name });
    return exp;
  }

  async listExperiments(viewType: ViewType = "active"): Promise<ExperimentSummary[]> {
    return this.store.runs.listExperiments(viewType);
  }

  /**
   * Experiments matching a filter in the search grammar (`name LIKE 'churn%' OR tags.team = 'x'`,
   * `creation_time > …`), ordered (default: newest first) and paged.
   * @throws INVALID_FILTER, INVALID_ORDER_BY, INVALID_PAGE_TOKEN
   */
  async searchExperiments(
    options: ExperimentSearchInput & { viewType?: ViewType } = {},
  ): Promise<{ experiments: ExperimentSummary[]; nextPageToken: string | null }> {
    const { viewType = "active", ...query } = options;
    const { experiments, nextPageToken } = searchExperimentList(
      await this.store.runs.listExperiments(viewType),
      query,
      viewType,
    );
    return { experiments: experiments as ExperimentSummary[], nextPageToken };
  }

  /** Starts a run in the current experiment, capturing code, environment and command line. */
  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    this.#checkOpen();
    const experiment = options.experiment
      ? await this.#getOrCreateExperiment(options.experiment)
      : (this.#experiment ?? (await this.store.runs.getExperiment("0")));
    const capture = resolveCapture(options.capture ?? this.#options.capture);
    const [code, environment] = await Promise.all([
      capture.code ? this.#captureCode() : Promise.resolve(null),
      capture.environment ? this.#captureEnvironment() : Promise.resolve(null),
    ]);
    let codeRecord: Record<string, unknown> | null = null;
    let diffBlob: Awaited<ReturnType<ArtifactStore["put"]>> | null = null;
    if (code) {
      const { diff, ...rest } = code;
      codeRecord = { ...rest };
      if (diff.length > 0) {
        diffBlob = await this.artifacts.put(diff);
        codeRecord.diffArtifact = DIFF_ARTIFACT;
        codeRecord.diffSha256 = diffBlob.sha256;
      }
    }
    if (capture.command) {
      codeRecord = {
        ...(codeRecord ?? {}),
        command: [...process.argv],
        execArgv: [...process.execArgv],
        cwd: this.#cwd,
      };
    }
    const seed = options.seed;
    const startTime = this.clock.now();
    const info = await this.store.runs.createRun({
      experimentId: experiment.experimentId,
      runName: options.name ?? generateRunName(),
      userId: this.#options.userId ?? osUser(),
      startTime,
      parentRunId: options.parentRunId ?? null,
      tags: options.tags,
      seed: seed ?? null,
      code: codeRecord,
      environment: environment as unknown as Record<string, unknown> | null,
      artifactUri: `${experiment.artifactLocation}/{runId}/artifacts`,
    });
    if (diffBlob) {
      await this.store.runs.recordArtifact(info.runId, {
        path: DIFF_ARTIFACT,
        ...diffBlob,
        createdTime: startTime,
      });
    }
    const run = new ActiveRun(this.#host, info, seed === undefined ? null : new Rng(seed));
    this.#active.add(run);
    this.#updateTimers();
    return run;
  }

  /** Runs `fn` inside a run: FINISHED when it returns, FAILED (and rethrown) when it throws. */
  async withRun<T>(options: StartRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (e) {
      await run.end("FAILED").catch(() => {});
      throw e;
    }
    await run.end("FINISHED");
    return result;
  }

  /** A run with its params, latest metrics, tags, datasets, code version and environment. */
  async getRun(runId: string): Promise<Run> {
    this.#checkOpen();
    await this.#sweepCrashed();
    return this.store.runs.getRun(runId);
  }

  /** Every point of a metric, in step order. */
  async getMetricHistory(runId: string, key: string, query: HistoryQuery = {}): Promise<MetricPoint[]> {
    const s = await this.getMetricHistoryColumns(runId, key, query);
    const out: MetricPoint[] = new Array(s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      out[i] = { step: s.steps[i]!, timestamp: s.timestamps[i]!, value: s.values[i]! };
    }
    return out;
  }

  /** Every point of a metric as typed-array columns (cheaper for long series). */
  async getMetricHistoryColumns(
    runId: string,
    key: string,
    query: HistoryQuery = {},
  ): Promise<SeriesColumns> {
    this.#checkOpen();
    return this.store.runs.getMetricHistory(runId, key, query);
  }

  async searchRuns(options: SearchRunsOptions = {}): Promise<SearchRunsResult> {
    this.#checkOpen();
    await this.#sweepCrashed();
    let experimentIds = options.experimentIds ?? [];
    if (options.experimentNames) {
      for (const name of options.experimentNames)
        experimentIds.push((await this.getExperimentByName(name)).experimentId);
    }
    if (!options.experimentIds && !options.experimentNames) {
      experimentIds = [this.#experiment?.experimentId ?? "0"];
    }
    return this.store.runs.searchRuns({
      experimentIds,
      filter: options.filter,
      orderBy: options.orderBy,
      maxResults: options.maxResults,
      pageToken: options.pageToken,
      viewType: options.viewType,
    });
  }

  // ------------------------------------------------------------ studies (hyperparameter optimization)

  /**
   * Creates a study in the store (or loads it, with `loadIfExists`). Its trials are shared by every
   * process that opens the same store; each trial is a child run of the study's run.
   * @throws STUDY_ALREADY_EXISTS
   */
  async createStudy(options: SextantStudyOptions): Promise<Study> {
    this.#checkOpen();
    const { experiment, ...rest } = options;
    return createHpoStudy({
      onWarning: this.#host.warn,
      ...rest,
      ...(await this.#studyContext(options.name, experiment)),
    });
  }

  /** Loads a study by name. @throws STUDY_NOT_FOUND */
  async loadStudy(options: SextantLoadStudyOptions): Promise<Study> {
    this.#checkOpen();
    const found = await this.#studyStorage().getStudyByName(options.name);
    if (found === null) {
      throw new SextantError("STUDY_NOT_FOUND", `no study named '${options.name}'`, { name: options.name });
    }
    const { experiment, ...rest } = options;
    // reads only, so a read token can load a study
    return loadHpoStudy({
      onWarning: this.#host.warn,
      ...rest,
      ...(await this.#studyContext(options.name, experiment)),
    });
  }

  /** What a study of this client runs on: the store's studies, runs for its trials, the clock, how to reopen it. */
  async #studyContext(name: string, experiment: string | undefined) {
    const storage = this.#studyStorage();
    const tracker = await this.#studyTracker(storage, name, experiment);
    return { storage, tracker, clock: this.clock, reopen: this.#locator() };
  }

  /**
   * How another process opens this client's store again (for a study's worker processes): the
   * URI that was opened, the token a server takes, and the open options that shape what is written.
   */
  #locator(): StoreLocator {
    const o = this.#options;
    const locator: StoreLocator = { uri: this.uri, cwd: this.#cwd };
    if (this.store.kind === "http") {
      const token = o.token ?? process.env.SEXTANT_TRACKING_TOKEN;
      if (token) locator.token = token;
    }
    if (o.artifactsUri !== undefined) locator.artifactsUri = o.artifactsUri;
    if (o.userId !== undefined) locator.userId = o.userId;
    return locator;
  }

  /** Deletes a study and its trials (their runs stay, as records of what ran). @throws STUDY_NOT_FOUND */
  async deleteStudy(name: string): Promise<void> {
    this.#checkOpen();
    const storage = this.#studyStorage();
    const found = await storage.getStudyByName(name);
    if (found === null) throw new SextantError("STUDY_NOT_FOUND", `no study named '${name}'`, { name });
    await storage.deleteStudy(found.studyId);
  }

  /** The studies in the store with their trial counts by state. */
  async listStudies(): Promise<StudyListing[]> {
    this.#checkOpen();
    return this.#studyStorage().listStudies();
  }

  #studyStorage(): StudyStorage {
    return this.store.studies;
  }

  async #studyTracker(
    storage: StudyStorage,
    name: string,
    experiment: string | undefined,
  ): Promise<RunTrialTracker> {
    // an existing study keeps its runs together in the experiment of its run
    const found = await storage.getStudyByName(name);
    let exp: Experiment | null = null;
    if (found?.runId) {
      const runExperiment = await this.store.runs
        .getRun(found.runId)
        .then((r) => r.info.experimentId)
        .catch(() => null);
      if (runExperiment !== null) exp = await this.store.runs.getExperiment(runExperiment);
    }
    exp ??= experiment
      ? await this.#getOrCreateExperiment(experiment)
      : (this.#experiment ?? (await this.store.runs.getExperiment("0")));
    return new RunTrialTracker({
      store: this.store,
      experimentId: exp.experimentId,
      artifactLocation: exp.artifactLocation,
      clock: this.clock,
      userId: this.#options.userId ?? osUser(),
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      onWarning: this.#host.warn,
    });
  }

  // ------------------------------------------------------------ evaluations

  /**
   * Evaluates a model (or its predictions) and stores the record — metrics with bootstrap
   * intervals, segments, backtest, the comparison with a baseline, curves — linked to `runId`.
   * A backtest given as options runs here, each window a child run of `runId`.
   * @throws INVALID_ARGUMENT on bad input (see computeEvaluation); RUN_NOT_FOUND
   */
  async evaluate(input: EvaluateInput & { runId?: string; name?: string }): Promise<Evaluation> {
    this.#checkOpen();
    const { runId, name, ...rest } = input;
    if (runId !== undefined) await this.store.runs.getRun(runId);
    const content = await computeEvaluation(
      rest,
      runId === undefined ? undefined : { sextant: this, parentRunId: runId },
    );
    const record = await this.store.evaluations.create({
      runId: runId ?? null,
      name: name ?? (content.split ? `${content.split.kind} split` : "evaluation"),
      createdTime: this.clock.now(),
      content: content as unknown as Record<string, unknown>,
    });
    return toEvaluation(record);
  }

  /** A stored evaluation. @throws EVALUATION_NOT_FOUND */
  async getEvaluation(evaluationId: string): Promise<Evaluation> {
    this.#checkOpen();
    return toEvaluation(await this.store.evaluations.get(evaluationId));
  }

  /** Stored evaluations, newest first (a run's, with runId). @throws RUN_NOT_FOUND */
  async listEvaluations(options: { runId?: string; maxResults?: number } = {}): Promise<Evaluation[]> {
    this.#checkOpen();
    return (await this.store.evaluations.list(options)).map(toEvaluation);
  }

  // ------------------------------------------------------------------ model registry

  /**
   * The model registry of this store (`models:/…` URIs, stages, aliases, policies, audit trail):
   * the service itself over a database, or the server's through its registry routes.
   */
  get registry(): Registry {
    this.#checkOpen();
    this.#registry ??= isDatabaseStore(this.store)
      ? new ModelRegistry({
          store: this.store,
          artifacts: this.artifacts,
          clock: this.clock,
          actor: () => this.#options.userId ?? osUser(),
        })
      : new HttpRegistry(this.#httpClient(), this.artifacts);
    return this.#registry;
  }

  /** The transport to the server behind an http(s) store. */
  #httpClient(): HttpClient {
    const s = this.store instanceof FailoverStore ? this.store.primary : this.store;
    if (!(s instanceof HttpStore))
      throw new SextantError("INTERNAL", `no server behind a ${this.store.kind} store`);
    return s.client;
  }

  /** Registers `runs:/RUN_ID/PATH` as the next version of `name` (creating the model if needed). */
  registerModel(
    source: string,
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ) {
    return this.registry.registerModel(source, name, options);
  }

  /** Policy-checked stage change; refused with POLICY_NOT_MET listing every unmet condition. */
  transitionStage(name: string, version: number | string, stage: string, options: TransitionOptions = {}) {
    return this.registry.transitionStage(name, version, stage, options);
  }

  setAlias(name: string, alias: string, version: number | string, options: { reason?: string } = {}) {
    return this.registry.setAlias(name, alias, version, options);
  }

  deleteAlias(name: string, alias: string, options: { reason?: string } = {}) {
    return this.registry.deleteAlias(name, alias, options);
  }

  getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    return this.registry.getModelVersion(name, version);
  }

  getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    return this.registry.getLatestVersions(name, stages);
  }

  /** Versions matching a filter (`name = 'churn' AND current_stage = 'Production'`), a page at a time. */
  searchModelVersions(
    options: RegistrySearchInput = {},
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }> {
    return this.registry.searchModelVersions(options);
  }

  /** Registered models matching a filter (`name LIKE 'churn%'`, `tags.team = 'x'`), a page at a time. */
  searchRegisteredModels(
    options: RegistrySearchInput = {},
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }> {
    return this.registry.searchRegisteredModels(options);
  }

  getModelHistory(name: string): Promise<AuditEvent[]> {
    return this.registry.getModelHistory(name);
  }

  rollback(
    name: string,
    target: { stage?: string; alias?: string; reason?: string } = {},
  ): Promise<AuditEvent> {
    return this.registry.rollback(name, target);
  }

  setPromotionPolicy(name: string, policy: PromotionPolicy) {
    return this.registry.setPromotionPolicy(name, policy);
  }

  /** A ready predictor for `models:/NAME/3`, `models:/NAME/Production` or `models:/NAME@alias`, hash-verified. */
  loadModel(uri: string): Promise<LoadedModel> {
    return this.registry.loadModel(uri);
  }

  async listArtifacts(runId: string, prefix = ""): Promise<ArtifactEntry[]> {
    return this.store.runs.listArtifacts(runId, prefix);
  }

  /** An artifact's bytes, checked against its content hash. */
  async readArtifact(runId: string, path: string): Promise<Buffer> {
    const entry = await this.store.runs.getArtifact(runId, path);
    return this.artifacts.get(entry.sha256);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.store.runs.setRunLifecycle(runId, "deleted", this.clock.now());
  }

  async restoreRun(runId: string): Promise<void> {
    await this.store.runs.setRunLifecycle(runId, "active", this.clock.now());
  }

  /** Runs started by this client and not yet ended. */
  get activeRuns(): readonly ActiveRun[] {
    return [...this.#active];
  }

  /**
   * Flushes and ends (FINISHED) the runs still open, then closes the store. Called on its own
   * when the process is about to exit with the client still open.
   */
  async close(status: RunStatus = "FINISHED"): Promise<void> {
    if (this.#closed) return;
    process.off("beforeExit", this.#onBeforeExit);
    try {
      for (const run of [...this.#active]) await run.end(status);
    } finally {
      this.#closed = true;
      this.#stopTimers();
      await this.store.close();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new SextantError("STORE_CLOSED", "this Sextant client is closed");
  }

  async #sweepCrashed(): Promise<void> {
    // A server sweeps its own store by its own clock before every run read.
    if (this.store.kind === "http") return;
    const crashAfter = this.#options.crashAfterMs ?? 60_000;
    await this.store.runs.markCrashedRuns(this.clock.now() - crashAfter);
  }

  #captureCode(): Promise<CodeVersion | null> {
    this.#codeCache ??= captureCodeVersion(this.#cwd);
    return this.#codeCache;
  }

  #captureEnvironment(): Promise<Environment> {
    this.#envCache ??= captureEnvironment(this.#cwd);
    return this.#envCache;
  }

  #updateTimers(): void {
    if (this.#active.size === 0) {
      this.#stopTimers();
      return;
    }
    if (this.#heartbeatTimer === null) {
      this.#heartbeatTimer = setInterval(
        () => void this.#beat(),
        this.#options.heartbeatIntervalMs ?? 10_000,
      );
      this.#heartbeatTimer.unref();
    }
    if (this.#flushTimer === null) {
      this.#flushTimer = setInterval(() => {
        for (const run of this.#active) if (run.pendingPoints > 0) run.flush().catch(() => {});
      }, this.#options.flushIntervalMs ?? 1000);
      this.#flushTimer.unref();
    }
  }

  #stopTimers(): void {
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#heartbeatTimer = null;
    this.#flushTimer = null;
  }

  async #beat(): Promise<void> {
    const now = this.clock.now();
    for (const run of this.#active) {
      try {
        await this.store.runs.heartbeat(run.id, now);
      } catch (e) {
        this.#host.warn(`heartbeat for run ${run.id} failed: ${(e as Error).message}`);
      }
    }
  }
}
