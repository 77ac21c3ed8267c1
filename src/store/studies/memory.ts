/**
 * StudyStorage in memory: one process, no persistence. It keeps every rule of the contract in
 * contract.ts (atomic dense trial numbers, compare-and-set state changes, immutable finished
 * trials, a per-study change counter for incremental reads, snapshots out) so code tested against
 * it behaves the same over the database-backed storage.
 *
 * Attribute values go through JSON on the way in, as they do in the database: what you read back
 * is what JSON keeps (`undefined` dropped, `NaN` as null, dates as strings).
 */
import { SextantError } from "../../core/index.js";
import {
  type AskInput,
  type AskResult,
  askTrialSteps,
  checkDistribution,
  checkNewStudy,
  checkRequestId,
  checkRunLink,
  checkTrialParams,
  type DistributionJSON,
  FINISHED_STATES,
  type FrozenTrial,
  mergeTrialParams,
  type NewStudy,
  type StudyStorage,
  type StudySummary,
  type TrialParam,
  type TrialState,
  type TrialTemplate,
} from "./contract.js";

const STATES: readonly TrialState[] = ["RUNNING", "WAITING", "COMPLETE", "PRUNED", "FAIL"];
const STALE_REASON = "the worker running it stopped sending heartbeats";

interface TrialRecord {
  t: FrozenTrial;
  /** The study change counter when this trial last changed. */
  seq: number;
}

interface StudyRecord {
  s: StudySummary;
  trials: TrialRecord[];
  seq: number;
  /** Numbers of trials that were WAITING when last seen; claimed oldest first. */
  waiting: number[];
  /** Numbers of RUNNING trials, for the stale-trial sweep. */
  running: Set<number>;
  /** Request ids of trial creations and claims → trial number. */
  requests: Map<string, number>;
}

function studyNotFound(id: string): SextantError {
  return new SextantError("STUDY_NOT_FOUND", `no study with id '${id}'`, { studyId: id });
}

function trialNotFound(id: string): SextantError {
  return new SextantError("TRIAL_NOT_FOUND", `no trial with id '${id}'`, { trialId: id });
}

/** A JSON copy of an attribute value (what a database would keep). */
function jsonValue(key: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch (e) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `attribute '${key}' is not JSON-serializable`,
      { key },
      { cause: e },
    );
  }
}

function cloneAttrs(a: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in a) {
    const v = a[k];
    out[k] = v !== null && typeof v === "object" ? structuredClone(v) : v;
  }
  return out;
}

