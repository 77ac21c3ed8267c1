/**
 * The studies aggregate's conformance suite: one body of tests every StudyStorage passes — in
 * memory, SQLite, PostgreSQL, and the HTTP client against a server on each (test/conformance/).
 * The rules are those of ../contract.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SextantError } from "../../../core/index.js";
import { expectCode, T0 } from "../../testing/index.js";
import type { DistributionJSON, FrozenTrial, StudyStorage, StudySummary } from "../index.js";

export interface StudyStorageFactory {
  /** A fresh, empty storage, and how to close it (dropping whatever open created). */
  open(): Promise<{ storage: StudyStorage; close(): Promise<void> }>;
}

/** A run id as the tracking store makes them: 32 lowercase hex digits. */
const RUN = (n: number) => n.toString(16).padStart(32, "0");
const FLOAT: DistributionJSON & { type: "float" } = {
  type: "float",
  low: 0,
  high: 1,
  log: false,
  step: null,
};
const INT: DistributionJSON & { type: "int" } = { type: "int", low: 1, high: 9, log: false, step: 2 };
const CAT: DistributionJSON = { type: "categorical", choices: ["a", 2, true, null] };

export function studyStorageConformance(name: string, factory: StudyStorageFactory): void {
  describe(`StudyStorage conformance: ${name}`, () => {
    let storage: StudyStorage;
    let close: () => Promise<void>;
    let study: StudySummary;

    beforeEach(async () => {
      ({ storage, close } = await factory.open());
      study = await storage.createStudy({ name: "s", directions: ["minimize"] }, T0);
    });
    afterEach(async () => {
      await close();
    });

    // ---------------------------------------------------------------- studies

    it("creates, finds, lists and deletes studies", async () => {
      expect(study).toMatchObject({
        name: "s",
        directions: ["minimize"],
        userAttrs: {},
        createdTime: T0,
        runId: null,
      });
      const m = await storage.createStudy(
        {
          name: "multi",
          directions: ["minimize", "maximize"],
          userAttrs: { team: "x", n: 2 },
          runId: RUN(1),
        },
        T0 + 1,
      );
      expect(m.studyId).not.toBe(study.studyId);
      expect(await storage.getStudyByName("multi")).toEqual(m);
      expect(await storage.getStudy(m.studyId)).toEqual(m);
      expect(m).toMatchObject({
        directions: ["minimize", "maximize"],
        userAttrs: { team: "x", n: 2 },
        runId: RUN(1),
      });
      expect(await storage.getStudyByName("nope")).toBeNull();
      await expectCode(
        storage.createStudy({ name: "s", directions: ["maximize"] }, T0),
        "STUDY_ALREADY_EXISTS",
      );
      await expectCode(storage.createStudy({ name: "", directions: ["maximize"] }, T0), "INVALID_NAME");
      await expectCode(storage.createStudy({ name: "d", directions: [] }, T0), "INVALID_ARGUMENT");
      await expectCode(
        storage.createStudy({ name: "d", directions: ["up" as never] }, T0),
        "INVALID_ARGUMENT",
      );

      await storage.createTrial(m.studyId, {}, T0);
      const t = await storage.createTrial(m.studyId, {}, T0);
      await storage.createTrial(m.studyId, { state: "WAITING" }, T0);
      await storage.setTrialState(t.trialId, "PRUNED", null, T0 + 5);
      const list = await storage.listStudies();
      expect(list.map((s) => [s.name, s.trialCounts])).toEqual([
        ["s", { RUNNING: 0, WAITING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 }],
        ["multi", { RUNNING: 1, WAITING: 1, COMPLETE: 0, PRUNED: 1, FAIL: 0 }],
      ]);

      await storage.setStudyAttr(m.studyId, "user", "note", { a: [1, 2] });
      await storage.setStudyAttr(m.studyId, "system", "k", "v");
      await storage.setStudyRun(m.studyId, RUN(2));
      expect(await storage.getStudy(m.studyId)).toMatchObject({
        userAttrs: { team: "x", n: 2, note: { a: [1, 2] } },
        systemAttrs: { k: "v" },
        runId: RUN(2),
      });

      await storage.deleteStudy(m.studyId);
      expect(await storage.getStudyByName("multi")).toBeNull();
      await expectCode(storage.getStudy(m.studyId), "STUDY_NOT_FOUND");
      await expectCode(storage.getTrial(t.trialId), "TRIAL_NOT_FOUND");
      expect((await storage.listStudies()).map((s) => s.name)).toEqual(["s"]);
      // the name is free again
      const again = await storage.createStudy({ name: "multi", directions: ["maximize"] }, T0);
      expect((await storage.getTrials(again.studyId)).trials).toEqual([]);
    });

    it("concurrent createStudy calls with one name: one creates it, the others get STUDY_ALREADY_EXISTS", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => storage.createStudy({ name: "race", directions: ["minimize"] }, T0)),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") {
          expect(r.reason).toBeInstanceOf(SextantError);
          expect((r.reason as SextantError).code).toBe("STUDY_ALREADY_EXISTS");
        }
      }
      expect((await storage.listStudies()).map((s) => s.name)).toEqual(["s", "race"]);
    });

    it("a missing study or trial is a typed error", async () => {
      await expectCode(storage.getStudy("999999"), "STUDY_NOT_FOUND");
      await expectCode(storage.createTrial("999999", {}, T0), "STUDY_NOT_FOUND");
      await expectCode(storage.getTrials("999999"), "STUDY_NOT_FOUND");
      await expectCode(storage.getTrial("999999"), "TRIAL_NOT_FOUND");
      await expectCode(storage.setTrialState("999999", "FAIL", null, T0), "TRIAL_NOT_FOUND");
      await expectCode(
        storage.setTrialParams("999999", [{ name: "x", value: 0.5, distribution: FLOAT }]),
        "TRIAL_NOT_FOUND",
      );
    });

    // ---------------------------------------------------------------- trials

    it("creates trials numbered 0, 1, 2 … with their template; returns snapshots", async () => {
      const t0 = await storage.createTrial(study.studyId, {}, T0);
      expect(t0).toMatchObject({
        studyId: study.studyId,
        number: 0,
        state: "RUNNING",
        values: null,
        params: {},
        distributions: {},
        intermediate: {},
        userAttrs: {},
        systemAttrs: {},
        startTime: T0,
        endTime: null,
        heartbeatAt: T0,
        runId: null,
      });
      const t1 = await storage.createTrial(
        study.studyId,
        {
          state: "WAITING",
          params: { x: 0.25, c: 3 },
          distributions: { x: FLOAT, c: CAT },
          userAttrs: { u: 1 },
          systemAttrs: { fixed_params: { x: 0.25 } },
        },
        T0 + 1,
      );
      expect(t1).toMatchObject({
        number: 1,
        state: "WAITING",
        params: { x: 0.25, c: 3 },
        distributions: { x: FLOAT, c: CAT },
        userAttrs: { u: 1 },
        systemAttrs: { fixed_params: { x: 0.25 } },
        startTime: null,
        heartbeatAt: null,
      });
      // mutating a returned object changes nothing stored
      t1.params.x = 99;
      t1.userAttrs.u = 2;
      expect(await storage.getTrial(t1.trialId)).toMatchObject({
        params: { x: 0.25, c: 3 },
        userAttrs: { u: 1 },
      });
      await expectCode(
        storage.createTrial(study.studyId, { state: "COMPLETE" as never }, T0),
        "INVALID_ARGUMENT",
      );
      expect((await storage.getTrials(study.studyId)).trials.map((t) => t.number)).toEqual([0, 1]);
    });

    it("concurrent createTrial calls get unique, consecutive numbers", async () => {
      const n = 40;
      const trials = await Promise.all(
        Array.from({ length: n }, (_, i) => storage.createTrial(study.studyId, {}, T0 + i)),
      );
      expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
      expect(new Set(trials.map((t) => t.trialId)).size).toBe(n);
      const stored = (await storage.getTrials(study.studyId)).trials;
      expect(stored.map((t) => t.number)).toEqual(Array.from({ length: n }, (_, i) => i));
      // numbers are per study
      const other = await storage.createStudy({ name: "other", directions: ["minimize"] }, T0);
      expect((await storage.createTrial(other.studyId, {}, T0)).number).toBe(0);
    });

    it("sets params once per distribution; another distribution is INVALID_ARGUMENT and changes nothing", async () => {
      const t = await storage.createTrial(study.studyId, {}, T0);
      await storage.setTrialParams(t.trialId, [{ name: "x", value: 0.5, distribution: FLOAT }]);
      await storage.setTrialParams(t.trialId, [{ name: "n", value: 7, distribution: INT }]);
      await storage.setTrialParams(t.trialId, [{ name: "c", value: 3, distribution: CAT }]);
      await storage.setTrialParams(t.trialId, [{ name: "x", value: 0.5, distribution: FLOAT }]); // the same again is fine
      const { cursor } = await storage.getTrials(study.studyId);
      await expectCode(
        storage.setTrialParams(t.trialId, [{ name: "x", value: 0.5, distribution: { ...FLOAT, high: 2 } }]),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        storage.setTrialParams(t.trialId, [{ name: "y", value: Number.NaN, distribution: FLOAT }]),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        storage.setTrialParams(t.trialId, [{ name: "", value: 1, distribution: FLOAT }]),
        "INVALID_ARGUMENT",
      );
      const after = await storage.getTrials(study.studyId, { since: cursor });
      expect(after).toEqual({ trials: [], cursor });
      const got = await storage.getTrial(t.trialId);
      expect(got.params).toEqual({ x: 0.5, n: 7, c: 3 });
      expect(got.distributions).toEqual({ x: FLOAT, n: INT, c: CAT });
    });

    it("sets a batch of params all or none; a name given twice in a batch is INVALID_ARGUMENT", async () => {
      const t = await storage.createTrial(study.studyId, {}, T0);
      await storage.setTrialParams(t.trialId, [
        { name: "x", value: 0.25, distribution: FLOAT },
        { name: "n", value: 3, distribution: INT },
      ]);
      const { cursor } = await storage.getTrials(study.studyId);
      // one bad param in the batch: none of it is written, the good one included
      await expectCode(
        storage.setTrialParams(t.trialId, [
          { name: "c", value: 1, distribution: CAT },
          { name: "n", value: 3, distribution: { ...INT, high: 11 } },
        ]),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        storage.setTrialParams(t.trialId, [
          { name: "c", value: 1, distribution: CAT },
          { name: "c", value: 2, distribution: CAT },
        ]),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        storage.setTrialParams(t.trialId, [
          { name: "c", value: 1, distribution: CAT },
          { name: "d", value: 1, distribution: { type: "float", low: 2, high: 1, log: false, step: null } },
        ]),
        "INVALID_ARGUMENT",
      );
      expect(await storage.getTrials(study.studyId, { since: cursor })).toEqual({ trials: [], cursor });
      await storage.setTrialParams(t.trialId, []); // nothing to write is fine
      await storage.setTrialParams(t.trialId, [
        { name: "x", value: 0.25, distribution: FLOAT },
        { name: "c", value: 0, distribution: CAT },
      ]);
      const got = await storage.getTrial(t.trialId);
      expect(got.params).toEqual({ x: 0.25, n: 3, c: 0 });
      expect(got.distributions).toEqual({ x: FLOAT, n: INT, c: CAT });
    });

    it("keeps intermediate values by step (vectors, NaN and infinities included)", async () => {
      const t = await storage.createTrial(study.studyId, {}, T0);
      await storage.setTrialIntermediate(t.trialId, 0, [1.5]);
      await storage.setTrialIntermediate(t.trialId, 3, [Number.NaN]);
      await storage.setTrialIntermediate(t.trialId, 10, [Number.POSITIVE_INFINITY, -2]);
      const got = await storage.getTrial(t.trialId);
      expect(got.intermediate).toEqual({ 0: [1.5], 3: [Number.NaN], 10: [Number.POSITIVE_INFINITY, -2] });
      await expectCode(storage.setTrialIntermediate(t.trialId, -1, [1]), "INVALID_ARGUMENT");
      await expectCode(storage.setTrialIntermediate(t.trialId, 1.5, [1]), "INVALID_ARGUMENT");
      await expectCode(storage.setTrialIntermediate(t.trialId, 1, []), "INVALID_ARGUMENT");
    });

    it("setTrialState is compare-and-set: among concurrent finishers exactly one wins", async () => {
      const t = await storage.createTrial(study.studyId, {}, T0);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => storage.setTrialState(t.trialId, "COMPLETE", [i], T0 + 10)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const got = await storage.getTrial(t.trialId);
      expect(got).toMatchObject({ state: "COMPLETE", values: [winner], endTime: T0 + 10 });
      // a finished trial is immutable
      expect(await storage.setTrialState(t.trialId, "FAIL", null, T0 + 99)).toBe(false);
      await expectCode(
        storage.setTrialParams(t.trialId, [{ name: "x", value: 0.5, distribution: FLOAT }]),
        "INVALID_STATE",
      );
      await expectCode(storage.setTrialIntermediate(t.trialId, 0, [1]), "INVALID_STATE");
      await expectCode(storage.setTrialAttr(t.trialId, "user", "k", 1), "INVALID_STATE");
      expect(await storage.getTrial(t.trialId)).toEqual(got);
      await expectCode(storage.setTrialState(t.trialId, "DONE" as never, null, T0), "INVALID_ARGUMENT");
    });

    it("stores values exactly, and PRUNED and FAIL trials without values", async () => {
      const a = await storage.createTrial(study.studyId, {}, T0);
      const b = await storage.createTrial(study.studyId, {}, T0);
      const c = await storage.createTrial(study.studyId, {}, T0);
      expect(await storage.setTrialState(a.trialId, "COMPLETE", [0.1 + 0.2, -1e-300, 5e300], T0 + 1)).toBe(
        true,
      );
      expect(await storage.setTrialState(b.trialId, "PRUNED", null, T0 + 2)).toBe(true);
      expect(await storage.setTrialState(c.trialId, "FAIL", null, T0 + 3)).toBe(true);
      const trials = (await storage.getTrials(study.studyId)).trials;
      expect(trials.map((t) => [t.state, t.values, t.endTime])).toEqual([
        ["COMPLETE", [0.1 + 0.2, -1e-300, 5e300], T0 + 1],
        ["PRUNED", null, T0 + 2],
        ["FAIL", null, T0 + 3],
      ]);
    });

    it("claimWaitingTrial hands each waiting trial out exactly once, oldest first", async () => {
      const waiting: FrozenTrial[] = [];
      for (let i = 0; i < 5; i++) {
        waiting.push(
          await storage.createTrial(
            study.studyId,
            { state: "WAITING", systemAttrs: { fixed_params: { x: i / 10 } } },
            T0 + i,
          ),
        );
      }
      await storage.createTrial(study.studyId, {}, T0); // a RUNNING one is never claimed
      const first = await storage.claimWaitingTrial(study.studyId, T0 + 100);
      expect(first).toMatchObject({
        number: 0,
        state: "RUNNING",
        startTime: T0 + 100,
        heartbeatAt: T0 + 100,
      });
      expect(first!.systemAttrs.fixed_params).toEqual({ x: 0 });
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => storage.claimWaitingTrial(study.studyId, T0 + 200)),
      );
      const got = claims.filter((c): c is FrozenTrial => c !== null);
      expect(got.map((c) => c.number).sort()).toEqual([1, 2, 3, 4]);
      expect(claims.filter((c) => c === null)).toHaveLength(8);
      expect(await storage.claimWaitingTrial(study.studyId, T0 + 300)).toBeNull();
      const states = (await storage.getTrials(study.studyId)).trials.map((t) => t.state);
      expect(states).toEqual(["RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING"]);
      // a finished WAITING trial is not handed out
      const w = await storage.createTrial(study.studyId, { state: "WAITING" }, T0);
      expect(await storage.setTrialState(w.trialId, "FAIL", null, T0)).toBe(true);
      expect(await storage.claimWaitingTrial(study.studyId, T0 + 400)).toBeNull();
    });

    it("attributes round-trip through JSON; runs are recorded", async () => {
      const t = await storage.createTrial(study.studyId, {}, T0);
      await storage.setTrialAttr(t.trialId, "user", "obj", { a: [1, "b", null], n: 1.5 });
      await storage.setTrialAttr(t.trialId, "user", "s", "text");
      await storage.setTrialAttr(t.trialId, "system", "rung", 2);
      await storage.setTrialAttr(t.trialId, "user", "s", "changed");
      await expectCode(storage.setTrialRun(t.trialId, "run-3"), "INVALID_ARGUMENT");
      await expectCode(storage.setStudyRun(study.studyId, "r"), "INVALID_ARGUMENT");
      await expectCode(
        storage.createStudy({ name: "bad run", directions: ["minimize"], runId: "x" }, T0),
        "INVALID_ARGUMENT",
      );
      await storage.setTrialRun(t.trialId, RUN(3));
      const got = await storage.getTrial(t.trialId);
      expect(got.userAttrs).toEqual({ obj: { a: [1, "b", null], n: 1.5 }, s: "changed" });
      expect(got.systemAttrs).toEqual({ rung: 2 });
      expect(got.runId).toBe(RUN(3));
    });

    it("heartbeats and the stale sweep: only RUNNING trials silent since before the cut-off fail", async () => {
      const stale = await storage.createTrial(study.studyId, {}, T0);
      const beating = await storage.createTrial(study.studyId, {}, T0);
      const done = await storage.createTrial(study.studyId, {}, T0);
      await storage.createTrial(study.studyId, { state: "WAITING" }, T0);
      await storage.setTrialState(done.trialId, "COMPLETE", [1], T0 + 1);
      await storage.heartbeatTrial(beating.trialId, T0 + 5000);
      await storage.heartbeatTrial(done.trialId, T0 + 5000); // ignored: finished
      expect((await storage.getTrial(beating.trialId)).heartbeatAt).toBe(T0 + 5000);
      expect((await storage.getTrial(done.trialId)).heartbeatAt).toBe(T0);
      await expectCode(storage.heartbeatTrial("999999", T0), "TRIAL_NOT_FOUND");

      expect(await storage.failStaleTrials(study.studyId, T0, T0 + 6000)).toEqual([]); // not older than T0
      const failed = await storage.failStaleTrials(study.studyId, T0 + 4000, T0 + 6000);
      expect(failed.map((t) => [t.number, t.state, t.endTime])).toEqual([[0, "FAIL", T0 + 6000]]);
      expect(failed[0]!.systemAttrs.fail_reason).toBe("the worker running it stopped sending heartbeats");
      expect((await storage.getTrials(study.studyId)).trials.map((t) => t.state)).toEqual([
        "FAIL",
        "RUNNING",
        "COMPLETE",
        "WAITING",
      ]);
      // the worker that was thought dead cannot finish it any more
      expect(await storage.setTrialState(stale.trialId, "COMPLETE", [0], T0 + 7000)).toBe(false);
      // concurrent sweeps fail a trial once
      await storage.heartbeatTrial(beating.trialId, T0 + 5000);
      const sweeps = await Promise.all(
        [1, 2, 3].map(() => storage.failStaleTrials(study.studyId, T0 + 9000, T0 + 9000)),
      );
      expect(sweeps.flat().map((t) => t.number)).toEqual([1]);
    });

    it("askTrial claims the oldest WAITING trial, else creates one, and answers what changed since", async () => {
      const waiting = await storage.createTrial(
        study.studyId,
        { state: "WAITING", systemAttrs: { fixed_params: { x: 0.5 } } },
        T0,
      );
      const first = await storage.askTrial(study.studyId, {}, T0 + 10);
      expect(first.trial).toMatchObject({
        number: 0,
        trialId: waiting.trialId,
        state: "RUNNING",
        startTime: T0 + 10,
      });
      expect(first.failed).toEqual([]);
      expect(first.trials.map((t) => [t.number, t.state])).toEqual([[0, "RUNNING"]]);
      const second = await storage.askTrial(study.studyId, { since: first.cursor }, T0 + 20);
      expect(second.trial).toMatchObject({
        number: 1,
        state: "RUNNING",
        startTime: T0 + 20,
        heartbeatAt: T0 + 20,
      });
      // only what changed after the cursor: the new trial, not the claimed one
      expect(second.trials.map((t) => t.number)).toEqual([1]);
      expect(second.cursor).toBeGreaterThan(first.cursor);
      const all = await storage.getTrials(study.studyId);
      expect(all.cursor).toBe(second.cursor);
      expect(all.trials.map((t) => t.number)).toEqual([0, 1]);
    });

    it("askTrial refreshes the live trials' heartbeats, then fails the stale ones, and says which", async () => {
      const mine = (await storage.askTrial(study.studyId, {}, T0)).trial;
      const lost = (await storage.askTrial(study.studyId, {}, T0)).trial;
      const r = await storage.askTrial(
        study.studyId,
        { alive: [mine.trialId], staleBefore: T0 + 4000 },
        T0 + 6000,
      );
      expect(r.failed.map((t) => [t.number, t.state, t.endTime])).toEqual([[1, "FAIL", T0 + 6000]]);
      expect(r.failed[0]!.trialId).toBe(lost.trialId);
      expect(r.trial.number).toBe(2);
      const states = (await storage.getTrials(study.studyId)).trials.map((t) => [t.number, t.state]);
      expect(states).toEqual([
        [0, "RUNNING"],
        [1, "FAIL"],
        [2, "RUNNING"],
      ]);
      expect((await storage.getTrial(mine.trialId)).heartbeatAt).toBe(T0 + 6000);
      await expectCode(storage.askTrial("999999", {}, T0), "STUDY_NOT_FOUND");
    });

    it("askTrial retried with its request id returns the trial the first attempt made or claimed", async () => {
      const made = await storage.askTrial(study.studyId, { requestId: "ask-1" }, T0);
      const again = await storage.askTrial(study.studyId, { requestId: "ask-1" }, T0 + 1);
      expect(again.trial.trialId).toBe(made.trial.trialId);
      await storage.createTrial(study.studyId, { state: "WAITING" }, T0);
      const claimed = await storage.askTrial(study.studyId, { requestId: "ask-2" }, T0 + 2);
      const claimedAgain = await storage.askTrial(study.studyId, { requestId: "ask-2" }, T0 + 3);
      expect(claimedAgain.trial.trialId).toBe(claimed.trial.trialId);
      expect((await storage.getTrials(study.studyId)).trials.map((t) => t.number)).toEqual([0, 1]);
      // concurrent asks get distinct trials
      const asks = await Promise.all(
        Array.from({ length: 6 }, (_, i) => storage.askTrial(study.studyId, { requestId: `c-${i}` }, T0 + 9)),
      );
      expect(new Set(asks.map((a) => a.trial.number)).size).toBe(6);
    });

    it("getTrials({ since }) returns exactly the trials changed after the cursor", async () => {
      const first = await storage.getTrials(study.studyId);
      expect(first.trials).toEqual([]);
      const a = await storage.createTrial(study.studyId, {}, T0);
      const b = await storage.createTrial(study.studyId, {}, T0);
      const c1 = await storage.getTrials(study.studyId, { since: first.cursor });
      expect(c1.trials.map((t) => t.number)).toEqual([0, 1]);
      expect(c1.cursor).toBeGreaterThan(first.cursor);
      // nothing changed: nothing returned, same cursor
      expect(await storage.getTrials(study.studyId, { since: c1.cursor })).toEqual({
        trials: [],
        cursor: c1.cursor,
      });
      await storage.setTrialParams(b.trialId, [{ name: "x", value: 0.5, distribution: FLOAT }]);
      const c2 = await storage.getTrials(study.studyId, { since: c1.cursor });
      expect(c2.trials.map((t) => [t.number, t.params])).toEqual([[1, { x: 0.5 }]]);
      // heartbeats are not changes
      await storage.heartbeatTrial(a.trialId, T0 + 10);
      expect((await storage.getTrials(study.studyId, { since: c2.cursor })).trials).toEqual([]);
      await storage.setTrialIntermediate(a.trialId, 0, [3]);
      await storage.setTrialAttr(b.trialId, "user", "k", 1);
      await storage.setTrialState(a.trialId, "COMPLETE", [3], T0 + 20);
      const c3 = await storage.getTrials(study.studyId, { since: c2.cursor });
      expect(c3.trials.map((t) => [t.number, t.state])).toEqual([
        [0, "COMPLETE"],
        [1, "RUNNING"],
      ]);
      expect(c3.trials[0]!.intermediate).toEqual({ 0: [3] });
      // changes in another study do not show
      const other = await storage.createStudy({ name: "o", directions: ["minimize"] }, T0);
      await storage.createTrial(other.studyId, {}, T0);
      expect((await storage.getTrials(study.studyId, { since: c3.cursor })).trials).toEqual([]);
      // a cache kept from incremental reads equals a full read
      const cache = new Map<number, FrozenTrial>();
      let cursor: number | undefined;
      const sync = async () => {
        const r = await storage.getTrials(study.studyId, cursor === undefined ? {} : { since: cursor });
        for (const t of r.trials) cache.set(t.number, t);
        cursor = r.cursor;
      };
      await sync();
      const writers = Array.from({ length: 6 }, async (_, i) => {
        const t = await storage.createTrial(study.studyId, {}, T0);
        await storage.setTrialParams(t.trialId, [{ name: "x", value: i / 10, distribution: FLOAT }]);
        await sync();
        await storage.setTrialState(t.trialId, "COMPLETE", [i], T0 + i);
      });
      await Promise.all(writers);
      await sync();
      const full = (await storage.getTrials(study.studyId)).trials;
      expect([...cache.values()].sort((x, y) => x.number - y.number)).toEqual(full);
    });
  });
}
