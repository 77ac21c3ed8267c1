/**
 * `sextant studies …` in process: list, show (single and multi-objective), delete, and a worker
 * running a script's objective. (Worker processes, --processes and TypeScript scripts:
 * test/e2e/studies-distributed.test.ts; the processes API: processes.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/index.js";
import { Sextant } from "../tracking/index.js";
import { RandomSampler } from "./samplers/index.js";

let dir: string;
let uri: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["--uri", uri, ...argv], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    cwd: dir,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sx-studies-cli-"));
  uri = join(dir, "store");
  const sx = await Sextant.open({ uri, capture: false, onWarning: () => undefined });
  try {
    const single = await sx.createStudy({
      name: "single",
      direction: "maximize",
      sampler: new RandomSampler({ seed: 1 }),
    });
    await single.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        if (t.number === 3) throw new Error("boom");
        return x;
      },
      { nTrials: 6 },
    );
    const mo = await sx.createStudy({
      name: "mo",
      directions: ["minimize", "minimize"],
      sampler: new RandomSampler({ seed: 2 }),
    });
    // fixed values through enqueued params: the front is trials 0, 1 and 3
    for (const [a, b] of [
      [1, 4],
      [2, 2],
      [3, 3],
      [4, 1],
    ] as const) {
      await mo.enqueueTrial({ a, b });
    }
    await mo.optimize((t) => [t.suggestInt("a", 0, 9), t.suggestInt("b", 0, 9)], { nTrials: 4 });
  } finally {
    await sx.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sextant studies", () => {
  it("list shows every study with counts by state", async () => {
    const r = await cli("studies", "list");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/single\s+│ maximize\s+│[^\n]+│ 5\s+│ 0\s+│ 1\s+│ 0\s+│ 0\s+│/);
    expect(r.out).toMatch(/mo\s+│ minimize,minimize\s+│[^\n]+│ 4\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│/);
    expect(r.out).toContain("2 studies");
    const j = JSON.parse((await cli("studies", "list", "--json")).out) as Array<{ name: string }>;
    expect(j.map((s) => s.name)).toEqual(["single", "mo"]);
  });

  it("show gives the best trial and its params, or the Pareto front", async () => {
    const r = await cli("studies", "show", "single");
    expect(r.code).toBe(0);
    expect(r.out).toContain("6: 5 complete, 0 pruned, 1 failed, 0 running, 0 waiting");
    const j = JSON.parse((await cli("studies", "show", "single", "--json")).out) as {
      bestTrial: { number: number; values: number[]; externalParams: { x: number } };
      history: Array<{ values: number[] | null }>;
    };
    const best = Math.max(...j.history.flatMap((h) => h.values ?? []));
    expect(j.bestTrial.values).toEqual([best]);
    expect(j.bestTrial.externalParams.x).toBe(best);
    expect(r.out).toContain(`best trial #${j.bestTrial.number}: value`);

    const mo = await cli("studies", "show", "mo");
    expect(mo.out).toContain("Pareto front: 3 trial(s)");
    expect(mo.out).toMatch(/│ 0\s+│ 1, 4\s+│ a=1 b=4\s+│/);
    expect(mo.out).toMatch(/│ 1\s+│ 2, 2\s+│ a=2 b=2\s+│/);
    expect(mo.out).toMatch(/│ 3\s+│ 4, 1\s+│ a=4 b=1\s+│/);
    expect(mo.out).not.toMatch(/│ 2\s+│ 3, 3/);
    const moJson = JSON.parse((await cli("studies", "show", "mo", "--json")).out) as {
      paretoFront: number[];
      bestTrial: null;
    };
    expect(moJson.paretoFront).toEqual([0, 1, 3]);
    expect(moJson.bestTrial).toBeNull();
  });

  it("worker runs a script's objective on the study (created when missing), then delete removes it", async () => {
    const script = join(dir, "objective.mjs");
    writeFileSync(
      script,
      [
        "export const direction = 'minimize';",
        "export default (trial) => (trial.suggestFloat('x', -1, 1) - 0.5) ** 2;",
      ].join("\n"),
    );
    const r = await cli("studies", "worker", "--study", "w", "--script", script, "--n-trials", "7", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ study: "w", completed: 7, pruned: 0, failed: 0, processes: 1 });
    // again, without a direction in the script: the study's is used
    writeFileSync(script, "export default (trial) => trial.suggestFloat('x', -1, 1) ** 2;\n");
    const again = await cli("studies", "worker", "--study", "w", "--script", script, "--n-trials", "2");
    expect(again.out).toBe("study 'w': 2 complete, 0 pruned, 0 failed (1 process)");
    expect((await cli("studies", "show", "w")).out).toContain("9: 9 complete");
    // the objective in two worker threads of this process
    const worker = (...args: string[]) =>
      cli("studies", "worker", "--study", "w", "--script", script, ...args);
    const threaded = await worker("--n-trials", "4", "--threads", "2");
    expect(threaded.out).toBe("study 'w': 4 complete, 0 pruned, 0 failed (1 process)");
    expect((await cli("studies", "show", "w")).out).toContain("13: 13 complete");
    const both = await worker("--threads", "2", "--concurrency", "2");
    expect(both.code).toBe(1);
    expect(both.err).toContain("leave out --concurrency");
    expect((await cli("studies", "delete", "w")).err).toBe("study 'w' deleted");
    const gone = await cli("studies", "delete", "w");
    expect(gone.code).toBe(1);
    expect(gone.err).toBe("error [STUDY_NOT_FOUND]: no study named 'w'");
    const bad = await cli("studies", "worker", "--study", "w", "--script", script, "--n-trials", "-3");
    expect(bad.code).not.toBe(0);
  });
});
