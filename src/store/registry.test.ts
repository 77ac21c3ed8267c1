/**
 * The registry storage on SQLite and PostgreSQL: versions numbered per model and immutable, stages
 * with archiveExisting, aliases, the audit trail written with every change, and concurrent
 * promotions serialized per model.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "./kysely-store.js";
import { PostgresStore } from "./postgres.js";
import type { RegistryStorage, Stage } from "./registry-types.js";
import { SqliteStore } from "./sqlite.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const HASH = (n: number) => n.toString(16).padStart(64, "0");
const alice = { actor: "alice" };
const FILES = [{ path: "model.json", sha256: "a".repeat(64), size: 10 }];

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

const backends: Array<[string, () => Promise<{ store: KyselyStore; dispose(): Promise<void> }>]> = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sx-registry-"));
      const store = await SqliteStore.open(join(dir, "sextant.db"));
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    "postgres",
    async () => {
      const store = await PostgresStore.open(`${PG_URL}?schema=sx_test_${randomBytes(6).toString("hex")}`);
      return {
        store,
        async dispose() {
          await store.dropSchema();
          await store.close();
        },
      };
    },
  ],
];

for (const [name, open] of backends) {
  describe(`registry storage (${name})`, () => {
    const opened: Array<{ dispose(): Promise<void> }> = [];
    const fresh = async (): Promise<RegistryStorage> => {
      const o = await open();
      opened.push(o);
      return o.store.registry;
    };
    afterAll(async () => {
      for (const o of opened) await o.dispose();
    });

    it("creates models and numbers versions per model, starting at None", async () => {
      const r = await fresh();
      await r.createModel({ name: "churn", description: "TuneKeep churn" }, alice, 1000);
      await r.createModel({ name: "other" }, alice, 1000);
      expect(await code(r.createModel({ name: "churn" }, alice, 1001))).toBe("MODEL_ALREADY_EXISTS");
      expect(await code(r.createModel({ name: "a/b" }, alice, 1001))).toBe("INVALID_NAME");
      const v1 = await r.createVersion(
        "churn",
        { source: "runs:/r1/model", runId: "r1", contentHash: HASH(1), files: FILES },
        alice,
        1100,
      );
      const v2 = await r.createVersion(
        "churn",
        {
          source: "runs:/r2/model",
          runId: "r2",
          contentHash: HASH(2),
          files: FILES,
          signature: { inputs: [{ name: "days_since_listen", type: "double" }] },
          datasets: [{ name: "tunekeep", digest: HASH(9) }],
        },
        alice,
        1200,
      );
      const o1 = await r.createVersion(
        "other",
        { source: "runs:/r3/model", runId: "r3", contentHash: HASH(3), files: FILES },
        alice,
        1300,
      );
      expect([v1.version, v2.version, o1.version]).toEqual([1, 2, 1]);
      expect(v2).toMatchObject({
        name: "churn",
        currentStage: "None",
        creator: "alice",
        runId: "r2",
        contentHash: HASH(2),
        files: FILES,
        signature: { inputs: [{ name: "days_since_listen", type: "double" }] },
        datasets: [{ name: "tunekeep", digest: HASH(9) }],
        aliases: [],
      });
      expect((await r.listVersions("churn")).map((v) => v.version)).toEqual([2, 1]);
      expect((await r.searchVersions({ runId: "r3" })).map((v) => [v.name, v.version])).toEqual([
        ["other", 1],
      ]);
      expect(await code(r.getVersion("churn", 3))).toBe("MODEL_VERSION_NOT_FOUND");
      expect(await code(r.getModel("nope"))).toBe("MODEL_NOT_FOUND");
      expect(
        await code(
          r.createVersion("churn", { source: "x", runId: null, contentHash: "abc", files: FILES }, alice, 1),
        ),
      ).toBe("INVALID_ARGUMENT");
      const m = await r.getModel("churn");
      expect(m).toMatchObject({ name: "churn", description: "TuneKeep churn", latestVersions: { None: 2 } });
    });

    it("moves stages, archives the existing ones on request, and audits every change", async () => {
      const r = await fresh();
      await r.createModel({ name: "m" }, alice, 1);
      for (let i = 1; i <= 3; i++)
        await r.createVersion(
          "m",
          { source: `runs:/r${i}/model`, runId: `r${i}`, contentHash: HASH(i), files: FILES },
          alice,
          10 + i,
        );
      await r.transitionStage(
        "m",
        1,
        "Production",
        {},
        { actor: "bob", reason: "first", evidence: [{ kind: "evaluation", id: "e1" }] },
        20,
      );
      await r.transitionStage(
        "m",
        2,
        "production" as Stage,
        { archiveExisting: true },
        { actor: "carol", reason: "better" },
        30,
      );
      expect((await r.getVersion("m", 1)).currentStage).toBe("Archived");
      expect((await r.getVersion("m", 2)).currentStage).toBe("Production");
      // without archiveExisting two versions can be live at once (an A/B test)
      await r.transitionStage("m", 3, "Production", {}, alice, 40);
      expect((await r.listVersions("m")).map((v) => v.currentStage)).toEqual([
        "Production",
        "Production",
        "Archived",
      ]);
      expect(await code(r.transitionStage("m", 3, "Live" as never, {}, alice, 50))).toBe("INVALID_ARGUMENT");

      const h = await r.getHistory("m");
      expect(h.map((e) => e.action)).toEqual([
        "create_model",
        "create_version",
        "create_version",
        "create_version",
        "transition",
        "transition",
        "transition",
      ]);
      expect(h[4]).toMatchObject({
        actor: "bob",
        version: 1,
        fromStage: "None",
        toStage: "Production",
        reason: "first",
        evidence: [{ kind: "evaluation", id: "e1" }],
        forced: false,
        at: 20,
      });
      expect(h[5]).toMatchObject({
        actor: "carol",
        version: 2,
        fromStage: "None",
        toStage: "Production",
        displaced: [{ version: 1, fromStage: "Production", toStage: "Archived" }],
      });
      expect(await r.getHistory("m", { latest: 2 })).toEqual(h.slice(-2));
      expect(await r.getHistory("m", { latest: 0 })).toEqual([]);
      const ids = h.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it("points, moves and deletes aliases, and validates their names", async () => {
      const r = await fresh();
      await r.createModel({ name: "m" }, alice, 1);
      await r.createVersion(
        "m",
        { source: "runs:/a/model", runId: "a", contentHash: HASH(1), files: FILES },
        alice,
        2,
      );
      await r.createVersion(
        "m",
        { source: "runs:/b/model", runId: "b", contentHash: HASH(2), files: FILES },
        alice,
        3,
      );
      await r.setAlias("m", "champion", 1, {}, alice, 4);
      await r.setAlias("m", "champion", 2, {}, alice, 5);
      await r.setAlias("m", "challenger", 1, {}, alice, 6);
      expect((await r.getVersionByAlias("m", "champion")).version).toBe(2);
      expect((await r.getModel("m")).aliases).toEqual({ challenger: 1, champion: 2 });
      expect((await r.getVersion("m", 1)).aliases).toEqual(["challenger"]);
      for (const bad of ["latest", "v3", "has space", ""]) {
        expect(await code(r.setAlias("m", bad, 1, {}, alice, 7))).toBe("INVALID_NAME");
      }
      expect(await code(r.setAlias("m", "x", 9, {}, alice, 7))).toBe("MODEL_VERSION_NOT_FOUND");
      await r.deleteAlias("m", "challenger", {}, alice, 8);
      expect(await code(r.deleteAlias("m", "challenger", {}, alice, 9))).toBe("MODEL_ALIAS_NOT_FOUND");
      expect(await code(r.getVersionByAlias("m", "challenger"))).toBe("MODEL_ALIAS_NOT_FOUND");
      const h = (await r.getHistory("m")).filter((e) => e.alias);
      expect(h.map((e) => [e.action, e.alias, e.version, e.previousVersion])).toEqual([
        ["set_alias", "champion", 1, null],
        ["set_alias", "champion", 2, 1],
        ["set_alias", "challenger", 1, null],
        ["delete_alias", "challenger", null, 1],
      ]);
    });

    it("refuses to delete live versions, keeps the trail of a deleted model, and never reuses numbers", async () => {
      const r = await fresh();
      await r.createModel({ name: "m" }, alice, 1);
      await r.createVersion(
        "m",
        { source: "runs:/a/model", runId: "a", contentHash: HASH(1), files: FILES },
        alice,
        2,
      );
      await r.createVersion(
        "m",
        { source: "runs:/b/model", runId: "b", contentHash: HASH(2), files: FILES },
        alice,
        3,
      );
      await r.transitionStage("m", 1, "Staging", {}, alice, 4);
      expect(await code(r.deleteVersion("m", 1, alice, 5))).toBe("INVALID_STATE");
      await r.deleteVersion("m", 2, alice, 6);
      expect(
        (
          await r.createVersion(
            "m",
            { source: "runs:/c/model", runId: "c", contentHash: HASH(3), files: FILES },
            alice,
            7,
          )
        ).version,
      ).toBe(3);
      expect(await code(r.deleteModel("m", alice, 8))).toBe("INVALID_STATE");
      await r.transitionStage("m", 1, "Archived", {}, alice, 9);
      await r.deleteModel("m", alice, 10);
      expect(await code(r.getModel("m"))).toBe("MODEL_NOT_FOUND");
      const trail = await r.getHistory("m");
      expect(trail.at(-1)).toMatchObject({ action: "delete_model", actor: "alice", at: 10 });
      expect(trail.some((e) => e.action === "delete_version" && e.version === 2)).toBe(true);
    });

    it("renames a model and carries its trail along", async () => {
      const r = await fresh();
      await r.createModel({ name: "old" }, alice, 1);
      await r.createModel({ name: "taken" }, alice, 1);
      expect(await code(r.renameModel("old", "taken", alice, 2))).toBe("MODEL_ALREADY_EXISTS");
      await r.renameModel("old", "new", alice, 3);
      expect((await r.getHistory("new")).map((e) => e.action)).toEqual(["create_model", "rename_model"]);
      expect(await code(r.getModel("old"))).toBe("MODEL_NOT_FOUND");
    });

    it("stores a versioned policy and audits it", async () => {
      const r = await fresh();
      await r.createModel({ name: "m" }, alice, 1);
      expect(await r.getPolicy("m")).toBeNull();
      await r.setPolicy("m", { Staging: { metric: "f1" } }, alice, 2);
      const p = await r.setPolicy("m", { Staging: { metric: "f1", alpha: 0.05 } }, { actor: "bob" }, 3);
      expect(p).toMatchObject({ revision: 2, actor: "bob" });
      expect(await r.getPolicy("m")).toEqual({
        revision: 2,
        policy: { Staging: { metric: "f1", alpha: 0.05 } },
        updatedTime: 3,
        actor: "bob",
      });
      expect((await r.getHistory("m")).filter((e) => e.action === "set_policy")).toHaveLength(2);
    });

    it("serializes concurrent promotions: exactly one Production version, both audited in order", async () => {
      const r = await fresh();
      await r.createModel({ name: "m" }, alice, 1);
      for (let i = 1; i <= 6; i++)
        await r.createVersion(
          "m",
          { source: `runs:/r${i}/model`, runId: `r${i}`, contentHash: HASH(i), files: FILES },
          alice,
          1 + i,
        );
      // two clients (two connections on PostgreSQL, one writer at a time on SQLite) at once
      await Promise.all(
        [2, 3, 4, 5, 6].map((v) =>
          r.transitionStage("m", v, "Production", { archiveExisting: true }, { actor: `client-${v}` }, 100),
        ),
      );
      const live = (await r.listVersions("m")).filter((v) => v.currentStage === "Production");
      expect(live).toHaveLength(1);
      const moves = (await r.getHistory("m")).filter((e) => e.action === "transition");
      expect(moves).toHaveLength(5);
      // replaying the trail in order gives the final state: each promotion archived the one before
      for (let i = 1; i < moves.length; i++) {
        expect(moves[i]!.displaced).toEqual([
          { version: moves[i - 1]!.version!, fromStage: "Production", toStage: "Archived" },
        ]);
      }
      expect(moves.at(-1)!.version).toBe(live[0]!.version);
      // with archiveExisting off, all of them are live and audited
      await Promise.all([1, 2].map((v) => r.transitionStage("m", v, "Staging", {}, { actor: `c${v}` }, 200)));
      expect(
        (await r.listVersions("m")).filter((v) => v.currentStage === "Staging").map((v) => v.version),
      ).toEqual([2, 1]);
    });
  });
}
