/**
 * /api/v1/models… (read-only) through Fastify inject, on stores seeded through the SDK: a SQLite
 * directory store and a PostgreSQL schema.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ModelDetail,
  ModelHistory,
  ModelListItem,
  VersionDetail,
  VersionList,
} from "../../api/index.js";
import { ManualClock } from "../../core/index.js";
import {
  type DatabaseStore,
  isDatabaseStore,
  MemoryArtifactStore,
  PostgresStore,
  SqliteStore,
} from "../../store/index.js";
import { Sextant } from "../../tracking/index.js";
import { buildServer } from "../app.js";
import { createToken } from "../auth.js";
import { ACTOR, MODEL, type RegistryFixture, seedRegistry } from "./testing/index.js";

/** The database store behind a client opened on a directory or postgres:// URI. */
function databaseOf(sx: Sextant): DatabaseStore {
  if (!isDatabaseStore(sx.store)) throw new Error("the test opens a database store");
  return sx.store;
}

const T0 = 1_700_000_000_000;
const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

const backends: Array<[string, (dir: string) => string]> = [
  ["sqlite", (dir) => join(dir, "store")],
  ["postgres", () => `${PG_URL}?schema=sx_models_api_${randomBytes(6).toString("hex")}`],
];

for (const [backend, uriOf] of backends) {
  describe(`/api/v1/models (${backend})`, () => {
    let dir: string;
    let sx: Sextant;
    let app: FastifyInstance;
    let fx: RegistryFixture;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "sx-models-api-"));
      const clock = new ManualClock(T0);
      sx = await Sextant.open({
        uri: uriOf(dir),
        artifactsUri: join(dir, "artifacts"),
        clock,
        userId: ACTOR,
        capture: false,
        onWarning: () => {},
      });
      fx = await seedRegistry(sx, clock, dir);
      app = await buildServer({ store: databaseOf(sx), artifacts: sx.artifacts, clock, uiDir: false });
    });
    afterAll(async () => {
      await app?.close();
      if (sx?.store instanceof PostgresStore) await sx.store.dropSchema();
      await sx?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function get<T>(url: string, headers: Record<string, string> = {}) {
      const r = await app.inject({ method: "GET", url, headers });
      return { status: r.statusCode, json: r.json() as T };
    }

    it("lists the model with its Production and Staging versions, aliases and last change", async () => {
      const { status, json } = await get<{ models: ModelListItem[] }>("/api/v1/models");
      expect(status).toBe(200);
      expect(json.models).toHaveLength(1);
      const m = json.models[0]!;
      // after the rollback: v1 back in Production, v2 back in Staging
      expect(m).toMatchObject({
        name: MODEL,
        versionCount: 3,
        production: [1],
        staging: [2],
        aliases: { champion: 2, challenger: 3 },
        latestVersions: { Production: 1, Staging: 2, None: 3 },
      });
      expect(m.lastEvent).toMatchObject({
        action: "set_alias",
        alias: "challenger",
        version: 3,
        actor: ACTOR,
      });
    });

    it("returns a model with its versions, policy and the conditions each version meets", async () => {
      const { status, json } = await get<ModelDetail>(`/api/v1/models/${MODEL}/detail`);
      expect(status).toBe(200);
      expect(json.model.name).toBe(MODEL);
      expect(json.versions.map((v) => [v.version, v.currentStage, v.runId, v.creator])).toEqual([
        [3, "None", fx.runIds[2], ACTOR],
        [2, "Staging", fx.runIds[1], ACTOR],
        [1, "Production", fx.runIds[0], ACTOR],
      ]);
      expect(json.versions.map((v) => v.aliases)).toEqual([["challenger"], ["champion"], []]);
      expect(json.policy).toMatchObject({
        revision: 1,
        actor: ACTOR,
        policy: { Staging: { evaluation: { metric: "roc_auc" } } },
      });
      expect(json.checks.map((c) => [c.version, c.Staging.pass, c.Production.pass])).toEqual([
        [3, false, false],
        [2, true, true],
        [1, false, false],
      ]);
      const v2 = json.checks[1]!.Staging;
      // the gate's conditions (value, baseline comparison), each met, on the evaluation of v2's run
      expect(v2.conditions.length).toBeGreaterThanOrEqual(2);
      expect(v2.conditions.every((c) => c.ok && c.kind === "evaluation")).toBe(true);
      expect(v2.conditions.every((c) => c.evidence?.id === fx.evaluationId)).toBe(true);
      expect(json.checks[0]!.Staging.conditions).toEqual([
        expect.objectContaining({
          kind: "evaluation",
          ok: false,
          detail: expect.stringMatching(/no evaluation is recorded/),
        }),
      ]);
    });

    it("returns the audit trail in order, with forced changes, evidence and what a rollback undid", async () => {
      const { status, json } = await get<ModelHistory>(`/api/v1/models/${MODEL}/history`);
      expect(status).toBe(200);
      const ev = json.events;
      expect(ev.map((e) => e.action)).toEqual([
        "create_model",
        "create_version",
        "create_version",
        "create_version",
        "set_policy",
        "transition",
        "transition",
        "transition",
        "rollback",
        "set_alias",
        "set_alias",
      ]);
      expect(ev.every((e) => e.actor === ACTOR)).toBe(true);
      expect(ev.map((e) => e.at)).toEqual([...ev.map((e) => e.at)].sort((a, b) => a - b));
      const [forced, staged, promoted, rollback] = ev.slice(5, 9);
      expect(forced).toMatchObject({ version: 1, fromStage: "None", toStage: "Production", forced: true });
      expect(forced!.evidence.map((e) => e.kind)).toEqual(["policy-override"]);
      expect(staged).toMatchObject({
        version: 2,
        toStage: "Staging",
        forced: false,
        reason: "beats the x0 rule",
      });
      expect(staged!.evidence).toEqual([
        expect.objectContaining({ kind: "evaluation", id: fx.evaluationId }),
      ]);
      expect(promoted).toMatchObject({ version: 2, fromStage: "Staging", toStage: "Production" });
      expect(promoted!.displaced).toEqual([{ version: 1, fromStage: "Production", toStage: "Archived" }]);
      expect(rollback).toMatchObject({
        action: "rollback",
        undoes: promoted!.id,
        reason: "v2 misbehaves online",
      });
    });

    it("returns a version with its lineage and policy checks", async () => {
      const { status, json } = await get<VersionDetail>(`/api/v1/models/${MODEL}/versions/2/detail`);
      expect(status).toBe(200);
      expect(json.version).toMatchObject({
        name: MODEL,
        version: 2,
        runId: fx.runIds[1],
        currentStage: "Staging",
      });
      expect(json.lineage.run).toMatchObject({
        runId: fx.runIds[1],
        runName: "lr-C0.5",
        params: { C: "0.5" },
      });
      expect(json.lineage.datasets).toEqual([
        { name: "train", digest: fx.datasetDigest, context: "training" },
      ]);
      expect(json.lineage.evaluations.map((e) => [e.evaluationId, e.name])).toEqual([
        [fx.evaluationId, "holdout"],
      ]);
      expect(json.lineage.study).toBeNull();
      expect(json.lineage.environment).toMatchObject({ node: process.version, platform: process.platform });
      expect(json.policy?.Staging.pass).toBe(true);
      expect(json.policy?.Production.pass).toBe(true);

      const v3 = (await get<VersionDetail>(`/api/v1/models/${MODEL}/versions/3/detail`)).json;
      expect(v3.lineage.study).toMatchObject({ name: fx.studyName, trial: fx.trialNumber });
      expect(v3.lineage.evaluations).toEqual([]);
      expect(v3.policy?.Staging.pass).toBe(false);
    });

    it("lists the versions registered from a run", async () => {
      for (const [i, runId] of fx.runIds.entries()) {
        const { status, json } = await get<VersionList>(`/api/v1/runs/${runId}/model-versions`);
        expect(status).toBe(200);
        expect(json.versions.map((v) => [v.name, v.version])).toEqual([[MODEL, i + 1]]);
      }
    });

    it("answers typed errors for what does not exist or is malformed", async () => {
      const cases: Array<[string, number, string]> = [
        ["/api/v1/models/nope", 404, "MODEL_NOT_FOUND"],
        ["/api/v1/models/nope/history", 404, "MODEL_NOT_FOUND"],
        ["/api/v1/models/nope/versions/1", 404, "MODEL_NOT_FOUND"],
        [`/api/v1/models/${MODEL}/versions/9`, 404, "MODEL_VERSION_NOT_FOUND"],
        [`/api/v1/models/${MODEL}/versions/0`, 400, "INVALID_ARGUMENT"],
        [`/api/v1/models/${MODEL}/versions/two`, 400, "INVALID_ARGUMENT"],
        [`/api/v1/runs/${"0".repeat(32)}/model-versions`, 404, "RUN_NOT_FOUND"],
        ["/api/v1/runs/xyz/model-versions", 400, "INVALID_ARGUMENT"],
      ];
      for (const [url, status, code] of cases) {
        const r = await get<{ code: string; error_code: string }>(url);
        expect([url, r.status, r.json.code]).toEqual([url, status, code]);
      }
    });
  });
}

describe("/api/v1/models on other stores", () => {
  it("serves an empty store an empty list, and reads to a read-scoped token only when auth is on", async () => {
    const store = await SqliteStore.open(":memory:");
    const clock = new ManualClock(T0);
    const other = await buildServer({
      store,
      artifacts: new MemoryArtifactStore(),
      clock,
      uiDir: false,
      auth: true,
    });
    try {
      const anon = await other.inject({ method: "GET", url: "/api/v1/models" });
      expect(anon.statusCode).toBe(401);
      const { token } = await createToken(store.tokens, { name: "reader", scope: "read", now: T0 });
      const r = await other.inject({
        method: "GET",
        url: "/api/v1/models",
        headers: { authorization: `Bearer ${token}` },
      });
      expect([r.statusCode, r.json()]).toEqual([200, { models: [] }]);
      const missing = await other.inject({
        method: "GET",
        url: "/api/v1/models/churn",
        headers: { authorization: `Bearer ${token}` },
      });
      expect([missing.statusCode, missing.json().code]).toEqual([404, "MODEL_NOT_FOUND"]);
    } finally {
      await other.close();
      await store.close();
    }
  });
});
