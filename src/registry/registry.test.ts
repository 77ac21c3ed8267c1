/**
 * The registry through the client: log a learner, register it, promote it under a policy, alias
 * it, roll back, load it by URI with its hash verified, and trace its lineage.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { Table } from "../learn/data/table.js";
import { LogisticRegression } from "../learn/models/logistic.js";
import type { ArtifactStore } from "../store/artifacts.js";
import { Sextant } from "../tracking/sextant.js";
import { registerEvidenceKind } from "./policy.js";
import { parseModelUri } from "./uri.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(options: { userId?: string } = {}): Promise<{ sx: Sextant; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sx-reg-"));
  dirs.push(dir);
  const sx = await Sextant.open({
    uri: join(dir, "store"),
    clock: new ManualClock(1_700_000_000_000),
    ...options,
  });
  await sx.setExperiment("registry");
  return { sx, dir };
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

describe("model URIs", () => {
  it("parses the forms MLflow users write and refuses others", () => {
    expect(parseModelUri("models:/churn/3")).toEqual({ name: "churn", kind: "version", version: 3 });
    expect(parseModelUri("models:/churn/production")).toEqual({
      name: "churn",
      kind: "stage",
      stage: "Production",
    });
    expect(parseModelUri("models:/churn@champion")).toEqual({
      name: "churn",
      kind: "alias",
      alias: "champion",
    });
    expect(parseModelUri("models:/churn/latest")).toEqual({ name: "churn", kind: "latest" });
    for (const bad of ["runs:/x/model", "models:/churn", "models:/churn/Live", "models:/@x"]) {
      expect(() => parseModelUri(bad)).toThrow(/not a model URI/);
    }
  });
});

describe("registry", () => {
  it("registers a logged learner, pins its files, and loads it back by any URI", async () => {
    const { sx } = await open({ userId: "alice" });
    const { runId, model } = await trainAndLog(sx, 1);
    const mv = await sx.registerModel(`runs:/${runId}/model`, "churn");
    expect(mv).toMatchObject({ name: "churn", version: 1, runId, currentStage: "None", creator: "alice" });
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
    expect((await sx.getLatestVersions("churn", ["Staging", "None"])).map((v) => v.version)).toEqual([2, 1]);
    expect((await sx.searchModelVersions({ filter: "name = 'churn'" })).map((v) => v.version)).toEqual([
      2, 1,
    ]);
    expect((await sx.searchModelVersions({ filter: `run_id = '${runId}'` })).length).toBe(2);
    expect(await code(sx.searchModelVersions({ filter: "stage = 'x'" }))).toBe("INVALID_FILTER");
    await sx.close();
  });

  it("refuses to load a version whose bytes changed on disk", async () => {
    const { sx, dir } = await open();
    const { runId } = await trainAndLog(sx, 1);
    const mv = await sx.registerModel(`runs:/${runId}/model`, "m");
    const blob = mv.files.find((f) => f.path === "model.json")!.sha256;
    const find = (d: string): string | null => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) {
          const f = find(p);
          if (f) return f;
        } else if (e.includes(blob)) return p;
      }
      return null;
    };
    const file = find(dir);
    expect(file).not.toBeNull();
    writeFileSync(file!, '{"format":"sextant-model","kind":"rule"}');
    expect(await code(sx.loadModel("models:/m/1"))).toBe("ARTIFACT_CORRUPT");
    await sx.close();
  });

  it("leaves no version behind when the model's upload failed", async () => {
    const { sx } = await open();
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
    await sx.close();
  });

  it("blocks a promotion that lacks its policy's evidence, listing every unmet condition", async () => {
    const { sx } = await open({ userId: "bob" });
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
    const staged = await sx.transitionStage("churn", mv.version, "Staging", { reason: "beats the x0 rule" });
    expect(staged.currentStage).toBe("Staging");
    let trail = await sx.getModelHistory("churn");
    expect(trail.at(-1)).toMatchObject({
      action: "transition",
      actor: "bob",
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
    expect(await code(sx.setPromotionPolicy("churn", { Staging: { evaluation: { metric: "nope" } } }))).toBe(
      "INVALID_ARGUMENT",
    );
    await sx.close();
  });

  it("rolls Production and aliases back step by step, each rollback audited", async () => {
    const { sx } = await open();
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
    await sx.close();
  });

  it("traces a version to its run, datasets, code and evaluations", async () => {
    const { sx, dir } = await open();
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
    await sx.close();
  });
});
