/**
 * The model registry's conformance suite, through the SDK (`sx.registry`, `sx.registerModel`, …)
 * on every backend: the service over SQLite and PostgreSQL, and HttpRegistry through a server on
 * each. Log a learner, register it, promote it under a policy, alias it, roll back, load it by
 * URI with its hash verified, trace its lineage; stages with archiveExisting, deletions refused
 * while live, and concurrent promotions serialized per model.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LogisticRegression, Table } from "../../learn/index.js";
import { type ArtifactStore, FsArtifactStore } from "../../store/index.js";
import type { Sextant } from "../../tracking/index.js";
import { registerEvidenceKind } from "../policy.js";

export interface RegistryClientFactory {
  label: string;
  open(options?: { userId?: string }): Promise<{
    sx: Sextant;
    /** Who the audit trail names for the client's changes. */
    actor: string;
    /** The blob store the model files land in (the server's, behind an HTTP client). */
    blobs: ArtifactStore;
    close(): Promise<void>;
  }>;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

// y = 1 when x0 + x1 is large: a learnable, non-separable toy
const n = 200;
const x0 = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 101);
const x1 = Float64Array.from({ length: n }, (_, i) => ((i * 53) % 97) / 97);
const y = Float64Array.from({ length: n }, (_, i) =>
  x0[i]! + x1[i]! + (((i * 7) % 11) - 5) / 20 > 1 ? 1 : 0,
);
const table = new Table([
  ["x0", { type: "number", values: x0 }],
  ["x1", { type: "number", values: x1 }],
  ["y", { type: "number", values: y }],
]);
const X = table.pick("x0", "x1");

async function trainAndLog(sx: Sextant, C: number): Promise<{ runId: string; model: LogisticRegression }> {
  const model = await new LogisticRegression({ C }).fit({ X, y });
  const runId = await sx.withRun({ name: `lr-C${C}`, capture: false }, async (run) => {
    await run.logParams({ C });
    await run.logModel(model, "model");
    return run.id;
  });
  return { runId, model };
}

