/**
 * The native registry write endpoints: register, stage transitions under a promotion policy,
 * aliases, rollback and policies; who may do which, and who the audit trail names.
 */
import { userInfo } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../core/index.js";
import { createToken } from "../auth.js";
import {
  API,
  ARTIFACTS,
  createExperiment,
  createRun,
  type Harness,
  openHarness,
  type Reply,
  T0,
} from "../mlflow/testing/index.js";

const V1 = "/api/v1/models";
const JSON_HEADERS = { "content-type": "application/json" };

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

function send(
  method: "POST" | "PUT" | "DELETE",
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return h.request({
    method,
    url,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    headers: { ...(body === undefined ? {} : JSON_HEADERS), ...headers },
  });
}

async function registrySnapshot(): Promise<unknown> {
  const reg = h.store.registry;
  const out: unknown[] = [];
  for (const m of await reg.listModels())
    out.push({
      model: m,
      versions: await reg.listVersions(m.name),
      history: await reg.getHistory(m.name),
      policy: await reg.getPolicy(m.name),
    });
  return out;
}

/** Checks the reply is the given error and that the registry did not change. */
async function refused(request: () => Promise<Reply>, status: number, code: string) {
  const before = await registrySnapshot();
  const r = await request();
  expect({ status: r.status, code: (r.json as { code?: string }).code }).toEqual({ status, code });
  expect(await registrySnapshot()).toEqual(before);
  return r.json as { error_code: string; message: string; details: Record<string, unknown> };
}

/** A run with a model's two files uploaded under `model/`. */
async function runWithModel(headers: Record<string, string> = {}): Promise<string> {
  const exp = await createExperiment(h, `e-${Math.random().toString(36).slice(2)}`);
  const runId = await createRun(h, { experiment_id: exp });
  for (const file of ["model.json", "sextant-model.json"]) {
    const r = await h.request({
      method: "PUT",
      url: `${ARTIFACTS}/${exp}/${runId}/artifacts/model/${file}`,
      payload:
        file === "model.json"
          ? `{"run":"${runId}"}`
          : '{"signature":{"inputs":[{"name":"x","type":"double"}]}}',
      headers: { "content-type": "application/octet-stream", ...headers },
    });
    expect(r.status).toBe(200);
  }
  return runId;
}

const register = (runId: string, name = "churn", headers: Record<string, string> = {}) =>
  send("POST", `${V1}/register`, { source: `runs:/${runId}/model`, name }, headers);
const stage = (
  name: string,
  version: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) => send("POST", `${V1}/${name}/versions/${version}/stage`, body, headers);

describe("POST /api/v1/models/register", () => {
  it("registers a run's model as the next version, creating the registered model", async () => {
    const runId = await runWithModel();
    const r = await send("POST", `${V1}/register`, {
      source: `runs:/${runId}/model`,
      name: "churn",
      description: "first cut",
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: "churn",
      version: 1,
      runId,
      source: `runs:/${runId}/model`,
      currentStage: "None",
      description: "first cut",
      creator: userInfo().username,
      signature: { inputs: [{ name: "x", type: "double" }] },
      createdTime: T0,
    });
    expect((r.json as { files: Array<{ path: string; sha256: string }> }).files).toEqual([
      { path: "model.json", sha256: sha256(`{"run":"${runId}"}`), size: `{"run":"${runId}"}`.length },
      {
        path: "sextant-model.json",
        sha256: sha256('{"signature":{"inputs":[{"name":"x","type":"double"}]}}'),
        size: 55,
      },
    ]);
    expect((await register(runId)).json).toMatchObject({ version: 2 });
  });

  it("leaves nothing behind when the model's files are missing or their bytes never arrived", async () => {
    const runId = await runWithModel();
    await refused(
      () => send("POST", `${V1}/register`, { source: `runs:/${runId}/elsewhere`, name: "m" }),
      404,
      "ARTIFACT_NOT_FOUND",
    );
    await h.store.runs.recordArtifact(runId, {
      path: "model/weights.bin",
      sha256: sha256("lost in transit"),
      size: 15,
      createdTime: T0,
    });
    const e = await refused(() => register(runId, "m"), 404, "ARTIFACT_NOT_FOUND");
    expect(e.message).toContain("weights.bin");
    expect(await h.store.registry.listModels()).toEqual([]);
    await refused(
      () => send("POST", `${V1}/register`, { source: "s3://x/model", name: "m" }),
      400,
      "UNSUPPORTED_URI",
    );
    await refused(() => send("POST", `${V1}/register`, { name: "m" }), 400, "INVALID_ARGUMENT");
  });
});

