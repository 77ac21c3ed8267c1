import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, Rng, SextantError } from "../core/index.js";
import { snapshot } from "../store/testing/index.js";
import { Sextant } from "./sextant.js";

const T0 = 1_790_000_000_000;

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    return (e as SextantError).code;
  }
  throw new Error("expected a SextantError");
}

describe("Sextant tracking client", () => {
  let dir: string;
  let clock: ManualClock;
  let sx: Sextant;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-client-"));
    clock = new ManualClock(T0);
    sx = await Sextant.open({
      uri: join(dir, "store"),
      clock,
      capture: false,
      cwd: dir,
      onWarning: () => {},
    });
    await sx.setExperiment("tunekeeper-churn");
  });
  afterEach(async () => {
    await sx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("withRun ends FINISHED on return and FAILED on throw, with the clock's times", async () => {
    const id = await sx.withRun({ name: "ok" }, async (run) => {
      clock.advance(1500);
      return run.id;
    });
    expect((await sx.getRun(id)).info).toMatchObject({
      status: "FINISHED",
      startTime: T0,
      endTime: T0 + 1500,
      runName: "ok",
    });
    let failedId = "";
    await expect(
      sx.withRun({ name: "bad" }, async (run) => {
        failedId = run.id;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await sx.getRun(failedId)).info.status).toBe("FAILED");
  });

  it("logs params, buffered metrics and tags, and reads them back", async () => {
    const run = await sx.startRun({ name: "rf_v1", tags: { team: "retention" } });
    expect(run.id).toMatch(/^[0-9a-f]{32}$/);
    await run.logParams({ n_estimators: 200, feature_set: "v2", balanced: true, grid: [1, 2] });
    run.logMetrics({ f1: 0.71, precision: 0.7 }, { step: 3 });
    clock.advance(10);
    run.logMetric("loss", 0.31, { step: 4 });
    run.logMetric("loss", Number.NaN, { step: 5 });
    expect(run.pendingPoints).toBe(4);
    await run.flush();
    expect(run.pendingPoints).toBe(0);
    await run.setTags({ stage: "baseline" });
    await run.end();
    const got = await sx.getRun(run.id);
    expect(got.data.params).toEqual({
      n_estimators: "200",
      feature_set: "v2",
      balanced: "true",
      grid: "[1,2]",
    });
    expect(got.data.tags).toEqual({ team: "retention", stage: "baseline" });
    expect(got.data.metrics.f1).toBe(0.71);
    expect(got.data.metrics.loss).toBeNaN();
    expect(await sx.getMetricHistory(run.id, "loss")).toEqual([
      { step: 4, timestamp: T0 + 10, value: 0.31 },
      { step: 5, timestamp: T0 + 10, value: Number.NaN },
    ]);
    expect(await sx.getMetricHistory(run.id, "f1")).toEqual([{ step: 3, timestamp: T0, value: 0.71 }]);
  });

  it("rejects bad metric calls synchronously and buffers nothing of them", async () => {
    const run = await sx.startRun();
    run.logMetrics({ a: 1 });
    expect(() => run.logMetrics({ a: 2, b: "x" as unknown as number })).toThrow(SextantError);
    expect(() => run.logMetrics({ a: 2, "bad//key": 1 })).toThrow(/invalid metric key/);
    expect(() => run.logMetric("a", 1, { step: 1.5 })).toThrow(/steps are integers/);
    expect(() => run.logMetric("a", 1, { timestamp: -5 })).toThrow(/timestamps/);
    expect(() => run.logMetric("a", true as unknown as number)).toThrow(SextantError);
    expect(run.pendingPoints).toBe(1);
    await run.flush();
    expect((await sx.getMetricHistory(run.id, "a")).map((p) => p.value)).toEqual([1]);
    await expect(run.logParams({ "../x": 1 })).rejects.toMatchObject({ code: "INVALID_NAME" });
    await run.logParams({ lr: 0.1 });
    await expect(run.logParams({ lr: 0.2 })).rejects.toMatchObject({ code: "PARAM_CONFLICT" });
    await run.logParams({ lr: 0.1 });
  });

  it("writes in the background once flushPoints are buffered", async () => {
    const sx2 = await Sextant.open({ uri: join(dir, "store"), clock, capture: false, flushPoints: 10 });
    const run = await sx2.startRun();
    for (let s = 0; s < 25; s++) run.logMetric("m", s, { step: s });
    expect(run.pendingPoints).toBe(25);
    await new Promise((r) => setImmediate(r));
    expect(run.pendingPoints).toBe(0);
    await run.flush();
    expect((await sx2.getMetricHistoryColumns(run.id, "m")).values.length).toBe(25);
    await sx2.close();
  });

  it("surfaces a failed background write at flush()", async () => {
    const run = await sx.startRun();
    await sx.deleteRun(run.id);
    run.logMetric("m", 1);
    expect(await codeOf(run.flush())).toBe("INVALID_STATE");
    // the failure is reported once; later flushes work again after a restore
    await sx.restoreRun(run.id);
    run.logMetric("m", 2);
    await run.flush();
    expect((await sx.getMetricHistory(run.id, "m")).map((p) => p.value)).toEqual([2]);
  });

  it("names unnamed runs", async () => {
    const run = await sx.startRun();
    expect(run.info.runName).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
  });

  it("leaves the store unchanged on every kind of bad input", async () => {
    const run = await sx.startRun({ name: "r" });
    await run.logParams({ lr: 0.1 });
    run.logMetric("m", 1);
    await run.flush();
    const before = await snapshot(sx.store);
    const bad: Array<[string, () => unknown]> = [
      ["INVALID_NAME", () => sx.setExperiment("")],
      ["LIMIT_EXCEEDED", () => sx.setExperiment("e".repeat(501))],
      ["LIMIT_EXCEEDED", () => sx.startRun({ name: "n".repeat(251) })],
      ["INVALID_NAME", () => sx.startRun({ tags: { "/abs": "x" } })],
      ["RUN_NOT_FOUND", () => sx.startRun({ parentRunId: "f".repeat(32) })],
      ["INVALID_ARGUMENT", () => sx.startRun({ parentRunId: "nope" })],
      ["PARAM_CONFLICT", () => run.logParams({ lr: 0.2, other: 1 })],
      ["LIMIT_EXCEEDED", () => run.logParams({ big: "x".repeat(6001) })],
      ["LIMIT_EXCEEDED", () => run.logParams({ ["k".repeat(251)]: 1 })],
      ["INVALID_NAME", () => run.logParams({ "a/../b": 1 })],
      ["LIMIT_EXCEEDED", () => run.setTags({ t: "x".repeat(5001) })],
      ["INVALID_METRIC_VALUE", () => run.logMetrics({ m: 2, n: "3" as unknown as number })],
      ["INVALID_METRIC_VALUE", () => run.logMetric("m", Number.NaN, { step: Number.NaN })],
      ["INVALID_NAME", () => run.logText("x", "../escape.txt")],
      ["INVALID_NAME", () => run.logText("x", "/abs.txt")],
      ["RUN_NOT_FOUND", () => sx.getRun("0".repeat(32))],
      ["RUN_NOT_FOUND", () => sx.store.runs.logBatch("0".repeat(32), { params: [{ key: "a", value: "1" }] })],
      ["RUN_NOT_FOUND", () => sx.store.runs.updateRun("0".repeat(32), { status: "FINISHED" })],
      ["INVALID_ARGUMENT", () => sx.store.runs.updateRun(run.id, { status: "DONE" as never })],
      ["EXPERIMENT_NOT_FOUND", () => sx.getExperimentByName("missing")],
      ["INVALID_FILTER", () => sx.searchRuns({ filter: "params.lr = 0.1" })],
      ["INVALID_FILTER", () => sx.searchRuns({ filter: "metrics.m > 'x'" })],
      ["INVALID_ORDER_BY", () => sx.searchRuns({ orderBy: ["metrics.m UP"] })],
      ["FILE_NOT_FOUND", () => run.logDataset("nope.csv")],
    ];
    for (const [code, fn] of bad) {
      expect([code, await codeOf(fn)]).toEqual([code, code]);
    }
    await run.flush();
    expect(await snapshot(sx.store)).toEqual(before);
  });

  it("refuses logging after end()", async () => {
    const run = await sx.startRun();
    await run.end();
    expect(() => run.logMetric("m", 1)).toThrow(SextantError);
    expect(await codeOf(run.logParams({ a: 1 }))).toBe("INVALID_STATE");
  });

  it("records the seed and hands out a generator seeded with it", async () => {
    const run = await sx.startRun({ seed: 1234 });
    const draws = [run.rng.random(), run.rng.random(), run.rng.int(0, 100)];
    const ref = new Rng(1234);
    expect(draws).toEqual([ref.random(), ref.random(), ref.int(0, 100)]);
    expect((await sx.getRun(run.id)).info.seed).toBe(1234);
    const unseeded = await sx.startRun();
    expect(() => unseeded.rng).toThrow(/seed/);
    expect((await sx.getRun(unseeded.id)).info.seed).toBeNull();
  });

  it("nests runs and finds them with the search grammar", async () => {
    const parent = await sx.startRun({ name: "sweep" });
    for (const [model, f1] of [
      ["rf", 0.71],
      ["rf", 0.42],
      ["gbdt", 0.8],
    ] as const) {
      await sx.withRun({ name: `${model}-${f1}`, parentRunId: parent.id }, async (run) => {
        await run.logParams({ model });
        run.logMetrics({ f1 });
      });
    }
    await parent.end();
    const res = await sx.searchRuns({
      experimentNames: ["tunekeeper-churn"],
      filter: "metrics.f1 > 0.5 and params.model = 'rf'",
      orderBy: ["metrics.f1 DESC"],
    });
    expect(res.runs.map((r) => r.info.runName)).toEqual(["rf-0.71"]);
    expect(res.runs[0]!.info.parentRunId).toBe(parent.id);
    expect((await sx.searchRuns({ filter: `attributes.parent_run_id = '${parent.id}'` })).runs).toHaveLength(
      3,
    );
    expect(await codeOf(sx.searchRuns({ experimentNames: ["nope"] }))).toBe("EXPERIMENT_NOT_FOUND");
    expect(await codeOf(sx.searchRuns({ filter: "metrics.f1 >" }))).toBe("INVALID_FILTER");
  });

  it("records datasets by content hash and artifacts by path", async () => {
    const csv = join(dir, "train.csv");
    writeFileSync(csv, "user,days_since_listen,churned\nu1,3,0\nu2,21,1\n");
    mkdirSync(join(dir, "model"));
    writeFileSync(join(dir, "model", "weights.json"), '{"w":[1,2]}');
    writeFileSync(join(dir, "model", "README.txt"), "baseline");
    const run = await sx.startRun();
    const digest = await run.logDataset("train.csv", { context: "train" });
    expect(digest).toBe(
      createHash("sha256").update("user,days_since_listen,churned\nu1,3,0\nu2,21,1\n").digest("hex"),
    );
    await run.logArtifact("model");
    await run.logArtifact("train.csv", { artifactPath: "data" });
    await run.logText("notes", "notes/a.txt");
    await run.logJson({ threshold: 0.5 }, "config.json");
    await run.end();
    const got = await sx.getRun(run.id);
    expect(got.datasets).toEqual([
      expect.objectContaining({
        name: "train.csv",
        digest,
        context: "train",
        rows: 2,
        columns: 3,
        sourceType: "local-file",
      }),
    ]);
    expect((await sx.listArtifacts(run.id)).map((a) => a.path)).toEqual([
      "config.json",
      "data/train.csv",
      "model/README.txt",
      "model/weights.json",
      "notes/a.txt",
    ]);
    expect((await sx.readArtifact(run.id, "model/weights.json")).toString()).toBe('{"w":[1,2]}');
    expect(JSON.parse((await sx.readArtifact(run.id, "config.json")).toString())).toEqual({ threshold: 0.5 });
    expect(await codeOf(run.logArtifact("missing.bin"))).toBe("INVALID_STATE");
    const r2 = await sx.startRun();
    expect(await codeOf(r2.logArtifact("missing.bin"))).toBe("FILE_NOT_FOUND");
    expect(await codeOf(r2.logDataset("missing.csv"))).toBe("FILE_NOT_FOUND");
    expect(await codeOf(sx.readArtifact(run.id, "nope"))).toBe("ARTIFACT_NOT_FOUND");
  });

  it("shows a run whose process stopped sending heartbeats as crashed", async () => {
    const run = await sx.startRun({ name: "doomed" });
    // another client, later: the first one never ended the run nor sent a heartbeat
    const later = new ManualClock(T0 + 5 * 60_000);
    const other = await Sextant.open({ uri: join(dir, "store"), clock: later, capture: false });
    const info = (await other.getRun(run.id)).info;
    expect(info).toMatchObject({ status: "FAILED", crashed: true, endTime: T0 });
    const running = await other.searchRuns({ filter: "attributes.status = 'RUNNING'" });
    expect(running.runs).toHaveLength(0);
    await other.close();
  });

  it("refuses a deleted experiment and unknown URIs", async () => {
    const exp = await sx.setExperiment("old");
    await sx.store.runs.setExperimentLifecycle(exp.experimentId, "deleted", T0);
    expect(await codeOf(sx.setExperiment("old"))).toBe("INVALID_STATE");
    expect(await codeOf(Sextant.open({ uri: "s3://bucket/x" }))).toBe("UNSUPPORTED_URI");
  });

  it("close() flushes and ends the runs still open", async () => {
    const sx2 = await Sextant.open({ uri: join(dir, "store"), clock, capture: false });
    const run = await sx2.startRun();
    run.logMetric("m", 7);
    await sx2.close();
    const got = await sx.getRun(run.id);
    expect(got.info.status).toBe("FINISHED");
    expect(got.data.metrics).toEqual({ m: 7 });
    expect(await codeOf(sx2.getRun(run.id))).toBe("STORE_CLOSED");
  });

  it("opens the store named by SEXTANT_TRACKING_URI", async () => {
    const prev = process.env.SEXTANT_TRACKING_URI;
    process.env.SEXTANT_TRACKING_URI = join(dir, "from-env");
    try {
      const sx2 = await Sextant.open({ capture: false });
      expect(sx2.uri).toBe(join(dir, "from-env"));
      await sx2.close();
    } finally {
      if (prev === undefined) delete process.env.SEXTANT_TRACKING_URI;
      else process.env.SEXTANT_TRACKING_URI = prev;
    }
  });
});

describe("capture at startRun", () => {
  it("records the git commit, dirty diff, command line and environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-capture-"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir })
        .toString()
        .trim();
    git("init", "-q", "-b", "main");
    writeFileSync(join(dir, "train.ts"), "console.log(1)\n");
    writeFileSync(join(dir, "package.json"), '{"name":"p","dependencies":{}}');
    git("add", ".");
    git("commit", "-q", "-m", "first");
    writeFileSync(join(dir, "train.ts"), "console.log(2)\n");
    const sx = await Sextant.open({ uri: join(dir, ".sextant"), cwd: dir });
    const run = await sx.startRun();
    await run.end();
    const got = await sx.getRun(run.id);
    expect(got.code).toMatchObject({
      commit: git("rev-parse", "HEAD"),
      branch: "main",
      dirty: true,
      diffArtifact: "sextant/code.diff",
      command: process.argv,
      cwd: dir,
    });
    const diff = (await sx.readArtifact(run.id, "sextant/code.diff")).toString();
    expect(diff).toContain("+console.log(2)");
    expect(got.environment).toMatchObject({ node: process.version, platform: process.platform });
    const bare = await sx.startRun({ capture: false });
    await bare.end();
    const b = await sx.getRun(bare.id);
    expect(b.code).toBeNull();
    expect(b.environment).toBeNull();
    await sx.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
