/**
 * Random requests against the MLflow routes: valid and invalid fields mixed, wrong types, huge
 * strings, malformed bodies, random query strings and artifact paths. Whatever comes in, the
 * server answers below 500, and a run seeded before the first request keeps its params, its
 * metric history and its artifacts (writes may add to the run, never change what it holds).
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  API,
  ARTIFACTS,
  createExperiment,
  createRun,
  type Harness,
  openHarness,
  queryString,
  T0,
} from "./testing/index.js";

interface Req {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
}

const SEED_PARAMS = { alpha: "0.1", depth: "3" };
const SEED_METRIC = "seed_loss";
const SEED_POINTS = [
  { key: SEED_METRIC, value: 0.5, timestamp: T0, step: 0 },
  { key: SEED_METRIC, value: "NaN", timestamp: T0 + 1, step: 1 },
  { key: SEED_METRIC, value: 0.25, timestamp: T0 + 2, step: 2 },
];
const SEED_FILES: Record<string, Buffer> = {
  "seed.txt": Buffer.from("seeded text"),
  "model/seed.bin": Buffer.from([0, 1, 2, 3, 255]),
};
/** Each route with the fields its request message declares. */
const POST_ROUTES: Record<string, string[]> = {
  "experiments/create": ["name", "artifact_location", "tags"],
  "experiments/search": ["max_results", "page_token", "filter", "order_by", "view_type"],
  "experiments/update": ["experiment_id", "new_name"],
  "experiments/delete": ["experiment_id"],
  "experiments/restore": ["experiment_id"],
  "experiments/set-experiment-tag": ["experiment_id", "key", "value"],
  "runs/create": ["experiment_id", "user_id", "run_name", "start_time", "tags"],
  "runs/update": ["run_id", "run_uuid", "status", "end_time", "run_name"],
  "runs/delete": ["run_id"],
  "runs/restore": ["run_id"],
  "runs/search": ["experiment_ids", "filter", "run_view_type", "max_results", "order_by", "page_token"],
  "runs/log-metric": ["run_id", "run_uuid", "key", "value", "timestamp", "step"],
  "runs/log-parameter": ["run_id", "run_uuid", "key", "value"],
  "runs/log-batch": ["run_id", "metrics", "params", "tags"],
  "runs/set-tag": ["run_id", "run_uuid", "key", "value"],
  "runs/delete-tag": ["run_id", "key"],
  "runs/log-inputs": ["run_id", "datasets", "models"],
  "runs/log-model": ["run_id", "model_json"],
};
const GET_ROUTES: Record<string, string[]> = {
  "experiments/get": ["experiment_id"],
  "experiments/get-by-name": ["experiment_name"],
  "experiments/search": ["max_results", "page_token", "filter", "order_by", "view_type"],
  "runs/get": ["run_id", "run_uuid"],
  "metrics/get-history": ["run_id", "run_uuid", "metric_key", "page_token", "max_results"],
  "artifacts/list": ["run_id", "run_uuid", "path", "page_token"],
};

let h: Harness;
let exp: string;
let run: string;
let seedHistory: unknown;
let seedHashes: Record<string, string>;

beforeAll(async () => {
  h = await openHarness();
  exp = await createExperiment(h, "seeded");
  run = await createRun(h, { experiment_id: exp, run_name: "seeded", start_time: T0 });
  await h.post(`${API}/runs/log-batch`, {
    run_id: run,
    metrics: SEED_POINTS,
    params: Object.entries(SEED_PARAMS).map(([key, value]) => ({ key, value })),
  });
  for (const [path, bytes] of Object.entries(SEED_FILES)) {
    await h.request({ method: "PUT", url: `${ARTIFACTS}/${exp}/${run}/artifacts/${path}`, payload: bytes });
  }
  seedHistory = await history();
  seedHashes = {};
  for (const path of Object.keys(SEED_FILES))
    seedHashes[path] = (await h.store.runs.getArtifact(run, path)).sha256;
  expect((await h.store.runs.getRun(run)).data.params).toEqual(SEED_PARAMS);
  expect((seedHistory as number[][])[0]).toEqual([0, 1, 2]);
});
afterAll(async () => {
  await h.close();
});

