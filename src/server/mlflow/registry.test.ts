/**
 * MLflow's model registry endpoints, request for request as the Python client's RestStore
 * (mlflow/store/model_registry/rest_store.py) sends them: GET messages as query parameters,
 * POST/PATCH/DELETE as JSON bodies, versions as strings. The replies are checked field by field
 * against the proto's JSON mapping the client parses (model_registry.proto).
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../core/index.js";
import { parseFilter, REGISTERED_MODEL_FILTER } from "../../store/index.js";
import { createToken } from "../auth.js";
import { artifactPathOf } from "./registry.js";
import {
  API,
  ARTIFACTS,
  createExperiment,
  createRun,
  errorOf,
  type Harness,
  openHarness,
  type Reply,
  T0,
} from "./testing/index.js";

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

const RM = `${API}/registered-models`;
const MV = `${API}/model-versions`;
const JSON_HEADERS = { "content-type": "application/json" };

/** Everything the registry holds: models, their versions, trails and policies. */
async function registrySnapshot(hh: Harness = h): Promise<unknown> {
  const reg = hh.store.registry;
  const out: unknown[] = [];
  for (const m of await reg.listModels()) {
    out.push({
      model: m,
      versions: await reg.listVersions(m.name),
      history: await reg.getHistory(m.name),
      policy: await reg.getPolicy(m.name),
    });
  }
  return out;
}

/** Runs `request`, checks it failed as expected and changed nothing in the registry. */
async function rejects(request: () => Promise<Reply>, status: number, errorCode: string, code?: string) {
  const before = await registrySnapshot();
  const r = await request();
  expect(errorOf(r)).toMatchObject({ status, error_code: errorCode, ...(code ? { code } : {}) });
  expect(typeof (r.json as { message?: unknown }).message).toBe("string");
  expect(await registrySnapshot()).toEqual(before);
  return r;
}

const del = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request({
    method: "DELETE",
    url,
    payload: JSON.stringify(body),
    headers: { ...JSON_HEADERS, ...headers },
  });
const patch = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request({
    method: "PATCH",
    url,
    payload: JSON.stringify(body),
    headers: { ...JSON_HEADERS, ...headers },
  });

/** A run with an MLflow model logged at `path` the way log_model uploads it; returns ids. */
async function logModel(path = "model", hh: Harness = h, headers: Record<string, string> = {}) {
  const exp = await createExperiment(hh, `exp-${Math.random().toString(36).slice(2)}`);
  const runId = await createRun(hh, { experiment_id: exp });
  for (const [file, body] of [
    ["MLmodel", "artifact_path: model\nflavors: {}\n"],
    ["model.pkl", `weights of ${runId}`],
  ] as const) {
    const r = await hh.request({
      method: "PUT",
      url: `${ARTIFACTS}/${exp}/${runId}/artifacts/${path}/${file}`,
      payload: body,
      headers: { "content-type": "application/octet-stream", ...headers },
    });
    expect(r.status).toBe(200);
  }
  return { exp, runId, artifactUri: `mlflow-artifacts:/${exp}/${runId}/artifacts` };
}

/** What mlflow.register_model sends: create the model (tolerating RESOURCE_ALREADY_EXISTS), then the version. */
async function registerLikePython(name: string, run: { runId: string; artifactUri: string }, path = "model") {
  const created = await h.post(`${RM}/create`, { name });
  expect([200, 400]).toContain(created.status);
  if (created.status === 400) expect(errorOf(created).error_code).toBe("RESOURCE_ALREADY_EXISTS");
  const r = await h.post(`${MV}/create`, {
    name,
    source: `${run.artifactUri}/${path}`,
    run_id: run.runId,
  });
  expect(r.status).toBe(200);
  return (r.json as { model_version: Record<string, unknown> }).model_version;
}

const transition = (name: string, version: string, stage: string, archive = false, headers = {}) =>
  h.post(`${MV}/transition-stage`, { name, version, stage, archive_existing_versions: archive }, headers);

