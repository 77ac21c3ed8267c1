/**
 * Where studies and trials live. Two implementations share this contract: in memory (one
 * process) and the Store's database (SQLite or PostgreSQL), which many processes on many machines
 * can share. Rules every implementation keeps:
 * - Trial numbers are 0, 1, 2 … per study, allocated atomically: concurrent `createTrial` calls from
 *   any number of processes never get the same number and never skip one.
 * - A finished trial (COMPLETE, PRUNED, FAIL) is immutable. `setTrialState` is compare-and-set: it
 *   returns false, changing nothing, when the trial has already finished (another worker, or a
 *   heartbeat sweep, got there first). Other writes to a finished trial fail with INVALID_STATE.
 * - Every change to a trial bumps the study's change counter; `getTrials({ since })` returns the
 *   trials changed after a counter value and the counter now, so callers can keep a cache and ask
 *   only for what changed. Returned objects are snapshots.
 * - Params are stored in their internal form: floats and ints as numbers, categoricals as the index
 *   of the choice. A param is set once per trial; setting it again with a different distribution
 *   fails with INVALID_ARGUMENT.
 * Errors: STUDY_NOT_FOUND, STUDY_ALREADY_EXISTS, TRIAL_NOT_FOUND, INVALID_STATE, INVALID_ARGUMENT.
 */
import type {
  Direction,
  DistributionJSON,
  FrozenTrial,
  StudyListing,
  StudySummary,
  TrialState,
} from "../../api/index.js";
import { SextantError, validateRunId } from "../../core/index.js";

export type {
  CategoricalChoice,
  Direction,
  DistributionJSON,
  FrozenTrial,
  StudyListing,
  StudySummary,
  TrialState,
} from "../../api/index.js";

export const FINISHED_STATES: readonly TrialState[] = ["COMPLETE", "PRUNED", "FAIL"];

export interface TrialTemplate {
  state?: "RUNNING" | "WAITING";
  /**
   * Makes a retried create safe: a second createTrial with the same id returns the trial the first
   * one made (up to 128 characters; keep it unique, e.g. a UUID).
   */
  requestId?: string;
  params?: Record<string, number>;
  distributions?: Record<string, DistributionJSON>;
  userAttrs?: Record<string, unknown>;
  systemAttrs?: Record<string, unknown>;
}

/** What a new study is made of; `runId` links it to the run its trials are children of. */
export interface NewStudy {
  name: string;
  directions: Direction[];
  userAttrs?: Record<string, unknown>;
  runId?: string | null;
}

/** A param a trial was given: its internal value (a categorical's index) and distribution. */
export interface TrialParam {
  name: string;
  value: number;
  distribution: DistributionJSON;
}

export interface AskInput {
  /** This worker's trials still running: their heartbeats are refreshed before stale ones fail. */
  alive?: readonly string[];
  /** Fail RUNNING trials whose last heartbeat (or start) is older than this; none when omitted. */
  staleBefore?: number;
  /** The change counter the caller has read up to; all trials come back when omitted. */
  since?: number;
  /** Up to 128 characters, unique per ask (a UUID). */
  requestId?: string;
}

export interface AskResult {
  /** The trial to run: claimed (it was WAITING) or new, RUNNING. */
  trial: FrozenTrial;
  /** The trials this ask failed because their heartbeat was stale. */
  failed: FrozenTrial[];
  /** Trials changed after `since` (the asked one among them), and the counter now. */
  trials: FrozenTrial[];
  cursor: number;
}

export interface StudyStorage {
  /** @throws STUDY_ALREADY_EXISTS */
  createStudy(input: NewStudy, now: number): Promise<StudySummary>;
  getStudyByName(name: string): Promise<StudySummary | null>;
  /** @throws STUDY_NOT_FOUND */
  getStudy(studyId: string): Promise<StudySummary>;
  listStudies(): Promise<StudyListing[]>;
  /** Removes the study and its trials. */
  deleteStudy(studyId: string): Promise<void>;
  setStudyAttr(studyId: string, kind: "user" | "system", key: string, value: unknown): Promise<void>;
  setStudyRun(studyId: string, runId: string): Promise<void>;

