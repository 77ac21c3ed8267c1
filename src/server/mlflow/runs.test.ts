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
let exp: string;
beforeEach(async () => {
  h = await openHarness();
  exp = await createExperiment(h, "exp");
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

type RunJson = {
  info: Record<string, unknown>;
  data: { metrics?: unknown[]; params?: unknown[]; tags?: Array<{ key: string; value: string }> };
  inputs: Record<string, unknown>;
};
const runOf = (r: Reply) => (r.json as { run: RunJson }).run;
const getRun = async (id: string) => runOf(await h.get(`${API}/runs/get`, { run_id: id }));

describe("runs/create and runs/get", () => {
  it("creates a run and returns the same run from create, get and search", async () => {
    const r = await h.post(`${API}/runs/create`, {
      experiment_id: exp,
      user_id: "alice",
      start_time: T0,
      run_name: "baseline",
      tags: [
        { key: "team", value: "retention" },
        { key: "mlflow.source.name", value: "train.py" },
      ],
    });
    expect(r.status).toBe(200);
    const run = runOf(r);
    const id = run.info.run_id as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(run).toEqual({
      info: {
        run_id: id,
        run_uuid: id,
        run_name: "baseline",
        experiment_id: exp,
        user_id: "alice",
        status: "RUNNING",
        start_time: T0,
        artifact_uri: `mlflow-artifacts:/${exp}/${id}/artifacts`,
        lifecycle_stage: "active",
      },
      data: {
        tags: [
          { key: "mlflow.runName", value: "baseline" },
          { key: "mlflow.source.name", value: "train.py" },
          { key: "team", value: "retention" },
        ],
      },
      inputs: {},
    });
    expect(await h.get(`${API}/runs/get`, { run_id: id })).toMatchObject({ status: 200, json: { run } });
    expect((await h.get(`${API}/runs/get`, { run_uuid: id })).json).toEqual({ run });
    const s = await h.post(`${API}/runs/search`, { experiment_ids: [exp] });
    expect(s.json).toEqual({ runs: [run] });
  });

  it("names the run from the mlflow.runName tag, or generates a name", async () => {
    const named = await getRun(
      await createRun(h, { experiment_id: exp, tags: [{ key: "mlflow.runName", value: "from-tag" }] }),
    );
    expect(named.info.run_name).toBe("from-tag");
    expect(named.data.tags).toEqual([{ key: "mlflow.runName", value: "from-tag" }]);
    const same = await getRun(
      await createRun(h, {
        experiment_id: exp,
        run_name: "x",
        tags: [{ key: "mlflow.runName", value: "x" }],
      }),
    );
    expect(same.info.run_name).toBe("x");
    const generated = await getRun(await createRun(h, { experiment_id: exp }));
    expect(generated.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(generated.data.tags).toEqual([{ key: "mlflow.runName", value: generated.info.run_name }]);
    await rejects(
      () =>
        h.post(`${API}/runs/create`, {
          experiment_id: exp,
          run_name: "a",
          tags: [{ key: "mlflow.runName", value: "b" }],
        }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("defaults to the Default experiment, the server's time and an unknown user", async () => {
    const run = await getRun(await createRun(h, {}));
    expect(run.info).toMatchObject({ experiment_id: "0", start_time: T0, user_id: "unknown" });
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${run.info.run_id}/artifacts`);
  });

  it("makes a stored mlflow.parentRunId the parent and keeps it as a tag", async () => {
    const parent = await createRun(h, { experiment_id: exp, run_name: "parent" });
    const child = await createRun(h, {
      experiment_id: exp,
      run_name: "child",
      tags: [{ key: "mlflow.parentRunId", value: parent }],
    });
    expect((await h.store.runs.getRun(child)).info.parentRunId).toBe(parent);
    expect((await getRun(child)).data.tags).toEqual([
      { key: "mlflow.parentRunId", value: parent },
      { key: "mlflow.runName", value: "child" },
    ]);
    const s = await h.post(`${API}/runs/search`, {
      experiment_ids: [exp],
      filter: `tags.mlflow.parentRunId = '${parent}'`,
    });
    expect(((s.json as { runs: RunJson[] }).runs ?? []).map((r) => r.info.run_name)).toEqual(["child"]);
    const orphan = await createRun(h, {
      experiment_id: exp,
      tags: [{ key: "mlflow.parentRunId", value: "f".repeat(32) }],
    });
    expect((await h.store.runs.getRun(orphan)).info.parentRunId).toBeNull();
    expect((await getRun(orphan)).data.tags).toContainEqual({
      key: "mlflow.parentRunId",
      value: "f".repeat(32),
    });
  });

  it("rejects unknown and deleted experiments, bad fields and unknown runs", async () => {
    await rejects(
      () => h.post(`${API}/runs/create`, { experiment_id: "99" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await h.post(`${API}/experiments/delete`, { experiment_id: exp });
    await rejects(
      () => h.post(`${API}/runs/create`, { experiment_id: exp }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_STATE",
    );
    await rejects(() => h.post(`${API}/runs/create`, { experiment_id: 0 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => h.post(`${API}/runs/create`, { start_time: "soon" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => h.post(`${API}/runs/create`, { run_id: "abc" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => h.get(`${API}/runs/get`, { run_id: "0".repeat(32) }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(() => h.get(`${API}/runs/get`, {}), 400, "INVALID_PARAMETER_VALUE");
  });

  it("shows a run the server ended as crashed as FAILED, and revives it when it logs again", async () => {
    const id = await createRun(h, { experiment_id: exp, start_time: T0 });
    h.clock.advance(61_000);
    expect((await getRun(id)).info).toMatchObject({ status: "FAILED", end_time: T0 });
    await h.post(`${API}/runs/log-metric`, { run_id: id, key: "m", value: 1, timestamp: T0 + 61_000 });
    const info = (await getRun(id)).info;
    expect(info.status).toBe("RUNNING");
    expect(info).not.toHaveProperty("end_time");
  });
});

describe("runs/update, delete, restore", () => {
  it("updates status, end time and name", async () => {
    const id = await createRun(h, { experiment_id: exp, run_name: "a", start_time: T0 });
    const r = await h.post(`${API}/runs/update`, {
      run_id: id,
      status: "FINISHED",
      end_time: T0 + 10,
      run_name: "b",
    });
    expect(r.json).toEqual({
      run_info: {
        run_id: id,
        run_uuid: id,
        run_name: "b",
        experiment_id: exp,
        user_id: "unknown",
        status: "FINISHED",
        start_time: T0,
        end_time: T0 + 10,
        artifact_uri: `mlflow-artifacts:/${exp}/${id}/artifacts`,
        lifecycle_stage: "active",
      },
    });
    expect((await getRun(id)).data.tags).toEqual([{ key: "mlflow.runName", value: "b" }]);
    expect((await h.post(`${API}/runs/update`, { run_uuid: id, status: 4 })).json).toMatchObject({
      run_info: { status: "FAILED" },
    });
    await rejects(
      () => h.post(`${API}/runs/update`, { run_id: id, status: "SCHEDULED" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/runs/update`, { run_id: id, status: "DONE" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(() => h.post(`${API}/runs/update`, { status: "KILLED" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      () => h.post(`${API}/runs/update`, { run_id: "0".repeat(32), status: "KILLED" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("deletes and restores runs", async () => {
    const id = await createRun(h, { experiment_id: exp });
    expect((await h.post(`${API}/runs/delete`, { run_id: id })).json).toEqual({});
    expect((await getRun(id)).info.lifecycle_stage).toBe("deleted");
    const search = (run_view_type?: string) =>
      h.post(`${API}/runs/search`, { experiment_ids: [exp], ...(run_view_type ? { run_view_type } : {}) });
    expect((await search()).json).toEqual({});
    expect(((await search("DELETED_ONLY")).json as { runs: unknown[] }).runs).toHaveLength(1);
    expect(((await search("ALL")).json as { runs: unknown[] }).runs).toHaveLength(1);
    await rejects(
      () => h.post(`${API}/runs/set-tag`, { run_id: id, key: "k", value: "v" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect((await h.post(`${API}/runs/restore`, { run_id: id })).json).toEqual({});
    expect((await getRun(id)).info.lifecycle_stage).toBe("active");
    await rejects(
      () => h.post(`${API}/runs/delete`, { run_id: "0".repeat(32) }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(() => h.post(`${API}/runs/delete`, {}), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("runs/search", () => {
  async function seed() {
    const ids: Record<string, string> = {};
    const rows: Array<[string, number, string]> = [
      ["a", 0.9, "rf"],
      ["b", 0.4, "lr"],
      ["c", 0.7, "rf"],
      ["d", Number.NaN, "rf"],
    ];
    for (const [i, [name, acc, model]] of rows.entries()) {
      const id = await createRun(h, { experiment_id: exp, run_name: name, start_time: T0 + i });
      await h.post(`${API}/runs/log-batch`, {
        run_id: id,
        metrics: [{ key: "acc", value: Number.isNaN(acc) ? "NaN" : acc, timestamp: T0, step: 0 }],
        params: [{ key: "model", value: model }],
      });
      ids[name] = id;
    }
    return ids;
  }
  const names = (r: Reply) =>
    ((r.json as { runs?: RunJson[] }).runs ?? []).map((x) => x.info.run_name as string);

  it("filters and orders with MLflow's grammar", async () => {
    await seed();
    const search = (body: Record<string, unknown>) =>
      h.post(`${API}/runs/search`, { experiment_ids: [exp], ...body });
    expect(names(await search({}))).toEqual(["d", "c", "b", "a"]);
    expect(names(await search({ filter: "metrics.acc > 0.5", order_by: ["metrics.acc DESC"] }))).toEqual([
      "a",
      "c",
    ]);
    expect(
      names(await search({ filter: "params.model = 'rf'", order_by: ["attributes.run_name ASC"] })),
    ).toEqual(["a", "c", "d"]);
    expect(names(await search({ filter: "tags.mlflow.runName = 'b'" }))).toEqual(["b"]);
    expect(
      names(
        await search({ filter: "tags.`mlflow.runName` LIKE '%'", order_by: ["tags.mlflow.runName DESC"] }),
      ),
    ).toEqual(["d", "c", "b", "a"]);
    const nan = runOfSearch(await search({ filter: "attributes.run_name = 'd'" }));
    expect(nan.data.metrics).toEqual([{ key: "acc", value: "NaN", timestamp: T0, step: 0 }]);
  });
  const runOfSearch = (r: Reply) => (r.json as { runs: RunJson[] }).runs[0]!;

  it("pages with page_token and leaves out next_page_token on the last page", async () => {
    await seed();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await h.post(`${API}/runs/search`, {
        experiment_ids: [exp],
        max_results: 3,
        order_by: ["metrics.acc ASC"],
        ...(token ? { page_token: token } : {}),
      });
      expect(r.status).toBe(200);
      seen.push(...names(r));
      token = (r.json as { next_page_token?: string }).next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(["b", "c", "a", "d"]);
  });

  it("rejects malformed filters, orders, tokens and limits with INVALID_PARAMETER_VALUE", async () => {
    await seed();
    const search = (body: Record<string, unknown>) => () =>
      h.post(`${API}/runs/search`, { experiment_ids: [exp], ...body });
    await rejects(search({ filter: "metrics.acc >" }), 400, "INVALID_PARAMETER_VALUE", "INVALID_FILTER");
    await rejects(search({ filter: "params.model = rf" }), 400, "INVALID_PARAMETER_VALUE", "INVALID_FILTER");
    await rejects(
      search({ order_by: ["metrics.acc UP"] }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_ORDER_BY",
    );
    await rejects(
      search({ page_token: "not-a-token" }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_PAGE_TOKEN",
    );
    await rejects(search({ max_results: 50_001 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ run_view_type: "EVERYTHING" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ experiment_ids: "1" }), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("runs/search size limits", () => {
  it("answers searches beyond what one SQL query can hold with 400, not 500", async () => {
    const search = (body: Record<string, unknown>) => () =>
      h.post(`${API}/runs/search`, { experiment_ids: [exp], ...body });
    const terms = (n: number, join: string) =>
      Array.from({ length: n }, (_, i) => `params.p${i} = 'x'`).join(join);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    expect(
      (await search({ filter: terms(40, " AND "), order_by: ids(10).map((i) => `tags.t${i}`) })()).status,
    ).toBe(200);
    expect((await search({ experiment_ids: [...ids(10_000), ...ids(10_000)] })()).status).toBe(200);
    await rejects(search({ experiment_ids: ids(10_001) }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ filter: terms(41, " AND ") }), 400, "INVALID_PARAMETER_VALUE", "INVALID_FILTER");
    await rejects(search({ filter: terms(41, " OR ") }), 400, "INVALID_PARAMETER_VALUE", "INVALID_FILTER");
    await rejects(
      search({ filter: `${"(".repeat(101)}params.a = 'x'${")".repeat(101)}` }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    const values = Array.from({ length: 6000 }, (_, i) => `'v${i}'`).join(",");
    await rejects(
      search({ filter: `attributes.run_name IN (${values})` }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_FILTER",
    );
    await rejects(
      search({ order_by: ids(11).map((i) => `params.p${i}`) }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_ORDER_BY",
    );
    const tags = Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    await rejects(
      () => h.post(`${API}/runs/create`, { experiment_id: exp, tags }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/experiments/create`, { name: "many", tags }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("metrics/get-history", () => {
  it("returns every point, and pages with max_results and page_token", async () => {
    const id = await createRun(h, { experiment_id: exp });
    const values = [0.5, "NaN", "Infinity", "-Infinity", 0.25];
    await h.post(`${API}/runs/log-batch`, {
      run_id: id,
      metrics: values.map((value, step) => ({ key: "loss", value, timestamp: T0 + step, step })),
    });
    const points = values.map((value, step) => ({ key: "loss", value, timestamp: T0 + step, step }));
    const all = await h.get(`${API}/metrics/get-history`, { run_id: id, metric_key: "loss" });
    expect(all.json).toEqual({ metrics: points });
    const got: unknown[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await h.get(`${API}/metrics/get-history`, {
        run_uuid: id,
        metric_key: "loss",
        max_results: "2",
        ...(token ? { page_token: token } : {}),
      });
      got.push(...((r.json as { metrics: unknown[] }).metrics ?? []));
      token = (r.json as { next_page_token?: string }).next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(got).toEqual(points);
    expect((await h.get(`${API}/metrics/get-history`, { run_id: id, metric_key: "nope" })).json).toEqual({});
  });

  it("rejects unknown runs, missing keys and foreign page tokens", async () => {
    const id = await createRun(h, { experiment_id: exp });
    await h.post(`${API}/runs/log-batch`, {
      run_id: id,
      metrics: [1, 2, 3].map((v) => ({ key: "a", value: v, timestamp: T0, step: v })),
    });
    const page = await h.get(`${API}/metrics/get-history`, { run_id: id, metric_key: "a", max_results: "1" });
    const token = (page.json as { next_page_token: string }).next_page_token;
    const history = (q: Record<string, string>) => () => h.get(`${API}/metrics/get-history`, q);
    await rejects(history({ run_id: "0".repeat(32), metric_key: "a" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(history({ run_id: id }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      history({ run_id: id, metric_key: "b", page_token: token }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      history({ run_id: id, metric_key: "a", page_token: "%%%" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(history({ run_id: id, metric_key: "a", max_results: "0" }), 400, "INVALID_PARAMETER_VALUE");
  });
});
