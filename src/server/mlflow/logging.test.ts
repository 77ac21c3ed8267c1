import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshot } from "../../store/testing/index.js";
import {
  API,
  createExperiment,
  createRun,
  errorOf,
  type Harness,
  openHarness,
  type Reply,
  T0,
} from "./testing/index.js";

let h: Harness;
let run: string;
beforeEach(async () => {
  h = await openHarness();
  const exp = await createExperiment(h, "exp");
  run = await createRun(h, { experiment_id: exp, run_name: "r", start_time: T0 });
});
afterEach(async () => {
  await h.close();
});

async function rejects(request: () => Promise<Reply>, status: number, errorCode: string, code?: string) {
  const before = await snapshot(h.store);
  const r = await request();
  expect(errorOf(r)).toMatchObject({ status, error_code: errorCode, ...(code ? { code } : {}) });
  expect(await snapshot(h.store)).toEqual(before);
  return r;
}

const history = async (key: string) =>
  (
    (await h.get(`${API}/metrics/get-history`, { run_id: run, metric_key: key })).json as {
      metrics?: unknown[];
    }
  ).metrics;
const data = async () =>
  ((await h.get(`${API}/runs/get`, { run_id: run })).json as { run: { data: Record<string, unknown> } }).run
    .data;

describe("runs/log-metric and runs/log-parameter", () => {
  it("logs metrics, NaN and infinities included, with step 0 by default", async () => {
    const ok = await h.post(`${API}/runs/log-metric`, {
      run_id: run,
      key: "loss",
      value: 0.5,
      timestamp: T0,
    });
    expect(ok).toMatchObject({ status: 200, json: {} });
    await h.post(`${API}/runs/log-metric`, {
      run_uuid: run,
      run_id: run,
      key: "loss",
      value: "NaN",
      timestamp: T0 + 1,
      step: 1,
    });
    await h.post(`${API}/runs/log-metric`, {
      run_id: run,
      key: "loss",
      value: "-Infinity",
      timestamp: "1700000000002",
      step: "2",
    });
    expect(await history("loss")).toEqual([
      { key: "loss", value: 0.5, timestamp: T0, step: 0 },
      { key: "loss", value: "NaN", timestamp: T0 + 1, step: 1 },
      { key: "loss", value: "-Infinity", timestamp: T0 + 2, step: 2 },
    ]);
    expect((await data()).metrics).toEqual([{ key: "loss", value: "-Infinity", timestamp: T0 + 2, step: 2 }]);
  });

  it("rejects missing, mistyped and unknown metric fields, changing nothing", async () => {
    const post = (body: unknown) => () => h.post(`${API}/runs/log-metric`, body);
    await rejects(post({ run_id: run, key: "m", value: 1 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(post({ run_id: run, key: "m", timestamp: T0 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      post({ run_id: run, key: "m", value: true, timestamp: T0 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      post({ run_id: run, key: "m", value: "1.5", timestamp: T0 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(post({ run_id: run, key: "m", value: 1, timestamp: 1.5 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(post({ run_id: run, key: "m", value: 1, timestamp: -1 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      post({ run_id: run, key: "m", value: 1, timestamp: T0, colour: 1 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(post({ key: "m", value: 1, timestamp: T0 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      post({ run_id: run, key: "../m", value: 1, timestamp: T0 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      post(`{"run_id": "${run}", "key": "m", "value": NaN, "timestamp": 1}`),
      400,
      "MALFORMED_REQUEST",
    );
    await rejects(
      post({ run_id: "0".repeat(32), key: "m", value: 1, timestamp: T0 }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("logs params once: the same value again is fine, another value is INVALID_PARAMETER_VALUE", async () => {
    expect(
      (await h.post(`${API}/runs/log-parameter`, { run_id: run, key: "lr", value: "0.1" })).json,
    ).toEqual({});
    expect(
      (await h.post(`${API}/runs/log-parameter`, { run_uuid: run, key: "lr", value: "0.1" })).status,
    ).toBe(200);
    const r = await rejects(
      () => h.post(`${API}/runs/log-parameter`, { run_id: run, key: "lr", value: "0.2" }),
      400,
      "INVALID_PARAMETER_VALUE",
      "PARAM_CONFLICT",
    );
    expect((r.json as { message: string }).message).toContain("params are immutable");
    expect((await data()).params).toEqual([{ key: "lr", value: "0.1" }]);
    await rejects(
      () => h.post(`${API}/runs/log-parameter`, { run_id: run, key: "lr", value: 0.1 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/log-parameter`, { run_id: run, value: "x" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("runs/log-batch", () => {
  it("logs metrics, params and tags at once, each metric key's points in order", async () => {
    const r = await h.post(`${API}/runs/log-batch`, {
      run_id: run,
      metrics: [
        { key: "loss", value: 1, timestamp: T0, step: 0 },
        { key: "acc", value: 0.5, timestamp: T0, step: 0 },
        { key: "loss", value: 0.5, timestamp: T0 + 1, step: 1 },
        { key: "acc", value: "NaN", timestamp: T0 + 1, step: 1 },
      ],
      params: [
        { key: "lr", value: "0.1" },
        { key: "depth", value: "3" },
      ],
      tags: [
        { key: "stage", value: "dev" },
        { key: "stage", value: "prod" },
      ],
    });
    expect(r).toMatchObject({ status: 200, json: {} });
    expect(await history("loss")).toEqual([
      { key: "loss", value: 1, timestamp: T0, step: 0 },
      { key: "loss", value: 0.5, timestamp: T0 + 1, step: 1 },
    ]);
    expect(await data()).toEqual({
      metrics: [
        { key: "acc", value: "NaN", timestamp: T0 + 1, step: 1 },
        { key: "loss", value: 0.5, timestamp: T0 + 1, step: 1 },
      ],
      params: [
        { key: "depth", value: "3" },
        { key: "lr", value: "0.1" },
      ],
      tags: [
        { key: "mlflow.runName", value: "r" },
        { key: "stage", value: "prod" },
      ],
    });
  });

  it("renames the run through the mlflow.runName tag", async () => {
    await h.post(`${API}/runs/log-batch`, {
      run_id: run,
      tags: [{ key: "mlflow.runName", value: "renamed" }],
    });
    const r = (await h.get(`${API}/runs/get`, { run_id: run })).json as {
      run: { info: { run_name: string } };
    };
    expect(r.run.info.run_name).toBe("renamed");
    expect(await data()).toEqual({ tags: [{ key: "mlflow.runName", value: "renamed" }] });
  });

  it("is atomic: a batch with a conflicting param logs nothing", async () => {
    await h.post(`${API}/runs/log-parameter`, { run_id: run, key: "lr", value: "0.1" });
    await rejects(
      () =>
        h.post(`${API}/runs/log-batch`, {
          run_id: run,
          metrics: [{ key: "m", value: 1, timestamp: T0 }],
          params: [{ key: "lr", value: "0.2" }],
          tags: [{ key: "t", value: "v" }],
        }),
      400,
      "INVALID_PARAMETER_VALUE",
      "PARAM_CONFLICT",
    );
  });

  it("enforces MLflow's limits: 1000 metrics, 100 params, 100 tags, 1000 in all, 1 MB", async () => {
    const metrics = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: "m", value: i, timestamp: T0, step: i }));
    const kv = (n: number, p: string) =>
      Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: "v" }));
    const batch = (body: Record<string, unknown>) => () =>
      h.post(`${API}/runs/log-batch`, { run_id: run, ...body });
    await rejects(batch({ metrics: metrics(1001) }), 400, "INVALID_PARAMETER_VALUE", "LIMIT_EXCEEDED");
    await rejects(batch({ params: kv(101, "p") }), 400, "INVALID_PARAMETER_VALUE", "LIMIT_EXCEEDED");
    await rejects(batch({ tags: kv(101, "t") }), 400, "INVALID_PARAMETER_VALUE", "LIMIT_EXCEEDED");
    await rejects(
      batch({ metrics: metrics(900), params: kv(100, "p"), tags: kv(1, "t") }),
      400,
      "INVALID_PARAMETER_VALUE",
      "LIMIT_EXCEEDED",
    );
    const big = await rejects(
      batch({ tags: [{ key: "big", value: "x".repeat(1_000_001) }] }),
      400,
      "INVALID_PARAMETER_VALUE",
      "REQUEST_TOO_LARGE",
    );
    expect(big.status).toBe(400);
    const full = await h.post(`${API}/runs/log-batch`, {
      run_id: run,
      metrics: metrics(900),
      params: kv(100, "p"),
    });
    expect(full.status).toBe(200);
  });

  it("rejects malformed, mistyped and unknown fields", async () => {
    const batch = (body: unknown) => () => h.post(`${API}/runs/log-batch`, body);
    await rejects(batch("[1, 2"), 400, "MALFORMED_REQUEST");
    await rejects(batch({ metrics: [] }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(batch({ run_id: run, metrics: {} }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(batch({ run_id: run, metrics: [{ key: "m", value: 1 }] }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      batch({ run_id: run, params: [{ key: "p", value: "v", extra: 1 }] }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(batch({ run_id: run, tags: [{ value: "v" }] }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      batch({ run_id: run, tags: [{ key: "mlflow.runName", value: "n".repeat(251) }] }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      batch({ run_id: run, metrics: [{ key: "m", value: "x", timestamp: T0 }] }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(batch({ run_id: run, extra: [] }), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("runs/set-tag and runs/delete-tag", () => {
  it("sets, overwrites and deletes tags; mlflow.runName is the run name", async () => {
    await h.post(`${API}/runs/set-tag`, { run_id: run, key: "note", value: "a" });
    expect((await h.post(`${API}/runs/set-tag`, { run_uuid: run, key: "note", value: "b" })).json).toEqual(
      {},
    );
    await h.post(`${API}/runs/set-tag`, { run_id: run, key: "mlflow.runName", value: "renamed" });
    expect((await data()).tags).toEqual([
      { key: "mlflow.runName", value: "renamed" },
      { key: "note", value: "b" },
    ]);
    expect((await h.post(`${API}/runs/delete-tag`, { run_id: run, key: "note" })).json).toEqual({});
    expect((await h.post(`${API}/runs/delete-tag`, { run_id: run, key: "mlflow.runName" })).status).toBe(200);
    expect((await data()).tags).toEqual([{ key: "mlflow.runName", value: "renamed" }]);
    await rejects(
      () => h.post(`${API}/runs/delete-tag`, { run_id: run, key: "note" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/set-tag`, { run_id: run, key: "k", value: "v".repeat(5001) }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/set-tag`, { run_id: run, value: "v" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/delete-tag`, { run_id: "0".repeat(32), key: "k" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});

describe("runs/log-inputs", () => {
  it("records dataset inputs with their context", async () => {
    const dataset = {
      name: "churn-train",
      digest: "d41d8cd9",
      source_type: "local",
      source: '{"uri": "/data/train.csv"}',
      schema: '{"mlflow_colspec": []}',
      profile: '{"num_rows": 10}',
    };
    const r = await h.post(`${API}/runs/log-inputs`, {
      run_id: run,
      datasets: [
        { tags: [{ key: "mlflow.data.context", value: "training" }], dataset },
        { dataset: { name: "holdout", digest: "abc", source_type: "s3", source: "s3://b/k" } },
      ],
    });
    expect(r).toMatchObject({ status: 200, json: {} });
    const got = (await h.get(`${API}/runs/get`, { run_id: run })).json as { run: { inputs: unknown } };
    expect(got.run.inputs).toEqual({
      dataset_inputs: [
        { tags: [{ key: "mlflow.data.context", value: "training" }], dataset },
        { dataset: { name: "holdout", digest: "abc", source_type: "s3", source: "s3://b/k" } },
      ],
    });
    await rejects(
      () => h.post(`${API}/runs/log-inputs`, { run_id: run, datasets: [{ dataset: { name: "x" } }] }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/log-inputs`, { run_id: "0".repeat(32), datasets: [] }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });
});

describe("runs/log-model", () => {
  it("appends the model to the mlflow.log-model.history tag", async () => {
    const model = (path: string) => ({
      artifact_path: path,
      flavors: {
        sklearn: { pickled_model: "model.pkl", config: { big: true } },
        python_function: { loader_module: "x" },
      },
      utc_time_created: "2024-01-01 00:00:00.000000",
      run_id: run,
      model_uuid: `uuid-${path}`,
      signature: { inputs: "[]" },
    });
    for (const path of ["model", "model2"]) {
      const r = await h.post(`${API}/runs/log-model`, {
        run_id: run,
        model_json: JSON.stringify(model(path)),
      });
      expect(r).toMatchObject({ status: 200, json: {} });
    }
    const tags = (await data()).tags as Array<{ key: string; value: string }>;
    const historyTag = tags.find((t) => t.key === "mlflow.log-model.history")!;
    expect(JSON.parse(historyTag.value)).toEqual(
      ["model", "model2"].map((path) => ({
        run_id: run,
        artifact_path: path,
        utc_time_created: "2024-01-01 00:00:00.000000",
        model_uuid: `uuid-${path}`,
        flavors: { sklearn: { pickled_model: "model.pkl" }, python_function: { loader_module: "x" } },
      })),
    );
    await rejects(
      () => h.post(`${API}/runs/log-model`, { run_id: run, model_json: "{not json" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () =>
        h.post(`${API}/runs/log-model`, { run_id: run, model_json: JSON.stringify({ artifact_path: "m" }) }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(() => h.post(`${API}/runs/log-model`, { run_id: run }), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("writes to a deleted run", () => {
  it("are refused with INVALID_PARAMETER_VALUE and change nothing", async () => {
    await h.post(`${API}/runs/delete`, { run_id: run });
    await rejects(
      () => h.post(`${API}/runs/log-metric`, { run_id: run, key: "m", value: 1, timestamp: T0 }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_STATE",
    );
    await rejects(() => h.post(`${API}/runs/log-batch`, { run_id: run }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      () => h.post(`${API}/runs/update`, { run_id: run, status: "FINISHED" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});
