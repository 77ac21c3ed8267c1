import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/index.js";
import type { Evaluation } from "../evaluate/index.js";
import { Table } from "../learn/index.js";
import { Sextant } from "../tracking/index.js";
import { runCli } from "./main.js";

const T0 = Date.UTC(2026, 10, 1, 9, 30, 0);
let dir: string;
let uri: string;
let runId: string;
let stored: Evaluation;

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
  dir = mkdtempSync(join(tmpdir(), "sx-cli-eval-"));
  uri = join(dir, "store");
  const sx = await Sextant.open({ uri, clock: new ManualClock(T0), capture: false });
  const run = await sx.startRun({ name: "candidate" });
  runId = run.id;
  const n = 200;
  const y = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const data = Table.fromColumns({ y, plan: y.map((_, i) => (i % 3 === 0 ? "free" : "power")) });
  stored = await sx.evaluate({
    runId,
    name: "holdout",
    data,
    label: "y",
    predictions: y.map((v, i) => 0.15 + 0.3 * v + ((i * 37) % 10) / 20),
    baseline: { name: "flat", predictions: new Float64Array(n).fill(0.3) },
    segments: "plan",
    metrics: ["roc_auc", "f1"],
    nBoot: 100,
    compareBoot: 500,
  });
  await run.end();
  await sx.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sextant evaluations", () => {
  it("shows a record: metrics with intervals, the comparison, the segments", async () => {
    const r = await cli("evaluations", "show", stored.evaluationId);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`evaluation  ${stored.evaluationId}`);
    expect(r.out).toContain(`run         ${runId}`);
    expect(r.out).toContain("metrics (bootstrap 95% CI, 100 resamples)");
    const f1 = stored.metrics.find((m) => m.name === "f1")!;
    const p4 = (v: number) => String(Number(v.toPrecision(4)));
    expect(r.out).toMatch(
      new RegExp(`f1[\\s│]+${p4(f1.value!)}[\\s│]+\\[${p4(f1.ci![0])}, ${p4(f1.ci![1])}\\]`),
    );
    expect(f1.value).toBeLessThan(1);
    expect(r.out).toContain('vs baseline "flat" (paired bootstrap; difference = model − baseline)');
    // a p-value of 0 (no resample with the model not better) is shown as below the resolution 1/nBoot
    const auc = stored.comparisons.find((c) => c.metric === "roc_auc")!;
    expect(auc.pValue).toBe(0);
    expect(r.out).toMatch(/roc_auc[^\n]*│ < 0\.002 +│ 500/);
    expect(r.out).toMatch(/by plan\n/);
    expect(r.out).toMatch(/free[\s│]+67[\s│]+17[\s│]/);
    expect(r.out).toMatch(/\(all\)[\s│]+200[\s│]+50[\s│]/);
  });

  it("prints JSON with --json, equal to the stored record", async () => {
    const r = await cli("evaluations", "show", stored.evaluationId, "--json");
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(stored)));
  });

  it("lists a run's evaluations", async () => {
    const r = await cli("evaluations", "list", "--run", runId);
    expect(r.code).toBe(0);
    expect(r.out).toContain(stored.evaluationId);
    expect(r.out).toContain("holdout");
    const j = await cli("evaluations", "list", "--run", runId, "--json");
    expect((JSON.parse(j.out) as Evaluation[]).map((e) => e.evaluationId)).toEqual([stored.evaluationId]);
  });

  it("checks a gate policy: PASS with exit 0, FAIL with every reason and exit 1", async () => {
    const pass = await cli(
      "evaluations",
      "gate",
      stored.evaluationId,
      "--policy",
      '{"metric":"roc_auc","mustBeat":"baseline"}',
    );
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(/^PASS: roc_auc gate/);
    expect(pass.out).toMatch(
      /ok +mustBeat baseline \(paired-bootstrap, α = 0.05\): roc_auc .* p = 0 \(of 500 resamples\) < 0.05/,
    );
    writeFileSync(
      join(dir, "policy.json"),
      JSON.stringify({ metric: "f1", minValue: 0.99, minBacktestWindows: 5, minSegment: { free: 0.99 } }),
    );
    const fail = await cli("evaluations", "gate", stored.evaluationId, "--policy", "policy.json");
    expect(fail.code).toBe(1);
    expect(fail.out.split("\n").filter((l) => l.startsWith("  FAIL"))).toHaveLength(3);
    expect(fail.out).toContain("FAIL  backtest windows ≥ 5: the evaluation has no backtest");
    const json = await cli("evaluations", "gate", stored.evaluationId, "--policy", "policy.json", "--json");
    expect(JSON.parse(json.out)).toMatchObject({ pass: false });
    const bad = await cli("evaluations", "gate", stored.evaluationId, "--policy", "nope.json");
    expect(bad.err).toMatch(/FILE_NOT_FOUND/);
  });

  it("fails with a typed error for an unknown id", async () => {
    const r = await cli("evaluations", "show", "0".repeat(32));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error \[EVALUATION_NOT_FOUND\]: no evaluation with id/);
  });
});
