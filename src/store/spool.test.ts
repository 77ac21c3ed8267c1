import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore, SpoolStore, SqliteStore, syncSpool } from "./index.js";
import { snapshot } from "./runs/testing/index.js";

const T0 = 1_700_000_000_000;

describe("offline spool", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sx-spool-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function spoolSomeWork(): Promise<{ runId: string; child: string }> {
    const spool = new SpoolStore(dir);
    const exp = await spool.runs.createExperiment({ name: "offline-exp", tags: { team: "r" } }, T0);
    expect(exp.experimentId).toBe("offline:offline-exp");
    const run = await spool.runs.createRun({
      experimentId: exp.experimentId,
      runName: "a",
      userId: "u",
      startTime: T0,
      artifactUri: "x",
    });
    const child = await spool.runs.createRun({
      experimentId: exp.experimentId,
      runName: "b",
      userId: "u",
      startTime: T0 + 1,
      artifactUri: "x",
      parentRunId: run.runId,
    });
    await spool.runs.logBatch(run.runId, {
      params: [{ key: "lr", value: "0.1" }],
      metrics: [
        {
          key: "loss",
          steps: Float64Array.of(0, 1, 2),
          timestamps: Float64Array.of(1, 2, 3),
          values: Float64Array.of(3, 2, Number.NaN),
        },
      ],
    });
    await spool.runs.logBatch(run.runId, {
      tags: [
        { key: "t", value: "1" },
        { key: "gone", value: "x" },
      ],
    });
    await spool.runs.deleteTag(run.runId, "gone");
    const blob = await spool.blobs.put("model bytes");
    await spool.runs.recordArtifact(run.runId, { path: "model.bin", ...blob, createdTime: T0 });
    await spool.runs.logInputs(run.runId, [
      {
        name: "train",
        digest: "d",
        sourceType: "local-file",
        source: "/t",
        size: 1,
        rows: 1,
        columns: 1,
        schema: null,
        profile: null,
        context: "train",
      },
    ]);
    await spool.runs.updateRun(run.runId, { status: "FINISHED", endTime: T0 + 10 });
    await expect(spool.runs.getRun(run.runId)).rejects.toMatchObject({ code: "OFFLINE" });
    return { runId: run.runId, child: child.runId };
  }

  it("replays everything into a store, once, and marks the file synced", async () => {
    const { runId, child } = await spoolSomeWork();
    const target = await SqliteStore.open(":memory:");
    const blobs = new MemoryArtifactStore();
    const report = await syncSpool(dir, target, blobs);
    expect(report).toEqual({ files: 1, applied: 9, skipped: 0 });
    const exp = (await target.runs.getExperimentByName("offline-exp"))!;
    expect(exp.tags).toEqual({ team: "r" });
    const got = await target.runs.getRun(runId);
    expect(got.info).toMatchObject({
      experimentId: exp.experimentId,
      status: "FINISHED",
      endTime: T0 + 10,
      runName: "a",
    });
    expect(got.data.params).toEqual({ lr: "0.1" });
    expect(got.data.tags).toEqual({ t: "1" });
    expect(Array.from((await target.runs.getMetricHistory(runId, "loss")).values)).toEqual([
      3,
      2,
      Number.NaN,
    ]);
    expect((await target.runs.getRun(child)).info.parentRunId).toBe(runId);
    expect((await blobs.get((await target.runs.getArtifact(runId, "model.bin")).sha256)).toString()).toBe(
      "model bytes",
    );
    expect(readdirSync(dir).filter((f) => f.endsWith(".synced"))).toHaveLength(1);
    expect(await syncSpool(dir, target, blobs)).toEqual({ files: 0, applied: 0, skipped: 0 });
    await target.close();
  });

  it("finishes an interrupted sync without applying anything twice", async () => {
    const { runId } = await spoolSomeWork();
    // the reference: one uninterrupted sync
    const ref = await SqliteStore.open(":memory:");
    const refDir = mkdtempSync(join(tmpdir(), "sx-spool-ref-"));
    cpSync(dir, refDir, { recursive: true });
    await syncSpool(refDir, ref, new MemoryArtifactStore());

    const target = await SqliteStore.open(":memory:");
    const blobs = new MemoryArtifactStore();
    // dies after the fourth operation (the first metric batch)
    await expect(
      syncSpool(dir, target, blobs, {
        onProgress: (done) => {
          if (done === 4) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const progress = readdirSync(dir).find((f) => f.endsWith(".jsonl.done"))!;
    expect(readFileSync(join(dir, progress), "utf8")).toBe("4");
    // Even with its progress record lost, replaying from the start applies nothing twice.
    rmSync(join(dir, progress));
    const report = await syncSpool(dir, target, blobs);
    expect(report).toMatchObject({ applied: 9, skipped: 0 });
    expect((await target.runs.getRun(runId)).metricSummaries[0]!.count).toBe(3);
    expect(await snapshot(target)).toEqual(await snapshot(ref));
    await target.close();
    await ref.close();
    rmSync(refDir, { recursive: true, force: true });
  });
});
