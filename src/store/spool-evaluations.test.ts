/** Evaluation records written while offline: spooled with their id, synced exactly once. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FailoverStore, MemoryArtifactStore, SpoolStore, SqliteStore, syncSpool } from "./index.js";

const T0 = 1_700_000_000_000;

describe("offline evaluations", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sx-spool-eval-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("spools a record with its id and syncs it once, even when the sync runs twice", async () => {
    const spool = new SpoolStore(dir);
    const exp = await spool.runs.createExperiment({ name: "e" }, T0);
    const run = await spool.runs.createRun({
      experimentId: exp.experimentId,
      runName: "r",
      userId: "u",
      startTime: T0,
      artifactUri: "x",
    });
    const rec = await spool.evaluations.create({
      runId: run.runId,
      name: "holdout",
      createdTime: T0 + 1,
      content: { metrics: [{ name: "f1", value: 0.6 }] },
    });
    expect(rec.evaluationId).toMatch(/^[0-9a-f]{32}$/);
    await expect(spool.evaluations.get(rec.evaluationId)).rejects.toMatchObject({ code: "OFFLINE" });
    await expect(spool.evaluations.list()).rejects.toMatchObject({ code: "OFFLINE" });
    await expect(spool.evaluations.create({ name: "", createdTime: T0, content: {} })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });

    const target = await SqliteStore.open(":memory:");
    const report = await syncSpool(dir, target, new MemoryArtifactStore());
    expect(report.applied).toBe(3);
    expect(await target.evaluations.get(rec.evaluationId)).toEqual(rec);
    // a second copy of the same file (an interrupted sync replayed) does not duplicate it
    const again = new SpoolStore(dir);
    await again.evaluations.create({
      evaluationId: rec.evaluationId,
      runId: run.runId,
      name: "holdout",
      createdTime: T0 + 1,
      content: rec.content,
    });
    await syncSpool(dir, target, new MemoryArtifactStore());
    expect(await target.evaluations.list({ runId: run.runId })).toEqual([rec]);
    await target.close();
  });

  it("FailoverStore writes records to the server, and to the spool once it is unreachable", async () => {
    const primary = await SqliteStore.open(":memory:");
    const store = new FailoverStore(primary, join(dir, "spool"));
    const exp = await store.runs.createExperiment({ name: "e" }, T0);
    const run = await store.runs.createRun({
      experimentId: exp.experimentId,
      runName: "r",
      userId: "u",
      startTime: T0,
      artifactUri: "x",
    });
    const online = await store.evaluations.create({
      runId: run.runId,
      name: "a",
      createdTime: T0,
      content: {},
    });
    expect(await store.evaluations.get(online.evaluationId)).toEqual(online);
    expect((await store.evaluations.list({ runId: run.runId })).map((e) => e.name)).toEqual(["a"]);
    const offline = new FailoverStore(primary, join(dir, "spool2"), { offline: true });
    const spooled = await offline.evaluations.create({
      runId: run.runId,
      name: "b",
      createdTime: T0 + 1,
      content: {},
    });
    expect((await store.evaluations.list({ runId: run.runId })).map((e) => e.name)).toEqual(["a"]);
    await syncSpool(join(dir, "spool2"), primary, new MemoryArtifactStore());
    expect((await store.evaluations.list({ runId: run.runId })).map((e) => e.evaluationId)).toEqual([
      spooled.evaluationId,
      online.evaluationId,
    ]);
    await store.close();
  });
});
