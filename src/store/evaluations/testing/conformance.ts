/**
 * The evaluations aggregate's conformance suite: every EvaluationStore implementation — SQLite,
 * PostgreSQL, and the HTTP client against a server on each (test/conformance/) — passes it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../contract.js";
import { expectCode, type StoreFactory, T0 } from "../../testing/index.js";

const HEX = (n: number) => n.toString(16).padStart(32, "0");

export function evaluationStoreConformance(label: string, factory: StoreFactory): void {
  describe(`evaluations conformance: ${label}`, () => {
    let store: Store;
    let expId: string;

    beforeEach(async () => {
      store = await factory.open();
      expId = (await store.runs.createExperiment({ name: "exp" }, at(T0))).experimentId;
    });
    afterEach(async () => {
      await store.close();
      await factory.dispose?.(store);
    });

    function at(now: number): number {
      factory.setNow?.(store, now);
      return now;
    }

    function newRun() {
      return store.runs.createRun({
        experimentId: expId,
        runName: "r",
        userId: "u",
        startTime: T0,
        artifactUri: "mlflow-artifacts:/x/{runId}/artifacts",
      });
    }

    const content = {
      metrics: [{ name: "f1", value: 0.61, ci: [0.58, 0.64] }],
      segments: { free: 0.59, power: 0.81 },
      curve: { fpr: [0, 0.5, 1], tpr: [0, 0.75, 1] },
      note: "ünïcode ✓",
    };

    it("stores, gets and lists records, newest first, per run", async () => {
      const { runId } = await newRun();
      const other = await newRun();
      const a = await store.evaluations.create({ runId, name: "holdout", createdTime: T0 + 1, content });
      expect(a.evaluationId).toMatch(/^[0-9a-f]{32}$/);
      expect(a).toEqual({
        evaluationId: a.evaluationId,
        runId,
        name: "holdout",
        createdTime: T0 + 1,
        content,
      });
      const id = HEX(0xe1);
      const b = await store.evaluations.create({
        evaluationId: id,
        runId,
        name: "backtest",
        createdTime: T0 + 2,
        content: {},
      });
      const c = await store.evaluations.create({
        runId: other.runId,
        name: "x",
        createdTime: T0 + 3,
        content: {},
      });
      const d = await store.evaluations.create({ name: "no run", createdTime: T0 + 4, content: { k: 1 } });
      expect(d.runId).toBeNull();
      expect(await store.evaluations.get(a.evaluationId)).toEqual(a);
      expect(await store.evaluations.get(id)).toEqual(b);
      expect((await store.evaluations.list({ runId })).map((e) => e.evaluationId)).toEqual([
        id,
        a.evaluationId,
      ]);
      expect((await store.evaluations.list()).map((e) => e.name)).toEqual([
        "no run",
        "x",
        "backtest",
        "holdout",
      ]);
      expect((await store.evaluations.list({ maxResults: 1 })).map((e) => e.evaluationId)).toEqual([
        d.evaluationId,
      ]);
      expect(await store.evaluations.list({ runId: other.runId })).toEqual([c]);
      // a returned record is a snapshot
      (a.content.metrics as unknown[]).length = 0;
      expect((await store.evaluations.get(a.evaluationId)).content).toEqual(content);
    });

    it("refuses unknown and deleted runs, duplicate ids and bad input, storing nothing", async () => {
      const { runId } = await newRun();
      const id = HEX(0xe2);
      await store.evaluations.create({ evaluationId: id, runId, name: "e", createdTime: T0, content });
      await expectCode(
        store.evaluations.create({ evaluationId: id, runId, name: "again", createdTime: T0, content }),
        "EVALUATION_ALREADY_EXISTS",
      );
      await expectCode(
        store.evaluations.create({ runId: HEX(0xdead), name: "e", createdTime: T0, content }),
        "RUN_NOT_FOUND",
      );
      await expectCode(
        store.evaluations.create({ evaluationId: "xyz", name: "e", createdTime: T0, content }),
        "INVALID_ARGUMENT",
      );
      await expectCode(store.evaluations.create({ name: "", createdTime: T0, content }), "INVALID_ARGUMENT");
      await expectCode(store.evaluations.get(HEX(0xe3)), "EVALUATION_NOT_FOUND");
      await expectCode(store.evaluations.get("nope"), "INVALID_ARGUMENT");
      await expectCode(store.evaluations.list({ runId: HEX(0xdead) }), "RUN_NOT_FOUND");
      await store.runs.setRunLifecycle(runId, "deleted", at(T0 + 10));
      await expectCode(
        store.evaluations.create({ runId, name: "late", createdTime: T0, content }),
        "INVALID_STATE",
      );
      expect((await store.evaluations.list({ runId })).map((e) => e.evaluationId)).toEqual([id]);
      expect((await store.evaluations.get(id)).name).toBe("e");
    });
  });
}
