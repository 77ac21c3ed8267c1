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
import { SextantError } from "../../core/errors.js";
import { validateRunId } from "../../core/validation.js";

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

export interface StudyStorage {
  /** @throws STUDY_ALREADY_EXISTS */
  createStudy(
    input: {
      name: string;
      directions: Direction[];
      userAttrs?: Record<string, unknown>;
      runId?: string | null;
    },
    now: number,
  ): Promise<StudySummary>;
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
  setTrialParam(trialId: string, name: string, value: number, distribution: DistributionJSON): Promise<void>;
  setTrialIntermediate(trialId: string, step: number, values: number[]): Promise<void>;
  /** Compare-and-set: false (and no change) when the trial has already finished. */
  setTrialState(trialId: string, state: TrialState, values: number[] | null, now: number): Promise<boolean>;
  setTrialAttr(trialId: string, kind: "user" | "system", key: string, value: unknown): Promise<void>;
  setTrialRun(trialId: string, runId: string): Promise<void>;
  heartbeatTrial(trialId: string, now: number): Promise<void>;
  /** Fails RUNNING trials whose last heartbeat (or start) is older than `staleBefore`; returns them. */
  failStaleTrials(studyId: string, staleBefore: number, now: number): Promise<FrozenTrial[]>;

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
export function checkNewStudy(input: { name: string; directions: Direction[]; runId?: string | null }): void {
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
