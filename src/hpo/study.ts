/**
 * Studies: define-by-run optimization as in Optuna.
 *
 * A Study keeps its trials in memory and refreshes them incrementally from the storage
 * (`getTrials({ since })`) before each ask, so other processes sharing the storage are seen; the
 * samplers and pruners work on that cache through a read-only StudyView. Trials in flight in
 * this process are in the cache as they change (their params included), so a sampler asked for
 * one trial sees the params of the others — the pending-trial awareness parallel TPE needs.
 *
 * `optimize` runs `concurrency` trials at once (a promise pool). Given a function, the trials run
 * in this thread: objectives that await I/O or timers overlap, CPU-bound ones do not. Given an
 * objective script (a file or URL whose default export is the objective), each of `concurrency`
 * worker threads runs it (thread-objective.ts), so CPU-bound objectives use as many cores; with
 * `processes: K`, K child processes sharing the study's store run it (processes.ts), and several
 * machines sharing a database or a server scale further.
 *
 * While trials run the study heartbeats them; before each ask
 * it fails trials whose heartbeat is older than `staleAfterMs`, so a worker that died leaves FAIL.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Clock, isSextantError, SextantError, systemClock } from "../core/index.js";
import { paretoFrontTrials } from "./pareto.js";
import { type ProcessesSummary, type StoreLocator, shareableLocator, WorkerProcesses } from "./processes.js";
import type { NamedStudyView } from "./pruners/index.js";
import { MedianPruner } from "./pruners/index.js";
import type { Pruner, Sampler } from "./sampler.js";
import { TpeSampler } from "./samplers/index.js";
import { loadWorkerScript } from "./script.js";
import {
  cloneTrial,
  type Direction,
  type DistributionJSON,
  FINISHED_STATES,
  type FrozenTrial,
  InMemoryStorage,
  type StudyStorage,
  type StudySummary,
  type TrialState,
  type TrialTracker,
} from "./storage.js";
import { ThreadedObjective } from "./thread-objective.js";
import { externalParams, isTrialPruned, type ParamValue, Trial, type TrialHost } from "./trial.js";

export interface StudyOptions {
  /** Default: TpeSampler with its defaults (Optuna's default). */
  sampler?: Sampler;
  /** Default: MedianPruner with its defaults (Optuna's default). */
  pruner?: Pruner;
  /** Default: a new InMemoryStorage. */
  storage?: StudyStorage;
  /** Records the study and its trials as runs (study = parent run, trial = child run). */
  tracker?: TrialTracker;
  /** All times (trial start, end, heartbeats) come from it. Default: the system clock. */
  clock?: Clock;
  /** How often running trials heartbeat, in ms. Default 10 000; 0 turns heartbeats and the stale sweep off. */
  heartbeatIntervalMs?: number;
  /** A RUNNING trial whose last heartbeat is older than this is failed before the next ask. Default 60 000. */
  staleAfterMs?: number;
  /** Where warnings go (failed trials, values ignored). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Metric names the tracker logs intermediate values under. Default "value" (or value_0, value_1, …). */
  metricNames?: string[];
  /**
   * How other processes open `storage` again, for `optimize(script, { processes })`. `sx.createStudy`
   * sets it; a storage without it (an InMemoryStorage) stays in this process.
   */
  reopen?: StoreLocator;
}

export interface CreateStudyOptions extends StudyOptions {
  /** Default: a random "no-name-<uuid>". */
  name?: string;
  direction?: Direction;
  /** For multi-objective studies; give `direction` or `directions`, not both. */
  directions?: Direction[];
  /** Load the study when one with that name exists (its directions must match). */
  loadIfExists?: boolean;
  userAttrs?: Record<string, unknown>;
}

export interface LoadStudyOptions extends StudyOptions {
  name: string;
}

export type ObjectiveValue = number | readonly number[];
export type Objective = (trial: Trial) => ObjectiveValue | undefined | Promise<ObjectiveValue | undefined>;

export interface OptimizeProgress {
  /** Trials finished in this optimize call. */
  finished: number;
  completed: number;
  pruned: number;
  failed: number;
  /** nTrials, when given. */
  total: number | null;
  elapsedMs: number;
  /** The trial that just finished. */
  trial: FrozenTrial;
  /** With `processes`: the worker process (0-based) that ran it. */
  worker?: number;
}