export function registryConformance(factory: RegistryClientFactory): void {
  async function open(options: { userId?: string } = {}) {
    const o = await factory.open(options);
    await o.sx.setExperiment("registry");
    return o;
  }

  describe(`registry conformance: ${factory.label}`, () => {
    it("registers a logged learner, pins its files, and loads it back by any URI", async () => {
      const { sx, actor, close } = await open({ userId: "alice" });
      const { runId, model } = await trainAndLog(sx, 1);
      const mv = await sx.registerModel(`runs:/${runId}/model`, "churn");
      expect(mv).toMatchObject({ name: "churn", version: 1, runId, currentStage: "None", creator: actor });
      expect(mv.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(mv.files.map((f) => f.path)).toEqual(["model.json", "sextant-model.json"]);
      expect(mv.signature).toEqual({
        inputs: [
          { name: "x0", type: "double" },
          { name: "x1", type: "double" },
        ],
      });
      const again = await sx.registerModel(`runs:/${runId}/model`, "churn");
      expect(again.version).toBe(2);
      expect(again.contentHash).toBe(mv.contentHash); // same bytes, same hash

      await sx.setAlias("churn", "champion", 1);
      await sx.transitionStage("churn", 2, "Staging");
      for (const uri of ["models:/churn/1", "models:/churn@champion"]) {
        const p = await sx.loadModel(uri);
        expect(p.version).toBe(1);
        expect(Array.from(p.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
      }
      expect((await sx.loadModel("models:/churn/Staging")).version).toBe(2);
      expect((await sx.loadModel("models:/churn/latest")).version).toBe(2);
      expect(await code(sx.loadModel("models:/churn/Production"))).toBe("MODEL_VERSION_NOT_FOUND");
      expect(await code(sx.registerModel(`runs:/${runId}/nothing`, "churn"))).toBe("ARTIFACT_NOT_FOUND");
      expect((await sx.getLatestVersions("churn", ["Staging", "None"])).map((v) => v.version)).toEqual([
        2, 1,
      ]);
      expect(
        (await sx.searchModelVersions({ filter: "name = 'churn'" })).versions.map((v) => v.version),
      ).toEqual([2, 1]);
      expect((await sx.searchModelVersions({ filter: `run_id = '${runId}'` })).versions.length).toBe(2);
      expect(await code(sx.searchModelVersions({ filter: "stage = 'x'" }))).toBe("INVALID_FILTER");
      await close();
    });

    it("refuses to load a version whose bytes changed on disk", async () => {
      const { sx, blobs, close } = await open();
      const { runId } = await trainAndLog(sx, 1);
      const mv = await sx.registerModel(`runs:/${runId}/model`, "m");
      const blob = mv.files.find((f) => f.path === "model.json")!.sha256;
      if (!(blobs instanceof FsArtifactStore))
        throw new Error("the suite corrupts blobs on a filesystem store");
      writeFileSync(
        join(blobs.root, "sha256", blob.slice(0, 2), blob.slice(2, 4), blob),
        '{"format":"sextant-model","kind":"rule"}',
      );
      expect(await code(sx.loadModel("models:/m/1"))).toBe("ARTIFACT_CORRUPT");
      await close();
    });

    it("leaves no version behind when the model's upload failed", async () => {
      const { sx, close } = await open();
      const failing = sx.artifacts as ArtifactStore & { put: ArtifactStore["put"] };
      const put = failing.put.bind(failing);
      const run = await sx.startRun({ name: "upload-fails", capture: false });
      const model = await new LogisticRegression().fit({ X, y });
      failing.put = async () => {
        throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
      };
      await expect(run.logModel(model)).rejects.toThrow(/disk full/);
      failing.put = put;
      expect(await code(sx.registerModel(`runs:/${run.id}/model`, "m"))).toBe("ARTIFACT_NOT_FOUND");
      expect(await code(sx.getModelVersion("m", 1))).toMatch(/MODEL_NOT_FOUND|MODEL_VERSION_NOT_FOUND/);
      await run.end();
      await close();
    });

    it("blocks a promotion that lacks its policy's evidence, listing every unmet condition", async () => {
      const { sx, actor, close } = await open({ userId: "bob" });
      const good = await trainAndLog(sx, 1);
      const mv = await sx.registerModel(`runs:/${good.runId}/model`, "churn");
      await sx.setPromotionPolicy("churn", {
        Staging: { evaluation: { metric: "roc_auc", minValue: 0.8, mustBeat: "baseline", alpha: 0.05 } },
        Production: { online: { metric: "conversion" } },
      });
      const refused = await sx.transitionStage("churn", mv.version, "Staging").catch((e) => e);
      expect(refused.code).toBe("POLICY_NOT_MET");
      expect(refused.details.unmet.map((c: { kind: string }) => c.kind)).toEqual(["evaluation"]);
      expect(refused.message).toMatch(/no evaluation is recorded/);

      // an evaluation of the version's run against a weak baseline
      const evaluation = await sx.evaluate({
        runId: good.runId,
        name: "holdout",
        model: good.model,
        data: table,
        label: "y",
        metrics: ["roc_auc", "f1"],
        baseline: { name: "x0 only", predictions: x0 },
        nBoot: 200,
        compareBoot: 2000,
        seed: 1,
      });
      const staged = await sx.transitionStage("churn", mv.version, "Staging", {
        reason: "beats the x0 rule",
      });
      expect(staged.currentStage).toBe("Staging");
      let trail = await sx.getModelHistory("churn");
      expect(trail.at(-1)).toMatchObject({
        action: "transition",
        actor,
        toStage: "Staging",
        reason: "beats the x0 rule",
        forced: false,
      });
      expect(trail.at(-1)!.evidence.map((e) => [e.kind, e.id])).toEqual([
        ["evaluation", evaluation.evaluationId],
      ]);

      // Production needs Staging's evidence plus an online result nobody can check yet
      const toProd = await sx.transitionStage("churn", mv.version, "Production").catch((e) => e);
      expect(toProd.code).toBe("POLICY_NOT_MET");
      expect(toProd.details.unmet).toEqual([expect.objectContaining({ kind: "online", ok: false })]);
      const forced = await sx.transitionStage("churn", mv.version, "Production", {
        force: true,
        reason: "incident fix",
      });
      expect(forced.currentStage).toBe("Production");
      trail = await sx.getModelHistory("churn");
      expect(trail.at(-1)).toMatchObject({ forced: true, reason: "incident fix" });

      // a new kind of evidence is a checker, not a new policy format
      registerEvidenceKind("online", async (_req, ctx) => [
        {
          kind: "online",
          condition: "online test passed",
          ok: ctx.evidence.some((e) => e.kind === "online" && e.id === "ab-1"),
          detail: "A/B result ab-1",
        },
      ]);
      await sx.transitionStage("churn", mv.version, "Archived");
      await sx.transitionStage("churn", mv.version, "Production", {
        evidence: [{ kind: "online", id: "ab-1" }],
      });
      expect((await sx.getModelVersion("churn", 1)).currentStage).toBe("Production");
      expect(await code(sx.setPromotionPolicy("churn", { Live: {} } as never))).toBe("INVALID_ARGUMENT");
      expect(
        await code(sx.setPromotionPolicy("churn", { Staging: { evaluation: { metric: "nope" } } })),
      ).toBe("INVALID_ARGUMENT");
      await close();
    });

    it("rolls Production and aliases back step by step, each rollback audited", async () => {
      const { sx, close } = await open();
      const { runId } = await trainAndLog(sx, 1);
      for (let i = 0; i < 3; i++) await sx.registerModel(`runs:/${runId}/model`, "m");
      await sx.transitionStage("m", 1, "Production");
      await sx.transitionStage("m", 2, "Staging");
      await sx.transitionStage("m", 2, "Production", { archiveExisting: true });
      await sx.transitionStage("m", 3, "Production", { archiveExisting: true });
      const stages = async () =>
        (await Promise.all([1, 2, 3].map((v) => sx.getModelVersion("m", v)))).map((v) => v.currentStage);
      expect(await stages()).toEqual(["Archived", "Archived", "Production"]);

      const r1 = await sx.rollback("m", { reason: "v3 misbehaves" });
      expect(await stages()).toEqual(["Archived", "Production", "None"]);
      expect(r1).toMatchObject({ action: "rollback", reason: "v3 misbehaves" });
      await sx.rollback("m");
      expect(await stages()).toEqual(["Production", "Staging", "None"]);
      await sx.rollback("m");
      expect(await stages()).toEqual(["None", "Staging", "None"]);
      expect(await code(sx.rollback("m"))).toBe("INVALID_STATE");

      await sx.setAlias("m", "champion", 1);
      await sx.setAlias("m", "champion", 3);
      await sx.rollback("m", { alias: "champion" });
      expect((await sx.loadModel("models:/m@champion")).version).toBe(1);
      await sx.rollback("m", { alias: "champion" });
      expect(await code(sx.loadModel("models:/m@champion"))).toBe("MODEL_ALIAS_NOT_FOUND");
      const rollbacks = (await sx.getModelHistory("m")).filter((e) => e.action === "rollback");
      expect(rollbacks).toHaveLength(5);
      expect(rollbacks.every((e) => e.undoes !== null)).toBe(true);
      await close();
    });

    it("traces a version to its run, datasets, code and evaluations", async () => {
      const { sx, close } = await open();
      const dir = mkdtempSync(join(tmpdir(), "sx-lineage-"));
      const data = join(dir, "train.csv");
      writeFileSync(data, "x0,x1,y\n0.1,0.2,0\n0.9,0.8,1\n");
      const model = await new LogisticRegression().fit({ X, y });
      const runId = await sx.withRun(
        { name: "traced", capture: { code: false, environment: true, command: false } },
        async (run) => {
          await run.logDataset(data, { name: "train", context: "train" });
          await run.logModel(model);
          return run.id;
        },
      );
      await sx.registerModel(`runs:/${runId}/model`, "m");
      const lin = await sx.registry.lineage("m", 1);
      expect(lin.run).toMatchObject({ runId, runName: "traced", status: "FINISHED" });
      expect(lin.datasets).toEqual([expect.objectContaining({ name: "train", context: "train" })]);
      expect(lin.datasets[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
      expect((await sx.getModelVersion("m", 1)).datasets.map((d) => d.name)).toEqual(["train"]);
      expect(lin.environment).not.toBeNull();
      expect(lin.study).toBeNull();
      expect(lin.evaluations).toEqual([]);
      await close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("archives a stage's versions on request, keeps several live otherwise, and deletes only what is not live", async () => {
      const { sx, actor, close } = await open({ userId: "carol" });
      const { runId } = await trainAndLog(sx, 1);
      for (let i = 0; i < 3; i++) await sx.registerModel(`runs:/${runId}/model`, "m");
      const stages = async () =>
        (await sx.registry.listModelVersions("m")).map((v) => [v.version, v.currentStage]);
      await sx.transitionStage("m", 1, "Production");
      await sx.transitionStage("m", 2, "production", { archiveExisting: true, reason: "better" });
      expect(await stages()).toEqual([
        [3, "None"],
        [2, "Production"],
        [1, "Archived"],
      ]);
      // without archiveExisting two versions serve at once (an A/B test)
      await sx.transitionStage("m", 3, "Production");
      expect(await code(sx.transitionStage("m", 3, "Live"))).toBe("INVALID_ARGUMENT");
      const moved = (await sx.getModelHistory("m")).find((e) => e.action === "transition" && e.version === 2);
      expect(moved).toMatchObject({
        actor,
        reason: "better",
        fromStage: "None",
        toStage: "Production",
        displaced: [{ version: 1, fromStage: "Production", toStage: "Archived" }],
      });
      expect(await code(sx.registry.deleteModelVersion("m", 3))).toBe("INVALID_STATE");
      expect(await code(sx.registry.deleteRegisteredModel("m"))).toBe("INVALID_STATE");
      await sx.registry.deleteModelVersion("m", 1);
      expect(await code(sx.getModelVersion("m", 1))).toBe("MODEL_VERSION_NOT_FOUND");
      expect((await sx.registerModel(`runs:/${runId}/model`, "m")).version).toBe(4);
      await sx.setAlias("m", "champion", 2);
      for (const v of [2, 3]) await sx.transitionStage("m", v, "Archived");
      expect(await code(sx.registry.deleteRegisteredModel("m"))).toBe("INVALID_STATE");
      await sx.deleteAlias("m", "champion");
      await sx.registry.renameRegisteredModel("m", "m2");
      await sx.registry.deleteRegisteredModel("m2");
      expect(await code(sx.registry.getRegisteredModel("m2"))).toBe("MODEL_NOT_FOUND");
      const trail = await sx.getModelHistory("m2");
      expect(trail.at(-1)).toMatchObject({ action: "delete_model", actor });
      expect(trail.map((e) => e.action)).toContain("rename_model");
      await close();
    });

    it("creates, describes, tags and searches models and versions in the one filter grammar", async () => {
      const { sx, close } = await open();
      const { runId } = await trainAndLog(sx, 1);
      await sx.registry.createRegisteredModel("churn and more", {
        description: "d",
        tags: { team: "growth" },
      });
      expect(await code(sx.registry.createRegisteredModel("churn and more"))).toBe("MODEL_ALREADY_EXISTS");
      expect(await code(sx.registry.createRegisteredModel("a/b"))).toBe("INVALID_NAME");
      await sx.registerModel(`runs:/${runId}/model`, "churn and more");
      await sx.registerModel(`runs:/${runId}/model`, "churn", { tags: { validated: "no" } });
      await sx.registerModel(`runs:/${runId}/model`, "churn");
      await sx.registry.setModelVersionTag("churn", 2, "validated", "yes");
      await sx.registry.setModelVersionTag("churn", 1, "validated", null);
      await sx.registry.setRegisteredModelTag("churn", "team", "retention");
      expect(
        (await sx.registry.updateRegisteredModel("churn", { description: "the churn model" })).description,
      ).toBe("the churn model");
      expect((await sx.registry.updateModelVersion("churn", 2, { description: "v2" })).description).toBe(
        "v2",
      );
      const hits = await sx.searchModelVersions({
        filter: "name = 'churn and more' OR tags.validated = 'yes'",
      });
      expect(hits.versions.map((v) => `${v.name}/${v.version}`)).toEqual(["churn/2", "churn and more/1"]);
      expect(hits.nextPageToken).toBeNull();
      const page = await sx.searchModelVersions({ filter: "name LIKE 'churn%'", maxResults: 2 });
      const rest = await sx.searchModelVersions({
        filter: "name LIKE 'churn%'",
        maxResults: 2,
        pageToken: page.nextPageToken,
      });
      expect([...page.versions, ...rest.versions].map((v) => `${v.name}/${v.version}`)).toEqual([
        "churn/2",
        "churn/1",
        "churn and more/1",
      ]);
      const models = await sx.searchRegisteredModels({
        filter: "tags.team IN ('growth', 'retention')",
        orderBy: ["name DESC"],
      });
      expect(models.models.map((m) => [m.name, m.tags.team])).toEqual([
        ["churn and more", "growth"],
        ["churn", "retention"],
      ]);
      expect(await code(sx.searchModelVersions({ filter: "name = 'x' AND" }))).toBe("INVALID_FILTER");
      expect((await sx.registry.listRegisteredModels()).map((m) => m.name)).toEqual([
        "churn",
        "churn and more",
      ]);
      expect(await sx.registry.getPromotionPolicy("churn")).toBeNull();
      await close();
    });

    it("serializes concurrent promotions of one model: one Production version, every change audited", async () => {
      const { sx, close } = await open();
      const { runId } = await trainAndLog(sx, 1);
      for (let i = 0; i < 5; i++) await sx.registerModel(`runs:/${runId}/model`, "m");
      await Promise.all(
        [1, 2, 3, 4, 5].map((v) => sx.transitionStage("m", v, "Production", { archiveExisting: true })),
      );
      const live = (await sx.registry.listModelVersions("m")).filter((v) => v.currentStage === "Production");
      expect(live).toHaveLength(1);
      const moves = (await sx.getModelHistory("m")).filter((e) => e.action === "transition");
      expect(moves).toHaveLength(5);
      for (let i = 1; i < moves.length; i++) {
        expect(moves[i]!.displaced).toEqual([
          { version: moves[i - 1]!.version!, fromStage: "Production", toStage: "Archived" },
        ]);
      }
      expect(moves.at(-1)!.version).toBe(live[0]!.version);
      await close();
    });
  });
}
