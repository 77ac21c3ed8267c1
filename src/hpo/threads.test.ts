/**
 * `study.optimize(script, { concurrency })`: the objective runs in worker threads while the
 * sampler, pruner and storage stay on the main thread (thread-objective.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import { MedianPruner } from "./pruners/index.js";
import { RandomSampler } from "./samplers/index.js";
import { createStudy } from "./study.js";

const dir = mkdtempSync(join(tmpdir(), "sx-hpo-threads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// a script imports the built package (the test setup builds dist/)
const trialModule = pathToFileURL(join(import.meta.dirname, "../../dist/hpo/trial.js")).href;

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const quiet = () => undefined;

describe("objective scripts in worker threads", () => {
  it("runs trials on several threads at once, with suggestions, reports and attributes on the study", async () => {
    // each trial keeps its thread busy for 150 ms and records when it ran
    const file = script(
      "busy.mjs",
      `export default function objective(trial) {
        const x = trial.suggestFloat("x", -4, 4);
        const n = trial.suggestInt("n", 1, 9, { log: true });
        const kind = trial.suggestCategorical("kind", ["a", "b", null]);
        const started = Date.now();
        let s = 0;
        while (Date.now() - started < 150) s += Math.sqrt(s + 1);
        for (let step = 0; step < 3; step++) trial.report(x * x + step, step);
        trial.setUserAttr("thread", trial.threadId);
        trial.setUserAttr("ran", [started, Date.now()]);
        trial.setUserAttr("seen", trial.params);
        trial.setUserAttr("kinds", Object.values(trial.distributions).map((d) => d.type));
        trial.setUserAttr("started", trial.startTime);
        return x * x + n + (kind === "a" ? 0 : 1);
      }`,
    );
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }), onWarning: quiet });
    const summary = await study.optimize(file, { nTrials: 8, concurrency: 2 });
    expect(summary).toEqual({ completed: 8, pruned: 0, failed: 0 });
    const trials = study.trials;
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const t of trials) {
      const x = t.params.x as number;
      const n = t.params.n as number;
      expect(Object.keys(t.distributions).sort()).toEqual(["kind", "n", "x"]);
      expect(Number.isInteger(n) && n >= 1 && n <= 9).toBe(true);
      expect(t.values?.[0]).toBeCloseTo(x * x + n + (t.params.kind === 0 ? 0 : 1), 12);
      expect(Object.keys(t.intermediate).map(Number)).toEqual([0, 1, 2]);
      expect(t.intermediate[2]?.[0]).toBeCloseTo(x * x + 2, 12);
      // params as the objective saw them (categorical as its choice)
      const seen = t.userAttrs.seen as Record<string, unknown>;
      expect(seen.x).toBe(x);
      expect(seen.kind).toBe(["a", "b", null][t.params.kind as number]);
      expect(t.userAttrs.kinds).toEqual(["float", "int", "categorical"]);
      expect(t.userAttrs.started).toBe(t.startTime);
    }
    // two threads, and some trials ran at the same time
    expect(new Set(trials.map((t) => t.userAttrs.thread)).size).toBe(2);
    const ran = trials.map((t) => t.userAttrs.ran as [number, number]);
    const overlapping = ran.some(([a0, a1], i) => ran.some(([b0, b1], j) => i < j && a0 < b1 && b0 < a1));
    expect(overlapping).toBe(true);
    expect(study.bestValue).toBe(Math.min(...trials.map((t) => t.values?.[0] as number)));
    // a URL names the script too
    await study.optimize(pathToFileURL(file), { nTrials: 2, concurrency: 2 });
    expect(study.trials).toHaveLength(10);
  });

  it("prunes, fails and goes on: TrialPruned, errors, bad suggestions and a dying thread", async () => {
    const file = script(
      "mixed.mjs",
      `import { TrialPruned } from ${JSON.stringify(trialModule)};
      export default function objective(trial) {
        const x = trial.suggestFloat("x", 0, 1);
        trial.report(trial.number === 0 ? 0 : 1, 0);
        const prune = trial.shouldPrune();
        trial.setUserAttr("shouldPrune", prune);
        switch (trial.number % 5) {
          case 1: throw new TrialPruned();
          case 2: throw new Error("the data went missing");
          case 3: trial.suggestFloat("y", 5, 1); break;
          case 4: if (trial.number === 4) process.exit(7); break;
        }
        return x;
      }`,
    );
    const study = await createStudy({
      sampler: new RandomSampler({ seed: 5 }),
      pruner: new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 0 }),
      onWarning: quiet,
    });
    const summary = await study.optimize(file, { nTrials: 10, concurrency: 2 });
    expect(summary.completed + summary.pruned + summary.failed).toBe(10);
    const byNumber = new Map(study.trials.map((t) => [t.number, t]));
    expect(byNumber.get(0)?.state).toBe("COMPLETE");
    for (const n of [1, 6]) expect(byNumber.get(n)?.state).toBe("PRUNED");
    expect(byNumber.get(2)?.systemAttrs.fail_reason).toBe("the data went missing");
    expect(byNumber.get(7)?.state).toBe("FAIL");
    for (const n of [3, 8]) {
      expect(byNumber.get(n)?.state).toBe("FAIL");
      expect(String(byNumber.get(n)?.systemAttrs.fail_reason)).toMatch(/low.*high|high.*low|range/i);
    }
    // the thread that exited failed its trial; a new one ran the rest
    expect(byNumber.get(4)?.state).toBe("FAIL");
    expect(String(byNumber.get(4)?.systemAttrs.fail_reason)).toMatch(/worker thread/);
    expect(byNumber.get(5)?.state).toBe("COMPLETE");
    expect(byNumber.get(9)?.state).toBe("COMPLETE");
    // the pruner judged reports from the threads: trials after the first report 1 against its 0
    expect(byNumber.get(5)?.userAttrs.shouldPrune).toBe(true);
  });

  it("refuses a script that cannot be loaded, and the study stays usable", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), onWarning: quiet });
    const missing = join(dir, "nowhere.mjs");
    await expect(study.optimize(missing, { nTrials: 1 })).rejects.toMatchObject({ code: "FILE_NOT_FOUND" });
    const noDefault = script("no-default.mjs", "export const x = 1;\n");
    const e = await study.optimize(noDefault, { nTrials: 1 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SextantError);
    expect((e as SextantError).code).toBe("INVALID_ARGUMENT");
    expect(study.trials).toHaveLength(0);
    await expect(study.optimize(42 as never, { nTrials: 1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    // nothing is left running; a TypeScript script loads through tsx
    const ok = script(
      "ok.ts",
      "type T = { suggestFloat(n: string, a: number, b: number): number };\nexport default (trial: T): number => trial.suggestFloat('x', 0, 1);\n",
    );
    expect(await study.optimize(ok, { nTrials: 3, concurrency: 2 })).toEqual({
      completed: 3,
      pruned: 0,
      failed: 0,
    });
  });
});