describe("registered-models/create, get, and model-versions/create as mlflow.register_model does it", () => {
  it("registers a run's model from its artifact location and answers MLflow's shapes", async () => {
    const run = await logModel();
    const created = await h.post(`${RM}/create`, { name: "churn" });
    expect(created).toMatchObject({
      status: 200,
      json: { registered_model: { name: "churn", creation_timestamp: T0, last_updated_timestamp: T0 } },
    });
    expect(Object.keys((created.json as { registered_model: object }).registered_model).sort()).toEqual([
      "creation_timestamp",
      "last_updated_timestamp",
      "name",
    ]);
    await rejects(() => h.post(`${RM}/create`, { name: "churn" }), 400, "RESOURCE_ALREADY_EXISTS");
    expect(((await h.post(`${RM}/create`, { name: "churn" })).json as { message: string }).message).toBe(
      "Registered Model (name=churn) already exists.",
    );

    h.clock.advance(10);
    const mv = await registerLikePython("churn", run);
    const expected = {
      name: "churn",
      version: "1",
      creation_timestamp: T0 + 10,
      last_updated_timestamp: T0 + 10,
      user_id: expect.any(String),
      current_stage: "None",
      source: `runs:/${run.runId}/model`,
      run_id: run.runId,
      status: "READY",
    };
    expect(mv).toEqual(expected);
    expect((await h.get(`${MV}/get`, { name: "churn", version: "1" })).json).toEqual({
      model_version: expected,
    });

    const second = await h.post(`${MV}/create`, {
      name: "churn",
      source: `runs:/${run.runId}/model`,
      tags: [{ key: "team", value: "growth" }],
      description: "same files, second version",
      // fields newer clients send: accepted, not kept
      run_link: "http://elsewhere/#/runs/1",
      model_id: "m-0123",
    });
    expect(second.json).toEqual({
      model_version: {
        ...expected,
        version: "2",
        description: "same files, second version",
        tags: [{ key: "team", value: "growth" }],
      },
    });
    const got = (await h.get(`${RM}/get`, { name: "churn" })).json as {
      registered_model: Record<string, unknown>;
    };
    // latest_versions: the newest version per stage; both are in None
    expect(got.registered_model).toEqual({
      name: "churn",
      creation_timestamp: T0,
      last_updated_timestamp: expect.any(Number),
      latest_versions: [
        {
          ...expected,
          version: "2",
          description: "same files, second version",
          tags: [{ key: "team", value: "growth" }],
        },
      ],
    });
  });

  it("pins the version to the files' hashes and names the run's artifact location as the download URI", async () => {
    const run = await logModel("nested/model");
    await registerLikePython("m", run, "nested/model");
    const v = await h.store.registry.getVersion("m", 1);
    expect(v.files.map((f) => f.path).sort()).toEqual(["MLmodel", "model.pkl"]);
    expect(v.files.find((f) => f.path === "model.pkl")!.sha256).toBe(sha256(`weights of ${run.runId}`));
    expect((await h.get(`${MV}/get-download-uri`, { name: "m", version: "1" })).json).toEqual({
      artifact_uri: `${run.artifactUri}/nested/model`,
    });
  });

  it("accepts the artifact location in its host-qualified and HTTP forms", async () => {
    const run = await logModel();
    await h.post(`${RM}/create`, { name: "m" });
    const path = `${run.exp}/${run.runId}/artifacts/model`;
    for (const source of [
      `mlflow-artifacts://tracking.example:5000/${path}`,
      `http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/${path}`,
    ]) {
      const r = await h.post(`${MV}/create`, { name: "m", source, run_id: run.runId });
      expect(r.status).toBe(200);
      expect((r.json as { model_version: { source: string } }).model_version.source).toBe(
        `runs:/${run.runId}/model`,
      );
    }
  });

  it("copies a registered version from a models:/ source", async () => {
    const run = await logModel();
    await registerLikePython("a", run);
    await h.post(`${RM}/create`, { name: "b" });
    const r = await h.post(`${MV}/create`, { name: "b", source: "models:/a/1" });
    expect(r.json).toMatchObject({
      model_version: { name: "b", version: "1", source: `runs:/${run.runId}/model` },
    });
  });

  it("refuses sources it cannot trace to a run's files, and unknown models, creating nothing", async () => {
    const run = await logModel();
    const other = await logModel();
    await h.post(`${RM}/create`, { name: "m" });
    const create = (body: Record<string, unknown>) => () => h.post(`${MV}/create`, { name: "m", ...body });
    // artifact location without run_id; of another run; outside the artifacts root; the root itself
    await rejects(create({ source: `${run.artifactUri}/model` }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      create({ source: `${run.artifactUri}/model`, run_id: other.runId }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(create({ source: "s3://bucket/model", run_id: run.runId }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(create({ source: run.artifactUri, run_id: run.runId }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      create({ source: `runs:/${run.runId}/model`, run_id: other.runId }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(create({ source: "/tmp/model" }), 400, "INVALID_PARAMETER_VALUE");
    // relative segments, also percent-encoded, never reach the store
    for (const source of [
      `${run.artifactUri}/model/../../${other.runId}/artifacts/model`,
      `${run.artifactUri}/model/%2e%2e/%2E%2E/x`,
      `${run.artifactUri}/model/%252e%252e/x`,
      `runs:/${run.runId}/../model`,
      `runs:/${run.runId}/./model`,
    ]) {
      await rejects(create({ source, run_id: run.runId }), 400, "INVALID_PARAMETER_VALUE");
    }
    await rejects(create({ source: "" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(create({}), 400, "INVALID_PARAMETER_VALUE");
    // a run that does not exist; a path with no files
    await rejects(create({ source: `runs:/${"f".repeat(32)}/model` }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(create({ source: `runs:/${run.runId}/elsewhere` }), 404, "RESOURCE_DOES_NOT_EXIST");
    // versions of models that were never created
    const r = await rejects(
      () => h.post(`${MV}/create`, { name: "nope", source: `runs:/${run.runId}/model` }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect((r.json as { message: string }).message).toBe("Registered Model with name=nope not found");
    expect(await h.store.registry.listVersions("m")).toEqual([]);
  });

  it("leaves no version behind when a file's bytes never reached the artifact store", async () => {
    const run = await logModel();
    await h.post(`${RM}/create`, { name: "m" });
    // the upload's record exists, its bytes do not (an interrupted upload)
    await h.store.runs.recordArtifact(run.runId, {
      path: "model/weights.bin",
      sha256: sha256("never stored"),
      size: 12,
      createdTime: T0,
    });
    const r = await rejects(
      () => h.post(`${MV}/create`, { name: "m", source: `${run.artifactUri}/model`, run_id: run.runId }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "ARTIFACT_NOT_FOUND",
    );
    expect((r.json as { message: string }).message).toContain("weights.bin");
    expect((await h.get(`${RM}/get`, { name: "m" })).json).toEqual({
      registered_model: { name: "m", creation_timestamp: T0, last_updated_timestamp: T0 },
    });
  });
});

describe("model-versions/transition-stage", () => {
  it("moves versions through the stages, archiving the previous Production with archive_existing_versions", async () => {
    const run = await logModel();
    for (let i = 0; i < 3; i++) await registerLikePython("churn", run);
    h.clock.advance(100);
    const r = await transition("churn", "1", "Staging");
    expect(r).toMatchObject({
      status: 200,
      json: { model_version: { version: "1", current_stage: "Staging" } },
    });
    expect(
      (r.json as { model_version: { last_updated_timestamp: number } }).model_version.last_updated_timestamp,
    ).toBe(T0 + 100);
    await transition("churn", "1", "production");
    const two = await transition("churn", "2", "Production", true);
    expect(two.json).toMatchObject({ model_version: { version: "2", current_stage: "Production" } });
    const stage = async (v: string) =>
      (
        (await h.get(`${MV}/get`, { name: "churn", version: v })).json as {
          model_version: { current_stage: string };
        }
      ).model_version.current_stage;
    expect([await stage("1"), await stage("2"), await stage("3")]).toEqual([
      "Archived",
      "Production",
      "None",
    ]);
    // without archiving, two versions share Production (A/B)
    await transition("churn", "3", "Production", false);
    expect([await stage("2"), await stage("3")]).toEqual(["Production", "Production"]);
    // archive_existing_versions is optional in MLflow's handler and defaults to false
    const plain = await h.post(`${MV}/transition-stage`, {
      name: "churn",
      version: "1",
      stage: "Production",
    });
    expect(plain.status).toBe(200);
    expect([await stage("1"), await stage("2"), await stage("3")]).toEqual([
      "Production",
      "Production",
      "Production",
    ]);
    await transition("churn", "1", "Archived");

    const history = await h.store.registry.getHistory("churn");
    const moves = history.filter((e) => e.action === "transition");
    expect(moves.map((e) => [e.version, e.fromStage, e.toStage])).toEqual([
      [1, "None", "Staging"],
      [1, "Staging", "Production"],
      [2, "None", "Production"],
      [3, "None", "Production"],
      [1, "Archived", "Production"],
      [1, "Production", "Archived"],
    ]);
    expect(moves[2]!.displaced).toEqual([{ version: 1, fromStage: "Production", toStage: "Archived" }]);
  });

  it("answers get-latest-versions per stage, by POST and by GET", async () => {
    const run = await logModel();
    for (let i = 0; i < 4; i++) await registerLikePython("m", run);
    await transition("m", "1", "Production");
    await transition("m", "2", "Staging");
    await transition("m", "3", "Staging");
    const versions = (r: Reply) =>
      (
        (r.json as { model_versions?: Array<{ version: string; current_stage: string }> }).model_versions ??
        []
      ).map((v) => [v.version, v.current_stage]);
    expect(versions(await h.post(`${RM}/get-latest-versions`, { name: "m" }))).toEqual([
      ["1", "Production"],
      ["3", "Staging"],
      ["4", "None"],
    ]);
    expect(versions(await h.post(`${RM}/get-latest-versions`, { name: "m", stages: ["staging"] }))).toEqual([
      ["3", "Staging"],
    ]);
    expect(
      versions(await h.get(`${RM}/get-latest-versions`, { name: "m", stages: ["Production", "None"] })),
    ).toEqual([
      ["1", "Production"],
      ["4", "None"],
    ]);
    expect((await h.get(`${RM}/get-latest-versions`, { name: "m", stages: "Archived" })).json).toEqual({});
    await rejects(() => h.get(`${RM}/get-latest-versions`, { name: "x" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(
      () => h.post(`${RM}/get-latest-versions`, { name: "m", stages: ["Live"] }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("refuses bad requests with MLflow's codes, changing nothing", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    await rejects(() => transition("m", "1", "Live"), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => transition("m", "1", "None", true), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => transition("m", "1", "Archived", true), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => transition("m", "9", "Staging"), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(() => transition("m", "one", "Staging"), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => transition("nope", "1", "Staging"), 404, "RESOURCE_DOES_NOT_EXIST");
    const r = await rejects(
      () => h.get(`${MV}/get`, { name: "m", version: "7" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect((r.json as { message: string }).message).toBe("Model Version (name=m, version=7) not found");
  });

  it("refuses a promotion its policy does not allow with INVALID_STATE listing every unmet condition", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    await h.store.registry.setPolicy(
      "m",
      { Staging: { modelCard: { complete: true } }, Production: { online: { minDays: 7 } } },
      { actor: "admin" },
      T0,
    );
    const staging = await rejects(
      () => transition("m", "1", "Staging"),
      409,
      "INVALID_STATE",
      "POLICY_NOT_MET",
    );
    const body = staging.json as { message: string; details: { unmet: Array<{ kind: string }> } };
    expect(body.message).toContain("modelCard");
    expect(body.details.unmet.map((u) => u.kind)).toEqual(["modelCard"]);
    const prod = await rejects(
      () => transition("m", "1", "Production", true),
      409,
      "INVALID_STATE",
      "POLICY_NOT_MET",
    );
    const p = prod.json as { message: string; details: { unmet: Array<{ kind: string }> } };
    expect(p.details.unmet.map((u) => u.kind).sort()).toEqual(["modelCard", "online"]);
    expect(p.message).toContain("modelCard");
    expect(p.message).toContain("online");
    // leaving the live stages needs no evidence
    expect((await transition("m", "1", "Archived")).status).toBe(200);
  });
});

describe("registered-models/alias", () => {
  it("sets, reads, moves and deletes aliases the way the Python client calls them", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    await registerLikePython("m", run);
    expect(await h.post(`${RM}/alias`, { name: "m", alias: "champion", version: "1" })).toMatchObject({
      status: 200,
      json: {},
    });
    const byAlias = await h.get(`${RM}/alias`, { name: "m", alias: "champion" });
    expect(byAlias.json).toMatchObject({ model_version: { name: "m", version: "1", aliases: ["champion"] } });
    await h.post(`${RM}/alias`, { name: "m", alias: "challenger", version: "2" });
    await h.post(`${RM}/alias`, { name: "m", alias: "backup", version: "1" });
    expect((await h.get(`${RM}/get`, { name: "m" })).json).toMatchObject({
      registered_model: {
        aliases: [
          { alias: "backup", version: "1" },
          { alias: "challenger", version: "2" },
          { alias: "champion", version: "1" },
        ],
      },
    });
    expect((await h.get(`${MV}/get`, { name: "m", version: "1" })).json).toMatchObject({
      model_version: { aliases: ["backup", "champion"] },
    });
    // moving an alias
    await h.post(`${RM}/alias`, { name: "m", alias: "champion", version: "2" });
    expect((await h.get(`${RM}/alias`, { name: "m", alias: "champion" })).json).toMatchObject({
      model_version: { version: "2" },
    });
    // DELETE with a JSON body (the Python client) and with query parameters (other clients)
    expect((await del(`${RM}/alias`, { name: "m", alias: "champion" })).json).toEqual({});
    expect((await h.request({ method: "DELETE", url: `${RM}/alias?name=m&alias=backup` })).status).toBe(200);
    const gone = await rejects(
      () => h.get(`${RM}/alias`, { name: "m", alias: "champion" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect((gone.json as { message: string }).message).toBe("Registered model alias champion not found.");
    const trail = (await h.store.registry.getHistory("m")).filter((e) => e.action.endsWith("alias"));
    expect(trail.map((e) => [e.action, e.alias, e.version, e.previousVersion])).toEqual([
      ["set_alias", "champion", 1, null],
      ["set_alias", "challenger", 2, null],
      ["set_alias", "backup", 1, null],
      ["set_alias", "champion", 2, 1],
      ["delete_alias", "champion", null, 2],
      ["delete_alias", "backup", null, 1],
    ]);
  });

  it("refuses reserved and malformed aliases, unknown versions and models", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    const set = (body: Record<string, unknown>) => () => h.post(`${RM}/alias`, { name: "m", ...body });
    await rejects(set({ alias: "latest", version: "1" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(set({ alias: "v3", version: "1" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(set({ alias: "a b", version: "1" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(set({ alias: "x", version: "5" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(set({ alias: "x" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => h.get(`${RM}/alias`, { name: "nope", alias: "x" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(() => del(`${RM}/alias`, { name: "m" }), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("rename, update, tags, delete", () => {
  it("renames and updates models and versions", async () => {
    const run = await logModel();
    await registerLikePython("old", run);
    await registerLikePython("taken", run);
    h.clock.advance(50);
    const renamed = await h.post(`${RM}/rename`, { name: "old", new_name: "new" });
    expect(renamed.json).toMatchObject({
      registered_model: { name: "new", latest_versions: [{ name: "new", version: "1" }] },
    });
    await rejects(
      () => h.post(`${RM}/rename`, { name: "new", new_name: "taken" }),
      400,
      "RESOURCE_ALREADY_EXISTS",
    );
    await rejects(
      () => h.post(`${RM}/rename`, { name: "old", new_name: "x" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(() => h.post(`${RM}/rename`, { name: "new" }), 400, "INVALID_PARAMETER_VALUE");
    const updated = await patch(`${RM}/update`, { name: "new", description: "churn model" });
    expect(updated.json).toMatchObject({ registered_model: { name: "new", description: "churn model" } });
    const v = await patch(`${MV}/update`, { name: "new", version: "1", description: "first" });
    expect(v.json).toMatchObject({
      model_version: { version: "1", description: "first", last_updated_timestamp: T0 + 50 },
    });
    await rejects(
      () => patch(`${MV}/update`, { name: "new", version: "3", description: "x" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(() => h.post(`${RM}/update`, { name: "new", description: "x" }), 404, "ENDPOINT_NOT_FOUND");
  });

  it("sets and deletes tags of models and versions", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    expect((await h.post(`${RM}/set-tag`, { name: "m", key: "team", value: "growth" })).json).toEqual({});
    await h.post(`${RM}/set-tag`, { name: "m", key: "area", value: "ml" });
    await h.post(`${MV}/set-tag`, { name: "m", version: "1", key: "validated", value: "yes" });
    expect((await h.get(`${RM}/get`, { name: "m" })).json).toMatchObject({
      registered_model: {
        tags: [
          { key: "area", value: "ml" },
          { key: "team", value: "growth" },
        ],
        latest_versions: [{ tags: [{ key: "validated", value: "yes" }] }],
      },
    });
    expect((await del(`${RM}/delete-tag`, { name: "m", key: "team" })).status).toBe(200);
    expect((await del(`${MV}/delete-tag`, { name: "m", version: "1", key: "validated" })).status).toBe(200);
    const got = (await h.get(`${RM}/get`, { name: "m" })).json as {
      registered_model: { tags: unknown; latest_versions: Array<{ tags?: unknown }> };
    };
    expect(got.registered_model.tags).toEqual([{ key: "area", value: "ml" }]);
    expect(got.registered_model.latest_versions[0]!.tags).toBeUndefined();
    // value is optional in MLflow's handler: an unset proto string is ""
    expect((await h.post(`${RM}/set-tag`, { name: "m", key: "empty" })).status).toBe(200);
    expect((await h.store.registry.getModel("m")).tags.empty).toBe("");
    await rejects(
      () => h.post(`${RM}/set-tag`, { name: "m", key: "k", value: 5 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${RM}/set-tag`, { name: "m", key: "k".repeat(251), value: "v" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${RM}/set-tag`, { name: "nope", key: "k", value: "v" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(
      () => h.post(`${MV}/set-tag`, { name: "m", version: "4", key: "k", value: "v" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("deletes versions and models, but not while they are live", async () => {
    const run = await logModel();
    await registerLikePython("m", run);
    await registerLikePython("m", run);
    await transition("m", "1", "Production");
    await rejects(
      () => del(`${MV}/delete`, { name: "m", version: "1" }),
      400,
      "INVALID_PARAMETER_VALUE",
      "INVALID_STATE",
    );
    await rejects(() => del(`${RM}/delete`, { name: "m" }), 400, "INVALID_PARAMETER_VALUE", "INVALID_STATE");
    expect((await del(`${MV}/delete`, { name: "m", version: "2" })).json).toEqual({});
    await rejects(() => h.get(`${MV}/get`, { name: "m", version: "2" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await transition("m", "1", "Archived");
    expect((await del(`${RM}/delete`, { name: "m" })).json).toEqual({});
    await rejects(() => h.get(`${RM}/get`, { name: "m" }), 404, "RESOURCE_DOES_NOT_EXIST");
    await rejects(() => del(`${RM}/delete`, { name: "m" }), 404, "RESOURCE_DOES_NOT_EXIST");
    // the trail outlives the model
    expect((await h.store.registry.getHistory("m")).at(-1)!.action).toBe("delete_model");
  });
});

describe("search", () => {
  async function seed() {
    const run = await logModel();
    const other = await logModel();
    for (const [name, n] of [
      ["churn-a", 2],
      ["churn-b", 1],
      ["fraud", 3],
    ] as const) {
      h.clock.advance(1000);
      for (let i = 0; i < n; i++) await registerLikePython(name, name === "fraud" && i === 2 ? other : run);
    }
    await h.post(`${RM}/set-tag`, { name: "fraud", key: "team", value: "risk" });
    await h.post(`${MV}/set-tag`, { name: "churn-a", version: "2", key: "validated", value: "yes" });
    return { run, other };
  }
  const modelNames = (r: Reply) =>
    ((r.json as { registered_models?: Array<{ name: string }> }).registered_models ?? []).map((m) => m.name);
  const versionIds = (r: Reply) =>
    ((r.json as { model_versions?: Array<{ name: string; version: string }> }).model_versions ?? []).map(
      (v) => `${v.name}/${v.version}`,
    );

  it("searches registered models by name and tags, ordered and paged", async () => {
    await seed();
    const search = (q: Record<string, string | string[]>) => h.get(`${RM}/search`, q);
    expect(modelNames(await search({}))).toEqual(["churn-a", "churn-b", "fraud"]);
    expect(modelNames(await search({ filter: "name LIKE 'churn%'" }))).toEqual(["churn-a", "churn-b"]);
    expect(modelNames(await search({ filter: "name ILIKE '%FRAUD%'" }))).toEqual(["fraud"]);
    expect(modelNames(await search({ filter: "name = 'churn-b'" }))).toEqual(["churn-b"]);
    expect(modelNames(await search({ filter: "tags.team = 'risk'" }))).toEqual(["fraud"]);
    expect(modelNames(await search({ order_by: ["name DESC"] }))).toEqual(["fraud", "churn-b", "churn-a"]);
    expect(modelNames(await search({ order_by: "creation_timestamp DESC" }))).toEqual([
      "fraud",
      "churn-b",
      "churn-a",
    ]);
    expect((await search({ filter: "name = 'none'" })).json).toEqual({});
    const p1 = await search({ max_results: "2" });
    expect(modelNames(p1)).toEqual(["churn-a", "churn-b"]);
    // the one grammar of every search: MLflow's, with OR and parentheses
    expect(
      modelNames(await search({ filter: "name = 'fraud' OR (name LIKE 'churn%' AND name != 'churn-a')" })),
    ).toEqual(["churn-b", "fraud"]);
    const token = (p1.json as { next_page_token: string }).next_page_token;
    const p2 = await search({ max_results: "2", page_token: token });
    expect(modelNames(p2)).toEqual(["fraud"]);
    expect((p2.json as { next_page_token?: string }).next_page_token).toBeUndefined();
    const bads: Array<Record<string, string>> = [
      { filter: "owner = 'x'" },
      { filter: "name > 'a'" },
      { filter: "name = 'a' OR" },
      { order_by: "sideways" },
      { max_results: "1001" },
      { max_results: "0" },
      { page_token: "garbage" },
      { max_results: "2", page_token: token, filter: "name = 'x'" },
    ];
    for (const bad of bads) {
      await rejects(() => search(bad), 400, "INVALID_PARAMETER_VALUE");
    }
  });

  it("searches model versions by name, run, version and tags, ordered and paged", async () => {
    const { run, other } = await seed();
    const search = (q: Record<string, string | string[]>) => h.get(`${MV}/search`, q);
    expect(versionIds(await search({}))).toEqual([
      "churn-a/2",
      "churn-a/1",
      "churn-b/1",
      "fraud/3",
      "fraud/2",
      "fraud/1",
    ]);
    expect(versionIds(await search({ filter: "name = 'fraud'" }))).toEqual(["fraud/3", "fraud/2", "fraud/1"]);
    // the compact spelling Python code writes: f"name='{name}'"
    expect(versionIds(await search({ filter: "name='churn-b'" }))).toEqual(["churn-b/1"]);
    expect(versionIds(await search({ filter: `run_id = '${other.runId}'` }))).toEqual(["fraud/3"]);
    expect(
      versionIds(
        await search({ filter: `run_id IN ('${other.runId}', '${run.runId}') AND name LIKE 'churn-%'` }),
      ),
    ).toEqual(["churn-a/2", "churn-a/1", "churn-b/1"]);
    expect(versionIds(await search({ filter: "version_number >= 2" }))).toEqual([
      "churn-a/2",
      "fraud/3",
      "fraud/2",
    ]);
    expect(versionIds(await search({ filter: "tags.validated = 'yes'" }))).toEqual(["churn-a/2"]);
    expect(versionIds(await search({ filter: "name = 'fraud'", order_by: ["version_number ASC"] }))).toEqual([
      "fraud/1",
      "fraud/2",
      "fraud/3",
    ]);
    expect(versionIds(await search({ order_by: ["creation_timestamp DESC"], max_results: "2" }))).toEqual([
      "fraud/3",
      "fraud/2",
    ]);
    expect(
      versionIds(await search({ filter: `run_id LIKE '${other.runId.slice(0, 8)}%' OR name = 'churn-b'` })),
    ).toEqual(["churn-b/1", "fraud/3"]);
    for (const filter of ["stage = 'x'", "metrics.f1 > 1", "version_number = 'x'", "name = "]) {
      await rejects(() => search({ filter }), 400, "INVALID_PARAMETER_VALUE");
    }
  });

  it("pages through any search without losing or repeating a result", async () => {
    await seed();
    const all = versionIds(await h.get(`${MV}/search`, {}));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), async (size) => {
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const r = await h.get(`${MV}/search`, {
            max_results: String(size),
            ...(token ? { page_token: token } : {}),
          });
          seen.push(...versionIds(r));
          token = (r.json as { next_page_token?: string }).next_page_token;
        } while (token);
        expect(seen).toEqual(all);
      }),
      { numRuns: 10 },
    );
  });
});

describe("artifact locations and filters", () => {
  it("reads every spelling of an artifact location as the same path", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), { minLength: 1, maxLength: 6 }),
        fc.stringMatching(/^[a-z0-9.-]{1,20}(:\d{2,5})?$/),
        (parts, host) => {
          const path = parts.join("/");
          expect(artifactPathOf(`mlflow-artifacts:/${path}`)).toBe(path);
          expect(artifactPathOf(`mlflow-artifacts://${host}/${path}`)).toBe(path);
          expect(artifactPathOf(`http://${host}/api/2.0/mlflow-artifacts/artifacts/${path}`)).toBe(path);
          expect(artifactPathOf(`https://${host}/prefix/api/2.0/mlflow-artifacts/artifacts/${path}/`)).toBe(
            path,
          );
        },
      ),
    );
  });

  it("parses tag keys in every quoting, with the one filter grammar", () => {
    const expr = parseFilter(
      "tags.`a key` = 'x' AND tags.\"b\" LIKE 'y%' AND tags.c != 'z'",
      REGISTERED_MODEL_FILTER,
    );
    expect(expr).toMatchObject({
      kind: "and",
      terms: [
        { ident: { type: "tag", key: "a key" }, op: "=", value: "x" },
        { ident: { type: "tag", key: "b" }, op: "LIKE", value: "y%" },
        { ident: { type: "tag", key: "c" }, op: "!=", value: "z" },
      ],
    });
  });
});

describe("permissions and the audit trail's actor", () => {
  it("needs write to register, promote to change stages and aliases, admin to delete; names the token", async () => {
    await h.close();
    h = await openHarness({ auth: true });
    const bearer: Record<string, Record<string, string>> = {};
    const ids: Record<string, string> = {};
    for (const scope of ["read", "write", "promote", "admin"] as const) {
      const { token, record } = await createToken(h.store.tokens, { name: `${scope}-bot`, scope, now: T0 });
      bearer[scope] = { authorization: `Bearer ${token}` };
      ids[scope] = record.tokenId;
    }
    const exp = await h.post(`${API}/experiments/create`, { name: "e" }, bearer.write);
    const expId = (exp.json as { experiment_id: string }).experiment_id;
    const run = (await h.post(`${API}/runs/create`, { experiment_id: expId }, bearer.write!)).json as {
      run: { info: { run_id: string; artifact_uri: string } };
    };
    const runId = run.run.info.run_id;
    await h.request({
      method: "PUT",
      url: `${ARTIFACTS}/${expId}/${runId}/artifacts/model/MLmodel`,
      payload: "flavors: {}",
      headers: { "content-type": "application/octet-stream", ...bearer.write },
    });

    await rejects(() => h.post(`${RM}/create`, { name: "m" }, bearer.read), 403, "PERMISSION_DENIED");
    expect((await h.post(`${RM}/create`, { name: "m" }, bearer.write)).status).toBe(200);
    expect((await h.get(`${RM}/get`, { name: "m" }, bearer.read)).status).toBe(200);
    const source = `${run.run.info.artifact_uri}/model`;
    expect((await h.post(`${MV}/create`, { name: "m", source, run_id: runId }, bearer.write)).status).toBe(
      200,
    );
    expect((await h.post(`${MV}/create`, { name: "m", source, run_id: runId }, bearer.write)).status).toBe(
      200,
    );

    for (const scope of ["read", "write"]) {
      await rejects(() => transition("m", "1", "Production", true, bearer[scope]), 403, "PERMISSION_DENIED");
      await rejects(
        () => h.post(`${RM}/alias`, { name: "m", alias: "champion", version: "1" }, bearer[scope]),
        403,
        "PERMISSION_DENIED",
      );
    }
    expect((await transition("m", "1", "Production", true, bearer.promote)).status).toBe(200);
    expect(
      (await h.post(`${RM}/alias`, { name: "m", alias: "champion", version: "1" }, bearer.promote)).status,
    ).toBe(200);
    await rejects(
      () => del(`${RM}/alias`, { name: "m", alias: "champion" }, bearer.write),
      403,
      "PERMISSION_DENIED",
    );
    await rejects(
      () => del(`${MV}/delete`, { name: "m", version: "2" }, bearer.promote),
      403,
      "PERMISSION_DENIED",
    );
    expect((await transition("m", "2", "Production", true, bearer.admin)).status).toBe(200);
    expect((await del(`${MV}/delete`, { name: "m", version: "1" }, bearer.admin)).status).toBe(400); // aliased
    expect((await del(`${RM}/alias`, { name: "m", alias: "champion" }, bearer.promote)).status).toBe(200);
    expect((await del(`${MV}/delete`, { name: "m", version: "1" }, bearer.admin)).status).toBe(200);

    const trail = await h.store.registry.getHistory("m");
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ["create_model", `write-bot (token ${ids.write})`],
      ["create_version", `write-bot (token ${ids.write})`],
      ["create_version", `write-bot (token ${ids.write})`],
      ["transition", `promote-bot (token ${ids.promote})`],
      ["set_alias", `promote-bot (token ${ids.promote})`],
      ["transition", `admin-bot (token ${ids.admin})`],
      ["delete_alias", `promote-bot (token ${ids.promote})`],
      ["delete_version", `admin-bot (token ${ids.admin})`],
    ]);
    expect((await h.get(`${MV}/get`, { name: "m", version: "2" }, bearer.read)).json).toMatchObject({
      model_version: { user_id: `write-bot (token ${ids.write})`, current_stage: "Production" },
    });
  });
});

describe("transition-stage against a model of MLflow's stage rules", () => {
  it("ends every random sequence of transitions in the stages the rules give", async () => {
    const run = await logModel();
    let n = 0;
    const STAGE_NAMES = ["None", "Staging", "Production", "Archived"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            version: fc.integer({ min: 1, max: 3 }),
            stage: fc.constantFrom(...STAGE_NAMES),
            archive: fc.boolean(),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (ops) => {
          const name = `prop-${n++}`;
          for (let i = 0; i < 3; i++) await registerLikePython(name, run);
          const expected = new Map<number, string>([
            [1, "None"],
            [2, "None"],
            [3, "None"],
          ]);
          for (const op of ops) {
            const live = op.stage === "Staging" || op.stage === "Production";
            const r = await transition(name, String(op.version), op.stage, op.archive);
            if (op.archive && !live) {
              expect(r.status).toBe(400);
              continue;
            }
            expect(r.status).toBe(200);
            if (op.archive)
              for (const [v, s] of expected)
                if (v !== op.version && s === op.stage) expected.set(v, "Archived");
            expected.set(op.version, op.stage);
          }
          const got = (await h.get(`${MV}/search`, { filter: `name = '${name}'` })).json as {
            model_versions: Array<{ version: string; current_stage: string }>;
          };
          expect(new Map(got.model_versions.map((v) => [Number(v.version), v.current_stage]))).toEqual(
            expected,
          );
          const applied = ops.filter((o) => !o.archive || o.stage === "Staging" || o.stage === "Production");
          const moves = (await h.store.registry.getHistory(name)).filter((e) => e.action === "transition");
          expect(moves.map((e) => [e.version, e.toStage])).toEqual(applied.map((o) => [o.version, o.stage]));
        },
      ),
      { numRuns: 15 },
    );
  });
});