function jsonAttrs(a: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a === undefined) return out;
  for (const k in a) {
    const v = jsonValue(k, a[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function cloneDistribution(d: DistributionJSON): DistributionJSON {
  return d.type === "categorical" ? { type: "categorical", choices: [...d.choices] } : { ...d };
}

/** A snapshot of a trial that shares nothing mutable with the stored one. */
export function cloneTrial(t: FrozenTrial): FrozenTrial {
  const distributions: Record<string, DistributionJSON> = {};
  for (const k in t.distributions) distributions[k] = cloneDistribution(t.distributions[k]!);
  const intermediate: Record<number, number[]> = {};
  for (const k in t.intermediate) intermediate[k as unknown as number] = [...t.intermediate[k]!];
  return {
    trialId: t.trialId,
    studyId: t.studyId,
    number: t.number,
    state: t.state,
    values: t.values === null ? null : [...t.values],
    params: { ...t.params },
    distributions,
    intermediate,
    userAttrs: cloneAttrs(t.userAttrs),
    systemAttrs: cloneAttrs(t.systemAttrs),
    startTime: t.startTime,
    endTime: t.endTime,
    heartbeatAt: t.heartbeatAt,
    runId: t.runId,
  };
}

function cloneStudy(s: StudySummary): StudySummary {
  return {
    ...s,
    directions: [...s.directions],
    userAttrs: cloneAttrs(s.userAttrs),
    systemAttrs: cloneAttrs(s.systemAttrs),
  };
}

function checkValues(values: number[] | null, what: string): void {
  if (values === null) return;
  if (!Array.isArray(values) || values.some((v) => typeof v !== "number")) {
    throw new SextantError("INVALID_ARGUMENT", `${what} are numbers`);
  }
}

export class InMemoryStorage implements StudyStorage {
  readonly #studies = new Map<string, StudyRecord>();
  readonly #byName = new Map<string, string>();
  /** trialId → [study record, index in its trials]. */
  readonly #trials = new Map<string, { study: StudyRecord; index: number }>();
  #nextStudyId = 1;
  #nextTrialId = 1;

  // ---------------------------------------------------------------- studies

  async createStudy(input: NewStudy, now: number): Promise<StudySummary> {
    checkNewStudy(input);
    if (this.#byName.has(input.name)) {
      throw new SextantError("STUDY_ALREADY_EXISTS", `a study named '${input.name}' already exists`, {
        name: input.name,
      });
    }
    const studyId = String(this.#nextStudyId++);
    const s: StudySummary = {
      studyId,
      name: input.name,
      directions: [...input.directions],
      userAttrs: jsonAttrs(input.userAttrs),
      systemAttrs: {},
      createdTime: now,
      runId: input.runId ?? null,
    };
    this.#studies.set(studyId, {
      s,
      trials: [],
      seq: 0,
      waiting: [],
      running: new Set(),
      requests: new Map(),
    });
    this.#byName.set(input.name, studyId);
    return cloneStudy(s);
  }

  async getStudyByName(name: string): Promise<StudySummary | null> {
    const id = this.#byName.get(name);
    return id === undefined ? null : cloneStudy(this.#study(id).s);
  }

  async getStudy(studyId: string): Promise<StudySummary> {
    return cloneStudy(this.#study(studyId).s);
  }

  async listStudies(): Promise<Array<StudySummary & { trialCounts: Record<TrialState, number> }>> {
    return [...this.#studies.values()].map((r) => {
      const trialCounts = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<TrialState, number>;
      for (const tr of r.trials) trialCounts[tr.t.state]++;
      return { ...cloneStudy(r.s), trialCounts };
    });
  }

  async deleteStudy(studyId: string): Promise<void> {
    const r = this.#study(studyId);
    for (const tr of r.trials) this.#trials.delete(tr.t.trialId);
    this.#studies.delete(studyId);
    this.#byName.delete(r.s.name);
  }

  async setStudyAttr(studyId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    const r = this.#study(studyId);
    const attrs = kind === "user" ? r.s.userAttrs : r.s.systemAttrs;
    const v = jsonValue(key, value);
    if (v === undefined) delete attrs[key];
    else attrs[key] = v;
  }

  async setStudyRun(studyId: string, runId: string): Promise<void> {
    const r = this.#study(studyId);
    r.s.runId = checkRunLink(runId);
  }

  // ---------------------------------------------------------------- trials

  async createTrial(studyId: string, template: TrialTemplate, now: number): Promise<FrozenTrial> {
    const r = this.#study(studyId);
    const requestId = checkRequestId(template.requestId);
    const made = requestId === null ? undefined : r.requests.get(requestId);
    if (made !== undefined) return cloneTrial(r.trials[made]!.t);
    const state = template.state ?? "RUNNING";
    if (state !== "RUNNING" && state !== "WAITING") {
      throw new SextantError("INVALID_ARGUMENT", `a new trial is RUNNING or WAITING, not ${String(state)}`);
    }
    const params = { ...(template.params ?? {}) };
    const distributions: Record<string, DistributionJSON> = {};
    for (const [k, d] of Object.entries(template.distributions ?? {})) {
      checkDistribution(k, d);
      distributions[k] = cloneDistribution(d);
    }
    const number = r.trials.length;
    const t: FrozenTrial = {
      trialId: String(this.#nextTrialId++),
      studyId,
      number,
      state,
      values: null,
      params,
      distributions,
      intermediate: {},
      userAttrs: jsonAttrs(template.userAttrs),
      systemAttrs: jsonAttrs(template.systemAttrs),
      startTime: state === "RUNNING" ? now : null,
      endTime: null,
      heartbeatAt: state === "RUNNING" ? now : null,
      runId: null,
    };
    r.trials.push({ t, seq: ++r.seq });
    this.#trials.set(t.trialId, { study: r, index: number });
    if (requestId !== null) r.requests.set(requestId, number);
    if (state === "WAITING") r.waiting.push(number);
    else r.running.add(number);
    return cloneTrial(t);
  }

  async claimWaitingTrial(studyId: string, now: number, requestId?: string): Promise<FrozenTrial | null> {
    const r = this.#study(studyId);
    const request = checkRequestId(requestId);
    const claimed = request === null ? undefined : r.requests.get(request);
    if (claimed !== undefined) return cloneTrial(r.trials[claimed]!.t);
    while (r.waiting.length > 0) {
      const number = r.waiting.shift()!;
      const tr = r.trials[number];
      if (tr === undefined || tr.t.state !== "WAITING") continue;
      tr.t.state = "RUNNING";
      tr.t.startTime = now;
      tr.t.heartbeatAt = now;
      tr.seq = ++r.seq;
      r.running.add(number);
      if (request !== null) r.requests.set(request, number);
      return cloneTrial(tr.t);
    }
    return null;
  }

  async setTrialParams(trialId: string, params: readonly TrialParam[]): Promise<void> {
    checkTrialParams(params);
    const { study, tr } = this.#mutable(trialId);
    if (mergeTrialParams(tr.t.params, tr.t.distributions, params)) tr.seq = ++study.seq;
  }

  async setTrialIntermediate(trialId: string, step: number, values: number[]): Promise<void> {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `an intermediate value's step is a non-negative integer, got ${step}`,
      );
    }
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number")) {
      throw new SextantError("INVALID_ARGUMENT", "intermediate values are numbers");
    }
    const { study, tr } = this.#mutable(trialId);
    tr.t.intermediate[step] = [...values];
    tr.seq = ++study.seq;
  }

  async setTrialState(
    trialId: string,
    state: TrialState,
    values: number[] | null,
    now: number,
  ): Promise<boolean> {
    if (!STATES.includes(state))
      throw new SextantError("INVALID_ARGUMENT", `unknown trial state '${String(state)}'`);
    checkValues(values, "trial values");
    const { study, tr } = this.#find(trialId);
    const t = tr.t;
    if (FINISHED_STATES.includes(t.state)) return false;
    t.state = state;
    t.values = values === null ? null : [...values];
    if (FINISHED_STATES.includes(state)) t.endTime = now;
    if (state === "RUNNING") {
      t.startTime = now;
      t.heartbeatAt = now;
      study.running.add(t.number);
    } else {
      study.running.delete(t.number);
      if (state === "WAITING") study.waiting.push(t.number);
    }
    tr.seq = ++study.seq;
    return true;
  }

  async setTrialAttr(trialId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    const { study, tr } = this.#mutable(trialId);
    const attrs = kind === "user" ? tr.t.userAttrs : tr.t.systemAttrs;
    const v = jsonValue(key, value);
    if (v === undefined) delete attrs[key];
    else attrs[key] = v;
    tr.seq = ++study.seq;
  }

  async setTrialRun(trialId: string, runId: string): Promise<void> {
    checkRunLink(runId);
    const { study, tr } = this.#find(trialId);
    tr.t.runId = runId;
    tr.seq = ++study.seq;
  }

  async heartbeatTrial(trialId: string, now: number): Promise<void> {
    // Heartbeats change nothing a sampler looks at: no change-counter bump.
    const { tr } = this.#find(trialId);
    if (tr.t.state === "RUNNING") tr.t.heartbeatAt = now;
  }

  async failStaleTrials(studyId: string, staleBefore: number, now: number): Promise<FrozenTrial[]> {
    const r = this.#study(studyId);
    const failed: FrozenTrial[] = [];
    for (const number of [...r.running].sort((a, b) => a - b)) {
      const tr = r.trials[number]!;
      const t = tr.t;
      const last = t.heartbeatAt ?? t.startTime;
      if (t.state !== "RUNNING" || last === null || last >= staleBefore) continue;
      t.state = "FAIL";
      t.endTime = now;
      t.systemAttrs.fail_reason = STALE_REASON;
      tr.seq = ++r.seq;
      r.running.delete(number);
      failed.push(cloneTrial(t));
    }
    return failed;
  }

  askTrial(studyId: string, input: AskInput, now: number): Promise<AskResult> {
    return askTrialSteps(this, studyId, input, now);
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    return cloneTrial(this.#find(trialId).tr.t);
  }

  async getTrials(
    studyId: string,
    options: { since?: number } = {},
  ): Promise<{ trials: FrozenTrial[]; cursor: number }> {
    const r = this.#study(studyId);
    const since = options.since;
    const trials: FrozenTrial[] = [];
    for (const tr of r.trials) if (since === undefined || tr.seq > since) trials.push(cloneTrial(tr.t));
    return { trials, cursor: r.seq };
  }

  // ---------------------------------------------------------------- internals

  #study(studyId: string): StudyRecord {
    const r = this.#studies.get(studyId);
    if (r === undefined) throw studyNotFound(studyId);
    return r;
  }

  #find(trialId: string): { study: StudyRecord; tr: TrialRecord } {
    const loc = this.#trials.get(trialId);
    if (loc === undefined) throw trialNotFound(trialId);
    return { study: loc.study, tr: loc.study.trials[loc.index]! };
  }

  /** A trial that may still change. @throws INVALID_STATE once it has finished */
  #mutable(trialId: string): { study: StudyRecord; tr: TrialRecord } {
    const found = this.#find(trialId);
    const t = found.tr.t;
    if (FINISHED_STATES.includes(t.state)) {
      throw new SextantError(
        "INVALID_STATE",
        `trial ${t.number} has finished (${t.state}); it cannot change`,
        {
          trialId,
          state: t.state,
        },
      );
    }
    return found;
  }
}
