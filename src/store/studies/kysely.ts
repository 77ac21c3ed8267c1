/**
 * Studies and trials in the Store's database (SQLite or PostgreSQL): the database-backed
 * StudyStorage that many processes on many machines can share. See contract.ts for the rules.
 *
 * Every change to a trial runs in a write transaction that first bumps the study's change counter
 * (an UPDATE … RETURNING on the study row). That row lock serializes the study's writers, so
 * counters are handed out in commit order and `getTrials({ since })` never skips a change.
 */
import type { Kysely, Selectable } from "kysely";
import { fromWireNumber, toWireNumber, type WireNumber } from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import type { Database, DB, Tx } from "../engine/index.js";
import {
  type AskInput,
  type AskResult,
  askTrialSteps,
  checkNewStudy,
  checkRequestId,
  checkRunLink,
  checkTrialParams,
  type Direction,
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

function studyNotFound(id: string): SextantError {
  return new SextantError("STUDY_NOT_FOUND", `no study with id '${id}'`, { studyId: id });
}

function trialNotFound(id: string): SextantError {
  return new SextantError("TRIAL_NOT_FOUND", `no trial with id '${id}'`, { trialId: id });
}

function parseId(id: string, what: "study" | "trial"): number {
  if (typeof id !== "string" || !/^\d{1,15}$/.test(id)) {
    throw new SextantError("INVALID_ARGUMENT", `invalid ${what} id ${JSON.stringify(id)}`, { id });
  }
  return Number(id);
}

const encodeValues = (vs: number[]): string => JSON.stringify(vs.map(toWireNumber));
const decodeValues = (text: string): number[] => (JSON.parse(text) as WireNumber[]).map(fromWireNumber);

function toStudy(r: Selectable<DB["studies"]>): StudySummary {
  return {
    studyId: String(r.study_id),
    name: r.name,
    directions: JSON.parse(r.directions) as Direction[],
    userAttrs: JSON.parse(r.user_attrs) as Record<string, unknown>,
    systemAttrs: JSON.parse(r.system_attrs) as Record<string, unknown>,
    createdTime: Number(r.created_time),
    runId: r.run_id,
  };
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toTrial(r: Selectable<DB["trials"]>, intermediate: Record<number, number[]>): FrozenTrial {
  return {
    trialId: String(r.trial_id),
    studyId: String(r.study_id),
    number: Number(r.number),
    state: r.state as TrialState,
    values: r.values === null ? null : decodeValues(r.values),
    params: JSON.parse(r.params) as Record<string, number>,
    distributions: JSON.parse(r.distributions) as Record<string, DistributionJSON>,
    intermediate,
    userAttrs: JSON.parse(r.user_attrs) as Record<string, unknown>,
    systemAttrs: JSON.parse(r.system_attrs) as Record<string, unknown>,
    startTime: num(r.start_time),
    endTime: num(r.end_time),
    heartbeatAt: num(r.heartbeat_at),
    runId: r.run_id,
  };
}

export class KyselyStudyStorage implements StudyStorage {
  readonly #database: Database;
  readonly #db: Kysely<DB>;
  readonly #postgres: boolean;

  constructor(database: Database) {
    this.#database = database;
    this.#db = database.db;
    this.#postgres = database.dialect === "postgres";
  }

  // ---------------------------------------------------------------- studies

  async createStudy(input: NewStudy, now: number): Promise<StudySummary> {
    checkNewStudy(input);
    return this.#database.tx(async (t) => {
      const clash = await t
        .selectFrom("studies")
        .select("study_id")
        .where("name", "=", input.name)
        .executeTakeFirst();
      if (clash)
        throw new SextantError("STUDY_ALREADY_EXISTS", `a study named '${input.name}' already exists`, {
          name: input.name,
        });
      const row = await t
        .insertInto("studies")
        .values({
          name: input.name,
          directions: JSON.stringify(input.directions),
          user_attrs: JSON.stringify(input.userAttrs ?? {}),
          system_attrs: "{}",
          created_time: now,
          run_id: input.runId ?? null,
          next_number: 0,
          change_seq: 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toStudy(row);
    });
  }

  async getStudyByName(name: string): Promise<StudySummary | null> {
    const row = await this.#db.selectFrom("studies").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toStudy(row) : null;
  }

  async getStudy(studyId: string): Promise<StudySummary> {
    const row = await this.#db
      .selectFrom("studies")
      .selectAll()
      .where("study_id", "=", parseId(studyId, "study"))
      .executeTakeFirst();
    if (!row) throw studyNotFound(studyId);
    return toStudy(row);
  }

  async listStudies(): Promise<Array<StudySummary & { trialCounts: Record<TrialState, number> }>> {
    const studies = await this.#db.selectFrom("studies").selectAll().orderBy("study_id").execute();
    const counts = await this.#db
      .selectFrom("trials")
      .select((eb) => ["study_id", "state", eb.fn.countAll<number>().as("n")])
      .groupBy(["study_id", "state"])
      .execute();
    return studies.map((s) => {
      const trialCounts = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<TrialState, number>;
      for (const c of counts)
        if (Number(c.study_id) === Number(s.study_id)) trialCounts[c.state as TrialState] = Number(c.n);
      return { ...toStudy(s), trialCounts };
    });
  }

  async deleteStudy(studyId: string): Promise<void> {
    const id = parseId(studyId, "study");
    await this.#database.tx(async (t) => {
      const res = await t.deleteFrom("studies").where("study_id", "=", id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw studyNotFound(studyId);
    });
  }

  async setStudyAttr(studyId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    const id = parseId(studyId, "study");
    const column = kind === "user" ? "user_attrs" : "system_attrs";
    await this.#database.tx(async (t) => {
      let q = t.selectFrom("studies").select([column]).where("study_id", "=", id);
      if (this.#postgres) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw studyNotFound(studyId);
      const attrs = JSON.parse((row as Record<string, string>)[column]!) as Record<string, unknown>;
      attrs[key] = value;
      await t
        .updateTable("studies")
        .set({ [column]: JSON.stringify(attrs) })
        .where("study_id", "=", id)
        .execute();
    });
  }

  async setStudyRun(studyId: string, runId: string): Promise<void> {
    const id = parseId(studyId, "study");
    checkRunLink(runId);
    await this.#database.tx(async (t) => {
      const res = await t
        .updateTable("studies")
        .set({ run_id: runId })
        .where("study_id", "=", id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw studyNotFound(studyId);
    });
  }

  // ---------------------------------------------------------------- trials

  /** Bumps the study's change counter (and, with `number`, its trial counter); returns both. */
  async #bump(t: Tx, studyId: number, number = false): Promise<{ seq: number; number: number }> {
    const row = await t
      .updateTable("studies")
      .set((eb) => ({
        change_seq: eb("change_seq", "+", 1),
        ...(number ? { next_number: eb("next_number", "+", 1) } : {}),
      }))
      .where("study_id", "=", studyId)
      .returning(["change_seq", "next_number"])
      .executeTakeFirst();
    if (!row) throw studyNotFound(String(studyId));
    return { seq: Number(row.change_seq), number: Number(row.next_number) - 1 };
  }

  /**
   * Bumps the change counter of the study that owns the trial, in one statement (the study row's
   * lock then serializes the trial's writers). @throws TRIAL_NOT_FOUND
   */
  async #bumpForTrial(t: Tx, trialId: number, trialIdText: string): Promise<number> {
    const row = await t
      .updateTable("studies")
      .set((eb) => ({ change_seq: eb("change_seq", "+", 1) }))
      .where("study_id", "=", (eb) =>
        eb.selectFrom("trials").select("trials.study_id").where("trials.trial_id", "=", trialId),
      )
      .returning(["change_seq"])
      .executeTakeFirst();
    if (!row) throw trialNotFound(trialIdText);
    return Number(row.change_seq);
  }

  async createTrial(studyId: string, template: TrialTemplate, now: number): Promise<FrozenTrial> {
    const id = parseId(studyId, "study");
    const state = template.state ?? "RUNNING";
    if (state !== "RUNNING" && state !== "WAITING") {
      throw new SextantError("INVALID_ARGUMENT", `a new trial is RUNNING or WAITING, not ${state}`);
    }
    const requestId = checkRequestId(template.requestId);
    if (requestId !== null) {
      const made = await this.#byRequest(id, requestId);
      if (made) return made;
    }
    const made = await this.#database.tx(async (t) => {
      const { seq, number } = await this.#bump(t, id, true);
      if (requestId !== null) {
        // the same retried request reached another server first
        const clash = await t
          .selectFrom("trials")
          .select("trial_id")
          .where("study_id", "=", id)
          .where("request_id", "=", requestId)
          .executeTakeFirst();
        if (clash) return String(clash.trial_id);
      }
      const row = await t
        .insertInto("trials")
        .values({
          study_id: id,
          number,
          state,
          values: null,
          params: JSON.stringify(template.params ?? {}),
          distributions: JSON.stringify(template.distributions ?? {}),
          user_attrs: JSON.stringify(template.userAttrs ?? {}),
          system_attrs: JSON.stringify(template.systemAttrs ?? {}),
          start_time: state === "RUNNING" ? now : null,
          end_time: null,
          heartbeat_at: state === "RUNNING" ? now : null,
          run_id: null,
          change_seq: seq,
          request_id: requestId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTrial(row, {});
    });
    return typeof made === "string" ? this.getTrial(made) : made;
  }

  async claimWaitingTrial(studyId: string, now: number, requestId?: string): Promise<FrozenTrial | null> {
    const id = parseId(studyId, "study");
    const request = checkRequestId(requestId);
    if (request !== null) {
      const claimedBefore = await this.#byRequest(id, request);
      if (claimedBefore) return claimedBefore;
    }
    for (;;) {
      const waiting = await this.#db
        .selectFrom("trials")
        .select("trial_id")
        .where("study_id", "=", id)
        .where("state", "=", "WAITING")
        .orderBy("number")
        .limit(1)
        .executeTakeFirst();
      if (!waiting) return null;
      const claimed = await this.#database.tx(async (t) => {
        const { seq } = await this.#bump(t, id);
        const res = await t
          .updateTable("trials")
          .set({ state: "RUNNING", start_time: now, heartbeat_at: now, change_seq: seq, request_id: request })
          .where("trial_id", "=", waiting.trial_id)
          .where("state", "=", "WAITING")
          .executeTakeFirst();
        return Number(res.numUpdatedRows) > 0;
      });
      // another worker took it: look for the next one
      if (claimed) return this.getTrial(String(waiting.trial_id));
    }
  }

  /** The trial a request with this id made or claimed, if any. */
  async #byRequest(studyId: number, requestId: string): Promise<FrozenTrial | null> {
    const row = await this.#db
      .selectFrom("trials")
      .select("trial_id")
      .where("study_id", "=", studyId)
      .where("request_id", "=", requestId)
      .executeTakeFirst();
    return row ? this.getTrial(String(row.trial_id)) : null;
  }

  /** Runs `fn` on an unfinished trial's row inside a transaction that bumps the study counter. */
  async #mutate(
    trialId: string,
    fn: (t: Tx, row: Selectable<DB["trials"]>, seq: number) => Promise<void>,
  ): Promise<void> {
    const id = parseId(trialId, "trial");
    await this.#database.tx(async (t) => {
      const seq = await this.#bumpForTrial(t, id, trialId);
      const row = await t
        .selectFrom("trials")
        .selectAll()
        .where("trial_id", "=", id)
        .executeTakeFirstOrThrow();
      if (FINISHED_STATES.includes(row.state as TrialState)) {
        throw new SextantError(
          "INVALID_STATE",
          `trial ${row.number} has finished (${row.state}); it cannot change`,
          {
            trialId,
            state: row.state,
          },
        );
      }
      await fn(t, row, seq);
    });
  }

  async setTrialParams(trialId: string, params: readonly TrialParam[]): Promise<void> {
    checkTrialParams(params);
    await this.#mutate(trialId, async (t, row, seq) => {
      const values = JSON.parse(row.params) as Record<string, number>;
      const dists = JSON.parse(row.distributions) as Record<string, DistributionJSON>;
      if (!mergeTrialParams(values, dists, params)) return;
      await t
        .updateTable("trials")
        .set({ params: JSON.stringify(values), distributions: JSON.stringify(dists), change_seq: seq })
        .where("trial_id", "=", row.trial_id)
        .execute();
    });
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
    await this.#mutate(trialId, async (t, row, seq) => {
      await t
        .insertInto("trial_intermediate")
        .values({ trial_id: row.trial_id, step, values: encodeValues(values) })
        .onConflict((oc) => oc.columns(["trial_id", "step"]).doUpdateSet({ values: encodeValues(values) }))
        .execute();
      await t.updateTable("trials").set({ change_seq: seq }).where("trial_id", "=", row.trial_id).execute();
    });
  }

  async setTrialState(
    trialId: string,
    state: TrialState,
    values: number[] | null,
    now: number,
  ): Promise<boolean> {
    const id = parseId(trialId, "trial");
    if (!STATES.includes(state)) throw new SextantError("INVALID_ARGUMENT", `unknown trial state '${state}'`);
    if (values !== null && (!Array.isArray(values) || values.some((v) => typeof v !== "number"))) {
      throw new SextantError("INVALID_ARGUMENT", "trial values are numbers");
    }
    return this.#database.tx(async (t) => {
      const seq = await this.#bumpForTrial(t, id, trialId);
      const finished = FINISHED_STATES.includes(state);
      const res = await t
        .updateTable("trials")
        .set({
          state,
          values: values === null ? null : encodeValues(values),
          change_seq: seq,
          ...(finished ? { end_time: now } : {}),
          ...(state === "RUNNING" ? { start_time: now, heartbeat_at: now } : {}),
        })
        .where("trial_id", "=", id)
        .where("state", "in", ["RUNNING", "WAITING"])
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  async setTrialAttr(trialId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    const column = kind === "user" ? "user_attrs" : "system_attrs";
    await this.#mutate(trialId, async (t, row, seq) => {
      const attrs = JSON.parse(row[column]) as Record<string, unknown>;
      attrs[key] = value;
      await t
        .updateTable("trials")
        .set({ [column]: JSON.stringify(attrs), change_seq: seq })
        .where("trial_id", "=", row.trial_id)
        .execute();
    });
  }

  async setTrialRun(trialId: string, runId: string): Promise<void> {
    const id = parseId(trialId, "trial");
    checkRunLink(runId);
    await this.#database.tx(async (t) => {
      const seq = await this.#bumpForTrial(t, id, trialId);
      await t
        .updateTable("trials")
        .set({ run_id: runId, change_seq: seq })
        .where("trial_id", "=", id)
        .execute();
    });
  }

  async heartbeatTrial(trialId: string, now: number): Promise<void> {
    const id = parseId(trialId, "trial");
    // Heartbeats change nothing a sampler looks at: no change-counter bump, no lock on the study.
    const res = await this.#db
      .updateTable("trials")
      .set({ heartbeat_at: now })
      .where("trial_id", "=", id)
      .where("state", "=", "RUNNING")
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      const row = await this.#db
        .selectFrom("trials")
        .select("trial_id")
        .where("trial_id", "=", id)
        .executeTakeFirst();
      if (!row) throw trialNotFound(trialId);
    }
  }

  async failStaleTrials(studyId: string, staleBefore: number, now: number): Promise<FrozenTrial[]> {
    const id = parseId(studyId, "study");
    const stale = await this.#db
      .selectFrom("trials")
      .select(["trial_id"])
      .where("study_id", "=", id)
      .where("state", "=", "RUNNING")
      .where((eb) => eb(eb.fn.coalesce("heartbeat_at", "start_time"), "<", staleBefore))
      .execute();
    const failed: FrozenTrial[] = [];
    for (const s of stale) {
      const trialId = String(s.trial_id);
      const done = await this.#database.tx(async (t) => {
        const { seq } = await this.#bump(t, id);
        const row = await t
          .selectFrom("trials")
          .select(["system_attrs"])
          .where("trial_id", "=", s.trial_id)
          .executeTakeFirstOrThrow();
        const attrs = JSON.parse(row.system_attrs) as Record<string, unknown>;
        attrs.fail_reason = "the worker running it stopped sending heartbeats";
        const res = await t
          .updateTable("trials")
          .set({ state: "FAIL", end_time: now, change_seq: seq, system_attrs: JSON.stringify(attrs) })
          .where("trial_id", "=", s.trial_id)
          .where("state", "=", "RUNNING")
          .where((eb) => eb(eb.fn.coalesce("heartbeat_at", "start_time"), "<", staleBefore))
          .executeTakeFirst();
        return Number(res.numUpdatedRows) > 0;
      });
      if (done) failed.push(await this.getTrial(trialId));
    }
    return failed;
  }

  askTrial(studyId: string, input: AskInput, now: number): Promise<AskResult> {
    return askTrialSteps(this, studyId, input, now);
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    const id = parseId(trialId, "trial");
    const row = await this.#db.selectFrom("trials").selectAll().where("trial_id", "=", id).executeTakeFirst();
    if (!row) throw trialNotFound(trialId);
    const inter = await this.#intermediates([row.trial_id]);
    return toTrial(row, inter.get(Number(row.trial_id)) ?? {});
  }

  async getTrials(
    studyId: string,
    options: { since?: number } = {},
  ): Promise<{ trials: FrozenTrial[]; cursor: number }> {
    const id = parseId(studyId, "study");
    // the counter first, then the trials: whatever commits in between is read again next time
    const study = await this.#db
      .selectFrom("studies")
      .select("change_seq")
      .where("study_id", "=", id)
      .executeTakeFirst();
    if (!study) throw studyNotFound(studyId);
    let q = this.#db.selectFrom("trials").selectAll().where("study_id", "=", id).orderBy("number");
    if (options.since !== undefined) q = q.where("change_seq", ">", options.since);
    const rows = await q.execute();
    const inter = await this.#intermediates(rows.map((r) => r.trial_id));
    return {
      trials: rows.map((r) => toTrial(r, inter.get(Number(r.trial_id)) ?? {})),
      cursor: Number(study.change_seq),
    };
  }

  async #intermediates(trialIds: number[]): Promise<Map<number, Record<number, number[]>>> {
    const out = new Map<number, Record<number, number[]>>();
    for (let i = 0; i < trialIds.length; i += 500) {
      const slice = trialIds.slice(i, i + 500);
      if (slice.length === 0) continue;
      const rows = await this.#db
        .selectFrom("trial_intermediate")
        .selectAll()
        .where("trial_id", "in", slice)
        .orderBy("step")
        .execute();
      for (const r of rows) {
        const id = Number(r.trial_id);
        let m = out.get(id);
        if (!m) {
          m = {};
          out.set(id, m);
        }
        m[Number(r.step)] = decodeValues(r.values);
      }
    }
    return out;
  }
}