async function history() {
  const s = await h.store.runs.getMetricHistory(run, SEED_METRIC);
  return [Array.from(s.steps), Array.from(s.timestamps), Array.from(s.values)];
}

/** The seeded run still holds what it was given. */
async function seedIntact(): Promise<void> {
  const stored = await h.store.runs.getRun(run);
  for (const [k, v] of Object.entries(SEED_PARAMS)) expect(stored.data.params[k]).toBe(v);
  expect(await history()).toEqual(seedHistory);
  for (const [path, bytes] of Object.entries(SEED_FILES)) {
    const entry = await h.store.runs.getArtifact(run, path);
    expect(entry.sha256).toBe(seedHashes[path]);
    expect(Buffer.compare(await h.artifacts.get(entry.sha256), bytes)).toBe(0);
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A query string from a message: arrays repeat, objects go as JSON, the rest as text. */
function asQuery(m: Record<string, unknown>): Record<string, string[]> {
  const q: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(m)) {
    q[k] = (Array.isArray(v) ? v : [v]).map((x) =>
      typeof x === "object" && x !== null ? JSON.stringify(x) : String(x),
    );
  }
  return q;
}

// ---------------------------------------------------------------- generators

const huge = fc.integer({ min: 5_000, max: 1_100_000 }).map((n) => "x".repeat(n));
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("\ud800", "a\udfffb", "\u0000", "", " ", "../..", "%", "'", '"', "`"),
  },
  { weight: 1, arbitrary: huge },
);
const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), text);
/** Mostly plausible values for a field, sometimes anything at all. */
function field<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: plausible }, { weight: 1, arbitrary: junk });
}
/** Mostly a valid choice, sometimes one of the invalid ones. */
function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}
const integer = mostly(
  fc.oneof(fc.integer({ min: 0, max: 2 * T0 }), fc.constant(T0)),
  fc.oneof(fc.integer(), fc.constantFrom(-1, 1.5, 1e20, Number.MAX_SAFE_INTEGER, "123", "12x", "-5")),
);
// Never the seeded metric key: a valid point logged under it would rightly extend its history.
const metricKey = mostly(
  fc.constantFrom("loss", "acc", "m/1"),
  fc.oneof(fc.constantFrom("bad key?", "../x", "", "a".repeat(300)), fc.string()),
);
const paramKey = mostly(
  fc.constantFrom("alpha", "depth", "lr"),
  fc.oneof(fc.constantFrom("../p", ""), fc.string()),
);
const tagKey = mostly(
  fc.constantFrom("mlflow.runName", "mlflow.parentRunId", "mlflow.log-model.history", "note"),
  fc.string(),
);
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("NaN", "Infinity", "-Infinity", "0.1", "3", "1.5"),
  text,
  fc.double(),
  fc.boolean(),
);
/** A record whose fields are usually all there. */
function usuallyComplete<T extends Record<string, fc.Arbitrary<unknown>>>(model: T, optional: string[] = []) {
  const all = Object.keys(model).filter((k) => !optional.includes(k));
  return fc.boolean().chain((complete) => fc.record(model, { requiredKeys: complete ? all : [] }));
}
const keyValues = (key: fc.Arbitrary<unknown>) =>
  fc.array(
    mostly(
      usuallyComplete({ key: field(key), value: field(fc.oneof(fc.constantFrom("0.1", "3"), text)) }),
      junk,
    ),
    { maxLength: 5 },
  );
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "text/plain",
      "application/octet-stream",
      "multipart/form-data; boundary=x",
      undefined,
    ),
  },
);

