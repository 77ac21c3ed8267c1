/**
 * A write the server applied but whose answer was lost (the server went away right after) goes
 * to the spool under the same run id or idempotency key, so syncing the spool does not apply it
 * a second time.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SextantError } from "../../core/index.js";
import { MemoryArtifactStore } from "../artifacts/index.js";
import type { Store } from "../contract.js";
import { SqliteStore } from "../sql-store.js";
import { FailoverStore } from "./failover.js";
import { syncSpool } from "./spool.js";

const T0 = 1_700_000_000_000;

/** `store`, whose run writes named in `lost` are applied and then answered with STORE_UNAVAILABLE. */
function losingAnswers(store: Store, lost: Set<string>): Store {
  const runs = new Proxy(store.runs, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      return async (...args: unknown[]) => {
        if (!lost.has(String(key))) return method(...args);
        await method(...args);
        lost.delete(String(key));
        throw new SextantError("STORE_UNAVAILABLE", "the server went away before it answered");
      };
    },
  });
  return {
    kind: store.kind,
    runs,
    studies: store.studies,
    evaluations: store.evaluations,
    tokens: store.tokens,
    close: () => store.close(),
  };
}

const dir = mkdtempSync(join(tmpdir(), "sx-failover-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FailoverStore over an in-memory database whose answers to the writes in `lost` go missing. */
async function failingOver(lost: Set<string>) {
  const db = await SqliteStore.open(":memory:");
  const spool = join(dir, randomUUID());
  const store = new FailoverStore(losingAnswers(db, lost), spool);
  const exp = await db.runs.createExperiment({ name: "e" }, T0);
  const start = () =>
    store.runs.createRun({
      experimentId: exp.experimentId,
      runName: "r",
      userId: "u",
      startTime: T0,
      artifactUri: "x/{runId}",
    });
  const sync = () => syncSpool(spool, db, new MemoryArtifactStore());
  return { db, store, experimentId: exp.experimentId, start, sync };
}

describe("FailoverStore after a lost answer", () => {
  it("spools a metric batch under the key the server saw: synced, its points are there once", async () => {
    const lost = new Set<string>();
    const { db, store, start, sync } = await failingOver(lost);
    const run = await start();
    lost.add("logBatch");
    const steps = Float64Array.from({ length: 50 }, (_, i) => i);
    await store.runs.logBatch(run.runId, {
      metrics: [
        { key: "loss", steps, timestamps: steps.map((s) => T0 + s), values: steps.map((s) => 1 / (s + 1)) },
      ],
    });
    expect(store.offline).toBe(true);
    expect((await db.runs.getMetricHistory(run.runId, "loss")).values.length).toBe(50);
    await sync();
    const history = await db.runs.getMetricHistory(run.runId, "loss");
    expect(Array.from(history.steps)).toEqual(Array.from(steps));
    await db.close();
  });

  it("spools a run under the id the server saw: synced, there is one run", async () => {
    const { db, store, experimentId, start, sync } = await failingOver(new Set(["createRun"]));
    const info = await start();
    expect(store.offline).toBe(true);
    await store.runs.updateRun(info.runId, { status: "FINISHED", endTime: T0 + 5 });
    await sync();
    const found = await db.runs.searchRuns({ experimentIds: [experimentId] });
    expect(found.runs.map((r) => [r.info.runId, r.info.status])).toEqual([[info.runId, "FINISHED"]]);
    await db.close();
  });
});
