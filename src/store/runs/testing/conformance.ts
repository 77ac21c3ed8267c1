/**
 * The runs aggregate's conformance suite: one body of tests that every RunStore implementation
 * must pass — SQLite, PostgreSQL, and the HTTP client against a server on each (see
 * store/testing/backends.ts; conformance.test.ts runs it on all of them).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SextantError } from "../../../core/index.js";
import { Rng } from "../../../core/index.js";
import type { Store } from "../../contract.js";
import { expectCode, type StoreFactory, T0 } from "../../testing/index.js";
import { CHUNK_POINTS, type MetricSeriesInput, type Run } from "../index.js";

const HEX = (n: number) => n.toString(16).padStart(32, "0");

export function series(key: string, steps: number[], values: number[], t0 = T0): MetricSeriesInput {
  return {
    key,
    steps: Float64Array.from(steps),
    timestamps: Float64Array.from(steps.map((_, i) => t0 + i)),
    values: Float64Array.from(values),
  };
}

/** Everything observable through the Store API, for "the store is unchanged" checks. */
export async function snapshot(store: Store): Promise<unknown> {
  const exps = await store.runs.listExperiments("all");
  const ids = exps.map((e) => e.experimentId);
  const runs: Run[] = [];
  let token: string | null = null;
  do {
    const page = await store.runs.searchRuns({
      experimentIds: ids,
      viewType: "all",
      maxResults: 1000,
      pageToken: token,
    });
    runs.push(...page.runs);
    token = page.nextPageToken;
  } while (token);
  const histories: Record<string, unknown> = {};
  const artifacts: Record<string, unknown> = {};
  for (const r of runs) {
    for (const m of r.metricSummaries) {
      const h = await store.runs.getMetricHistory(r.info.runId, m.key);
      histories[`${r.info.runId}/${m.key}`] = [
        Array.from(h.steps),
        Array.from(h.timestamps),
        Array.from(h.values),
      ];
    }
    artifacts[r.info.runId] = await store.runs.listArtifacts(r.info.runId);
  }
  return { exps, runs, histories, artifacts };
}