describe("stages, policies, aliases, rollback", () => {
  it("transitions with reason and evidence, refuses what the policy does not allow with 409, and audits force", async () => {
    const runId = await runWithModel();
    await register(runId);
    await register(runId);
    h.clock.advance(5);
    const ok = await stage("churn", 1, {
      stage: "Staging",
      reason: "beats baseline",
      evidence: [{ kind: "notebook", id: "nb-7" }],
    });
    expect(ok.json).toMatchObject({ version: 1, currentStage: "Staging" });

    const pol = await send("PUT", `${V1}/churn/policy`, {
      policy: { Production: { modelCard: { complete: true } } },
    });
    expect(pol.json).toMatchObject({
      revision: 1,
      policy: { Production: { modelCard: { complete: true } } },
    });

    const e = await refused(
      () => stage("churn", 1, { stage: "Production", archiveExisting: true }),
      409,
      "POLICY_NOT_MET",
    );
    expect(e.error_code).toBe("INVALID_STATE");
    expect(e.details).toMatchObject({ name: "churn", version: 1, stage: "Production" });
    expect((e.details.unmet as Array<{ kind: string; ok: boolean }>).map((u) => [u.kind, u.ok])).toEqual([
      ["modelCard", false],
    ]);

    // with authentication off the caller is an admin: force passes, audited as forced
    const forced = await stage("churn", 1, { stage: "Production", force: true, reason: "hotfix" });
    expect(forced.json).toMatchObject({ version: 1, currentStage: "Production" });
    const trail = await h.store.registry.getHistory("churn");
    const moves = trail.filter((x) => x.action === "transition");
    expect(moves.map((x) => [x.version, x.toStage, x.forced, x.reason, x.actor])).toEqual([
      [1, "Staging", false, "beats baseline", userInfo().username],
      [1, "Production", true, "hotfix", userInfo().username],
    ]);
    expect(moves[0]!.evidence).toEqual([{ kind: "notebook", id: "nb-7" }]);
    expect(moves[1]!.evidence.map((x) => x.kind)).toContain("policy-override");
    expect(moves[0]!.at).toBe(T0 + 5);

    await refused(() => stage("churn", 1, { stage: "Live" }), 400, "INVALID_ARGUMENT");
    await refused(() => stage("churn", 9, { stage: "Staging" }), 404, "MODEL_VERSION_NOT_FOUND");
    await refused(() => stage("nope", 1, { stage: "Staging" }), 404, "MODEL_NOT_FOUND");
    await refused(() => stage("churn", 1, {}), 400, "INVALID_ARGUMENT");
    await refused(() => send("PUT", `${V1}/churn/policy`, { policy: { Live: {} } }), 400, "INVALID_ARGUMENT");
  });

  it("sets, moves and deletes aliases and rolls aliases and Production back", async () => {
    const runId = await runWithModel();
    for (let i = 0; i < 3; i++) await register(runId);
    expect((await send("PUT", `${V1}/churn/aliases/champion`, { version: 1 })).json).toMatchObject({
      version: 1,
      aliases: ["champion"],
    });
    expect(
      (await send("PUT", `${V1}/churn/aliases/champion`, { version: "2", reason: "better" })).json,
    ).toMatchObject({
      version: 2,
    });
    const back = await send("POST", `${V1}/churn/rollback`, { alias: "champion", reason: "regression" });
    expect(back.json).toMatchObject({
      action: "rollback",
      alias: "champion",
      version: 1,
      reason: "regression",
    });
    expect((await h.store.registry.getVersionByAlias("churn", "champion")).version).toBe(1);
    expect((await send("DELETE", `${V1}/churn/aliases/champion?reason=retired`)).json).toEqual({});
    const last = (await h.store.registry.getHistory("churn")).at(-1)!;
    expect([last.action, last.alias, last.reason]).toEqual(["delete_alias", "champion", "retired"]);
    await refused(() => send("DELETE", `${V1}/churn/aliases/champion`), 404, "MODEL_ALIAS_NOT_FOUND");
    await refused(() => send("PUT", `${V1}/churn/aliases/latest`, { version: 1 }), 400, "INVALID_NAME");
    await refused(() => send("PUT", `${V1}/churn/aliases/x`, { version: 0 }), 400, "INVALID_ARGUMENT");

    await stage("churn", 2, { stage: "Production" });
    await stage("churn", 3, { stage: "Production", archiveExisting: true });
    const rb = await send("POST", `${V1}/churn/rollback`, {});
    expect(rb.status).toBe(200);
    const versions = await h.store.registry.listVersions("churn");
    expect(versions.map((v) => [v.version, v.currentStage])).toEqual([
      [3, "None"],
      [2, "Production"],
      [1, "None"],
    ]);
    const undone = (await h.store.registry.getHistory("churn")).find(
      (x) => x.action === "transition" && x.version === 3,
    )!;
    expect(rb.json).toMatchObject({ action: "rollback", undoes: undone.id });
    await refused(
      () => send("POST", `${V1}/churn/rollback`, { stage: "Production", alias: "x" }),
      400,
      "INVALID_ARGUMENT",
    );
    await refused(() => send("POST", `${V1}/churn/rollback`, { stage: "Staging" }), 400, "INVALID_STATE");
  });
});

