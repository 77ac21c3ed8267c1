/**
 * The registry storage's conformance suite, on every database engine: versions numbered per model
 * and immutable; `change` applying a decision's edits with its audit event in one transaction (or
 * nothing, when the decision or an edit fails); deletions that keep the trail; concurrent changes
 * of one model serialized; and searches in the one filter grammar, in SQL. Which changes are
 * allowed is the registry service's business (src/registry/rules.ts); the decisions here are
 * written out by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseStore } from "../../contract.js";
import { expectCode } from "../../testing/index.js";
import type { ModelState, RegistryChange, RegistryStorage, Stage } from "../index.js";

const HASH = (n: number) => n.toString(16).padStart(64, "0");
const alice = { actor: "alice" };
const FILES = [{ path: "model.json", sha256: "a".repeat(64), size: 10 }];

export interface DatabaseStoreFactory {
  open(): Promise<{ store: DatabaseStore; dispose(): Promise<void> }>;
}

/** A decision that moves one version to `to` and, optionally, archives the others there. */
function promote(version: number, to: Stage, archive = false) {
  return (s: ModelState): RegistryChange => {
    const displaced = archive
      ? [...s.stages]
          .filter(([v, st]) => v !== version && st === to)
          .map(([v, st]) => ({ version: v, fromStage: st, toStage: "Archived" as Stage }))
      : [];
    return {
      edits: [
        ...displaced.map((d) => ({ kind: "stage" as const, version: d.version, stage: d.toStage })),
        { kind: "stage", version, stage: to },
      ],
      event: {
        action: "transition",
        version,
        fromStage: s.stages.get(version) ?? null,
        toStage: to,
        displaced,
      },
    };
  };
}

