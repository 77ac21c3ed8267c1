/**
 * Scale-out: two `sextant server` processes on one PostgreSQL store and one S3-protocol bucket
 * (s3rver, in this process) serve one team.
 * - What is written through one server is read through the other: experiments, runs with their
 *   metric histories, artifact bytes, the registry (registered through A, promoted and aliased
 *   through B, loaded through A) and studies (created through A, asked and told through B).
 * - HPO worker processes, one on each server, share one study: every trial number once.
 * - A client given both servers logs metrics while server A is killed with SIGKILL: it goes on
 *   through B without spooling, ends its run, and every point it logged is stored exactly once.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TpeSampler } from "../../src/hpo/index.js";
import { Sextant } from "../../src/index.js";
import { LogisticRegression, Table } from "../../src/learn/index.js";
import {
  type FailoverStore,
  type HttpStore,
  PostgresStore,
  pendingSpoolFiles,
} from "../../src/store/index.js";
import { startS3Server, type TestS3Server } from "../../src/store/testing/index.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");
const fixtures = join(root, "test", "e2e", "fixtures");
const PREFIX = "team";
const execFileAsync = promisify(execFile);

interface Server {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const dir = mkdtempSync(join(tmpdir(), "sx-scale-out-"));
const storeUri = `${PG_URL}?schema=sx_scale_${randomBytes(6).toString("hex")}`;
const children: ChildProcess[] = [];
let s3: TestS3Server;
let a: Server;
let b: Server;

/** Kills the process group `child` leads (a server and anything it started), else `child` alone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal); // not a group leader
  }
}

/** `sextant server` on the shared store and bucket, in a process group of its own. */
function startServer(): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      cli,
      "server",
      "--store",
      storeUri,
      "--artifacts",
      `s3://${s3.bucket}/${PREFIX}`,
      "--s3-endpoint",
      s3.endpoint,
      "--port",
      "0",
      "--log-level",
      "warn",
    ],
    {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        SEXTANT_TRACKING_URI: "",
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
    },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /Sextant server on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1]!, child, exited });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

/** Runs `sextant` to its end and answers its output; rejects when it exits non-zero. */
async function sextant(args: string[]): Promise<string> {
  const running = execFileAsync(process.execPath, [cli, ...args], {
    cwd: dir,
    env: { ...process.env, SEXTANT_TRACKING_URI: "" },
  });
  children.push(running.child);
  return (await running).stdout;
}

function open(uri: string, options: Parameters<typeof Sextant.open>[0] = {}): Promise<Sextant> {
  return Sextant.open({ uri, mode: "online", capture: false, cwd: dir, ...options });
}

beforeAll(async () => {
  s3 = await startS3Server();
  // one after the other: the first one lays out the fresh schema
  a = await startServer();
  b = await startServer();
}, 120_000);

afterAll(async () => {
  for (const c of children) killGroup(c, "SIGKILL");
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) resolve();
          else c.on("exit", () => resolve());
        }),
    ),
  );
  const store = await PostgresStore.open(storeUri);
  await store.dropSchema();
  await store.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

// a small classification problem for the registry's model
const n = 120;
const x0 = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 101);
const x1 = Float64Array.from({ length: n }, (_, i) => ((i * 53) % 97) / 97);
const y = Float64Array.from({ length: n }, (_, i) => (x0[i]! + x1[i]! > 1 ? 1 : 0));
const X = new Table([
  ["x0", { type: "number", values: x0 }],
  ["x1", { type: "number", values: x1 }],
]);