  /** A new trial with the next number (RUNNING unless the template says WAITING). */
  createTrial(studyId: string, template: TrialTemplate, now: number): Promise<FrozenTrial>;
  /**
   * Takes the oldest WAITING trial and makes it RUNNING (compare-and-set); null when none waits.
   * With `requestId`, a retried claim returns the trial the first attempt claimed.
   */
  claimWaitingTrial(studyId: string, now: number, requestId?: string): Promise<FrozenTrial | null>;
  /**
   * Records params the trial was given (internal values), all or none: a param suggested before
   * keeps its value and must come with the same distribution.
   * @throws INVALID_ARGUMENT, TRIAL_NOT_FOUND, INVALID_STATE (the trial has finished)
   */
  setTrialParams(trialId: string, params: readonly TrialParam[]): Promise<void>;
  setTrialIntermediate(trialId: string, step: number, values: number[]): Promise<void>;
  /** Compare-and-set: false (and no change) when the trial has already finished. */
  setTrialState(trialId: string, state: TrialState, values: number[] | null, now: number): Promise<boolean>;
  setTrialAttr(trialId: string, kind: "user" | "system", key: string, value: unknown): Promise<void>;
  setTrialRun(trialId: string, runId: string): Promise<void>;
  heartbeatTrial(trialId: string, now: number): Promise<void>;
  /** Fails RUNNING trials whose last heartbeat (or start) is older than `staleBefore`; returns them. */
  failStaleTrials(studyId: string, staleBefore: number, now: number): Promise<FrozenTrial[]>;

  /**
   * What a worker does to begin a trial, in one step (one request over HTTP): refresh the
   * heartbeats of its live trials, fail the stale ones, claim the oldest WAITING trial or create a
   * RUNNING one, and read the trials changed since the caller's counter. A retry with the same
   * `requestId` returns the trial the first attempt claimed or made.
   */
  askTrial(studyId: string, input: AskInput, now: number): Promise<AskResult>;

  /** @throws TRIAL_NOT_FOUND */
  getTrial(trialId: string): Promise<FrozenTrial>;
  /** Trials changed after change counter `since` (all when omitted), and the counter now. */
  getTrials(
    studyId: string,
    options?: { since?: number },
  ): Promise<{ trials: FrozenTrial[]; cursor: number }>;
}

/**
 * How a study records itself in experiment tracking: the study as a parent run, each trial as a
 * child run with its params, intermediate values as a metric series, its value(s), state and
 * duration. Implemented over the tracking client (`Sextant.createStudy`); optional for the study.
 */
export interface TrialTracker {
  startStudy(study: StudySummary): Promise<string>;
  startTrial(study: StudySummary, trial: FrozenTrial): Promise<string>;
  /** Called as the trial reports; may buffer. */
  intermediate(runId: string, step: number, values: number[], names: string[]): void;
  finishTrial(study: StudySummary, trial: FrozenTrial): Promise<void>;
}

/** The checks every StudyStorage makes on a new study. @throws INVALID_NAME, INVALID_ARGUMENT */
export function checkNewStudy(input: NewStudy): void {
  if (input.runId !== undefined && input.runId !== null) checkRunLink(input.runId);
  if (typeof input.name !== "string" || input.name.trim() === "" || input.name.length > 500) {
    throw new SextantError("INVALID_NAME", "a study name is a non-empty string of at most 500 characters");
  }
  if (
    !Array.isArray(input.directions) ||
    input.directions.length === 0 ||
    input.directions.some((d) => d !== "minimize" && d !== "maximize")
  ) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      "directions must be a non-empty list of 'minimize' or 'maximize'",
    );
  }
}