export interface OptimizeOptions {
  /** Stop after this many trials (all workers together). Without it, and without a timeout, run until `stop()`. */
  nTrials?: number;
  /** Start no trial after this many ms (by the study's clock). */
  timeoutMs?: number;
  /**
   * Trials in flight at once (with `processes`: in each process). Default 1. With an objective
   * script, also the number of worker threads running it.
   */
  concurrency?: number;
  /**
   * With an objective script: run it in `concurrency` worker threads (the default), or with false
   * on the main thread (of this process, or of each worker process), `concurrency` trials
   * overlapping as they await.
   */
  threads?: boolean;
  /**
   * Run the objective script in this many child processes sharing the study's store (a SQLite
   * directory, PostgreSQL or a server; not an in-memory one). Each opens the store and the study
   * again and builds its sampler and pruner from the script's `sampler` and `pruner` exports (the
   * defaults otherwise: this study's sampler object stays here); `nTrials` and `timeoutMs` hold
   * over all of them. A process that dies is reported in the summary and the others go on; the
   * trials it held go to them. Resolves with a {@link ProcessesSummary} once every process ended.
   * @throws INVALID_ARGUMENT for a function objective, `catch`, or a study the processes cannot share
   */
  processes?: number;
  /**
   * Whether to go on after an objective threw (the trial is FAIL either way, the error in
   * `systemAttrs.fail_reason`). Default: always go on. Returning false stops the study: trials in
   * flight finish, then `optimize` rejects with that error. (Not with `processes`.)
   */
  catch?: (error: unknown) => boolean;
  /** Called after each trial with its final state (may call `study.stop()`). */
  callbacks?: Array<(study: Study, trial: FrozenTrial) => void | Promise<void>>;
  onProgress?: (progress: OptimizeProgress) => void;
  /** Where failure warnings go for this call. Default: the study's onWarning. */
  onWarning?: (message: string) => void;
  /**
   * Aborting it stops the study as `stop()` does; with `processes` it kills the worker processes
   * (their process groups) at once instead, and their RUNNING trials are failed by the stale sweep.
   */
  signal?: AbortSignal;
  /** With `processes`: each line the worker processes print. Default: this process's stderr, as "[worker i] line". */
  onOutput?: (line: string, worker: number) => void;
  /** @internal Asked before each trial starts; false ends that loop (worker processes draw from their parent's budget). */
  permit?: () => Promise<boolean>;
}

export interface OptimizeSummary {
  completed: number;
  pruned: number;
  failed: number;
}

export interface EnqueueOptions {
  userAttrs?: Record<string, unknown>;
  /** Do not enqueue when a trial (not FAIL) already has these params, fixed or suggested. */
  skipIfExists?: boolean;
}

export type TellState = "COMPLETE" | "PRUNED" | "FAIL";

const DEFAULT_HEARTBEAT_MS = 10_000;
const DEFAULT_STALE_MS = 60_000;
/** How long a worker loading a just-created study waits for its creator to record the study's run. */
const PARENT_RUN_WAIT_MS = 5_000;

function defaultWarning(message: string): void {
  process.emitWarning(message, { type: "SextantHpoWarning" });
}

/** Creates a study (or loads it, with `loadIfExists`). */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  if (options.direction !== undefined && options.directions !== undefined) {
    throw new SextantError("INVALID_ARGUMENT", "give direction or directions, not both");
  }
  const directions = options.directions ?? [options.direction ?? "minimize"];
  if (
    !Array.isArray(directions) ||
    directions.length === 0 ||
    directions.some((d) => d !== "minimize" && d !== "maximize")
  ) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      "directions must be a non-empty list of 'minimize' or 'maximize'",
    );
  }
  const storage = options.storage ?? new InMemoryStorage();
  const clock = options.clock ?? systemClock;
  const name = options.name ?? `no-name-${randomUUID()}`;
  let summary: StudySummary;
  let created = true;
  try {
    summary = await storage.createStudy(
      { name, directions, userAttrs: options.userAttrs ?? {} },
      clock.now(),
    );
  } catch (e) {
    created = false;
    if (!options.loadIfExists || !isSextantError(e, "STUDY_ALREADY_EXISTS")) throw e;
    const found = await storage.getStudyByName(name);
    if (found === null) throw e;
    if (found.directions.join() !== directions.join()) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `study '${name}' exists with directions [${found.directions.join(", ")}], not [${directions.join(", ")}]`,
        { name },
      );
    }
    summary = found;
  }
  return Study.open(summary, { ...options, storage, clock, created });
}

/** Loads an existing study by name. @throws STUDY_NOT_FOUND */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  const storage = options.storage ?? new InMemoryStorage();
  const summary = await storage.getStudyByName(options.name);
  if (summary === null) {
    throw new SextantError("STUDY_NOT_FOUND", `no study named '${options.name}'`, { name: options.name });
  }
  return Study.open(summary, { ...options, storage });
}

/** Deletes a study and its trials. @throws STUDY_NOT_FOUND */
export async function deleteStudy(options: { name: string; storage: StudyStorage }): Promise<void> {
  const summary = await options.storage.getStudyByName(options.name);
  if (summary === null) {
    throw new SextantError("STUDY_NOT_FOUND", `no study named '${options.name}'`, { name: options.name });
  }
  await options.storage.deleteStudy(summary.studyId);
}