/** The request generator, built once the seeded experiment and run exist. */
function requests(): fc.Arbitrary<Req> {
  const runIds = fc.oneof(
    { weight: 4, arbitrary: fc.constant(run) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("0".repeat(32), "f".repeat(32), "not-a-run", "", run.toUpperCase()),
    },
  );
  const expIds = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(exp, "0") },
    { weight: 1, arbitrary: fc.constantFrom("999", "abc", "-1", "", "1e3") },
  );
  const metric = usuallyComplete(
    {
      key: field(metricKey),
      value: field(value),
      timestamp: field(integer),
      step: field(integer),
      run_id: runIds,
    },
    ["step", "run_id"],
  );
  const dataset = fc.record(
    {
      tags: keyValues(fc.constantFrom("mlflow.data.context", "other")),
      dataset: field(
        fc.record(
          {
            name: field(text),
            digest: field(text),
            source_type: field(text),
            source: field(text),
            schema: text,
            profile: text,
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const model = JSON.stringify({
    artifact_path: "m",
    flavors: { sklearn: {} },
    utc_time_created: "2024-01-01",
    run_id: run,
  });
  // Every field MLflow's request messages declare, each hitting valid and invalid values.
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    run_id: field(runIds),
    run_uuid: field(runIds),
    experiment_id: field(expIds),
    experiment_ids: field(fc.array(expIds, { maxLength: 4 })),
    key: field(fc.oneof(metricKey, paramKey, tagKey)),
    value: field(value),
    timestamp: field(integer),
    step: field(integer),
    start_time: field(integer),
    end_time: field(integer),
    max_results: field(integer),
    name: field(text),
    new_name: field(text),
    run_name: field(text),
    user_id: field(text),
    artifact_location: field(fc.constantFrom("s3://b/p", "mlflow-artifacts:/x", "")),
    experiment_name: field(fc.constantFrom("seeded", "Default", "nope")),
    metric_key: field(fc.constantFrom(SEED_METRIC, "loss", "")),
    metrics: field(fc.array(metric, { maxLength: 5 })),
    params: field(keyValues(paramKey)),
    tags: field(keyValues(tagKey)),
    datasets: field(fc.array(dataset, { maxLength: 3 })),
    models: field(fc.array(fc.record({ model_id: text }, { requiredKeys: [] }), { maxLength: 2 })),
    model_json: field(fc.oneof(text, fc.json(), fc.constant(model))),
    filter: field(
      fc.oneof(
        fc.constantFrom(
          "metrics.seed_loss > 0",
          "params.alpha = '0.1'",
          "tags.mlflow.runName LIKE 's%'",
          "name LIKE 'se%' AND tags.k = 'v'",
          "creation_time > 0",
          "bad ((",
          "attributes.status = 'RUNNING' OR run_name = 'x'",
        ),
        text,
      ),
    ),
    order_by: field(
      fc.array(fc.oneof(fc.constantFrom("name DESC", "metrics.seed_loss", "start_time", "x y z"), text)),
    ),
    page_token: field(fc.oneof(fc.base64String(), text)),
    view_type: field(fc.constantFrom("ACTIVE_ONLY", "DELETED_ONLY", "ALL", 1, 2, 3, 9, "x")),
    run_view_type: field(fc.constantFrom("ACTIVE_ONLY", "DELETED_ONLY", "ALL", 1, 2, 3, 9, "x")),
    status: field(fc.constantFrom("RUNNING", "FINISHED", "FAILED", "KILLED", "SCHEDULED", 5, 0, "x")),
    path: field(fc.constantFrom("model", "", "../x", "/etc")),
  };
  /** A message for a route: some of its own fields, now and then one that belongs elsewhere. */
  const message = (own: string[]) =>
    fc
      .tuple(
        fc.boolean().chain((complete) =>
          fc.record(Object.fromEntries(own.map((f) => [f, fields[f]!])), {
            requiredKeys: complete ? own : [],
          }),
        ),
        fc.oneof(
          { weight: 7, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...Object.keys(fields)) },
        ),
        junk,
      )
      .map(([m, extra, v]) => (extra === null || own.includes(extra) ? m : { ...m, [extra]: v }));
  const body = (route: string) =>
    fc.oneof(
      { weight: 8, arbitrary: message(POST_ROUTES[route] ?? []).map((m) => JSON.stringify(m)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string() },
      {
        weight: 1,
        arbitrary: huge.map((s) => JSON.stringify({ run_id: run, tags: [{ key: "big", value: s }] })),
      },
    );
  const post: fc.Arbitrary<Req> = fc
    .constantFrom(...Object.keys(POST_ROUTES))
    .chain((route) => fc.tuple(fc.constant(route), body(route), contentType))
    .map(([route, payload, type]) => ({
      method: "POST",
      url: `${API}/${route}`,
      payload,
      ...(type ? { headers: { "content-type": type } } : {}),
    }));
  const get: fc.Arbitrary<Req> = fc
    .constantFrom(...Object.keys(GET_ROUTES))
    .chain((route) =>
      fc.tuple(
        fc.constant(route),
        fc.oneof(
          { weight: 4, arbitrary: message(GET_ROUTES[route] ?? []).map(asQuery) },
          { weight: 1, arbitrary: fc.string() },
        ),
      ),
    )
    .map(([route, q]) => ({
      method: "GET",
      url: `${API}/${route}${typeof q === "string" ? `?${encodeURI(q)}` : queryString(q)}`,
    }));
  const root = `${exp}/${run}/artifacts`;
  const artifactPath = fc.oneof(
    fc.constantFrom(
      `${root}/new.txt`,
      `${root}/dir/sub/file.bin`,
      `${root}/model`,
      `${root}/a%2F..%2F..%2Fescape`,
      `${root}/..%2Fseed.txt`,
      `${root}/a%00b`,
      `${root}/a%5Cb`,
      root,
      `${root}/`,
      "/etc/passwd",
      `999/${run}/artifacts/x`,
      `${exp}/${"0".repeat(32)}/artifacts/x`,
      "%zz",
      "",
    ),
    fc
      .array(fc.string({ unit: "binary" }), { maxLength: 5 })
      .map((segs) => segs.map(encodeURIComponent).join("/")),
  );
  const artifacts: fc.Arbitrary<Req> = fc.oneof(
    fc
      .tuple(
        artifactPath,
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
          text,
        ),
        contentType,
      )
      .map(
        ([path, payload, type]): Req => ({
          method: "PUT",
          url: `${ARTIFACTS}/${path}`,
          payload,
          ...(type ? { headers: { "content-type": type } } : {}),
        }),
      ),
    artifactPath.map((path): Req => ({ method: "GET", url: `${ARTIFACTS}/${path}` })),
    fc
      .oneof(artifactPath.map(decodeSafe), text)
      .map((path): Req => ({ method: "GET", url: `${ARTIFACTS}${queryString({ path })}` })),
  );
  const anyMethod: fc.Arbitrary<Req> = fc
    .tuple(
      fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH") as fc.Arbitrary<Req["method"]>,
      fc.constantFrom(...Object.keys(POST_ROUTES), ...Object.keys(GET_ROUTES)),
      body("runs/log-batch"),
    )
    .map(([method, route, payload]) => ({
      method,
      url: `${API}/${route}`,
      ...(method === "GET" ? {} : { payload, headers: { "content-type": "application/json" } }),
    }));
  return fc.oneof(
    { weight: 6, arbitrary: post },
    { weight: 3, arbitrary: get },
    { weight: 3, arbitrary: artifacts },
    { weight: 1, arbitrary: anyMethod },
  );
}

/** An upload that would legitimately overwrite a seeded artifact. */
function overwritesSeed(r: Req): boolean {
  if (r.method !== "PUT" || !r.url.startsWith(`${ARTIFACTS}/`)) return false;
  const path = decodeSafe(r.url.slice(ARTIFACTS.length + 1));
  return Object.keys(SEED_FILES).some((p) => path === `${exp}/${run}/artifacts/${p}`);
}

it("never answers 5xx and never changes what the seeded run holds", async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requests(), async (r) => {
      fc.pre(!overwritesSeed(r));
      const res = await h.request(r);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) {
        throw new Error(
          `${r.method} ${r.url.slice(0, 200)} answered ${res.status}: ${res.raw.toString().slice(0, 500)}`,
        );
      }
      await seedIntact();
      // Keep the seeded run and its experiment writable, so later requests can try to change them.
      if ((await h.store.runs.getRun(run)).info.lifecycleStage === "deleted")
        await h.store.runs.setRunLifecycle(run, "active", T0);
      if ((await h.store.runs.getExperiment(exp)).lifecycleStage === "deleted") {
        await h.store.runs.setExperimentLifecycle(exp, "active", T0);
      }
    }),
    { seed: 42, numRuns: 200 },
  );
  // The generators reach both outcomes: accepted requests and rejected ones.
  expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
  expect([...statuses.keys()].filter((s) => s >= 400 && s < 500).length).toBeGreaterThan(1);
});
