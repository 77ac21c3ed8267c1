/**
 * Studies through the tracking client: `sx.createStudy` keeps the study in the store and records
 * it as runs (the study a parent run, each trial a child run), findable with `sx.searchRuns`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import { Sextant } from "../tracking/index.js";
import { MedianPruner } from "./pruners/index.js";
import { RandomSampler } from "./samplers/index.js";
import { TrialPruned } from "./trial.js";

const scratch = mkdtempSync(join(tmpdir(), "sx-hpo-sdk-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const quiet = () => undefined;

describe("sx.createStudy", () => {
  it("runs a study in an in-memory store; the study is a parent run and each trial a child run", async () => {
    const sx = await Sextant.open({ uri: ":memory:", capture: false, onWarning: quiet });
    try {
      const study = await sx.createStudy({
        name: "quad",
        direction: "maximize",
        sampler: new RandomSampler({ seed: 3 }),
        pruner: new MedianPruner({ nStartupTrials: 2 }),
        experiment: "tuning",
      });
      const res = await study.optimize(
        (t) => {
          const x = t.suggestFloat("x", -2, 2);
          const kind = t.suggestCategorical("kind", ["a", "b"]);
          const score = -(x * x) + (kind === "a" ? 1 : 0);
          for (let step = 0; step < 4; step++) {
            t.report(score - (3 - step), step);
            if (t.shouldPrune()) throw new TrialPruned();
          }
          if (t.number === 5) throw new Error("diverged");
          return score;
        },
        { nTrials: 8 },
      );
      expect(res.completed + res.pruned + res.failed).toBe(8);
      expect(res.failed).toBe(study.trials[5]!.state === "FAIL" ? 1 : 0);

      const parentId = study.summary.runId!;
      expect(parentId).toMatch(/^[0-9a-f]{32}$/);
      const parent = await sx.getRun(parentId);
      expect(parent.info.runName).toBe("study quad");
      expect(parent.info.status).toBe("FINISHED");
      expect(parent.data.tags["sextant.study"]).toBe("quad");

      const found = await sx.searchRuns({
        experimentNames: ["tuning"],
        filter: "tags.`sextant.study` = 'quad' and tags.`sextant.trial` != ''",
        maxResults: 100,
      });
      expect(found.runs).toHaveLength(8);
      const status = { COMPLETE: "FINISHED", PRUNED: "KILLED", FAIL: "FAILED" } as const;
      for (const t of study.trials) {
        expect(t.runId).not.toBeNull();
        const run = await sx.getRun(t.runId!);
        expect(run.info.parentRunId).toBe(parentId);
        expect(run.info.runName).toBe(`quad #${t.number}`);
        expect(run.info.status).toBe(status[t.state as keyof typeof status]);
        expect(run.info.startTime).toBe(t.startTime);
        expect(run.info.endTime).toBe(t.endTime);
        expect(run.data.tags["sextant.trial_state"]).toBe(t.state);
        const ext =
          study.trials.length &&
          (t.distributions.kind?.type === "categorical" ? t.distributions.kind.choices : []);
        expect(run.data.params).toEqual({
          x: String(t.params.x),
          kind: String((ext as string[])[t.params.kind!]),
        });
        if (t.state === "COMPLETE") expect(run.data.metrics.value).toBe(t.values![0]);
        else expect(run.data.metrics.value).toBeUndefined();
        const steps = Object.keys(t.intermediate).map(Number);
        const history = await sx.getMetricHistory(t.runId!, "intermediate/value");
        expect(history.map((p) => p.step)).toEqual(steps);
        expect(history.map((p) => p.value)).toEqual(steps.map((s) => t.intermediate[s]![0]));
        if (t.state === "FAIL") expect(run.data.tags["sextant.fail_reason"]).toBe("diverged");
      }
      // the best trial is findable by its metric
      const best = await sx.searchRuns({
        experimentNames: ["tuning"],
        filter: "tags.`sextant.study` = 'quad'",
        orderBy: ["metrics.value DESC"],
        maxResults: 1,
      });
      expect(best.runs[0]!.info.runId).toBe(study.bestTrial.runId);

      // listing, loading (same parent run, same experiment) and deleting
      const list = await sx.listStudies();
      expect(
        list.map((s) => [s.name, s.trialCounts.COMPLETE + s.trialCounts.PRUNED + s.trialCounts.FAIL]),
      ).toEqual([["quad", 8]]);
      const again = await sx.loadStudy({ name: "quad", sampler: new RandomSampler({ seed: 4 }) });
      expect(again.summary.runId).toBe(parentId);
      expect(again.direction).toBe("maximize");
      await again.optimize((t) => t.suggestFloat("x", -2, 2), { nTrials: 1 });
      const child = await sx.getRun(again.trials[8]!.runId!);
      expect(child.info.parentRunId).toBe(parentId);
      expect(child.info.experimentId).toBe(parent.info.experimentId);
      // an objective script in worker threads: its trials are child runs too, and it sees their ids
      const script = join(scratch, "threaded.mjs");
      writeFileSync(
        script,
        "export default (t) => { t.report(1, 0); t.setUserAttr('run', t.runId); return t.suggestFloat('x', -2, 2); };\n",
      );
      await again.optimize(script, { nTrials: 2, concurrency: 2 });
      for (const t of again.trials.slice(9)) {
        expect(t.userAttrs.run).toBe(t.runId);
        const run = await sx.getRun(t.runId!);
        expect(run.info.parentRunId).toBe(parentId);
        expect(run.data.params).toEqual({ x: String(t.params.x) });
        expect(run.data.metrics.value).toBe(t.values![0]);
        expect((await sx.getMetricHistory(t.runId!, "intermediate/value")).map((m) => m.value)).toEqual([1]);
      }
      await sx.deleteStudy("quad");
      expect(await sx.listStudies()).toEqual([]);
      await expect(sx.loadStudy({ name: "quad" })).rejects.toMatchObject({ code: "STUDY_NOT_FOUND" });
      await expect(sx.deleteStudy("quad")).rejects.toMatchObject({ code: "STUDY_NOT_FOUND" });
    } finally {
      await sx.close();
    }
  });

  it("two study objects on one SQLite file share a study with loadIfExists", async () => {
    // (several processes on one file: test/e2e/studies-distributed.test.ts)
    const uri = join(scratch, "shared");
    const sx = await Sextant.open({ uri, capture: false, onWarning: quiet });
    try {
      const opts = { name: "shared", loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) };
      const sa = await sx.createStudy(opts);
      const sb = await sx.createStudy({ ...opts, sampler: new RandomSampler({ seed: 2 }) });
      expect(sb.summary.runId).toBe(sa.summary.runId);
      await Promise.all([
        sa.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 5, concurrency: 2 }),
        sb.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 5, concurrency: 2 }),
      ]);
      const all = await sa.getTrials();
      expect(all.map((t) => t.number)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(all.every((t) => t.state === "COMPLETE" && t.runId !== null)).toBe(true);
      const runs = await sx.searchRuns({ filter: "tags.`sextant.study` = 'shared'", maxResults: 100 });
      expect(runs.runs).toHaveLength(11);
    } finally {
      await sx.close();
    }
  });

  it("a study whose run was deleted goes on, with a warning", async () => {
    const warnings: string[] = [];
    const sx = await Sextant.open({ uri: ":memory:", capture: false, onWarning: (m) => warnings.push(m) });
    try {
      const study = await sx.createStudy({ name: "orphan", sampler: new RandomSampler({ seed: 9 }) });
      await sx.deleteRun(study.summary.runId!);
      const res = await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
      expect(res).toEqual({ completed: 3, pruned: 0, failed: 0 });
      expect(warnings.some((w) => w.includes("could not be marked running"))).toBe(true);
      for (const t of study.trials) expect((await sx.getRun(t.runId!)).info.status).toBe("FINISHED");
    } finally {
      await sx.close();
    }
  });

  it("an offline client (server unreachable, writes spooled) refuses studies with OFFLINE", async () => {
    const sx = await Sextant.open({
      uri: "http://127.0.0.1:9",
      mode: "offline",
      spoolDir: join(scratch, "spool"),
      capture: false,
      onWarning: quiet,
    });
    try {
      const e = await sx.createStudy({ name: "x" }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(SextantError);
      expect((e as SextantError).code).toBe("OFFLINE");
      expect((e as SextantError).message).toMatch(/a study lives on the server, and this client is offline/);
      await expect(sx.listStudies()).rejects.toMatchObject({ code: "OFFLINE" });
      await expect(sx.loadStudy({ name: "x" })).rejects.toMatchObject({ code: "OFFLINE" });
      await expect(sx.deleteStudy("x")).rejects.toMatchObject({ code: "OFFLINE" });
    } finally {
      await sx.close();
    }
  });
});
