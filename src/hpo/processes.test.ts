/**
 * `study.optimize(script, { processes })`: child processes reopen the study's store from the
 * locator Sextant gives the study and share it — nTrials in total, each trial number once, a
 * process that dies reported while the others take its share, stop and abort, and the studies
 * the processes cannot share refused up front. (The CLI and a real server: test/e2e.)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import { buildServer, createToken } from "../server/index.js";
import { MemoryArtifactStore, SqliteStore } from "../store/index.js";
import { Sextant } from "../tracking/index.js";
import type { OptimizeProgress } from "./study.js";
import { createStudy } from "./study.js";

const dir = mkdtempSync(join(tmpdir(), "sx-hpo-processes-"));
/** Processes a test started and may leave behind if it fails: killed at the end. */
const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => undefined;
let files = 0;

function script(body: string): string {
  const file = join(dir, `objective-${files++}.mjs`);
  writeFileSync(file, body);
  return file;
}

/**
 * An objective recording which process ran it; its first trial in each process waits (up to 30 s)
 * until `waitFor` processes have joined, so that every process takes part.
 */
function sharedObjective(waitFor: number, ms: number): string {
  const joined = join(dir, `joined-${files}`);
  return script(`
    import { appendFileSync, existsSync, readFileSync } from "node:fs";
    let first = true;
    export default async function objective(trial) {
      const x = trial.suggestFloat("x", -3, 3);
      trial.setUserAttr("pid", process.pid);
      if (first) {
        first = false;
        appendFileSync(${JSON.stringify(joined)}, process.pid + "\\n");
        const until = Date.now() + 30000;
        const count = () => new Set(readFileSync(${JSON.stringify(joined)}, "utf8").trim().split("\\n")).size;
        while (count() < ${waitFor} && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, ${ms}));
      return x * x;
    }
  `);
}

async function open(name: string): Promise<Sextant> {
  return Sextant.open({ uri: join(dir, name), capture: false, onWarning: quiet });
}

