import { describe, expect, it } from "vitest";
import { ManualClock, SextantError } from "../core/index.js";
import { SqliteStore } from "../store/index.js";
import { completedRungKey, MedianPruner, SuccessiveHalvingPruner } from "./pruners/index.js";
import { GridSampler, RandomSampler } from "./samplers/index.js";
import type { FrozenTrial } from "./storage.js";
import { InMemoryStorage } from "./storage.js";
import { createStudy, deleteStudy, loadStudy, type Study } from "./study.js";
import { type Trial, TrialPruned } from "./trial.js";

const quiet = () => undefined;

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<SextantError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    expect((e as SextantError).code).toBe(code);
    return e as SextantError;
  }
  throw new Error(`expected a SextantError with code ${code}, but nothing was thrown`);
}

function study(options: Parameters<typeof createStudy>[0] = {}): Promise<Study> {
  return createStudy({ sampler: new RandomSampler({ seed: 7 }), onWarning: quiet, ...options });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ask and tell", () => {
  it("asks numbered trials, records params and values, and refuses a second tell", async () => {
    const s = await study({ direction: "maximize" });
    const t0 = await s.ask();
    const t1 = await s.ask();
    expect([t0.number, t1.number]).toEqual([0, 1]);
    const x = t0.suggestFloat("x", -1, 1);
    const k = t0.suggestCategorical("kind", ["a", "b", "c"]);
    expect(x).toBeGreaterThanOrEqual(-1);
    expect(x).toBeLessThanOrEqual(1);
    expect(["a", "b", "c"]).toContain(k);
    // asking for the same param again returns the same value
    expect(t0.suggestFloat("x", -1, 1)).toBe(x);
    const done = await s.tell(t0, 0.75);
    expect(done).toMatchObject({ number: 0, state: "COMPLETE", values: [0.75] });
    expect(done.params.x).toBe(x);
    expect(done.params.kind).toBe(["a", "b", "c"].indexOf(k));
    expect(done.endTime).not.toBeNull();
    await expectCode(s.tell(t0, 0.9), "INVALID_STATE");
    // tell by number, as PRUNED
    const pruned = await s.tell(1, undefined, "PRUNED");
    expect(pruned.state).toBe("PRUNED");
    expect(s.trials.map((t) => [t.number, t.state])).toEqual([
      [0, "COMPLETE"],
      [1, "PRUNED"],
    ]);
    await expectCode(s.tell(5, 1), "TRIAL_NOT_FOUND");
    // skipIfFinished returns the finished trial instead of throwing
    expect((await s.tell(0, 3, undefined, { skipIfFinished: true })).values).toEqual([0.75]);
  });

  it("tell with state COMPLETE and a non-finite value is a typed error; without a state it fails the trial", async () => {
    const s = await study();
    const t = await s.ask();
    await expectCode(s.tell(t, Number.NaN, "COMPLETE"), "INVALID_ARGUMENT");
    await expectCode(s.tell(t, 1, "FAIL"), "INVALID_ARGUMENT");
    const failed = await s.tell(t, Number.POSITIVE_INFINITY);
    expect(failed.state).toBe("FAIL");
    expect(failed.values).toBeNull();
    expect(String(failed.systemAttrs.fail_reason)).toMatch(/not a finite number/);
    const t2 = await s.ask();
    const wrongCount = await s.tell(t2, [1, 2]);
    expect(wrongCount.state).toBe("FAIL");
    expect(String(wrongCount.systemAttrs.fail_reason)).toMatch(
      /2 values were given for a study with 1 objectives/,
    );
  });

  it("report after the trial ended and suggest after it ended are INVALID_STATE", async () => {
    const s = await study();
    const t = await s.ask();
    t.report(1, 0);
    await s.tell(t, 1);
    expect(t.finished).toBe(true);
    await expectCode(() => t.report(2, 1), "INVALID_STATE");
    await expectCode(() => t.suggestFloat("y", 0, 1), "INVALID_STATE");
    await expectCode(() => t.shouldPrune(), "INVALID_STATE");
    await expectCode(() => t.setUserAttr("a", 1), "INVALID_STATE");
    // the stored trial keeps what was reported before the end
    expect(s.trials[0]!.intermediate).toEqual({ 0: [1] });
  });
});