export function runStoreConformance(label: string, factory: StoreFactory): void {
  describe(`runs conformance: ${label}`, () => {
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

    /** `now` for a call that takes the time, told to the store's own clock when it has one. */
    function at(now: number): number {
      factory.setNow?.(store, now);
      return now;
    }

    async function newRun(extra: Partial<Parameters<Store["runs"]["createRun"]>[0]> = {}) {
      return store.runs.createRun({
        experimentId: expId,
        runName: "r",
        userId: "u",
        startTime: T0,
        artifactUri: "mlflow-artifacts:/x/{runId}/artifacts",
        ...extra,
      });
    }

    describe("experiments", () => {
      it("has the Default experiment with id 0", async () => {
        const d = await store.runs.getExperiment("0");
        expect(d.name).toBe("Default");
        expect(d.lifecycleStage).toBe("active");
      });

      it("creates, gets by id and name, and lists with run counts", async () => {
        const e = await store.runs.createExperiment(
          { name: "churn", tags: { team: "retention" } },
          at(T0 + 5),
        );
        expect(e).toMatchObject({
          name: "churn",
          lifecycleStage: "active",
          creationTime: T0 + 5,
          tags: { team: "retention" },
        });
        expect(e.artifactLocation).toBe(`mlflow-artifacts:/${e.experimentId}`);
        expect(await store.runs.getExperiment(e.experimentId)).toEqual(e);
        expect(await store.runs.getExperimentByName("churn")).toEqual(e);
        expect(await store.runs.getExperimentByName("nope")).toBeNull();
        await store.runs.createRun({
          experimentId: e.experimentId,
          runName: "a",
          userId: "u",
          startTime: T0 + 10,
          artifactUri: "x",
        });
        await store.runs.createRun({
          experimentId: e.experimentId,
          runName: "b",
          userId: "u",
          startTime: T0 + 20,
          artifactUri: "x",
        });
        const list = await store.runs.listExperiments();
        const churn = list.find((x) => x.name === "churn")!;
        expect(churn.runCount).toBe(2);
        expect(churn.lastRunStartTime).toBe(T0 + 20);
        expect(list.find((x) => x.name === "exp")!.runCount).toBe(0);
        expect(list.find((x) => x.name === "exp")!.lastRunStartTime).toBeNull();
      });

      it("refuses a duplicate name and leaves the store unchanged", async () => {
        const before = await snapshot(store);
        await expectCode(store.runs.createExperiment({ name: "exp" }, at(T0)), "EXPERIMENT_ALREADY_EXISTS");
        expect(await snapshot(store)).toEqual(before);
      });

      it("refuses bad names and tags, leaving the store unchanged", async () => {
        const before = await snapshot(store);
        await expectCode(store.runs.createExperiment({ name: "" }, at(T0)), "INVALID_NAME");
        await expectCode(store.runs.createExperiment({ name: "x".repeat(501) }, at(T0)), "LIMIT_EXCEEDED");
        await expectCode(
          store.runs.createExperiment({ name: "ok", tags: { "../x": "v" } }, at(T0)),
          "INVALID_NAME",
        );
        await expectCode(
          store.runs.createExperiment({ name: "ok2", tags: { k: "v".repeat(5001) } }, at(T0)),
          "LIMIT_EXCEEDED",
        );
        expect(await snapshot(store)).toEqual(before);
      });

      it("renames, tags, deletes and restores", async () => {
        await store.runs.renameExperiment(expId, "exp2", at(T0 + 1));
        expect((await store.runs.getExperiment(expId)).name).toBe("exp2");
        await store.runs.createExperiment({ name: "other" }, at(T0));
        await expectCode(store.runs.renameExperiment(expId, "other", at(T0)), "EXPERIMENT_ALREADY_EXISTS");
        await store.runs.setExperimentTag(expId, "owner", "ana", at(T0 + 2));
        await store.runs.setExperimentTag(expId, "owner", "bo", at(T0 + 3));
        const e = await store.runs.getExperiment(expId);
        expect(e.tags).toEqual({ owner: "bo" });
        expect(e.lastUpdateTime).toBe(T0 + 3);
        await store.runs.setExperimentLifecycle(expId, "deleted", at(T0 + 4));
        expect((await store.runs.listExperiments()).map((x) => x.name)).not.toContain("exp2");
        expect((await store.runs.listExperiments("deleted")).map((x) => x.name)).toEqual(["exp2"]);
        await expectCode(newRun(), "INVALID_STATE");
        await store.runs.setExperimentLifecycle(expId, "active", at(T0 + 5));
        await newRun();
        await expectCode(store.runs.setExperimentLifecycle("0", "deleted", at(T0)), "INVALID_STATE");
      });

      it("reports unknown and malformed ids", async () => {
        await expectCode(store.runs.getExperiment("999999"), "EXPERIMENT_NOT_FOUND");
        await expectCode(store.runs.getExperiment("abc"), "INVALID_ARGUMENT");
        await expectCode(store.runs.setExperimentTag("999999", "k", "v", at(T0)), "EXPERIMENT_NOT_FOUND");
      });
    });

    describe("runs", () => {
      it("creates a run with a 32-hex id and reads it back", async () => {
        const info = await newRun({
          runName: "rf_v1",
          tags: { team: "retention" },
          seed: 42,
          code: { commit: "abc" },
        });
        expect(info.runId).toMatch(/^[0-9a-f]{32}$/);
        expect(info).toMatchObject({
          runName: "rf_v1",
          experimentId: expId,
          status: "RUNNING",
          startTime: T0,
          endTime: null,
          parentRunId: null,
          lifecycleStage: "active",
          crashed: false,
          seed: 42,
        });
        // an embedded store fills in the given template; a server derives it from the experiment
        expect(info.artifactUri).toMatch(new RegExp(`^mlflow-artifacts:/.+/${info.runId}/artifacts$`));
        const run = await store.runs.getRun(info.runId);
        expect(run.info).toEqual(info);
        expect(run.data).toEqual({ params: {}, metrics: {}, tags: { team: "retention" } });
        expect(run.code).toEqual({ commit: "abc" });
        expect(run.environment).toBeNull();
      });

      it("nests runs under a parent and refuses an unknown parent", async () => {
        const parent = await newRun();
        const child = await newRun({ parentRunId: parent.runId });
        expect((await store.runs.getRun(child.runId)).info.parentRunId).toBe(parent.runId);
        const before = await snapshot(store);
        await expectCode(newRun({ parentRunId: HEX(7) }), "RUN_NOT_FOUND");
        await expectCode(newRun({ parentRunId: "nothex" }), "INVALID_ARGUMENT");
        expect(await snapshot(store)).toEqual(before);
      });

      it("reports unknown and malformed run ids", async () => {
        await expectCode(store.runs.getRun(HEX(1)), "RUN_NOT_FOUND");
        await expectCode(store.runs.getRun("xyz"), "INVALID_ARGUMENT");
        await expectCode(
          store.runs.logBatch(HEX(1), { params: [{ key: "a", value: "1" }] }),
          "RUN_NOT_FOUND",
        );
        await expectCode(store.runs.getMetricHistory(HEX(1), "loss"), "RUN_NOT_FOUND");
        await expectCode(newRun({ experimentId: "424242" }), "EXPERIMENT_NOT_FOUND");
      });

      it("updates status, end time and name, and validates them", async () => {
        const { runId } = await newRun();
        const info = await store.runs.updateRun(runId, {
          status: "FINISHED",
          endTime: T0 + 99,
          runName: "renamed",
        });
        expect(info).toMatchObject({ status: "FINISHED", endTime: T0 + 99, runName: "renamed" });
        await expectCode(store.runs.updateRun(runId, { status: "DONE" as never }), "INVALID_ARGUMENT");
        await expectCode(store.runs.updateRun(runId, { endTime: -1 }), "INVALID_ARGUMENT");
        expect((await store.runs.getRun(runId)).info.status).toBe("FINISHED");
      });

      it("refuses writes to a deleted run until it is restored", async () => {
        const { runId } = await newRun();
        await store.runs.setRunLifecycle(runId, "deleted", at(T0 + 1));
        const before = await snapshot(store);
        await expectCode(store.runs.logBatch(runId, { params: [{ key: "a", value: "1" }] }), "INVALID_STATE");
        await expectCode(store.runs.logBatch(runId, { metrics: [series("m", [0], [1])] }), "INVALID_STATE");
        await expectCode(store.runs.updateRun(runId, { status: "FINISHED" }), "INVALID_STATE");
        expect(await snapshot(store)).toEqual(before);
        await store.runs.setRunLifecycle(runId, "active", at(T0 + 2));
        await store.runs.logBatch(runId, { params: [{ key: "a", value: "1" }] });
        expect((await store.runs.getRun(runId)).data.params).toEqual({ a: "1" });
      });

      it("marks silent RUNNING runs as crashed and revives them on a heartbeat", async () => {
        const a = await newRun({ startTime: T0 });
        const b = await newRun({ startTime: T0 });
        const done = await newRun({ startTime: T0 });
        await store.runs.updateRun(done.runId, { status: "FINISHED", endTime: T0 + 1 });
        expect(await store.runs.heartbeat(b.runId, at(T0 + 50_000))).toBe(true);
        expect(await store.runs.markCrashedRuns(T0 + 30_000)).toBe(1);
        const ra = (await store.runs.getRun(a.runId)).info;
        expect(ra).toMatchObject({ status: "FAILED", crashed: true, endTime: T0 });
        expect((await store.runs.getRun(b.runId)).info).toMatchObject({ status: "RUNNING", crashed: false });
        expect((await store.runs.getRun(done.runId)).info).toMatchObject({
          status: "FINISHED",
          crashed: false,
        });
        expect(await store.runs.markCrashedRuns(T0 + 30_000)).toBe(0);
        // the process was only paused: its next heartbeat brings the run back
        expect(await store.runs.heartbeat(a.runId, at(T0 + 60_000))).toBe(true);
        expect((await store.runs.getRun(a.runId)).info).toMatchObject({
          status: "RUNNING",
          crashed: false,
          endTime: null,
        });
        // a run that ended normally stays ended
        expect(await store.runs.heartbeat(done.runId, at(T0 + 60_000))).toBe(false);
      });
    });

    describe("params and tags", () => {
      it("keeps params immutable: same value is a no-op, a different one a PARAM_CONFLICT", async () => {
        const { runId } = await newRun();
        await store.runs.logBatch(runId, { params: [{ key: "lr", value: "0.1" }] });
        await store.runs.logBatch(runId, { params: [{ key: "lr", value: "0.1" }] });
        const before = await snapshot(store);
        const e = await expectCode(
          store.runs.logBatch(runId, {
            params: [
              { key: "depth", value: "3" },
              { key: "lr", value: "0.2" },
            ],
            tags: [{ key: "t", value: "x" }],
            metrics: [series("loss", [0, 1], [0.5, 0.4])],
          }),
          "PARAM_CONFLICT",
        );
        expect(e.details).toMatchObject({ key: "lr", stored: "0.1", attempted: "0.2" });
        expect(await snapshot(store)).toEqual(before);
        await expectCode(
          store.runs.logBatch(runId, {
            params: [
              { key: "k", value: "1" },
              { key: "k", value: "2" },
            ],
          }),
          "PARAM_CONFLICT",
        );
        expect(await snapshot(store)).toEqual(before);
      });

      it("enforces MLflow's key and value limits and name rules, writing nothing", async () => {
        const { runId } = await newRun();
        const before = await snapshot(store);
        const bad: Array<[Parameters<Store["runs"]["logBatch"]>[1], string]> = [
          [{ params: [{ key: "k".repeat(251), value: "1" }] }, "LIMIT_EXCEEDED"],
          [{ params: [{ key: "k", value: "v".repeat(6001) }] }, "LIMIT_EXCEEDED"],
          [{ tags: [{ key: "t", value: "v".repeat(5001) }] }, "LIMIT_EXCEEDED"],
          [{ params: [{ key: "a/../b", value: "1" }] }, "INVALID_NAME"],
          [{ params: [{ key: "/abs", value: "1" }] }, "INVALID_NAME"],
          [{ params: [{ key: "..", value: "1" }] }, "INVALID_NAME"],
          [{ params: [{ key: "", value: "1" }] }, "INVALID_NAME"],
          [{ params: [{ key: "semi;colon", value: "1" }] }, "INVALID_NAME"],
          [{ tags: [{ key: "trailing/", value: "1" }] }, "INVALID_NAME"],
          [{ metrics: [series("a//b", [0], [1])] }, "INVALID_NAME"],
          [{ metrics: [series("ok", [0.5], [1])] }, "INVALID_METRIC_VALUE"],
          [
            { metrics: [{ ...series("ok", [0], [1]), timestamps: Float64Array.of(-1) }] },
            "INVALID_METRIC_VALUE",
          ],
          [
            { metrics: [{ ...series("ok", [0, 1], [1, 2]), steps: Float64Array.of(0) }] },
            "INVALID_METRIC_VALUE",
          ],
        ];
        for (const [batch, code] of bad) await expectCode(store.runs.logBatch(runId, batch), code);
        // exactly at the limits is fine
        await store.runs.logBatch(runId, {
          params: [{ key: "k".repeat(250), value: "v".repeat(6000) }],
          tags: [{ key: "t", value: "v".repeat(5000) }],
        });
        expect(before).not.toEqual(await snapshot(store));
      });

      it("upserts and deletes tags", async () => {
        const { runId } = await newRun({ tags: { a: "1" } });
        await store.runs.logBatch(runId, {
          tags: [
            { key: "a", value: "2" },
            { key: "b", value: "3" },
          ],
        });
        expect((await store.runs.getRun(runId)).data.tags).toEqual({ a: "2", b: "3" });
        await store.runs.deleteTag(runId, "a");
        expect((await store.runs.getRun(runId)).data.tags).toEqual({ b: "3" });
        await expectCode(store.runs.deleteTag(runId, "a"), "INVALID_ARGUMENT");
      });
    });

    describe("idempotent batches", () => {
      it("applies a batch with an idempotency key once, however often it is sent", async () => {
        const { runId } = await newRun();
        const batch = {
          idempotencyKey: "k-1",
          params: [{ key: "lr", value: "0.1" }],
          tags: [{ key: "t", value: "1" }],
          metrics: [series("loss", [0, 1], [0.5, 0.4])],
        };
        await store.runs.logBatch(runId, batch);
        await store.runs.logBatch(runId, batch);
        await store.runs.logBatch(runId, { ...batch, idempotencyKey: "k-2" });
        const run = await store.runs.getRun(runId);
        expect(run.metricSummaries[0]!.count).toBe(4);
        expect((await store.runs.getMetricHistory(runId, "loss")).values.length).toBe(4);
        const before = await snapshot(store);
        await store.runs.logBatch(runId, batch);
        expect(await snapshot(store)).toEqual(before);
        await expectCode(
          store.runs.logBatch(runId, { ...batch, idempotencyKey: "x".repeat(129) }),
          "INVALID_ARGUMENT",
        );
        // a batch that failed is not remembered: fixing it and resending applies it
        await expectCode(
          store.runs.logBatch(runId, { idempotencyKey: "k-3", params: [{ key: "lr", value: "0.9" }] }),
          "PARAM_CONFLICT",
        );
        await store.runs.logBatch(runId, { idempotencyKey: "k-3", params: [{ key: "lr2", value: "0.9" }] });
        expect((await store.runs.getRun(runId)).data.params).toEqual({ lr: "0.1", lr2: "0.9" });
      });

      it("keeps concurrent batches independent: one failing batch does not sink the others", async () => {
        const { runId } = await newRun();
        await store.runs.logBatch(runId, { params: [{ key: "fixed", value: "1" }] });
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) =>
            store.runs.logBatch(runId, {
              params: i === 17 ? [{ key: "fixed", value: "2" }] : [{ key: `p${i}`, value: String(i) }],
              metrics: [series("m", [i], [i])],
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(
          Array.from({ length: 40 }, (_, i) => (i === 17 ? "rejected" : "fulfilled")),
        );
        expect(((results[17] as PromiseRejectedResult).reason as SextantError).code).toBe("PARAM_CONFLICT");
        const run = await store.runs.getRun(runId);
        expect(Object.keys(run.data.params)).toHaveLength(40);
        expect(run.data.params.fixed).toBe("1");
        expect(run.data.params.p17).toBeUndefined();
        const h = await store.runs.getMetricHistory(runId, "m");
        expect(Array.from(h.steps)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 17));
      });

      it("records a heartbeat with a batch when asked", async () => {
        const { runId } = await newRun();
        await store.runs.markCrashedRuns(at(T0 + 1));
        expect((await store.runs.getRun(runId)).info.crashed).toBe(true);
        await store.runs.logBatch(runId, { heartbeatAt: at(T0 + 500), metrics: [series("m", [0], [1])] });
        expect((await store.runs.getRun(runId)).info).toMatchObject({
          status: "RUNNING",
          crashed: false,
          heartbeatAt: T0 + 500,
        });
      });
    });

    describe("metrics", () => {
      it("keeps NaN and ±Infinity, and summarizes last/min/max/count", async () => {
        const { runId } = await newRun();
        const vals = [0.5, Number.NaN, Number.POSITIVE_INFINITY, -0.25, Number.NEGATIVE_INFINITY, 0.125];
        await store.runs.logBatch(runId, { metrics: [series("loss", [0, 1, 2, 3, 4, 5], vals)] });
        const h = await store.runs.getMetricHistory(runId, "loss");
        expect(Array.from(h.values)).toEqual(vals);
        expect(Array.from(h.steps)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(Array.from(h.timestamps)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i));
        const run = await store.runs.getRun(runId);
        expect(run.metricSummaries).toEqual([
          {
            key: "loss",
            value: 0.125,
            step: 5,
            timestamp: T0 + 5,
            min: Number.NEGATIVE_INFINITY,
            max: Number.POSITIVE_INFINITY,
            count: 6,
          },
        ]);
        expect(run.data.metrics).toEqual({ loss: 0.125 });
      });

      it("takes the latest value at the largest step across batches; a NaN latest stays NaN", async () => {
        const { runId } = await newRun();
        await store.runs.logBatch(runId, { metrics: [series("acc", [10, 11], [0.7, 0.8])] });
        await store.runs.logBatch(runId, { metrics: [series("acc", [3], [0.99])] });
        let s = (await store.runs.getRun(runId)).metricSummaries[0]!;
        expect(s).toMatchObject({ value: 0.8, step: 11, min: 0.7, max: 0.99, count: 3 });
        await store.runs.logBatch(runId, { metrics: [series("acc", [11], [Number.NaN])] });
        s = (await store.runs.getRun(runId)).metricSummaries[0]!;
        expect(s.value).toBeNaN();
        expect(s).toMatchObject({ step: 11, min: 0.7, max: 0.99, count: 4 });
        // history comes back in step order, equal steps in the order they were logged
        const h = await store.runs.getMetricHistory(runId, "acc");
        expect(Array.from(h.steps)).toEqual([3, 10, 11, 11]);
        expect(Array.from(h.values)).toEqual([0.99, 0.7, 0.8, Number.NaN]);
      });

      it("splits long fragments into chunks and reads step ranges", async () => {
        const { runId } = await newRun();
        const n = CHUNK_POINTS * 2 + 17;
        const steps = Array.from({ length: n }, (_, i) => i * 2);
        const values = steps.map((s) => Math.sin(s));
        await store.runs.logBatch(runId, { metrics: [series("long", steps, values)] });
        const h = await store.runs.getMetricHistory(runId, "long");
        expect(h.values.length).toBe(n);
        expect(h.values[n - 1]).toBe(Math.sin((n - 1) * 2));
        expect(h.steps[CHUNK_POINTS]).toBe(CHUNK_POINTS * 2);
        const mid = await store.runs.getMetricHistory(runId, "long", { minStep: 65_530, maxStep: 65_540 });
        expect(Array.from(mid.steps)).toEqual([65_530, 65_532, 65_534, 65_536, 65_538, 65_540]);
        expect((await store.runs.getRun(runId)).metricSummaries[0]!.count).toBe(n);
        expect((await store.runs.getMetricHistory(runId, "absent")).values.length).toBe(0);
      });

      it("handles irregular steps and timestamps exactly", async () => {
        const { runId } = await newRun();
        const s: MetricSeriesInput = {
          key: "irregular",
          steps: Float64Array.of(5, 1, 9007199254740991, -3),
          timestamps: Float64Array.of(T0, T0 + 10 * 86_400_000 * 30, 0, T0),
          values: Float64Array.of(1, 2, 3, 4),
        };
        await store.runs.logBatch(runId, { metrics: [s] });
        const h = await store.runs.getMetricHistory(runId, "irregular");
        expect(Array.from(h.steps)).toEqual([-3, 1, 5, 9007199254740991]);
        expect(Array.from(h.timestamps)).toEqual([T0, T0 + 10 * 86_400_000 * 30, T0, 0]);
        expect(Array.from(h.values)).toEqual([4, 2, 1, 3]);
      });
    });

    describe("datasets and artifacts", () => {
      it("records dataset inputs with context, once each", async () => {
        const { runId } = await newRun();
        const d = {
          name: "train.csv",
          digest: "a".repeat(64),
          sourceType: "local-file",
          source: "/data/train.csv",
          size: 123,
          rows: 10,
          columns: 3,
          schema: '[{"name":"x","type":"integer"}]',
          profile: null,
        };
        await store.runs.logInputs(runId, [{ ...d, context: "train" }]);
        await store.runs.logInputs(runId, [{ ...d, context: "train" }]);
        await store.runs.logInputs(runId, [{ ...d, context: "test" }]);
        const run = await store.runs.getRun(runId);
        expect(run.datasets.map((x) => x.context).sort()).toEqual(["test", "train"]);
        expect(run.datasets[0]).toMatchObject({
          name: "train.csv",
          digest: "a".repeat(64),
          rows: 10,
          columns: 3,
          size: 123,
        });
        await expectCode(store.runs.logInputs(runId, [{ ...d, context: "" }]), "INVALID_ARGUMENT");
      });

      it("indexes artifacts by path and lists by directory", async () => {
        const { runId } = await newRun();
        const hashes = new Map<string, string>();
        for (const c of "abcde") {
          hashes.set(c, factory.blobs ? (await factory.blobs(store).put(c)).sha256 : c.repeat(64));
        }
        const h = (c: string) => hashes.get(c)!;
        await store.runs.recordArtifact(runId, {
          path: "model/model.json",
          sha256: h("a"),
          size: 3,
          createdTime: T0,
        });
        await store.runs.recordArtifact(runId, {
          path: "model/sub/w.bin",
          sha256: h("b"),
          size: 4,
          createdTime: T0,
        });
        await store.runs.recordArtifact(runId, {
          path: "model0.txt",
          sha256: h("c"),
          size: 5,
          createdTime: T0,
        });
        await store.runs.recordArtifact(runId, {
          path: "notes.txt",
          sha256: h("d"),
          size: 6,
          createdTime: T0,
        });
        expect((await store.runs.listArtifacts(runId)).map((a) => a.path)).toEqual([
          "model/model.json",
          "model/sub/w.bin",
          "model0.txt",
          "notes.txt",
        ]);
        expect((await store.runs.listArtifacts(runId, "model")).map((a) => a.path)).toEqual([
          "model/model.json",
          "model/sub/w.bin",
        ]);
        expect(await store.runs.getArtifact(runId, "notes.txt")).toEqual({
          path: "notes.txt",
          sha256: h("d"),
          size: 6,
          createdTime: T0,
        });
        await expectCode(store.runs.getArtifact(runId, "nope.txt"), "ARTIFACT_NOT_FOUND");
        await expectCode(store.runs.getArtifact(HEX(3), "nope.txt"), "RUN_NOT_FOUND");
        await expectCode(
          store.runs.recordArtifact(runId, { path: "../evil", sha256: h("e"), size: 1, createdTime: T0 }),
          "INVALID_NAME",
        );
      });
    });

    describe("search", () => {
      let ids: Record<string, string>;
      beforeEach(async () => {
        ids = {};
        const rows: Array<
          [string, Record<string, string>, Record<string, number>, Record<string, string>, number]
        > = [
          ["rf_a", { model: "rf", depth: "3" }, { f1: 0.71, loss: 0.3 }, { team: "Retention" }, 1],
          ["rf_b", { model: "rf", depth: "5" }, { f1: 0.4, loss: 0.5 }, { team: "growth" }, 2],
          ["gb_a", { model: "gbdt", depth: "6" }, { f1: 0.83, loss: 0.2 }, { team: "retention" }, 3],
          ["lr_a", { model: "logreg" }, { f1: 0.58 }, {}, 4],
          ["nan_run", { model: "rf" }, { f1: Number.NaN }, {}, 5],
          ["bare", {}, {}, { "my tag": "x y" }, 6],
        ];
        for (const [name, params, metrics, tags, t] of rows) {
          const { runId } = await newRun({ runName: name, startTime: T0 + t, tags });
          ids[name] = runId;
          await store.runs.logBatch(runId, {
            params: Object.entries(params).map(([key, value]) => ({ key, value })),
            metrics: Object.entries(metrics).map(([k, v]) => series(k, [0], [v])),
          });
        }
        await store.runs.updateRun(ids.rf_b!, { status: "FINISHED", endTime: T0 + 100 });
        await store.runs.logInputs(ids.gb_a!, [
          {
            name: "train",
            digest: "d1",
            sourceType: "local-file",
            source: "/t",
            size: null,
            rows: null,
            columns: null,
            schema: null,
            profile: null,
            context: "train",
          },
        ]);
      });

      const names = async (filter?: string, orderBy?: string[]) =>
        (await store.runs.searchRuns({ experimentIds: [expId], filter, orderBy })).runs.map(
          (r) => r.info.runName,
        );

      it("runs the issue's example query", async () => {
        expect(await names("metrics.f1 > 0.5 and params.model = 'rf'", ["metrics.f1 DESC"])).toEqual([
          "rf_a",
        ]);
      });

      it("orders by start time (newest first) by default", async () => {
        expect(await names()).toEqual(["bare", "nan_run", "lr_a", "gb_a", "rf_b", "rf_a"]);
      });

      it("orders by a metric with missing and NaN values last in both directions", async () => {
        expect(await names(undefined, ["metrics.f1 DESC"])).toEqual([
          "gb_a",
          "rf_a",
          "lr_a",
          "rf_b",
          "bare",
          "nan_run",
        ]);
        expect(await names(undefined, ["metrics.f1 ASC"])).toEqual([
          "rf_b",
          "lr_a",
          "rf_a",
          "gb_a",
          "bare",
          "nan_run",
        ]);
        expect(await names(undefined, ["params.depth DESC", "attributes.run_name ASC"])).toEqual([
          "gb_a",
          "rf_b",
          "rf_a",
          "bare",
          "lr_a",
          "nan_run",
        ]);
      });

      it("supports OR, parentheses, IN, NOT IN, LIKE (case-sensitive), ILIKE and IS NULL", async () => {
        const sorted = async (f: string) => (await names(f)).sort();
        expect(await sorted("params.model = 'gbdt' OR metrics.f1 < 0.5")).toEqual(["gb_a", "rf_b"]);
        expect(
          await sorted("(params.model = 'rf' or params.model = 'gbdt') and metrics.loss <= 0.3"),
        ).toEqual(["gb_a", "rf_a"]);
        expect(await sorted("params.model IN ('logreg', 'gbdt')")).toEqual(["gb_a", "lr_a"]);
        expect(await sorted("params.model NOT IN ('rf')")).toEqual(["gb_a", "lr_a"]);
        expect(await sorted("tags.team LIKE 'ret%'")).toEqual(["gb_a"]);
        expect(await sorted("tags.team ILIKE 'ret%'")).toEqual(["gb_a", "rf_a"]);
        expect(await sorted("params.model LIKE 'r_'")).toEqual(["nan_run", "rf_a", "rf_b"]);
        expect(await sorted("metrics.loss IS NULL")).toEqual(["bare", "lr_a", "nan_run"]);
        expect(await sorted("tags.`my tag` = 'x y'")).toEqual(["bare"]);
        expect(await sorted("params.depth != '3'")).toEqual(["gb_a", "rf_b"]);
      });

      it("never matches NaN in a comparison", async () => {
        expect(await names("metrics.f1 >= -inf")).not.toContain("nan_run");
        expect(await names("metrics.f1 != 0.5")).not.toContain("nan_run");
      });

      it("filters on attributes and datasets", async () => {
        expect(await names("attributes.status = 'FINISHED'")).toEqual(["rf_b"]);
        expect(await names("status != 'FINISHED' and start_time <= " + (T0 + 2))).toEqual(["rf_a"]);
        expect(await names(`attributes.run_id = '${ids.lr_a}'`)).toEqual(["lr_a"]);
        expect(await names("attributes.run_name LIKE '%_a'")).toEqual(["lr_a", "gb_a", "rf_a"]);
        expect(await names("datasets.name = 'train' and datasets.context = 'train'")).toEqual(["gb_a"]);
        expect(await names(`attributes.experiment_id = '${expId}'`)).toHaveLength(6);
      });

      it("pages with tokens bound to the query", async () => {
        const seen: string[] = [];
        let token: string | null = null;
        let pages = 0;
        do {
          const res = await store.runs.searchRuns({
            experimentIds: [expId],
            maxResults: 4,
            pageToken: token,
            orderBy: ["metrics.f1 DESC"],
          });
          seen.push(...res.runs.map((r) => r.info.runName));
          token = res.nextPageToken;
          pages++;
        } while (token);
        expect(pages).toBe(2);
        expect(seen).toEqual(["gb_a", "rf_a", "lr_a", "rf_b", "bare", "nan_run"]);
        const first = await store.runs.searchRuns({ experimentIds: [expId], maxResults: 2 });
        await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], maxResults: 2, pageToken: "garbage" }),
          "INVALID_PAGE_TOKEN",
        );
        await expectCode(
          store.runs.searchRuns({
            experimentIds: [expId],
            maxResults: 2,
            pageToken: first.nextPageToken,
            filter: "metrics.f1 > 0",
          }),
          "INVALID_PAGE_TOKEN",
        );
      });

      it("hides deleted runs unless asked", async () => {
        await store.runs.setRunLifecycle(ids.bare!, "deleted", at(T0));
        expect(await names()).not.toContain("bare");
        const del = await store.runs.searchRuns({ experimentIds: [expId], viewType: "deleted" });
        expect(del.runs.map((r) => r.info.runName)).toEqual(["bare"]);
        const all = await store.runs.searchRuns({ experimentIds: [expId], viewType: "all" });
        expect(all.runs).toHaveLength(6);
      });

      it("reports malformed filters with the offending position", async () => {
        const e = await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], filter: "metrics.f1 => 0.5" }),
          "INVALID_FILTER",
        );
        expect(e.details).toMatchObject({ position: 11 });
        await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], orderBy: ["metrics.f1 SIDEWAYS"] }),
          "INVALID_ORDER_BY",
        );
        await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], maxResults: 0 }),
          "INVALID_ARGUMENT",
        );
        await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], maxResults: 50_001 }),
          "INVALID_ARGUMENT",
        );
      });

      it("counts matches and returns only the columns asked for", async () => {
        expect(await store.runs.countRuns({ experimentIds: [expId] })).toBe(6);
        expect(await store.runs.countRuns({ experimentIds: [expId], filter: "params.model = 'rf'" })).toBe(3);
        expect(
          await store.runs.countRuns({
            experimentIds: [expId],
            filter: "metrics.f1 > 0.5 or tags.team = 'growth'",
          }),
        ).toBe(4);
        expect(await store.runs.countRuns({ experimentIds: [] })).toBe(0);
        await expectCode(
          store.runs.countRuns({ experimentIds: [expId], filter: "metrics.f1 >" }),
          "INVALID_FILTER",
        );
        const res = await store.runs.searchRuns({
          experimentIds: [expId],
          filter: "params.model = 'gbdt'",
          columns: { params: ["depth"], metrics: ["loss", "absent"], tags: [] },
        });
        expect(res.runs[0]!.data).toEqual({ params: { depth: "6" }, metrics: { loss: 0.2 }, tags: {} });
        expect(res.runs[0]!.metricSummaries.map((m) => m.key)).toEqual(["loss"]);
        const some = await store.runs.searchRuns({
          experimentIds: [expId],
          filter: "params.model = 'gbdt'",
          columns: { metrics: ["f1"] },
        });
        expect(some.runs[0]!.data).toEqual({
          params: { model: "gbdt", depth: "6" },
          metrics: { f1: 0.83 },
          tags: { team: "retention" },
        });
      });

      it("lists every key the experiment's runs use", async () => {
        expect(await store.runs.listColumns(expId)).toEqual({
          params: ["depth", "model"],
          metrics: ["f1", "loss"],
          tags: ["my tag", "team"],
        });
        await expectCode(store.runs.listColumns("424242"), "EXPERIMENT_NOT_FOUND");
      });

      it("refuses searches over the size limits with typed errors", async () => {
        const many = Array.from({ length: 41 }, (_, i) => `params.p${i} = 'x'`).join(" AND ");
        await expectCode(store.runs.searchRuns({ experimentIds: [expId], filter: many }), "INVALID_FILTER");
        const deep = `${"(".repeat(101)}params.a = 'x'${")".repeat(101)}`;
        await expectCode(store.runs.searchRuns({ experimentIds: [expId], filter: deep }), "INVALID_FILTER");
        const orders = Array.from({ length: 11 }, (_, i) => `metrics.m${i}`);
        await expectCode(
          store.runs.searchRuns({ experimentIds: [expId], orderBy: orders }),
          "INVALID_ORDER_BY",
        );
        const ids = Array.from({ length: 10_001 }, (_, i) => String(i));
        await expectCode(store.runs.searchRuns({ experimentIds: ids }), "INVALID_ARGUMENT");
        // right at the limits it works
        const forty = Array.from({ length: 40 }, (_, i) => `params.p${i} != 'x'`).join(" AND ");
        expect((await store.runs.searchRuns({ experimentIds: [expId], filter: forty })).runs).toEqual([]);
      });

      it("returns params, latest metrics and tags with each run", async () => {
        const [run] = (
          await store.runs.searchRuns({ experimentIds: [expId], filter: "params.model = 'gbdt'" })
        ).runs;
        expect(run!.data).toEqual({
          params: { model: "gbdt", depth: "6" },
          metrics: { f1: 0.83, loss: 0.2 },
          tags: { team: "retention" },
        });
        expect(run!.datasets.map((d) => d.name)).toEqual(["train"]);
      });
    });

    it("stores many tags at once and returns pages larger than one SQL IN list", async () => {
      const tags = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`t${i}`, String(i)]));
      const { runId } = await newRun({ tags });
      expect(Object.keys((await store.runs.getRun(runId)).data.tags)).toHaveLength(1200);
      for (let i = 0; i < 540; i++) {
        const r = await newRun({ runName: `bulk-${i}`, startTime: T0 + i });
        if (i % 2 === 0) await store.runs.logBatch(r.runId, { params: [{ key: "i", value: String(i) }] });
      }
      const page = await store.runs.searchRuns({ experimentIds: [expId], maxResults: 1000 });
      expect(page.runs).toHaveLength(541);
      expect(page.runs.filter((r) => r.data.params.i !== undefined)).toHaveLength(270);
      expect(page.runs[0]!.info.runName).toBe("bulk-539");
    });

    describe("search order against an independent oracle", () => {
      interface Fixture {
        id: string;
        start: number;
        a: number | undefined;
        b: number;
        g: string;
      }
      // Ties in `a`, runs without `a`, NaN `a`, equal start times: every tie-breaker matters.
      async function fill(s: Store, exp: string): Promise<Fixture[]> {
        const rng = new Rng(11);
        const out: Fixture[] = [];
        for (let i = 0; i < 60; i++) {
          const start = T0 + rng.int(0, 20);
          const { runId } = await s.runs.createRun({
            experimentId: exp,
            runName: `r${i}`,
            userId: "u",
            startTime: start,
            artifactUri: "x",
          });
          const roll = rng.random();
          const a = roll < 0.15 ? undefined : roll < 0.25 ? Number.NaN : rng.int(0, 9) / 10;
          const b = rng.random();
          const g = ["x", "y", "z"][rng.int(0, 2)]!;
          const metrics = [series("b", [0], [b])];
          if (a !== undefined) metrics.push(series("a", [0], [a]));
          await s.runs.logBatch(runId, { params: [{ key: "g", value: g }], metrics });
          out.push({ id: runId, start, a, b, g });
        }
        return out;
      }

      const byKey = (get: (f: Fixture) => number | undefined, asc: boolean) => (x: Fixture, y: Fixture) => {
        const vx = get(x);
        const vy = get(y);
        const nx = vx === undefined || Number.isNaN(vx);
        const ny = vy === undefined || Number.isNaN(vy);
        if (nx !== ny) return nx ? 1 : -1;
        if (!nx && vx !== vy) return asc ? vx! - vy! : vy! - vx!;
        return 0;
      };
      const tie = (x: Fixture, y: Fixture) => y.start - x.start || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
      const cases: Array<{
        filter?: string;
        orderBy: string[];
        keep: (f: Fixture) => boolean;
        cmp: (x: Fixture, y: Fixture) => number;
      }> = [
        { orderBy: ["metrics.a DESC"], keep: () => true, cmp: byKey((f) => f.a, false) },
        {
          filter: "params.g = 'x'",
          orderBy: ["metrics.a ASC"],
          keep: (f) => f.g === "x",
          cmp: byKey((f) => f.a, true),
        },
        {
          filter: "metrics.a > 0.3 and params.g != 'z'",
          orderBy: ["metrics.b DESC"],
          keep: (f) => f.a !== undefined && f.a > 0.3 && f.g !== "z",
          cmp: byKey((f) => f.b, false),
        },
        {
          // selective: the bounded form runs out of candidates and falls back to a full sort
          filter: "metrics.b > 0.7 and params.g = 'y'",
          orderBy: ["metrics.a DESC"],
          keep: (f) => f.b > 0.7 && f.g === "y",
          cmp: byKey((f) => f.a, false),
        },
        {
          orderBy: ["metrics.a DESC", "metrics.b ASC"],
          keep: () => true,
          cmp: (x, y) => byKey((f) => f.a, false)(x, y) || byKey((f) => f.b, true)(x, y),
        },
      ];

      for (const budget of [12, 5000]) {
        it(`pages every query in the oracle's order (search budget ${budget})`, async () => {
          const s = await factory.open({ searchBudget: budget });
          try {
            const exp = (await s.runs.createExperiment({ name: "oracle" }, T0)).experimentId;
            const runs = await fill(s, exp);
            for (const c of cases) {
              const expected = runs
                .filter(c.keep)
                .sort((x, y) => c.cmp(x, y) || tie(x, y))
                .map((f) => f.id);
              const got: string[] = [];
              let token: string | null = null;
              do {
                const page = await s.runs.searchRuns({
                  experimentIds: [exp],
                  filter: c.filter,
                  orderBy: c.orderBy,
                  maxResults: 3,
                  pageToken: token,
                });
                got.push(...page.runs.map((r) => r.info.runId));
                token = page.nextPageToken;
              } while (token);
              expect(got).toEqual(expected);
            }
          } finally {
            await s.close();
            await factory.dispose?.(s);
          }
        });
      }
    });
  });
}