async function waitFor(cond: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("optimize(script, { processes })", () => {
  it("runs nTrials in total over the processes on a SQLite directory: each number once, a child run each", async () => {
    const sx = await open("shared");
    try {
      const study = await sx.createStudy({ name: "shared", direction: "minimize" });
      const progress: OptimizeProgress[] = [];
      const output: string[] = [];
      const summary = await study.optimize(sharedObjective(2, 30), {
        processes: 2,
        nTrials: 9,
        onProgress: (p) => progress.push(p),
        onOutput: (line) => output.push(line),
      });
      expect(summary).toEqual({ completed: 9, pruned: 0, failed: 0, processes: 2, crashed: [] });
      // the study here sees what the processes did
      const trials = study.trials;
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(trials.every((t) => t.state === "COMPLETE")).toBe(true);
      expect(study.bestValue).toBe(Math.min(...trials.map((t) => t.values![0]!)));
      const pids = new Set(trials.map((t) => t.userAttrs.pid));
      expect(pids.size).toBe(2);
      expect(pids.has(process.pid)).toBe(false);
      // progress: one call per trial, in order, each naming its process
      expect(progress.map((p) => p.finished)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(progress.every((p) => p.total === 9)).toBe(true);
      expect(progress.at(-1)).toMatchObject({ completed: 9, pruned: 0, failed: 0 });
      expect(new Set(progress.map((p) => p.worker))).toEqual(new Set([0, 1]));
      expect(output).toEqual([]);
      // each trial is a child run of the study's run
      const runs = await sx.searchRuns({
        filter: "tags.`sextant.study` = 'shared' and tags.`sextant.trial` != ''",
        maxResults: 100,
      });
      expect(runs.runs).toHaveLength(9);
      expect(new Set(runs.runs.map((r) => r.info.parentRunId))).toEqual(new Set([study.summary.runId]));
      expect(runs.runs.every((r) => r.info.status === "FINISHED")).toBe(true);

      // nTrials is a total: fewer trials than processes start fewer processes, none for 0
      const few = await study.optimize(sharedObjective(1, 0), { processes: 3, nTrials: 2 });
      expect(few).toEqual({ completed: 2, pruned: 0, failed: 0, processes: 2, crashed: [] });
      expect(await study.optimize(sharedObjective(1, 0), { processes: 3, nTrials: 0 })).toEqual({
        completed: 0,
        pruned: 0,
        failed: 0,
        processes: 0,
        crashed: [],
      });
      expect(study.trials).toHaveLength(11);
    } finally {
      await sx.close();
    }
  });

  it("a process that dies is reported, the others take its share, and the stale sweep fails its trial", async () => {
    const sx = await open("crash");
    const warnings: string[] = [];
    try {
      const study = await sx.createStudy({
        name: "crash",
        heartbeatIntervalMs: 100,
        staleAfterMs: 1500,
        onWarning: (m) => warnings.push(m),
      });
      const claim = join(dir, "crash-claim");
      // the first trial to claim the marker dies with its process, mid-trial
      const file = script(`
        import { mkdirSync, writeFileSync } from "node:fs";
        export default async function objective(trial) {
          const x = trial.suggestFloat("x", -3, 3);
          trial.setUserAttr("pid", process.pid);
          let mine = false;
          try { mkdirSync(${JSON.stringify(claim)}); mine = true; } catch {}
          if (mine) {
            writeFileSync(${JSON.stringify(join(dir, "crash-trial"))}, String(trial.number));
            process.exit(3);
          }
          await new Promise((r) => setTimeout(r, 40));
          return x * x;
        }
      `);
      // on the processes' main threads (process.exit in a worker thread ends the thread only)
      const summary = await study.optimize(file, { processes: 2, nTrials: 6, threads: false });
      // all six trials were run, by the process that lived
      expect(summary).toMatchObject({ completed: 6, pruned: 0, failed: 0, processes: 2 });
      expect(summary.crashed).toHaveLength(1);
      expect(summary.crashed[0]).toMatchObject({ exitCode: 3, signal: null });
      const crashedPid = summary.crashed[0]!.pid!;
      expect(
        warnings.some((w) =>
          w.startsWith(
            `worker process ${summary.crashed[0]!.worker} (pid ${crashedPid}) ended before it finished (exit code 3)`,
          ),
        ),
      ).toBe(true);
      const lost = Number(readFileSync(join(dir, "crash-trial"), "utf8"));
      const trials = await study.getTrials();
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(trials.filter((t) => t.state === "COMPLETE")).toHaveLength(6);
      expect(trials.filter((t) => t.state === "COMPLETE").every((t) => t.userAttrs.pid !== crashedPid)).toBe(
        true,
      );
      // the lost trial is failed by the first ask once its heartbeat is stale (by the store's
      // clock, the wall clock), if the other process's asks have not failed it already
      await new Promise((r) => setTimeout(r, 1600));
      await study.optimize(() => 1, { nTrials: 1 });
      const failed = (await study.getTrials())[lost]!;
      expect(failed.state).toBe("FAIL");
      expect(failed.systemAttrs.fail_reason).toBe("the worker running it stopped sending heartbeats");
      expect((await sx.getRun(failed.runId!)).info.status).toBe("FAILED");
    } finally {
      await sx.close();
    }
  });

  it("stop() lets the trials in flight finish; an abort kills the processes' groups at once", async () => {
    const sx = await open("stop");
    try {
      const study = await sx.createStudy({ name: "stop" });
      const summary = await study.optimize(sharedObjective(2, 20), {
        processes: 2,
        onProgress: (p) => {
          if (p.finished === 4) study.stop();
        },
      });
      const trials = await study.getTrials();
      expect(trials.filter((t) => t.state === "RUNNING")).toEqual([]);
      expect(summary).toMatchObject({ failed: 0, processes: 2, crashed: [], completed: trials.length });
      expect(trials.length).toBeGreaterThanOrEqual(4);

      // the objective starts a subprocess of its own, then never returns
      const pidFile = join(dir, "grandchild");
      const hang = script(`
        import { spawn } from "node:child_process";
        import { writeFileSync } from "node:fs";
        export default async function objective(trial) {
          trial.suggestFloat("x", 0, 1);
          const sub = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
          writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify([process.pid, sub.pid]));
          await new Promise(() => setInterval(() => {}, 1000));
        }
      `);
      const abort = new AbortController();
      const run = study.optimize(hang, { processes: 1, signal: abort.signal });
      await waitFor(() => existsSync(pidFile));
      const pids = JSON.parse(readFileSync(pidFile, "utf8")) as number[];
      leftovers.push(...pids);
      expect(pids.every(alive)).toBe(true);
      abort.abort();
      expect(await run).toEqual({ completed: 0, pruned: 0, failed: 0, processes: 1, crashed: [] });
      await waitFor(() => !pids.some(alive), 10_000);
      // its trial stays RUNNING until a stale sweep fails it
      expect((await study.getTrials()).filter((t) => t.state === "RUNNING")).toHaveLength(1);
    } finally {
      await sx.close();
    }
  });

  it("refuses what worker processes cannot share or run, before starting any", async () => {
    const file = sharedObjective(1, 0);
    const refused = async (p: Promise<unknown>, code: string, text: string) => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(SextantError);
      expect((e as SextantError).code).toBe(code);
      expect((e as SextantError).message).toContain(text);
    };
    const inMemory = await createStudy({ onWarning: quiet });
    await refused(inMemory.optimize(file, { processes: 2 }), "INVALID_ARGUMENT", "sx.createStudy");
    const mem = await Sextant.open({ uri: ":memory:", capture: false, onWarning: quiet });
    const sx = await open("refused");
    try {
      const memStudy = await mem.createStudy({ name: "m" });
      await refused(memStudy.optimize(file, { processes: 2 }), "INVALID_ARGUMENT", "a :memory: store");
      const study = await sx.createStudy({ name: "r" });
      await refused(
        study.optimize(() => 1, { processes: 2 }),
        "INVALID_ARGUMENT",
        "a function cannot go to another process",
      );
      await refused(study.optimize(file, { processes: 2, catch: () => true }), "INVALID_ARGUMENT", "catch");
      await refused(study.optimize(file, { processes: 0 }), "INVALID_ARGUMENT", "processes must be");
      await refused(study.optimize(join(dir, "nope.mjs"), { processes: 2 }), "FILE_NOT_FOUND", "nope.mjs");
      // a script the processes cannot load: their error, typed, and no trial
      const bad = script("export const direction = 'minimize';\n");
      await refused(
        study.optimize(bad, { processes: 2 }),
        "INVALID_ARGUMENT",
        "must export its objective as the default export",
      );
      expect(await study.getTrials()).toEqual([]);
    } finally {
      await mem.close();
      await sx.close();
    }
  });

  it("reopens a server with the client's token, handed over in the environment", async () => {
    const store = await SqliteStore.open(join(dir, "served.db"));
    const app = await buildServer({ store, artifacts: new MemoryArtifactStore(), auth: true, uiDir: false });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as { port: number };
    const { token } = await createToken(store.tokens, { name: "worker", scope: "write", now: Date.now() });
    expect(process.env.SEXTANT_TRACKING_TOKEN).toBeUndefined();
    const sx = await Sextant.open({
      uri: `http://127.0.0.1:${port}`,
      token,
      mode: "online",
      capture: false,
      onWarning: quiet,
    });
    try {
      const study = await sx.createStudy({ name: "served" });
      const file = script(`
        export default function objective(trial) {
          const x = trial.suggestFloat("x", -1, 1);
          trial.setUserAttr("tokenInEnv", process.env.SEXTANT_TRACKING_TOKEN === ${JSON.stringify(token)});
          trial.setUserAttr("tokenInArgs", [...process.argv, ...process.execArgv].some((a) => a.includes(${JSON.stringify(token)})));
          return x * x;
        }
      `);
      const summary = await study.optimize(file, { processes: 2, nTrials: 4, threads: false });
      expect(summary).toEqual({ completed: 4, pruned: 0, failed: 0, processes: 2, crashed: [] });
      const trials = await study.getTrials();
      expect(trials.map((t) => [t.state, t.userAttrs.tokenInEnv, t.userAttrs.tokenInArgs])).toEqual(
        Array.from({ length: 4 }, () => ["COMPLETE", true, false]),
      );
    } finally {
      await sx.close();
      await app.close();
      await store.close();
    }
  });
});