describe("bad search-space input gives typed errors", () => {
  it.each([
    ["inverted float range", (t: Trial) => t.suggestFloat("x", 2, 1)],
    ["inverted int range", (t: Trial) => t.suggestInt("n", 10, 3)],
    ["non-finite float range", (t: Trial) => t.suggestFloat("x", 0, Number.POSITIVE_INFINITY)],
    ["NaN bound", (t: Trial) => t.suggestFloat("x", Number.NaN, 1)],
    ["non-integer int range", (t: Trial) => t.suggestInt("n", 0.5, 3)],
    ["empty categorical", (t: Trial) => t.suggestCategorical("c", [])],
    ["log float with low 0", (t: Trial) => t.suggestFloat("lr", 0, 1, { log: true })],
    ["log float with low < 0", (t: Trial) => t.suggestFloat("lr", -1, 1, { log: true })],
    ["log int with low 0", (t: Trial) => t.suggestInt("n", 0, 8, { log: true })],
    ["log and step together", (t: Trial) => t.suggestFloat("x", 1, 2, { log: true, step: 0.1 })],
    ["non-positive step", (t: Trial) => t.suggestFloat("x", 0, 1, { step: 0 })],
    ["bad categorical choice", (t: Trial) => t.suggestCategorical("c", [{}] as unknown as string[])],
  ])("%s", async (_name, bad) => {
    const s = await study();
    const t = await s.ask();
    const e = await expectCode(() => bad(t), "INVALID_ARGUMENT");
    expect(e.message).toMatch(/parameter '/);
    // the trial is still usable and nothing was recorded for the bad param
    expect(t.params).toEqual({});
    expect(t.suggestInt("ok", 1, 1)).toBe(1);
  });

  it("a param suggested again with another distribution is INVALID_ARGUMENT and keeps the first", async () => {
    const s = await study();
    const t = await s.ask();
    const x = t.suggestFloat("x", 0, 1);
    await expectCode(() => t.suggestFloat("x", 0, 2), "INVALID_ARGUMENT");
    await expectCode(() => t.suggestInt("x", 0, 1), "INVALID_ARGUMENT");
    await expectCode(() => t.suggestFloat("x", 0, 1, { log: false, step: 0.5 }), "INVALID_ARGUMENT");
    expect(t.params).toEqual({ x });
    const done = await s.tell(t, 0);
    expect(done.state).toBe("COMPLETE");
    expect(done.distributions.x).toEqual({ type: "float", low: 0, high: 1, log: false, step: null });
  });

  it("bad study and optimize options are INVALID_ARGUMENT", async () => {
    await expectCode(createStudy({ direction: "minimize", directions: ["minimize"] }), "INVALID_ARGUMENT");
    await expectCode(createStudy({ directions: [] }), "INVALID_ARGUMENT");
    await expectCode(createStudy({ direction: "up" as never }), "INVALID_ARGUMENT");
    await expectCode(createStudy({ staleAfterMs: 0 }), "INVALID_ARGUMENT");
    const s = await study();
    await expectCode(
      s.optimize(() => 1, { nTrials: -1 }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      s.optimize(() => 1, { nTrials: 1.5 }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      s.optimize(() => 1, { concurrency: 0 }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      s.optimize(() => 1, { timeoutMs: -5 }),
      "INVALID_ARGUMENT",
    );
    const t = await s.ask();
    await expectCode(() => t.report(1, -1), "INVALID_ARGUMENT");
    await expectCode(() => t.report(1, 0.5), "INVALID_ARGUMENT");
    await expectCode(() => t.report([1, 2], 0), "INVALID_ARGUMENT");
    await expectCode(s.enqueueTrial({ x: Number.NaN }), "INVALID_ARGUMENT");
    expect(s.trials).toHaveLength(1);
  });
});

describe("optimize", () => {
  it("runs nTrials trials and finds the minimum of a quadratic with a seeded random sampler", async () => {
    const s = await study();
    const res = await s.optimize((t) => (t.suggestFloat("x", -10, 10) - 3) ** 2, { nTrials: 60 });
    expect(res).toEqual({ completed: 60, pruned: 0, failed: 0 });
    expect(s.trials).toHaveLength(60);
    expect(s.trials.map((t) => t.number)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // best is the minimum over the recorded values
    const values = s.trials.map((t) => t.values![0]!);
    expect(s.bestValue).toBe(Math.min(...values));
    expect(s.bestTrial.values).toEqual([s.bestValue]);
    expect((s.bestParams.x as number) - 3).toBeCloseTo(
      Math.sign((s.bestParams.x as number) - 3) * Math.sqrt(s.bestValue),
      12,
    );
    // 60 uniform draws on [-10, 10]: the nearest lands within 0.5 of 3 with probability 1 - 0.95^60 > 0.95
    expect(s.bestValue).toBeLessThan(0.25);
    // a second optimize call continues numbering
    await s.optimize((t) => t.suggestFloat("x", -10, 10) ** 2, { nTrials: 5 });
    expect(s.trials).toHaveLength(65);
  });

  it("the same seed gives the same trials", async () => {
    const run = async () => {
      const s = await createStudy({ sampler: new RandomSampler({ seed: 123 }), onWarning: quiet });
      await s.optimize((t) => t.suggestFloat("x", 0, 1) + t.suggestInt("n", 1, 100, { log: true }), {
        nTrials: 10,
      });
      return s.trials.map((t) => t.params);
    };
    expect(await run()).toEqual(await run());
  });

  it("keeps `concurrency` trials in flight and never more", async () => {
    const s = await study();
    let inFlight = 0;
    let peak = 0;
    const res = await s.optimize(
      async (t) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep(5);
        inFlight--;
        return t.suggestFloat("x", 0, 1);
      },
      { nTrials: 12, concurrency: 3 },
    );
    expect(res.completed).toBe(12);
    expect(peak).toBe(3);
    expect(new Set(s.trials.map((t) => t.number)).size).toBe(12);
  });

  it("starts no trial after timeoutMs by the study's clock", async () => {
    const clock = new ManualClock(1000);
    const s = await study({ clock });
    const res = await s.optimize(
      (t) => {
        clock.advance(10);
        return t.suggestFloat("x", 0, 1);
      },
      { timeoutMs: 35 },
    );
    // trials start at elapsed 0, 10, 20, 30; at 40 the timeout has passed
    expect(res.completed).toBe(4);
    expect(s.trials.map((t) => t.startTime)).toEqual([1000, 1010, 1020, 1030]);
    expect(s.trials.map((t) => t.endTime)).toEqual([1010, 1020, 1030, 1040]);
  });

  it("a failing objective marks its trial FAIL with the reason and the study goes on", async () => {
    const warnings: string[] = [];
    const s = await study({ onWarning: (m) => warnings.push(m) });
    const res = await s.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        if (t.number % 3 === 1) throw new Error(`boom ${t.number}`);
        if (t.number === 5) return Number.NaN;
        if (t.number === 8) return undefined;
        return x;
      },
      { nTrials: 9 },
    );
    expect(res).toEqual({ completed: 4, pruned: 0, failed: 5 });
    expect(s.trials.map((t) => t.state)).toEqual([
      "COMPLETE",
      "FAIL",
      "COMPLETE",
      "COMPLETE",
      "FAIL",
      "FAIL",
      "COMPLETE",
      "FAIL",
      "FAIL",
    ]);
    expect(s.trials[1]!.systemAttrs.fail_reason).toBe("boom 1");
    expect(String(s.trials[5]!.systemAttrs.fail_reason)).toMatch(/NaN is not a finite number/);
    expect(s.trials[8]!.systemAttrs.fail_reason).toBe("the objective returned no value");
    expect(warnings.filter((w) => /^trial \d+ failed/.test(w))).toHaveLength(5);
    // params of failed trials are kept
    expect(typeof s.trials[1]!.params.x).toBe("number");
  });

  it("`catch` returning false stops the study and rejects with the objective's error", async () => {
    const s = await study();
    const err = new Error("fatal");
    await expect(
      s.optimize(
        (t) => {
          if (t.number === 2) throw err;
          return 1;
        },
        { nTrials: 10, catch: (e) => e !== err },
      ),
    ).rejects.toBe(err);
    expect(s.trials.map((t) => t.state)).toEqual(["COMPLETE", "COMPLETE", "FAIL"]);
    // and `catch` returning true goes on
    const seen: unknown[] = [];
    const res = await s.optimize(
      (t) => {
        if (t.number === 4) throw new RangeError("soft");
        return 1;
      },
      {
        nTrials: 3,
        catch: (e) => {
          seen.push(e);
          return true;
        },
      },
    );
    expect(res).toEqual({ completed: 2, pruned: 0, failed: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(RangeError);
  });

  it("calls callbacks after each trial with the finished trial; a callback can stop the study", async () => {
    const s = await study();
    const seen: Array<[number, string, number | null]> = [];
    const progress: number[] = [];
    const res = await s.optimize((t) => t.number * 2, {
      nTrials: 100,
      callbacks: [
        (st, trial) => {
          seen.push([trial.number, trial.state, trial.values?.[0] ?? null]);
          if (st.trials.filter((x) => x.state === "COMPLETE").length >= 4) st.stop();
        },
      ],
      onProgress: (p) => progress.push(p.finished),
    });
    expect(res.completed).toBe(4);
    expect(seen).toEqual([
      [0, "COMPLETE", 0],
      [1, "COMPLETE", 2],
      [2, "COMPLETE", 4],
      [3, "COMPLETE", 6],
    ]);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it("stops a grid search when the grid is exhausted", async () => {
    const s = await createStudy({
      sampler: new GridSampler({ x: [1, 2, 3], c: ["a", "b"] }, { seed: 1 }),
      onWarning: quiet,
    });
    const res = await s.optimize(
      (t) => t.suggestInt("x", 1, 3) + (t.suggestCategorical("c", ["a", "b"]) === "a" ? 0 : 10),
      {
        nTrials: 50,
      },
    );
    expect(res.completed).toBe(6);
    expect(s.trials.map((t) => t.values![0]).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 11, 12, 13]);
  });

  it("refuses a second optimize on the same study while one runs", async () => {
    const s = await study();
    const first = s.optimize(
      async () => {
        await sleep(5);
        return 1;
      },
      { nTrials: 3 },
    );
    await expectCode(
      s.optimize(() => 1, { nTrials: 1 }),
      "INVALID_STATE",
    );
    expect((await first).completed).toBe(3);
  });
});

describe("enqueueTrial", () => {
  it("fixes params of the next trials; the rest are sampled; skipIfExists skips a duplicate", async () => {
    const s = await study();
    await s.enqueueTrial({ x: 0.25, kind: "b" }, { userAttrs: { source: "manual" } });
    await s.enqueueTrial({ x: 0.5 });
    await s.enqueueTrial({ x: 0.25, kind: "b" }, { skipIfExists: true });
    expect(s.trials.map((t) => t.state)).toEqual(["WAITING", "WAITING"]);
    await s.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        const k = t.suggestCategorical("kind", ["a", "b"]);
        const y = t.suggestFloat("y", 0, 1);
        return x + (k === "a" ? 0 : 1) + y;
      },
      { nTrials: 3 },
    );
    const [t0, t1, t2] = s.trials;
    expect(t0!.params.x).toBe(0.25);
    expect(t0!.params.kind).toBe(1);
    expect(t0!.userAttrs).toEqual({ source: "manual" });
    expect(t1!.params.x).toBe(0.5);
    expect(t0!.values![0]).toBeCloseTo(1.25 + t0!.params.y!, 12);
    expect(t2!.params.x).not.toBe(0.5);
    // completed params also count for skipIfExists
    await s.enqueueTrial({ x: 0.5 }, { skipIfExists: true });
    expect(s.trials).toHaveLength(3);
  });

  it("an enqueued value outside the objective's distribution fails that trial only", async () => {
    const s = await study();
    await s.enqueueTrial({ x: 7 });
    const res = await s.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    expect(res).toEqual({ completed: 1, pruned: 0, failed: 1 });
    expect(String(s.trials[0]!.systemAttrs.fail_reason)).toMatch(/parameter 'x': 7 is outside/);
  });
});

describe("best trial, directions, multi-objective", () => {
  it("bestTrial follows the direction; none completed and multi-objective are INVALID_STATE", async () => {
    const s = await study({ direction: "maximize" });
    await expectCode(() => s.bestTrial, "INVALID_STATE");
    for (const v of [3, 9, -1, 9, 4]) {
      const t = await s.ask();
      t.suggestInt("v", -10, 10);
      await s.tell(t, v);
    }
    await s.tell(await s.ask(), undefined, "FAIL");
    expect(s.bestValue).toBe(9);
    expect(s.bestTrial.number).toBe(1);
    expect(Object.keys(s.bestParams)).toEqual(["v"]);
    expect(s.bestTrials.map((t) => t.number)).toEqual([1, 3]);

    const m = await study({ directions: ["minimize", "maximize"] });
    await m.tell(await m.ask(), [1, 1]);
    await expectCode(() => m.bestTrial, "INVALID_STATE");
    await expectCode(() => m.bestValue, "INVALID_STATE");
    await expectCode(() => m.direction, "INVALID_STATE");
    expect(m.isMultiObjective).toBe(true);
  });

  // Expected fronts from Optuna 3.1's study.best_trials on the same values (test/oracles/hpo_pareto.py).
  it.each([
    [
      "min-max",
      ["minimize", "maximize"],
      [
        [1, 1],
        [2, 3],
        [2, 3],
        [3, 2],
        [0.5, 0],
        [4, 5],
        [4, 4],
        [1, 2],
        [3, 5],
        [0.5, 0.5],
        [5, 5.5],
        [1, 2],
      ],
      [1, 2, 7, 8, 9, 10, 11],
    ],
    [
      "min-min-min",
      ["minimize", "minimize", "minimize"],
      [
        [1, 2, 3],
        [3, 2, 1],
        [2, 2, 2],
        [2, 2, 3],
        [1, 3, 3],
        [0, 5, 5],
        [3, 3, 3],
        [1, 2, 3],
      ],
      [0, 1, 2, 5, 7],
    ],
  ] as const)("bestTrials is the Pareto front (%s)", async (_n, directions, points, front) => {
    const s = await study({ directions: [...directions] });
    await s.optimize((t) => [...points[t.number]!], { nTrials: points.length });
    // a failed and a pruned trial never join the front
    await s.tell(await s.ask(), undefined, "FAIL");
    await s.tell(await s.ask(), undefined, "PRUNED");
    expect(s.bestTrials.map((t) => t.number)).toEqual([...front]);
  });

  it("multi-objective trials report vectors and are pruned on the first objective", async () => {
    const s = await study({
      directions: ["minimize", "maximize"],
      pruner: new MedianPruner({ nStartupTrials: 2 }),
    });
    const res = await s.optimize(
      (t) => {
        const bad = t.number >= 2;
        for (let step = 0; step < 3; step++) {
          t.report([bad ? 10 + step : 1, 0], step);
          if (t.shouldPrune()) throw new TrialPruned();
        }
        return [1, 1];
      },
      { nTrials: 3 },
    );
    expect(res).toEqual({ completed: 2, pruned: 1, failed: 0 });
    expect(s.trials[2]!.intermediate).toEqual({ 0: [10, 0] });
  });
});

describe("pruning through the study", () => {
  it("prunes a trial worse than the median of completed ones at the same step (minimize)", async () => {
    const s = await study({ pruner: new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 1 }) });
    const curves: Record<number, number[]> = {
      0: [5, 4, 3, 2],
      1: [6, 5, 4, 3],
      2: [4, 3, 2, 1],
      3: [9, 8, 7, 6], // worse than the median (4) at step 1: pruned there, not at warm-up step 0
      4: [4.5, 3.5, 2.5, 1.5], // better than the median at every step
    };
    const prunedAt: Record<number, number> = {};
    const res = await s.optimize(
      (t) => {
        const c = curves[t.number]!;
        for (let step = 0; step < c.length; step++) {
          t.report(c[step]!, step);
          if (t.shouldPrune()) {
            prunedAt[t.number] = step;
            throw new TrialPruned();
          }
        }
        return c[c.length - 1]!;
      },
      { nTrials: 5 },
    );
    expect(res).toEqual({ completed: 4, pruned: 1, failed: 0 });
    expect(prunedAt).toEqual({ 3: 1 });
    expect(s.trials[3]).toMatchObject({ state: "PRUNED", values: null, intermediate: { 0: [9], 1: [8] } });
    expect(s.trials[3]!.systemAttrs.fail_reason).toBeUndefined();
    expect(s.bestValue).toBe(1);
  });

  it("a step reported twice keeps the first value and warns", async () => {
    const warnings: string[] = [];
    const s = await study({ onWarning: (m) => warnings.push(m) });
    const t = await s.ask();
    t.report(1, 0);
    t.report(2, 0);
    const done = await s.tell(t, 1);
    expect(done.intermediate).toEqual({ 0: [1] });
    expect(warnings).toEqual(["trial 0: step 0 was already reported; the new value is ignored"]);
  });
});

describe("persistence and heartbeats", () => {
  it("the database holds what the study holds: params, curves, pruner attrs, states, values", async () => {
    const store = await SqliteStore.open(":memory:");
    try {
      const s = await study({
        storage: store.studies,
        pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
      });
      const res = await s.optimize(
        async (t) => {
          const floor = t.suggestFloat("floor", 0, 1);
          const speed = t.suggestInt("speed", 1, 4);
          t.setUserAttr("note", `trial ${t.number}`);
          let v = 1;
          for (let step = 0; step < 8; step++) {
            v = floor + 1 / (1 + speed * step);
            t.report(v, step);
            await sleep(1);
            if (t.shouldPrune()) throw new TrialPruned();
          }
          return v;
        },
        { nTrials: 16, concurrency: 3 },
      );
      expect(res.completed + res.pruned).toBe(16);
      expect(res.pruned).toBeGreaterThan(0);
      const stored = (await store.studies.getTrials(s.studyId)).trials;
      // (heartbeats are not changes: the cache keeps the heartbeat it last read)
      const noBeat = (ts: FrozenTrial[]) => ts.map(({ heartbeatAt: _h, ...rest }) => rest);
      expect(noBeat(stored)).toEqual(noBeat(await s.getTrials({ refresh: false })));
      // successive halving records the rungs a trial passed; they reach the database
      const rungs = stored.filter((t) => completedRungKey(0) in t.systemAttrs);
      expect(rungs.length).toBeGreaterThan(0);
      for (const t of stored) {
        expect(t.userAttrs.note).toBe(`trial ${t.number}`);
        expect(Object.keys(t.intermediate).length).toBeGreaterThan(0);
      }
    } finally {
      await store.close();
    }
  });

  it("createStudy with loadIfExists resumes; loadStudy and deleteStudy find it by name", async () => {
    const storage = new InMemoryStorage();
    const a = await study({ name: "s1", storage, direction: "maximize" });
    await a.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 4 });
    await expectCode(study({ name: "s1", storage, direction: "maximize" }), "STUDY_ALREADY_EXISTS");
    await expectCode(
      study({ name: "s1", storage, direction: "minimize", loadIfExists: true }),
      "INVALID_ARGUMENT",
    );
    const b = await study({ name: "s1", storage, direction: "maximize", loadIfExists: true });
    expect(b.trials).toHaveLength(4);
    expect(b.bestValue).toBe(a.bestValue);
    await b.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    const c = await loadStudy({ name: "s1", storage, sampler: new RandomSampler({ seed: 1 }) });
    expect(c.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    // a study sees another's trials after a refresh
    await c.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(a.trials).toHaveLength(4);
    expect(await a.getTrials()).toHaveLength(7);
    await deleteStudy({ name: "s1", storage });
    await expectCode(loadStudy({ name: "s1", storage }), "STUDY_NOT_FOUND");
    await expectCode(deleteStudy({ name: "s1", storage }), "STUDY_NOT_FOUND");
  });

  it("a trial whose worker stopped heartbeating is marked FAIL by the next ask; its late tell is ignored", async () => {
    const clock = new ManualClock(10_000);
    const storage = new InMemoryStorage();
    const warnings: string[] = [];
    const opts = {
      name: "hb",
      storage,
      clock,
      heartbeatIntervalMs: 1000,
      staleAfterMs: 5000,
      loadIfExists: true,
      onWarning: (m: string) => warnings.push(m),
    };
    const dead = await study(opts);
    const alive = await study(opts);
    const lost = await dead.ask();
    lost.suggestFloat("x", 0, 1);
    const mine = await alive.ask();
    clock.advance(4999);
    // not stale yet: the other worker's trial stays RUNNING
    const second = await alive.ask();
    expect((await alive.getTrials()).map((t) => t.state)).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    clock.advance(2);
    // 5001 ms without a heartbeat: the next ask fails it; this worker's own trials stay alive
    const third = await alive.ask();
    const states = (await alive.getTrials()).map((t) => [t.number, t.state]);
    expect(states).toEqual([
      [0, "FAIL"],
      [1, "RUNNING"],
      [2, "RUNNING"],
      [3, "RUNNING"],
    ]);
    const failed = alive.trials[0]!;
    expect(failed.systemAttrs.fail_reason).toBe("the worker running it stopped sending heartbeats");
    expect(failed.endTime).toBe(15_001);
    for (const t of [mine, second, third]) await alive.tell(t, 1);
    // the worker that was thought dead comes back: its tell does not overwrite the FAIL
    const late = await dead.tell(lost, 0.5);
    expect(late.state).toBe("FAIL");
    expect(warnings.some((w) => /trial 0 had already finished \(FAIL\)/.test(w))).toBe(true);
    expect((await storage.getTrials(alive.studyId)).trials.map((t) => t.state)).toEqual([
      "FAIL",
      "COMPLETE",
      "COMPLETE",
      "COMPLETE",
    ]);
  });

  it("heartbeats keep a long trial alive", async () => {
    const clock = new ManualClock(0);
    const storage = new InMemoryStorage();
    const opts = {
      name: "hb2",
      storage,
      clock,
      heartbeatIntervalMs: 5,
      staleAfterMs: 1000,
      loadIfExists: true,
    };
    const worker = await study(opts);
    const other = await study(opts);
    const t = await worker.ask();
    clock.advance(900);
    await sleep(40); // the heartbeat timer fires and records the time 900
    clock.advance(900);
    await other.tell(await other.ask(), 1); // sweeps: 900 ms since the heartbeat, not stale
    const seen = (await storage.getTrial(t.trialId)) as FrozenTrial;
    expect(seen.state).toBe("RUNNING");
    expect(seen.heartbeatAt).toBe(900);
    expect((await worker.tell(t, 2)).state).toBe("COMPLETE");
  });
});