describe("permissions", () => {
  it("needs promote for stages, aliases and rollback, admin for force and policies; the trail names the token", async () => {
    await h.close();
    h = await openHarness({ auth: true });
    const bearer: Record<string, Record<string, string>> = {};
    const ids: Record<string, string> = {};
    for (const scope of ["read", "write", "promote", "admin"] as const) {
      const { token, record } = await createToken(h.store.tokens, { name: `${scope}-bot`, scope, now: T0 });
      bearer[scope] = { authorization: `Bearer ${token}` };
      ids[scope] = record.tokenId;
    }
    const exp = (await h.post(`${API}/experiments/create`, { name: "e" }, bearer.write)).json as {
      experiment_id: string;
    };
    const runId = (
      (await h.post(`${API}/runs/create`, { experiment_id: exp.experiment_id }, bearer.write)).json as {
        run: { info: { run_id: string } };
      }
    ).run.info.run_id;
    await h.request({
      method: "PUT",
      url: `${ARTIFACTS}/${exp.experiment_id}/${runId}/artifacts/model/model.json`,
      payload: "{}",
      headers: { "content-type": "application/octet-stream", ...bearer.write },
    });

    await refused(() => register(runId, "m", bearer.read), 403, "PERMISSION_DENIED");
    expect((await register(runId, "m", bearer.write)).status).toBe(200);
    expect((await register(runId, "m", bearer.write)).status).toBe(200);
    for (const scope of ["read", "write"]) {
      await refused(() => stage("m", 1, { stage: "Staging" }, bearer[scope]), 403, "PERMISSION_DENIED");
      await refused(
        () => send("PUT", `${V1}/m/aliases/champion`, { version: 1 }, bearer[scope]),
        403,
        "PERMISSION_DENIED",
      );
      await refused(() => send("POST", `${V1}/m/rollback`, {}, bearer[scope]), 403, "PERMISSION_DENIED");
    }
    await refused(
      () =>
        send(
          "PUT",
          `${V1}/m/policy`,
          { policy: { Production: { modelCard: { complete: true } } } },
          bearer.promote,
        ),
      403,
      "PERMISSION_DENIED",
    );
    expect(
      (
        await send(
          "PUT",
          `${V1}/m/policy`,
          { policy: { Production: { modelCard: { complete: true } } } },
          bearer.admin,
        )
      ).status,
    ).toBe(200);
    await refused(() => stage("m", 1, { stage: "Production" }, bearer.promote), 409, "POLICY_NOT_MET");
    // force is an admin's, even where the policy would not need it
    await refused(
      () => stage("m", 1, { stage: "Production", force: true }, bearer.promote),
      403,
      "PERMISSION_DENIED",
    );
    await refused(
      () => stage("m", 1, { stage: "Archived", force: true }, bearer.promote),
      403,
      "PERMISSION_DENIED",
    );
    expect(
      (await stage("m", 1, { stage: "Production", force: true, reason: "demo" }, bearer.admin)).status,
    ).toBe(200);
    expect((await stage("m", 2, { stage: "Staging" }, bearer.promote)).status).toBe(200);
    expect((await send("PUT", `${V1}/m/aliases/champion`, { version: 2 }, bearer.promote)).status).toBe(200);
    expect((await send("POST", `${V1}/m/rollback`, {}, bearer.promote)).status).toBe(200);

    const trail = await h.store.registry.getHistory("m");
    const promoter = `promote-bot (token ${ids.promote})`;
    expect(trail.map((e) => [e.action, e.actor, e.forced])).toEqual([
      ["create_model", `write-bot (token ${ids.write})`, false],
      ["create_version", `write-bot (token ${ids.write})`, false],
      ["create_version", `write-bot (token ${ids.write})`, false],
      ["set_policy", `admin-bot (token ${ids.admin})`, false],
      ["transition", `admin-bot (token ${ids.admin})`, true],
      ["transition", promoter, false],
      ["set_alias", promoter, false],
      ["rollback", promoter, false],
    ]);
    // the rollback undid the forced promotion
    expect(trail.at(-1)!.undoes).toBe(trail[4]!.id);
    expect((await h.store.registry.getVersion("m", 1)).currentStage).toBe("None");
  });
});

describe("OpenAPI", () => {
  it("documents the write endpoints", async () => {
    const doc = (await h.get("/api/v1/openapi.json")).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/api/v1/models/register"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.paths["/api/v1/models/{name}/versions/{version}/stage"] ?? {})).toEqual(["post"]);
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods("/api/v1/models/{name}/aliases/{alias}")).toEqual(["delete", "get", "put"]);
    expect(methods("/api/v1/models/{name}/rollback")).toEqual(["post"]);
    expect(methods("/api/v1/models/{name}/policy")).toEqual(["get", "put"]);
    expect(methods("/api/v1/models")).toEqual(["get", "post"]);
    expect(methods("/api/v1/models/{name}")).toEqual(["delete", "get", "patch"]);
    expect(methods("/api/v1/models/{name}/tags/{key}")).toEqual(["delete", "put"]);
    expect(methods("/api/v1/models/{name}/versions/{version}")).toEqual(["delete", "get", "patch"]);
    expect(methods("/api/v1/models/{name}/versions/{version}/tags/{key}")).toEqual(["delete", "put"]);
    // MLflow's registry routes stay out of the native document
    expect(Object.keys(doc.paths).some((p) => p.includes("registered-models"))).toBe(false);
  });
});