/** The run a study or trial is linked to: a tracking run's id (32 lowercase hex). @throws INVALID_ARGUMENT */
export function checkRunLink(runId: string): string {
  return validateRunId(runId);
}

/** A request id as createTrial and claimWaitingTrial take it; null when absent. @throws INVALID_ARGUMENT */
export function checkRequestId(requestId: unknown): string | null {
  if (requestId === undefined || requestId === null) return null;
  if (typeof requestId !== "string" || requestId.length === 0 || requestId.length > 128) {
    throw new SextantError("INVALID_ARGUMENT", "a request id is a string of 1 to 128 characters");
  }
  return requestId;
}

/** Checks a batch of params before anything is written. @throws INVALID_ARGUMENT */
export function checkTrialParams(params: readonly TrialParam[]): void {
  if (!Array.isArray(params)) throw new SextantError("INVALID_ARGUMENT", "params are a list");
  const seen = new Set<string>();
  for (const p of params) {
    const { name, value, distribution: d } = p ?? ({} as TrialParam);
    if (typeof name !== "string" || name.length === 0) {
      throw new SextantError("INVALID_ARGUMENT", "a param needs a name");
    }
    if (seen.has(name))
      throw new SextantError("INVALID_ARGUMENT", `param '${name}' is given twice`, { name });
    seen.add(name);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new SextantError("INVALID_ARGUMENT", `param '${name}' has a non-finite internal value ${value}`, {
        name,
      });
    }
    checkDistribution(name, d);
  }
}

/** @throws INVALID_ARGUMENT when `d` is not a distribution */
export function checkDistribution(name: string, d: DistributionJSON): void {
  const ok =
    d !== null &&
    typeof d === "object" &&
    ((d.type === "categorical" && Array.isArray(d.choices) && d.choices.length > 0) ||
      ((d.type === "float" || d.type === "int") &&
        typeof d.low === "number" &&
        typeof d.high === "number" &&
        d.low <= d.high));
  if (!ok)
    throw new SextantError("INVALID_ARGUMENT", `param '${name}' has a malformed distribution`, { name });
}

/**
 * Merges checked params into a trial's params and distributions (in place); a param given before
 * must come with the same distribution. Returns whether anything changed.
 * @throws INVALID_ARGUMENT (nothing merged)
 */
export function mergeTrialParams(
  params: Record<string, number>,
  distributions: Record<string, DistributionJSON>,
  batch: readonly TrialParam[],
): boolean {
  for (const { name, distribution } of batch) {
    const prev = distributions[name];
    if (prev !== undefined && JSON.stringify(prev) !== JSON.stringify(distribution)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `param '${name}' was suggested before with another distribution`,
        {
          name,
          before: prev,
          now: distribution,
        },
      );
    }
  }
  let changed = false;
  for (const { name, value, distribution } of batch) {
    if (distributions[name] !== undefined && params[name] === value) continue;
    params[name] = value;
    distributions[name] = structuredClone(distribution);
    changed = true;
  }
  return changed;
}

/** askTrial from a storage's other methods, for implementations that have no faster way. */
export async function askTrialSteps(
  storage: StudyStorage,
  studyId: string,
  input: AskInput,
  now: number,
): Promise<AskResult> {
  const requestId = checkRequestId(input.requestId) ?? undefined;
  for (const trialId of input.alive ?? []) await storage.heartbeatTrial(trialId, now);
  const failed =
    input.staleBefore === undefined ? [] : await storage.failStaleTrials(studyId, input.staleBefore, now);
  const trial =
    (await storage.claimWaitingTrial(studyId, now, requestId)) ??
    (await storage.createTrial(studyId, { requestId }, now));
  const { trials, cursor } = await storage.getTrials(
    studyId,
    input.since === undefined ? {} : { since: input.since },
  );
  return { trial, failed, trials, cursor };
}