export function registryStorageConformance(label: string, factory: DatabaseStoreFactory): void {
  describe(`registry storage conformance: ${label}`, () => {
    let r: RegistryStorage;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      const o = await factory.open();
      r = o.store.registry;
      dispose = o.dispose;
    });
    afterEach(async () => {
      await dispose();
    });

    async function versions(name: string, n: number, t0 = 10): Promise<void> {
      for (let i = 1; i <= n; i++)
        await r.createVersion(
          name,
          { source: `runs:/r${i}/model`, runId: `r${i}`, contentHash: HASH(i), files: FILES },
          alice,
          t0 + i,
        );
    }

    it("creates models and numbers versions per model, starting at None", async () => {
      await r.createModel({ name: "churn", description: "TuneKeep churn" }, alice, 1000);
      await r.createModel({ name: "other" }, alice, 1000);
      await expectCode(r.createModel({ name: "churn" }, alice, 1001), "MODEL_ALREADY_EXISTS");
      await expectCode(r.createModel({ name: "a/b" }, alice, 1001), "INVALID_NAME");
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
        signature: { inputs: [{ name: "days_since_listen", type: "double" }] },
        datasets: [{ name: "tunekeep", digest: HASH(9) }],
        aliases: [],
      });
      expect((await r.listVersions("churn")).map((v) => v.version)).toEqual([2, 1]);
      await expectCode(r.getVersion("churn", 3), "MODEL_VERSION_NOT_FOUND");
      await expectCode(r.getModel("nope"), "MODEL_NOT_FOUND");
      await expectCode(
        r.createVersion("churn", { source: "x", runId: null, contentHash: "abc", files: FILES }, alice, 1),
        "INVALID_ARGUMENT",
      );
      expect(await r.getModel("churn")).toMatchObject({
        description: "TuneKeep churn",
        latestVersions: { None: 2 },
      });
    });

    it("applies a change's edits and its event together, showing the decision the model's state", async () => {
      await r.createModel({ name: "m" }, alice, 1);
      await versions("m", 3);
      let seen: ModelState | null = null;
      const first = await r.change(
        "m",
        (s) => {
          seen = s;
          return promote(1, "Production")(s);
        },
        { actor: "bob", reason: "first", evidence: [{ kind: "evaluation", id: "e1" }] },
        20,
      );
      expect(seen!.stages).toEqual(
        new Map([
          [1, "None"],
          [2, "None"],
          [3, "None"],
        ]),
      );
      expect(seen!.history).toBeNull();
      expect(first).toMatchObject({
        action: "transition",
        model: "m",
        actor: "bob",
        version: 1,
        fromStage: "None",
        toStage: "Production",
        reason: "first",
        evidence: [{ kind: "evaluation", id: "e1" }],
        forced: false,
        at: 20,
        displaced: [],
      });
      await r.change("m", promote(2, "Production", true), { actor: "carol", forced: true }, 30);
      expect((await r.listVersions("m")).map((v) => v.currentStage)).toEqual([
        "None",
        "Production",
        "Archived",
      ]);
      await r.change(
        "m",
        (s) => ({
          edits: [
            { kind: "alias", alias: "champion", version: 2 },
            { kind: "alias", alias: "challenger", version: 3 },
          ],
          event: {
            action: "set_alias",
            alias: "champion",
            version: 2,
            previousVersion: s.aliases.get("champion") ?? null,
          },
        }),
        alice,
        40,
      );
      expect((await r.getModel("m")).aliases).toEqual({ challenger: 3, champion: 2 });
      expect((await r.getVersionByAlias("m", "champion")).version).toBe(2);
      expect((await r.getVersion("m", 3)).aliases).toEqual(["challenger"]);
      // the trail is readable inside a change that asks for it
      await r.change(
        "m",
        (s) => {
          seen = s;
          return {
            edits: [{ kind: "alias", alias: "challenger", version: null }],
            event: { action: "delete_alias", alias: "challenger" },
          };
        },
        alice,
        50,
        { history: true },
      );
      expect(seen!.history!.map((e) => e.action)).toEqual([
        "create_model",
        "create_version",
        "create_version",
        "create_version",
        "transition",
        "transition",
        "set_alias",
      ]);
      const h = await r.getHistory("m");
      expect(h[5]).toMatchObject({
        actor: "carol",
        forced: true,
        displaced: [{ version: 1, fromStage: "Production", toStage: "Archived" }],
      });
      expect(await r.getHistory("m", { latest: 2 })).toEqual(h.slice(-2));
      expect(await r.getHistory("m", { latest: 0 })).toEqual([]);
      const ids = h.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it("changes nothing when the decision refuses or an edit names no version", async () => {
      await r.createModel({ name: "m" }, alice, 1);
      await versions("m", 2);
      const before = [await r.listVersions("m"), await r.getHistory("m"), await r.getModel("m")];
      const refusal = new Error("refused");
      await expect(
        r.change(
          "m",
          () => {
            throw refusal;
          },
          alice,
          5,
        ),
      ).rejects.toBe(refusal);
      await expectCode(r.change("m", promote(9, "Staging"), alice, 6), "MODEL_VERSION_NOT_FOUND");
      await expectCode(
        r.change(
          "m",
          () => ({
            edits: [{ kind: "stage", version: 1, stage: "Live" as Stage }],
            event: { action: "transition" },
          }),
          alice,
          7,
        ),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        r.change(
          "m",
          () => ({ edits: [{ kind: "alias", alias: "latest", version: 1 }], event: { action: "set_alias" } }),
          alice,
          8,
        ),
        "INVALID_NAME",
      );
      await expectCode(r.change("nope", promote(1, "Staging"), alice, 9), "MODEL_NOT_FOUND");
      await expectCode(r.change("m", promote(1, "Staging"), { actor: "" }, 9), "INVALID_ARGUMENT");
      expect([await r.listVersions("m"), await r.getHistory("m"), await r.getModel("m")]).toEqual(before);
    });

    it("deletes versions and models, keeps the trail of a deleted model, and never reuses numbers", async () => {
      await r.createModel({ name: "m" }, alice, 1);
      await versions("m", 2);
      await r.change(
        "m",
        () => ({
          edits: [{ kind: "delete-version", version: 2 }],
          event: { action: "delete_version", version: 2 },
        }),
        alice,
        6,
      );
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
      await r.setPolicy("m", { Staging: {} }, alice, 8);
      await r.change(
        "m",
        () => ({ edits: [{ kind: "alias", alias: "a", version: 1 }], event: { action: "set_alias" } }),
        alice,
        9,
      );
      await r.change(
        "m",
        () => ({ edits: [{ kind: "delete-model" }], event: { action: "delete_model" } }),
        alice,
        10,
      );
      await expectCode(r.getModel("m"), "MODEL_NOT_FOUND");
      const trail = await r.getHistory("m");
      expect(trail.at(-1)).toMatchObject({ action: "delete_model", actor: "alice", at: 10 });
      expect(trail.some((e) => e.action === "delete_version" && e.version === 2)).toBe(true);
      // the name is free again, with a fresh numbering
      await r.createModel({ name: "m" }, alice, 11);
      expect(
        (
          await r.createVersion(
            "m",
            { source: "runs:/d/model", runId: "d", contentHash: HASH(4), files: FILES },
            alice,
            12,
          )
        ).version,
      ).toBe(1);
      expect(await r.getPolicy("m")).toBeNull();
    });

    it("renames a model and carries its trail along", async () => {
      await r.createModel({ name: "old" }, alice, 1);
      await r.createModel({ name: "taken" }, alice, 1);
      await expectCode(r.renameModel("old", "taken", alice, 2), "MODEL_ALREADY_EXISTS");
      await r.renameModel("old", "new", alice, 3);
      expect((await r.getHistory("new")).map((e) => e.action)).toEqual(["create_model", "rename_model"]);
      await expectCode(r.getModel("old"), "MODEL_NOT_FOUND");
    });

    it("stores a versioned policy and audits it", async () => {
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

    it("serializes concurrent changes of one model: each decision sees the one before", async () => {
      await r.createModel({ name: "m" }, alice, 1);
      await versions("m", 6, 1);
      await Promise.all(
        [2, 3, 4, 5, 6].map((v) =>
          r.change("m", promote(v, "Production", true), { actor: `client-${v}` }, 100),
        ),
      );
      const live = (await r.listVersions("m")).filter((v) => v.currentStage === "Production");
      expect(live).toHaveLength(1);
      const moves = (await r.getHistory("m")).filter((e) => e.action === "transition");
      expect(moves).toHaveLength(5);
      expect(moves[0]!.displaced).toEqual([]);
      for (let i = 1; i < moves.length; i++) {
        expect(moves[i]!.displaced).toEqual([
          { version: moves[i - 1]!.version!, fromStage: "Production", toStage: "Archived" },
        ]);
      }
      expect(moves.at(-1)!.version).toBe(live[0]!.version);
    });

    it("searches versions and models in the filter grammar, in SQL, a page at a time", async () => {
      await r.createModel({ name: "churn", tags: { team: "retention" } }, alice, 1);
      await r.createModel({ name: "churn and more", tags: { team: "growth" } }, alice, 2);
      await r.createModel({ name: "Upsell" }, alice, 3);
      await versions("churn", 3, 10);
      await versions("churn and more", 2, 20);
      await r.createVersion(
        "Upsell",
        { source: "runs:/u/model", runId: "u", contentHash: HASH(7), files: FILES },
        alice,
        30,
      );
      await r.setVersionTag("churn", 2, "validated", "yes", 31);
      await r.change("churn", promote(3, "Production"), alice, 32);
      const names = async (filter: string, orderBy?: string[]) =>
        (await r.searchVersions({ filter, ...(orderBy ? { orderBy } : {}) })).versions.map(
          (v) => `${v.name}/${v.version}`,
        );
      expect(await names("")).toEqual([
        "Upsell/1",
        "churn/3",
        "churn/2",
        "churn/1",
        "churn and more/2",
        "churn and more/1",
      ]);
      // a quoted value with " and " in it is one value
      expect(await names("name = 'churn and more'")).toEqual(["churn and more/2", "churn and more/1"]);
      expect(await names("name LIKE 'churn%' AND version_number >= 2")).toEqual([
        "churn/3",
        "churn/2",
        "churn and more/2",
      ]);
      expect(await names("name LIKE 'upsell'")).toEqual([]);
      expect(await names("name ILIKE 'upsell'")).toEqual(["Upsell/1"]);
      expect(await names("current_stage = 'Production' OR tags.validated = 'yes'")).toEqual([
        "churn/3",
        "churn/2",
      ]);
      expect(await names("(name = 'Upsell' OR run_id IN ('r1')) AND version_number = 1")).toEqual([
        "Upsell/1",
        "churn/1",
        "churn and more/1",
      ]);
      expect(await names("tags.validated IS NULL AND name = 'churn'")).toEqual(["churn/3", "churn/1"]);
      expect(await names("name != 'churn'", ["creation_timestamp ASC"])).toEqual([
        "churn and more/1",
        "churn and more/2",
        "Upsell/1",
      ]);
      expect(await names("source_path = 'runs:/u/model'")).toEqual(["Upsell/1"]);
      const page1 = await r.searchVersions({ filter: "name LIKE '%'", maxResults: 4 });
      expect(page1.versions).toHaveLength(4);
      const page2 = await r.searchVersions({
        filter: "name LIKE '%'",
        maxResults: 4,
        pageToken: page1.nextPageToken,
      });
      expect(page2.versions.map((v) => `${v.name}/${v.version}`)).toEqual([
        "churn and more/2",
        "churn and more/1",
      ]);
      expect(page2.nextPageToken).toBeNull();
      await expectCode(
        r.searchVersions({ filter: "name = 'x'", pageToken: page1.nextPageToken }),
        "INVALID_PAGE_TOKEN",
      );
      await expectCode(r.searchVersions({ filter: "stage = 'x'" }), "INVALID_FILTER");
      await expectCode(r.searchVersions({ filter: "metrics.f1 > 1" }), "INVALID_FILTER");
      await expectCode(r.searchVersions({ filter: "version_number = 'two'" }), "INVALID_FILTER");
      await expectCode(r.searchVersions({ orderBy: ["tags"] }), "INVALID_ORDER_BY");
      await expectCode(r.searchVersions({ maxResults: 0 }), "INVALID_ARGUMENT");

      const models = async (filter: string, orderBy?: string[]) =>
        (await r.searchModels({ filter, ...(orderBy ? { orderBy } : {}) })).models.map((m) => m.name);
      expect(await models("")).toEqual(["Upsell", "churn", "churn and more"]);
      expect(await models("tags.team = 'retention' OR tags.team = 'growth'", ["name DESC"])).toEqual([
        "churn and more",
        "churn",
      ]);
      expect(await models("name = 'churn and more'")).toEqual(["churn and more"]);
      expect(await models("", ["timestamp DESC"])).toEqual(["churn", "Upsell", "churn and more"]);
      await expectCode(r.searchModels({ filter: "version_number = 1" }), "INVALID_FILTER");
    });
  });
}