/** The study's trials in memory, by number, with per-state lists computed once per change. */
class TrialCache implements NamedStudyView {
  readonly directions: readonly Direction[];
  readonly studyName: string;
  readonly studyId: string;
  readonly #byNumber: Array<FrozenTrial | undefined> = [];
  readonly #memo = new Map<string, FrozenTrial[]>();
  #version = 0;

  constructor(summary: StudySummary) {
    this.directions = Object.freeze([...summary.directions]);
    this.studyName = summary.name;
    this.studyId = summary.studyId;
  }

  get version(): number {
    return this.#version;
  }

  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    const key = states === undefined ? "*" : states.join();
    let out = this.#memo.get(key);
    if (out === undefined) {
      out = [];
      for (const t of this.#byNumber)
        if (t !== undefined && (states === undefined || states.includes(t.state))) out.push(t);
      this.#memo.set(key, out);
    }
    return out;
  }

  get(number: number): FrozenTrial | undefined {
    return this.#byNumber[number];
  }

  /** Stores `t` unless that would replace a finished trial with an older unfinished snapshot. */
  put(t: FrozenTrial): void {
    const old = this.#byNumber[t.number];
    if (old !== undefined && FINISHED_STATES.includes(old.state) && !FINISHED_STATES.includes(t.state))
      return;
    this.#byNumber[t.number] = t;
    this.#memo.clear();
    this.#version++;
  }
}

type Feasibility = { ok: true; values: number[] } | { ok: false; reason: string };

export class Study implements TrialHost {
  readonly storage: StudyStorage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly clock: Clock;
  readonly tracker: TrialTracker | undefined;
  readonly heartbeatIntervalMs: number;
  readonly staleAfterMs: number;
  readonly metricNames: readonly string[];
  #summary: StudySummary;
  readonly #cache: TrialCache;
  #cursor: number | undefined;
  /** Trials in flight in this process, by number (the cache keeps our copies, not the storage's). */
  readonly #inFlight = new Set<number>();
  readonly #live = new Map<number, Trial>();
  #refreshing: Promise<void> = Promise.resolve();
  #asking: Promise<unknown> = Promise.resolve();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #warn: (message: string) => void;
  #stopRequested = false;
  #optimizing = false;
  #processes: WorkerProcesses | undefined;
  readonly #reopen: StoreLocator | undefined;
  #best: { version: number; trial: FrozenTrial | null } | undefined;