describe("two sextant servers on one PostgreSQL store and one bucket", () => {
  it("reads through B what was written through A: runs, metrics, artifacts, registry, studies", async () => {
    const sxA = await open(a.url);
    const sxB = await open(b.url);
    try {
      // experiments and runs
      const expA = await sxA.setExperiment("scale-out");
      expect((await sxB.getExperimentByName("scale-out")).experimentId).toBe(expA.experimentId);
      const model = await new LogisticRegression({ C: 1 }).fit({ X, y });
      const steps = 600;
      const runId = await sxA.withRun({ name: "written-through-a", seed: 3 }, async (r) => {
        await r.logParams({ C: 1, solver: "lbfgs" });
        await r.setTags({ team: "churn" });
        for (let s = 0; s < steps; s++)
          r.logMetrics({ loss: 1 / (s + 1), auc: 0.5 + s / (4 * steps) }, { step: s });
        await r.logText("a".repeat(70_000), "notes/long.txt");
        await r.logModel(model, "model");
        return r.id;
      });
      const seen = await sxB.getRun(runId);
      expect(seen.info).toMatchObject({ runName: "written-through-a", status: "FINISHED", seed: 3 });
      expect(seen.data.params).toEqual({ C: "1", solver: "lbfgs" });
      expect(seen.data.tags).toMatchObject({ team: "churn" });
      for (const key of ["loss", "auc"]) {
        const viaA = await sxA.getMetricHistory(runId, key);
        const viaB = await sxB.getMetricHistory(runId, key);
        expect(viaB).toHaveLength(steps);
        expect(viaB).toEqual(viaA);
      }
      expect((await sxB.getMetricHistory(runId, "loss")).map((p) => p.value)).toEqual(
        Array.from({ length: steps }, (_, s) => 1 / (s + 1)),
      );
      const found = await sxB.searchRuns({
        experimentNames: ["scale-out"],
        filter: "metrics.auc > 0.7 and params.solver = 'lbfgs' and tags.team = 'churn'",
      });
      expect(found.runs.map((r) => r.info.runId)).toEqual([runId]);

      // artifacts: in the bucket, read back through the other server, hash-verified
      const bytes = await sxB.readArtifact(runId, "notes/long.txt");
      expect(bytes.equals(Buffer.from("a".repeat(70_000)))).toBe(true);
      const entries = await sxB.listArtifacts(runId, "notes");
      expect(entries.map((e) => e.path)).toEqual(["notes/long.txt"]);
      const sha = entries[0]!.sha256;
      expect(await s3.keys(`${PREFIX}/`)).toContain(
        `${PREFIX}/sha256/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`,
      );

      // registry: registered through A, promoted and aliased through B, loaded through A
      const v1 = await sxA.registerModel(`runs:/${runId}/model`, "scale-model");
      expect(v1.version).toBe(1);
      const promoted = await sxB.transitionStage("scale-model", 1, "Production");
      expect(promoted.currentStage).toBe("Production");
      await sxB.setAlias("scale-model", "champion", 1);
      const loaded = await sxA.loadModel("models:/scale-model@champion");
      expect(loaded.version).toBe(1);
      expect(loaded.contentHash).toBe(v1.contentHash);
      expect(Array.from(loaded.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
      expect((await sxA.getModelVersion("scale-model", 1)).aliases).toEqual(["champion"]);
      expect((await sxA.getModelHistory("scale-model")).map((e) => e.action)).toEqual(
        expect.arrayContaining(["create_version", "transition", "set_alias"]),
      );

      // studies: created through A, asked and told through B, its trials seen through A
      const created = await sxA.createStudy({
        name: "through-both",
        direction: "minimize",
        sampler: new TpeSampler({ seed: 1, nStartupTrials: 3 }),
      });
      const onB = await sxB.loadStudy({ name: "through-both", sampler: new TpeSampler({ seed: 2 }) });
      const told: number[] = [];
      for (let i = 0; i < 6; i++) {
        const trial = await onB.ask();
        const x = trial.suggestFloat("x", -3, 3);
        const depth = trial.suggestInt("depth", 1, 8);
        const value = (x - 1) ** 2 + depth / 10;
        await onB.tell(trial, value);
        told.push(value);
      }
      const onA = await sxA.loadStudy({ name: "through-both" });
      expect(onA.studyId).toBe(created.studyId);
      const trials = await onA.getTrials();
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(trials.map((t) => t.state)).toEqual(Array(6).fill("COMPLETE"));
      expect(trials.map((t) => t.values?.[0])).toEqual(told);
      expect(onA.bestValue).toBe(Math.min(...told));
    } finally {
      await sxA.close();
      await sxB.close();
    }
  });

  it("HPO worker processes on different servers share one study: every trial number once", async () => {
    const perWorker = [9, 7];
    const outputs = await Promise.all(
      [a.url, b.url].map((url, i) =>
        sextant([
          "--uri",
          url,
          "studies",
          "worker",
          "--study",
          "spread",
          "--script",
          join(fixtures, "hpo-objective.mjs"),
          "--n-trials",
          String(perWorker[i]),
          "--json",
        ]),
      ),
    );
    expect(outputs.map((o) => (JSON.parse(o) as { completed: number }).completed)).toEqual(perWorker);
    const total = perWorker[0]! + perWorker[1]!;
    for (const url of [a.url, b.url]) {
      const sx = await open(url);
      try {
        const trials = await (await sx.loadStudy({ name: "spread" })).getTrials();
        expect(trials.map((t) => t.number)).toEqual(Array.from({ length: total }, (_, i) => i));
        expect(trials.every((t) => t.state === "COMPLETE" && t.values?.length === 1)).toBe(true);
        expect(new Set(trials.map((t) => t.runId)).size).toBe(total);
        const listed = (await sx.listStudies()).find((s) => s.name === "spread")!;
        expect(listed.trialCounts.COMPLETE).toBe(total);
        expect(listed.trialCounts.RUNNING).toBe(0);
      } finally {
        await sx.close();
      }
    }
  });

  it("a client with both servers goes on through B when A is killed mid-ingest; every point once", async () => {
    const spoolDir = join(dir, "spool");
    const warnings: string[] = [];
    const sx = await Sextant.open({
      uri: `${a.url},${b.url}`,
      capture: false,
      cwd: dir,
      spoolDir,
      flushPoints: 400,
      flushIntervalMs: 25,
      retryForMs: 30_000,
      onWarning: (m) => warnings.push(m),
    });
    const client = () => ((sx.store as FailoverStore).primary as HttpStore).client;
    const TOTAL = 24_000;
    const KILL_AT = 9_000;
    const BURST = 5_000;
    const acknowledged: Promise<void>[] = [];
    await sx.setExperiment("failover");
    const run = await sx.startRun({ name: "a-then-b" });
    await run.logParams({ lr: 0.01 });
    expect(client().baseUrl).toBe(a.url);
    const log = (s: number) => run.logMetrics({ loss: 1 / (s + 1), step_seen: s }, { step: s });
    for (let s = 0; s < TOTAL; s++) {
      if (s === KILL_AT) {
        await Promise.all(acknowledged); // these went through A
        const beforeKill = await open(b.url);
        expect((await beforeKill.getMetricHistoryColumns(run.id, "loss")).steps.length).toBe(KILL_AT);
        await beforeKill.close();
        // a large batch on its way to A, or being stored by it, when A dies
        for (; s < KILL_AT + BURST; s++) log(s);
        acknowledged.push(run.flush());
        await new Promise((r) => setTimeout(r, 5));
        killGroup(a.child, "SIGKILL");
      }
      log(s);
      if (s % 200 === 199) {
        acknowledged.push(run.flush());
        // a training loop's pause: background writes go out while the loop goes on
        await new Promise((r) => setImmediate(r));
      }
    }
    await Promise.all(acknowledged);
    const ended = await run.end();
    expect(ended.status).toBe("FINISHED");
    expect(client().baseUrl).toBe(b.url);
    expect((sx.store as FailoverStore).offline).toBe(false);
    await sx.close();
    expect(await a.exited).toBeNull(); // killed by the signal

    expect(warnings.filter((w) => /spooled/.test(w))).toEqual([]);
    expect(existsSync(spoolDir) ? pendingSpoolFiles(spoolDir) : []).toEqual([]);
    const check = await open(b.url);
    try {
      const got = await check.getRun(run.id);
      expect(got.info.status).toBe("FINISHED");
      expect(got.data.params).toEqual({ lr: "0.01" });
      const expected = Array.from({ length: TOTAL }, (_, s) => s);
      for (const key of ["loss", "step_seen"]) {
        const h = await check.getMetricHistoryColumns(run.id, key);
        // every step once: as many points as logged, each step in order, none twice, none missing
        expect(h.steps.length).toBe(TOTAL);
        expect(Array.from(h.steps)).toEqual(expected);
      }
      const seenSteps = await check.getMetricHistoryColumns(run.id, "step_seen");
      expect(Array.from(seenSteps.values)).toEqual(expected);
    } finally {
      await check.close();
    }
  });
});
