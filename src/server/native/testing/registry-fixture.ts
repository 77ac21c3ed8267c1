/**
 * A model registry with a story, for the registry endpoint and browser tests: three versions of
 * "churn" (one evaluated run, one plain run, one study trial), a promotion policy only version 2
 * meets, a forced promotion, a normal promotion that archives, a rollback and two aliases.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ManualClock } from "../../../core/index.js";
import { RandomSampler } from "../../../hpo/index.js";
import { LogisticRegression, Table } from "../../../learn/index.js";
import type { PromotionPolicy } from "../../../registry/index.js";
import type { Sextant } from "../../../tracking/index.js";

export const MODEL = "churn";
export const ACTOR = "alice";
export const POLICY: PromotionPolicy = {
  Staging: { evaluation: { metric: "roc_auc", minValue: 0.8, mustBeat: "baseline", alpha: 0.05 } },
};

export interface RegistryFixture {
  /** Runs of versions 1, 2 and 3 (3 is a study trial's run). */
  runIds: [string, string, string];
  evaluationId: string;
  studyName: string;
  trialNumber: number;
  /** sha256 of the dataset logged by version 2's run. */
  datasetDigest: string;
}

// y = 1 when x0 + x1 is large: learnable, not separable
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

/**
 * Fills the registry of `sx` (opened with userId ACTOR on `clock`); `dir` receives the dataset
 * file. Each change happens one minute after the previous one.
 */
export async function seedRegistry(sx: Sextant, clock: ManualClock, dir: string): Promise<RegistryFixture> {
  const tick = () => clock.set(clock.now() + 60_000);
  await sx.setExperiment("registry");

  const m1 = await new LogisticRegression({ C: 1 }).fit({ X, y });
  const run1 = await sx.withRun({ name: "lr-C1", capture: false }, async (run) => {
    await run.logParams({ C: 1 });
    await run.logModel(m1, "model");
    return run.id;
  });
  await sx.registerModel(`runs:/${run1}/model`, MODEL);
  tick();

  const csv = join(dir, "train.csv");
  writeFileSync(csv, "x0,x1,y\n0.1,0.2,0\n0.9,0.8,1\n0.4,0.7,1\n");
  const m2 = await new LogisticRegression({ C: 0.5 }).fit({ X, y });
  const run2 = await sx.withRun(
    { name: "lr-C0.5", capture: { code: false, environment: true, command: false } },
    async (run) => {
      await run.logParams({ C: 0.5 });
      await run.logDataset(csv, { name: "train", context: "training" });
      await run.logModel(m2, "model");
      return run.id;
    },
  );
  const evaluation = await sx.evaluate({
    runId: run2,
    name: "holdout",
    model: m2,
    data: table,
    label: "y",
    metrics: ["roc_auc", "f1"],
    baseline: { name: "x0 only", predictions: x0 },
    nBoot: 200,
    compareBoot: 2000,
    seed: 1,
  });
  await sx.registerModel(`runs:/${run2}/model`, MODEL);
  tick();

  const study = await sx.createStudy({
    name: "tune-churn",
    direction: "maximize",
    sampler: new RandomSampler({ seed: 5 }),
    heartbeatIntervalMs: 0,
  });
  const trial = await study.ask();
  const C = trial.suggestFloat("C", 0.1, 10, { log: true });
  const m3 = await new LogisticRegression({ C }).fit({ X, y });
  const run3 = trial.runId!;
  // the trial's run holds the model the way run.logModel stores it
  for (const [path, text] of [
    ["model/model.json", JSON.stringify(m3.toJSON())],
    [
      "model/sextant-model.json",
      JSON.stringify({
        format: 1,
        kind: m3.kind,
        signature: { inputs: ["x0", "x1"].map((name) => ({ name, type: "double" })) },
      }),
    ],
  ] as const) {
    const ref = await sx.artifacts.put(text);
    await sx.store.runs.recordArtifact(run3, { path, ...ref, createdTime: clock.now() });
  }
  await study.tell(trial, 0.5);
  await sx.registerModel(`runs:/${run3}/model`, MODEL);
  tick();

  await sx.setPromotionPolicy(MODEL, POLICY);
  tick();
  await sx.transitionStage(MODEL, 1, "Production", {
    force: true,
    reason: "first model, before any evaluation",
  });
  tick();
  await sx.transitionStage(MODEL, 2, "Staging", { reason: "beats the x0 rule" });
  tick();
  await sx.transitionStage(MODEL, 2, "Production", { reason: "promote after review", archiveExisting: true });
  tick();
  await sx.rollback(MODEL, { reason: "v2 misbehaves online" });
  tick();
  await sx.setAlias(MODEL, "champion", 2, { reason: "best offline" });
  tick();
  await sx.setAlias(MODEL, "challenger", 3);

  return {
    runIds: [run1, run2, run3],
    evaluationId: evaluation.evaluationId,
    studyName: "tune-churn",
    trialNumber: trial.number,
    datasetDigest: (await sx.store.runs.getRun(run2)).datasets[0]!.digest,
  };
}