  private constructor(summary: StudySummary, options: StudyOptions & { storage: StudyStorage }) {
    this.storage = options.storage;
    this.sampler = options.sampler ?? new TpeSampler();
    this.pruner = options.pruner ?? new MedianPruner();
    this.clock = options.clock ?? systemClock;
    this.tracker = options.tracker;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
    if (!(this.heartbeatIntervalMs >= 0) || !Number.isFinite(this.heartbeatIntervalMs)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `heartbeatIntervalMs must be >= 0, got ${this.heartbeatIntervalMs}`,
      );
    }
    if (!(this.staleAfterMs > 0)) {
      throw new SextantError("INVALID_ARGUMENT", `staleAfterMs must be > 0, got ${this.staleAfterMs}`);
    }
    const n = summary.directions.length;
    this.metricNames =
      options.metricNames ?? (n === 1 ? ["value"] : summary.directions.map((_, i) => `value_${i}`));
    if (this.metricNames.length !== n) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `metricNames needs ${n} names, got ${this.metricNames.length}`,
      );
    }
    this.#warn = options.onWarning ?? defaultWarning;
    this.#reopen = options.reopen === undefined ? undefined : { ...options.reopen };
    this.#summary = summary;
    this.#cache = new TrialCache(summary);
  }

  /** @internal Use createStudy or loadStudy. */
  static async open(
    summary: StudySummary,
    options: StudyOptions & { storage: StudyStorage; created?: boolean },
  ): Promise<Study> {
    const study = new Study(summary, options);
    if (study.tracker !== undefined && summary.runId === null) {
      // A study created a moment ago by another worker gets its run from that worker: wait for it
      // rather than start a second one.
      let current = summary;
      if (options.created !== true && study.clock.now() - summary.createdTime < PARENT_RUN_WAIT_MS) {
        for (let waited = 0; current.runId === null && waited < PARENT_RUN_WAIT_MS; waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
          current = await study.storage.getStudy(summary.studyId);
        }
      }
      let runId = current.runId;
      if (runId === null) {
        runId = await study.tracker.startStudy(current);
        await study.storage.setStudyRun(summary.studyId, runId);
      }
      study.#summary = { ...current, runId };
    }
    await study.refresh();
    return study;
  }

  // ---------------------------------------------------------------- what the study is

  get studyId(): string {
    return this.#summary.studyId;
  }

  get name(): string {
    return this.#summary.name;
  }

  get directions(): readonly Direction[] {
    return this.#cache.directions;
  }

  /** The direction of a single-objective study. @throws INVALID_STATE for multi-objective studies */
  get direction(): Direction {
    this.#singleObjective("direction");
    return this.directions[0]!;
  }

  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /** The study as stored when loaded (its attributes as this process last set them). */
  get summary(): StudySummary {
    return structuredClone(this.#summary);
  }

  get userAttrs(): Record<string, unknown> {
    return structuredClone(this.#summary.userAttrs);
  }

  async setUserAttr(key: string, value: unknown): Promise<void> {
    await this.storage.setStudyAttr(this.studyId, "user", key, value);
    this.#summary = { ...this.#summary, userAttrs: { ...this.#summary.userAttrs, [key]: value } };
  }

  /** The read-only view samplers and pruners get (trials in number order, live trials included). */
  get view(): NamedStudyView {
    return this.#cache;
  }

  // ---------------------------------------------------------------- trials and the best

  /**
   * The trials as of the last refresh (each ask and tell refreshes; so does `getTrials`), in number
   * order. These are the study's own objects: read them, do not change them.
   */
  get trials(): readonly FrozenTrial[] {
    return this.#cache.trials();
  }

  /** Snapshots of the trials, refreshed from the storage first. */
  async getTrials(
    options: { states?: readonly TrialState[]; refresh?: boolean } = {},
  ): Promise<FrozenTrial[]> {
    if (options.refresh ?? true) await this.refresh();
    return this.#cache.trials(options.states).map(cloneTrial);
  }

  /** The best COMPLETE trial (the first of equals). @throws INVALID_STATE when none completed or multi-objective */
  get bestTrial(): FrozenTrial {
    this.#singleObjective("bestTrial");
    if (this.#best === undefined || this.#best.version !== this.#cache.version) {
      const maximize = this.directions[0] === "maximize";
      let best: FrozenTrial | null = null;
      for (const t of this.#cache.trials(["COMPLETE"])) {
        const v = t.values?.[0];
        if (v === undefined) continue;
        const b = best?.values?.[0];
        if (b === undefined || (maximize ? v > b : v < b)) best = t;
      }
      this.#best = { version: this.#cache.version, trial: best };
    }
    if (this.#best.trial === null) throw new SextantError("INVALID_STATE", "no trial has completed yet");
    return this.#best.trial;
  }

  get bestValue(): number {
    return this.bestTrial.values![0]!;
  }

  /** The best trial's params as the objective saw them. */
  get bestParams(): Record<string, ParamValue> {
    return externalParams(this.bestTrial);
  }

  /**
   * The Pareto front: the COMPLETE trials no other COMPLETE trial dominates (for a single
   * objective, every trial with the best value).
   */
  get bestTrials(): FrozenTrial[] {
    return paretoFrontTrials(this.#cache.trials(["COMPLETE"]), this.directions);
  }

  /** Reads what changed in the storage since the last refresh (other processes' trials too). */
  async refresh(): Promise<void> {
    await this.#sync((since) => this.storage.getTrials(this.studyId, since === undefined ? {} : { since }));
  }

  /**
   * Runs a read that answers the trials changed since the cache's counter, one at a time, and
   * puts them in the cache (a trial this process runs keeps its live copy).
   */
  #sync<T extends { trials: FrozenTrial[]; cursor: number }>(
    read: (since: number | undefined) => Promise<T>,
  ): Promise<T> {
    const run = async () => {
      const answer = await read(this.#cursor);
      for (const t of answer.trials) if (!this.#inFlight.has(t.number)) this.#cache.put(t);
      this.#cursor = answer.cursor;
      return answer;
    };
    const p = this.#refreshing.then(run, run);
    this.#refreshing = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  // ---------------------------------------------------------------- ask and tell

  /**
   * A new trial: the oldest enqueued (WAITING) one, else a new RUNNING one. Fails stale trials
   * and refreshes the cache first. `fixedDistributions` suggests those params at once.
   */
  ask(fixedDistributions?: Record<string, DistributionJSON>): Promise<Trial> {
    const run = () => this.#ask(fixedDistributions);
    const p = this.#asking.then(run, run);
    this.#asking = p.catch(() => undefined);
    return p;
  }

  async #ask(fixedDistributions: Record<string, DistributionJSON> | undefined): Promise<Trial> {
    const storage = this.storage;
    const now = this.clock.now();
    // one step: ours are alive whatever their heartbeat says (a busy event loop may have delayed
    // it), stale ones fail, and the trial comes back with what changed since the last read
    const beats = this.heartbeatIntervalMs > 0;
    const { trial: frozen, failed } = await this.#sync((since) =>
      storage.askTrial(
        this.studyId,
        {
          ...(beats
            ? { alive: [...this.#live.values()].map((t) => t.trialId), staleBefore: now - this.staleAfterMs }
            : {}),
          ...(since === undefined ? {} : { since }),
        },
        now,
      ),
    );
    for (const t of failed) {
      this.#warn(`trial ${t.number} failed: its worker stopped sending heartbeats`);
      if (this.tracker !== undefined && t.runId !== null) {
        await this.tracker.finishTrial(this.#summary, t).catch((e: unknown) => {
          this.#warn(`tracking trial ${t.number} failed: ${errorMessage(e)}`);
        });
      }
    }
    if (this.tracker !== undefined) {
      try {
        const runId = await this.tracker.startTrial(this.#summary, cloneTrial(frozen));
        await storage.setTrialRun(frozen.trialId, runId);
        frozen.runId = runId;
      } catch (e) {
        // no trial without its run: fail it now rather than leave it RUNNING until it goes stale
        await storage
          .setTrialAttr(frozen.trialId, "system", "fail_reason", `tracking failed: ${errorMessage(e)}`)
          .catch(() => undefined);
        await storage.setTrialState(frozen.trialId, "FAIL", null, this.clock.now()).catch(() => undefined);
        throw e;
      }
    }
    this.#inFlight.add(frozen.number);
    this.#cache.put(frozen);
    let trial: Trial;
    try {
      trial = new Trial(this, frozen);
      if (fixedDistributions !== undefined) {
        for (const [name, d] of Object.entries(fixedDistributions)) {
          const dist = d as DistributionJSON;
          if (dist.type === "float") trial.suggestFloat(name, dist.low, dist.high, stepOrLog(dist));
          else if (dist.type === "int") trial.suggestInt(name, dist.low, dist.high, stepOrLog(dist));
          else trial.suggestCategorical(name, dist.choices);
        }
      }
    } catch (e) {
      // the sampler failed before the trial began: record it as FAIL
      this.#inFlight.delete(frozen.number);
      await storage
        .setTrialAttr(frozen.trialId, "system", "fail_reason", errorMessage(e))
        .catch(() => undefined);
      await storage.setTrialState(frozen.trialId, "FAIL", null, this.clock.now());
      this.#cache.put(await storage.getTrial(frozen.trialId));
      throw e;
    }
    this.#live.set(frozen.number, trial);
    this.#startHeartbeat();
    return trial;
  }

  /**
   * Finishes a trial. With values and no state: COMPLETE, or FAIL when a value is not a finite
   * number or their count does not match the directions (the reason in systemAttrs.fail_reason).
   * With state "PRUNED" or "FAIL": no values. With state "COMPLETE": values must be feasible.
   * @throws INVALID_STATE when the trial has finished already (unless skipIfFinished)
   */
  tell(
    trial: Trial | number,
    values?: ObjectiveValue,
    state?: TellState,
    options: { skipIfFinished?: boolean; failReason?: string } = {},
  ): Promise<FrozenTrial> {
    return this.#tell(trial, values, state, options, false);
  }

  async #tell(
    trial: Trial | number,
    values: ObjectiveValue | undefined,
    state: TellState | undefined,
    options: { skipIfFinished?: boolean; failReason?: string },
    quiet: boolean,
  ): Promise<FrozenTrial> {
    if (state !== undefined && state !== "COMPLETE" && state !== "PRUNED" && state !== "FAIL") {
      throw new SextantError("INVALID_ARGUMENT", `tell takes COMPLETE, PRUNED or FAIL, not ${String(state)}`);
    }
    if ((state === "PRUNED" || state === "FAIL") && values !== undefined) {
      throw new SextantError("INVALID_ARGUMENT", `a ${state} trial has no values`);
    }
    let feasibility: Feasibility | undefined;
    if (values !== undefined || state === "COMPLETE") {
      feasibility = this.#feasible(values);
      if (state === "COMPLETE" && !feasibility.ok)
        throw new SextantError("INVALID_ARGUMENT", feasibility.reason);
    }
    const live = typeof trial === "number" ? this.#live.get(trial) : trial;
    if (live === undefined || !this.#live.has(live.number) || live.finished) {
      return this.#tellElsewhere(
        typeof trial === "number" ? trial : trial.number,
        state,
        feasibility,
        options,
      );
    }
    live.markFinished();
    let finalState: TrialState;
    let finalValues: number[] | null = null;
    let reason = options.failReason;
    if (state === "PRUNED" || state === "FAIL") finalState = state;
    else if (feasibility === undefined) {
      finalState = "FAIL";
      reason ??= "the objective returned no value";
    } else if (!feasibility.ok) {
      finalState = "FAIL";
      reason ??= feasibility.reason;
      if (!quiet) this.#warn(`trial ${live.number} failed: ${feasibility.reason}`);
    } else {
      finalState = "COMPLETE";
      finalValues = feasibility.values;
    }
    const writeError = await live.flush();
    if (writeError !== undefined && finalState !== "FAIL") {
      finalState = "FAIL";
      finalValues = null;
      reason = `a write to the storage failed: ${errorMessage(writeError)}`;
    }
    return this.#finish(
      live,
      finalState,
      finalValues,
      finalState === "FAIL" ? (reason ?? "failed") : undefined,
    );
  }

  async #finish(
    trial: Trial,
    state: TrialState,
    values: number[] | null,
    reason: string | undefined,
  ): Promise<FrozenTrial> {
    const storage = this.storage;
    const w = trial.working;
    let final: FrozenTrial;
    try {
      if (reason !== undefined) {
        w.systemAttrs.fail_reason = reason;
        await storage.setTrialAttr(w.trialId, "system", "fail_reason", reason).catch(() => undefined);
      }
      let hookError: unknown;
      try {
        this.sampler.afterTrial?.(this.#cache, w, state, values);
      } catch (e) {
        hookError = e;
      }
      const now = this.clock.now();
      const ok = await storage.setTrialState(w.trialId, state, values, now);
      if (ok) {
        final = cloneTrial(w);
        final.state = state;
        final.values = values === null ? null : [...values];
        final.endTime = now;
      } else {
        final = await storage.getTrial(w.trialId);
        this.#warn(`trial ${w.number} had already finished (${final.state}) when it was told ${state}`);
      }
      this.#cache.put(final);
      if (hookError !== undefined) throw hookError;
    } finally {
      this.#live.delete(w.number);
      this.#inFlight.delete(w.number);
      if (this.#live.size === 0) this.#stopHeartbeat();
    }
    if (this.tracker !== undefined && final.runId !== null) {
      try {
        await this.tracker.finishTrial(this.#summary, cloneTrial(final));
      } catch (e) {
        this.#warn(`tracking trial ${final.number} failed: ${errorMessage(e)}`);
      }
    }
    return cloneTrial(final);
  }

  /** Tells a trial this process does not run (another process's, by number). */
  async #tellElsewhere(
    number: number,
    state: TellState | undefined,
    feasibility: Feasibility | undefined,
    options: { skipIfFinished?: boolean; failReason?: string },
  ): Promise<FrozenTrial> {
    await this.refresh();
    const cached = this.#cache.get(number);
    if (cached === undefined) {
      throw new SextantError("TRIAL_NOT_FOUND", `study '${this.name}' has no trial ${number}`, { number });
    }
    if (cached.state !== "RUNNING") {
      if (options.skipIfFinished && FINISHED_STATES.includes(cached.state)) return cloneTrial(cached);
      throw new SextantError("INVALID_STATE", `cannot tell a ${cached.state} trial (trial ${number})`, {
        number,
        state: cached.state,
      });
    }
    let finalState: TrialState = state ?? "FAIL";
    let values: number[] | null = null;
    let reason = options.failReason;
    if (state === undefined || state === "COMPLETE") {
      if (feasibility?.ok) {
        finalState = "COMPLETE";
        values = feasibility.values;
      } else {
        finalState = "FAIL";
        reason ??= feasibility === undefined ? "no value was told" : feasibility.reason;
      }
    }
    if (finalState === "FAIL") {
      await this.storage
        .setTrialAttr(cached.trialId, "system", "fail_reason", reason ?? "failed")
        .catch(() => undefined);
    }
    this.sampler.afterTrial?.(this.#cache, cached, finalState, values);
    const ok = await this.storage.setTrialState(cached.trialId, finalState, values, this.clock.now());
    const final = await this.storage.getTrial(cached.trialId);
    this.#cache.put(final);
    if (!ok && !options.skipIfFinished) {
      throw new SextantError("INVALID_STATE", `trial ${number} had already finished (${final.state})`, {
        number,
      });
    }
    return cloneTrial(final);
  }

  #feasible(values: ObjectiveValue | undefined): Feasibility {
    if (values === undefined) return { ok: false, reason: "no value was given" };
    const vs: unknown[] =
      typeof values === "number" ? [values] : Array.isArray(values) ? [...values] : [values];
    for (const v of vs) {
      if (typeof v !== "number") return { ok: false, reason: `the value ${String(v)} is not a number` };
      if (!Number.isFinite(v)) return { ok: false, reason: `the value ${v} is not a finite number` };
    }
    if (vs.length !== this.directions.length) {
      return {
        ok: false,
        reason: `${vs.length} values were given for a study with ${this.directions.length} objectives`,
      };
    }
    return { ok: true, values: vs as number[] };
  }

  /**
   * Adds a WAITING trial with fixed params (external values: choices, not indices), taken by the
   * next ask. Params the objective suggests that are not fixed are sampled as usual. A fixed value
   * outside the distribution the objective suggests fails that trial (INVALID_ARGUMENT).
   */
  async enqueueTrial(params: Record<string, ParamValue>, options: EnqueueOptions = {}): Promise<void> {
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new SextantError("INVALID_ARGUMENT", "enqueueTrial takes an object of param values");
    }
    for (const [k, v] of Object.entries(params)) {
      const ok =
        v === null ||
        typeof v === "string" ||
        typeof v === "boolean" ||
        (typeof v === "number" && Number.isFinite(v));
      if (!ok)
        throw new SextantError(
          "INVALID_ARGUMENT",
          `enqueued param '${k}' must be a finite number, string, boolean or null`,
        );
    }
    if (options.skipIfExists) {
      await this.refresh();
      for (const t of this.#cache.trials()) {
        if (t.state === "FAIL") continue;
        const fixed = t.systemAttrs.fixed_params as Record<string, unknown> | undefined;
        const ext = externalParams(t);
        const same = (src: Record<string, unknown> | undefined) =>
          src !== undefined &&
          Object.keys(params).every((k) => Object.hasOwn(src, k) && src[k] === params[k]);
        if (same(fixed) || same(ext)) return;
      }
    }
    const t = await this.storage.createTrial(
      this.studyId,
      { state: "WAITING", systemAttrs: { fixed_params: { ...params } }, userAttrs: options.userAttrs ?? {} },
      this.clock.now(),
    );
    this.#cache.put(t);
  }

  /** Lets the running `optimize` start no new trial (in its worker processes too); trials in flight finish. */
  stop(): void {
    this.#stopRequested = true;
    this.#processes?.stop();
  }

  // ---------------------------------------------------------------- optimize

  /**
   * Runs the objective on new trials until nTrials, the timeout or stop(). A trial whose objective
   * throws TrialPruned is PRUNED; one that throws anything else, or returns no value or a
   * non-finite one, is FAIL with the reason in systemAttrs.fail_reason, and the study goes on
   * (unless `catch` says otherwise).
   *
   * `objective` is a function, or the path (relative to the working directory) or file URL of a
   * script whose default export is the objective (.js, or .ts through tsx): `concurrency` worker
   * threads then run it, for objectives that keep a core busy, or with `processes: K`, K child
   * processes sharing the study's store. The script's other exports (sampler, pruner, direction)
   * are read by worker processes and `sextant studies worker`, not here.
   * @throws FILE_NOT_FOUND or INVALID_ARGUMENT when the script cannot be loaded
   */
  optimize(
    objective: string | URL,
    options: OptimizeOptions & { processes: number },
  ): Promise<ProcessesSummary>;
  optimize(objective: Objective | string | URL, options?: OptimizeOptions): Promise<OptimizeSummary>;
  async optimize(
    objective: Objective | string | URL,
    options: OptimizeOptions = {},
  ): Promise<OptimizeSummary | ProcessesSummary> {
    const { nTrials, timeoutMs, concurrency = 1, callbacks = [], onProgress, permit, signal } = options;
    if (nTrials !== undefined && (!Number.isSafeInteger(nTrials) || nTrials < 0)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `nTrials must be a non-negative integer, got ${String(nTrials)}`,
      );
    }
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `concurrency must be a positive integer, got ${String(concurrency)}`,
      );
    }
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      throw new SextantError("INVALID_ARGUMENT", `timeoutMs must be >= 0, got ${String(timeoutMs)}`);
    }
    if (typeof objective !== "function" && typeof objective !== "string" && !(objective instanceof URL)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        "the objective is a function or the path or URL of a script",
      );
    }
    if (options.processes !== undefined) {
      return this.#inProcesses(objective, { ...options, processes: options.processes });
    }
    if (this.#optimizing)
      throw new SextantError("INVALID_STATE", "optimize is already running on this study");
    this.#optimizing = true;
    let run: Objective;
    if (typeof objective === "function") run = objective;
    else {
      const file = scriptPath(objective);
      try {
        if (options.threads === false) run = (await loadWorkerScript(file)).objective;
        else {
          const threads = await ThreadedObjective.start(file, concurrency);
          run = (trial) => threads.run(trial);
        }
      } catch (e) {
        this.#optimizing = false;
        throw e;
      }
    }
    this.#stopRequested = signal?.aborted ?? false;
    const onAbort = () => this.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    const warn = options.onWarning ?? this.#warn;
    const start = this.clock.now();
    const summary: OptimizeSummary = { completed: 0, pruned: 0, failed: 0 };
    let started = 0;
    let finished = 0;
    let fatal: { error: unknown } | undefined;
    const more = () =>
      !this.#stopRequested &&
      fatal === undefined &&
      (nTrials === undefined || started < nTrials) &&
      (timeoutMs === undefined || this.clock.now() - start < timeoutMs) &&
      !this.#samplerExhausted();

    const runOne = async (): Promise<void> => {
      const trial = await this.ask();
      let values: ObjectiveValue | undefined;
      let state: TellState | undefined;
      let error: unknown;
      let failReason: string | undefined;
      try {
        values = (await run(trial)) ?? undefined;
      } catch (e) {
        if (isTrialPruned(e)) state = "PRUNED";
        else {
          state = "FAIL";
          error = e;
          failReason = errorMessage(e);
        }
      }
      const frozen = await this.#tell(
        trial,
        state === undefined ? values : undefined,
        state,
        { failReason },
        true,
      );
      finished++;
      if (frozen.state === "COMPLETE") summary.completed++;
      else if (frozen.state === "PRUNED") summary.pruned++;
      else {
        summary.failed++;
        warn(`trial ${frozen.number} failed: ${String(frozen.systemAttrs.fail_reason ?? "unknown reason")}`);
      }
      if (error !== undefined && !(options.catch?.(error) ?? true)) fatal ??= { error };
      for (const cb of callbacks) await cb(this, frozen);
      onProgress?.({
        ...summary,
        finished,
        total: nTrials ?? null,
        elapsedMs: this.clock.now() - start,
        trial: frozen,
      });
    };

    const worker = async (): Promise<void> => {
      while (more()) {
        if (permit !== undefined && (!(await permit()) || !more())) break;
        started++;
        try {
          await runOne();
        } catch (e) {
          fatal ??= { error: e };
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#optimizing = false;
    }
    if (fatal !== undefined) throw fatal.error;
    return summary;
  }

  /** `optimize(script, { processes })`: see processes.ts. */
  async #inProcesses(
    objective: Objective | string | URL,
    options: OptimizeOptions & { processes: number },
  ): Promise<ProcessesSummary> {
    const { processes, concurrency = 1, callbacks = [] } = options;
    if (!Number.isSafeInteger(processes) || processes < 1) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `processes must be a positive integer, got ${String(processes)}`,
      );
    }
    if (typeof objective === "function") {
      throw new SextantError(
        "INVALID_ARGUMENT",
        "worker processes run an objective script (its path or file URL): a function cannot go to another process",
      );
    }
    if (options.catch !== undefined) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        "catch runs where the objective runs; with processes a failed trial never stops the study",
      );
    }
    const locator = shareableLocator(this.#reopen);
    if (this.#optimizing)
      throw new SextantError("INVALID_STATE", "optimize is already running on this study");
    const warn = options.onWarning ?? this.#warn;
    const run = new WorkerProcesses(
      {
        clock: this.clock,
        warn,
        finished: async (trial) => {
          this.#cache.put(trial);
          for (const cb of callbacks) await cb(this, cloneTrial(trial));
        },
      },
      {
        locator,
        job: {
          script: scriptPath(objective),
          concurrency,
          threads: options.threads ?? true,
          study: {
            name: this.name,
            directions: [...this.directions],
            heartbeatIntervalMs: this.heartbeatIntervalMs,
            staleAfterMs: this.staleAfterMs,
            metricNames: [...this.metricNames],
            tracked: this.tracker !== undefined,
          },
        },
        processes,
        nTrials: options.nTrials,
        timeoutMs: options.timeoutMs,
        onProgress: options.onProgress,
        onOutput: options.onOutput ?? ((line, i) => process.stderr.write(`[worker ${i}] ${line}\n`)),
        signal: options.signal,
      },
    );
    this.#optimizing = true;
    this.#stopRequested = false;
    this.#processes = run;
    try {
      return await run.run();
    } finally {
      this.#processes = undefined;
      this.#optimizing = false;
      await this.refresh().catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- TrialHost

  /** @internal */
  warn(message: string): void {
    this.#warn(message);
  }

  /** @internal */
  reported(trial: Trial, step: number, values: number[]): void {
    const runId = trial.runId;
    if (this.tracker !== undefined && runId !== null) {
      this.tracker.intermediate(runId, step, values, this.metricNames.slice(0, values.length));
    }
  }

  // ---------------------------------------------------------------- internals

  /** Samplers with a finite space (GridSampler) say when every point has been tried. */
  #samplerExhausted(): boolean {
    const s = this.sampler as Sampler & { isExhausted?: (view: NamedStudyView) => boolean };
    return typeof s.isExhausted === "function" && s.isExhausted(this.#cache);
  }

  #singleObjective(what: string): void {
    if (this.directions.length > 1) {
      throw new SextantError(
        "INVALID_STATE",
        `${what} is for single-objective studies; use bestTrials for the Pareto front`,
      );
    }
  }

  #startHeartbeat(): void {
    if (this.heartbeatIntervalMs <= 0 || this.#heartbeat !== undefined) return;
    this.#heartbeat = setInterval(() => {
      const now = this.clock.now();
      for (const trial of this.#live.values()) {
        this.storage.heartbeatTrial(trial.trialId, now).catch((e: unknown) => {
          this.#warn(`heartbeat of trial ${trial.number} failed: ${errorMessage(e)}`);
        });
      }
      // keep the pruners' view of other processes' trials fresh while trials run
      this.refresh().catch(() => undefined);
    }, this.heartbeatIntervalMs);
    this.#heartbeat.unref?.();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

function stepOrLog(d: DistributionJSON & { type: "float" | "int" }): { log?: boolean; step?: number } {
  if (d.log) return { log: true };
  return d.step === null || (d.type === "int" && d.step === 1) ? {} : { step: d.step };
}

function scriptPath(script: string | URL): string {
  return script instanceof URL ? fileURLToPath(script) : resolve(script);
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
