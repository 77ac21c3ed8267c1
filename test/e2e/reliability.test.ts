/**
 * Several processes on one embedded store, and a process killed with SIGKILL right after flush().
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { Sextant } from "../../src/index.js";

const here = new URL(".", import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tsNode(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", join(here, "fixtures", script), ...args], {
    cwd: join(here, "..", ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function finish(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

describe("reliability", () => {
  it("four processes logging to one embedded store lose and duplicate nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-concurrent-"));
    dirs.push(dir);
    const uri = join(dir, "store");
    const RUNS = 3;
    const STEPS = 1500;
    const results = await Promise.all(
      [0, 1, 2, 3].map((w) => finish(tsNode("logger.ts", [uri, String(w), String(RUNS), String(STEPS)]))),
    );
    for (const r of results) {
      expect(r.err).not.toMatch(/SQLITE_BUSY|STORE_BUSY|locked/i);
      expect(r.code).toBe(0);
    }
    const ids = results.flatMap((r) => (JSON.parse(r.out.trim()) as { ids: string[] }).ids);
    expect(new Set(ids).size).toBe(4 * RUNS);

    const sx = await Sextant.open({ uri, capture: false });
    const exps = (await sx.listExperiments()).filter((e) => e.name === "shared");
    expect(exps).toHaveLength(1);
    const { runs } = await sx.searchRuns({ experimentNames: ["shared"], maxResults: 100 });
    expect(runs.map((r) => r.info.runId).sort()).toEqual([...ids].sort());
    for (const run of runs) {
      expect(run.info.status).toBe("FINISHED");
      expect(run.data.tags.done).toBe("yes");
      const worker = Number(run.data.tags.worker);
      expect(run.data.params.worker).toBe(String(worker));
      for (const m of run.metricSummaries) expect(m.count).toBe(STEPS);
      const loss = await sx.getMetricHistoryColumns(run.info.runId, "loss");
      expect(Array.from(loss.steps)).toEqual(Array.from({ length: STEPS }, (_, s) => s));
      expect(Array.from(loss.values)).toEqual(Array.from({ length: STEPS }, (_, s) => 1 / (s + 1)));
      expect(run.data.metrics.worker).toBe(worker);
    }
    await sx.close();
  });

  it("kill -9 right after flush() loses none of the flushed points; the store opens cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-kill-"));
    dirs.push(dir);
    const uri = join(dir, "store");
    const FLUSHED = 20_000;
    const child = tsNode("killed.ts", [uri, String(FLUSHED)]);
    const done = finish(child);
    const runId = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d: Buffer) => {
        buf += d.toString();
        const m = /FLUSHED ([0-9a-f]{32})/.exec(buf);
        if (m) {
          child.kill("SIGKILL");
          resolve(m[1]!);
        }
      });
      child.on("exit", () => reject(new Error("child exited before flushing")));
    });
    const { code } = await done;
    expect(code).toBeNull();

    const raw = new Database(join(uri, "sextant.db"));
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    raw.close();
    const sx = await Sextant.open({ uri, capture: false });
    const run = await sx.getRun(runId);
    expect(run.data.params).toEqual({ lr: "0.1" });
    const acc = await sx.getMetricHistoryColumns(runId, "acc");
    expect(acc.values.length).toBeGreaterThanOrEqual(FLUSHED);
    expect(Array.from(acc.values.subarray(0, FLUSHED))).toEqual(Array.from({ length: FLUSHED }, (_, s) => s));
    const loss = await sx.getMetricHistoryColumns(runId, "loss");
    expect(loss.values.length).toBeGreaterThanOrEqual(FLUSHED);
    await sx.close();
    // Once its heartbeats are overdue, the killed run shows as crashed rather than RUNNING.
    const later = await Sextant.open({ uri, capture: false, clock: { now: () => Date.now() + 10 * 60_000 } });
    expect((await later.getRun(runId)).info).toMatchObject({ status: "FAILED", crashed: true });
    await later.close();
  });

  it("a script that exits without end() or close() still stores its points and ends its run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-exit-"));
    dirs.push(dir);
    const uri = join(dir, "store");
    const { code, out, err } = await finish(tsNode("forgetful.ts", [uri]));
    expect(err).toBe("");
    expect(code).toBe(0);
    const runId = out.trim();
    const sx = await Sextant.open({ uri, capture: false });
    const run = await sx.getRun(runId);
    expect(run.info.status).toBe("FINISHED");
    expect(run.metricSummaries).toEqual([
      expect.objectContaining({ key: "loss", count: 500, value: 1 / 500 }),
    ]);
    await sx.close();
  });
});
