/**
 * The main job on the embedded default store: TuneKeep's churn model through the lifecycle.
 *
 * 1. Generates the seeded TuneKeep snapshots (50,000 users × 18 months) into
 *    .sextant/demo/tunekeep.csv, with its data dictionary beside it.
 * 2. Splits by time: months 1–11 train, month 12 validates (the decision threshold is chosen
 *    there), months 13–15 are the holdout. Months 13–18 are scored one by one to show how a
 *    model that is never retrained degrades.
 * 3. Trains the two baselines every model must beat — the rule "no listening for 14 days → churn"
 *    and a three-feature logistic regression — and a gradient-boosting model, each as a tracked
 *    run: params, the dataset's content hash, precision / recall / F1 / ROC AUC on the holdout,
 *    F1 per month as a series, the fitted model as an artifact, code version, environment, seed.
 * 4. Tunes the boosting model with a TPE study (each trial a child run), refits the best one, and
 *    evaluates it on the holdout against the logistic regression with a paired bootstrap, per
 *    segment.
 * 5. Registers it, sets a promotion policy (must beat the baseline, p < 0.05), promotes it to
 *    Staging on that evidence and points the `champion` alias at it.
 *
 * Run it with `npm run demo`, then look around with `npx sextant runs list`, `npx sextant models
 * history tunekeeper-churn-predictor` or `npx sextant ui`.
 */
import { join } from "node:path";
import { bestF1Threshold, f1Score, precisionScore, recallScore, rocAucScore } from "../src/evaluate/index.js";
import { TpeSampler } from "../src/hpo/index.js";
import { type ActiveRun, Sextant } from "../src/index.js";
import {
  type Classifier,
  GradientBoosting,
  LogisticRegression,
  RuleClassifier,
  type Table,
  TUNEKEEP_FEATURES,
  writeTuneKeep,
} from "../src/learn/index.js";

const SEED = 42;
const DATA_DIR = join(".sextant", "demo");
const THREE = ["days_since_listen", "hours_last_month", "playlist_adds"];
const ALL = [...TUNEKEEP_FEATURES, "segment"];

const log = (msg: string) => process.stderr.write(`${msg}\n`);

log("generating TuneKeep: 50,000 users × 18 months (seed 42)");
const data = await writeTuneKeep(DATA_DIR, { users: 50_000, months: 18, seed: SEED });
const table = data.table;
const dates = [...new Set(table.timestamps("snapshot_date"))].sort((a, b) => a - b);
const monthOf = (() => {
  const ts = table.timestamps("snapshot_date");
  const index = new Map(dates.map((t, i) => [t, i + 1]));
  return Int32Array.from(ts, (t) => index.get(t)!);
})();
const months = (from: number, to: number): Table =>
  table.filter((i) => monthOf[i]! >= from && monthOf[i]! <= to);
const train = months(1, 11);
const validation = months(12, 12);
const holdout = months(13, 15);
const label = (t: Table) => t.numbers("churned");
log(
  `${data.rows} rows; train ${train.numRows} (months 1–11), validation ${validation.numRows}, holdout ${holdout.numRows}`,
);

/** Threshold on month 12, then the holdout metrics and F1 for each later month. */
async function score(run: ActiveRun, model: Classifier, features: string[], fixedThreshold?: number) {
  const proba = (t: Table) => model.predictProba(t.pick(...features));
  const threshold = fixedThreshold ?? bestF1Threshold(label(validation), proba(validation)).threshold;
  const p = proba(holdout);
  const yPred = Uint8Array.from(p, (v) => (v >= threshold ? 1 : 0));
  const y = label(holdout);
  const metrics = {
    precision: precisionScore(y, yPred),
    recall: recallScore(y, yPred),
    f1: f1Score(y, yPred),
    threshold,
    ...(fixedThreshold === undefined ? { roc_auc: rocAucScore(y, p) } : {}),
  };
  run.logMetrics(metrics);
  for (let m = 13; m <= 18; m++) {
    const t = months(m, m);
    const pm = proba(t);
    run.logMetric(
      "f1_by_month",
      f1Score(
        label(t),
        Uint8Array.from(pm, (v) => (v >= threshold ? 1 : 0)),
      ),
      { step: m },
    );
  }
  await run.logModel(model, "model");
  return metrics;
}

async function tracked(
  name: string,
  params: Record<string, unknown>,
  train: () => Promise<Classifier>,
  features: string[],
  fixedThreshold?: number,
) {
  return sx.withRun(
    { name, seed: SEED, tags: { kind: name.startsWith("gbdt") ? "candidate" : "baseline" } },
    async (run) => {
      await run.logDataset(data.csv, {
        name: "tunekeep",
        context: "train: months 1–11, validation: 12, holdout: 13–15",
      });
      await run.logParams({ features: features.join(","), ...params });
      log(`${name}: fitting`);
      const model = await train();
      const m = await score(run, model, features, fixedThreshold);
      log(
        `${name}: holdout F1 ${m.f1.toFixed(3)} (precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)})`,
      );
      return { runId: run.id, model, metrics: m };
    },
  );
}

const sx = await Sextant.open();
await sx.setExperiment("tunekeep");
const y = label(train);

await tracked(
  "rule-14d",
  { model: "rule", rule: "days_since_listen >= 14" },
  async () =>
    new RuleClassifier({ feature: "days_since_listen", threshold: 14, direction: ">=" }).fit({
      X: train.pick("days_since_listen"),
      y,
    }),
  ["days_since_listen"],
  0.5,
);
const logreg = await tracked(
  "logreg-3f",
  { model: "logistic_regression", C: 1, standardize: true },
  () => new LogisticRegression({ C: 1, standardize: true }).fit({ X: train.pick(...THREE), y }),
  THREE,
);
const gbParams = { nEstimators: 400, maxLeafNodes: 15, learningRate: 0.05, seed: SEED };
await tracked(
  "gbdt",
  { model: "gradient_boosting", ...gbParams },
  () => new GradientBoosting(gbParams).fit({ X: train.pick(...ALL), y }),
  ALL,
);

// 4. Tuning: TPE over the boosting model's main knobs, validated on months 11–12.
const tuneTrain = months(1, 10);
const tuneValid = months(11, 12);
const study = await sx.createStudy({
  name: "tunekeep-gbdt",
  direction: "maximize",
  sampler: new TpeSampler({ seed: SEED }),
  loadIfExists: true,
});
const TRIALS = 10;
log(`tuning: ${TRIALS} trials of study "${study.name}" (validation ROC AUC on months 11–12)`);
await study.optimize(
  async (trial) => {
    const params = {
      learningRate: trial.suggestFloat("learning_rate", 0.02, 0.3, { log: true }),
      maxLeafNodes: trial.suggestInt("max_leaf_nodes", 7, 63),
      minSamplesLeaf: trial.suggestInt("min_samples_leaf", 10, 400, { log: true }),
      l2Regularization: trial.suggestFloat("l2_regularization", 1e-3, 10, { log: true }),
      nEstimators: 300,
      earlyStopping: true,
      seed: SEED,
    };
    const model = await new GradientBoosting(params).fit({
      X: tuneTrain.pick(...ALL),
      y: label(tuneTrain),
      validation: { X: tuneValid.pick(...ALL), y: label(tuneValid) },
    });
    return rocAucScore(label(tuneValid), model.predictProba(tuneValid.pick(...ALL)));
  },
  {
    nTrials: TRIALS,
    callbacks: [
      (_s, t) => {
        log(`  trial ${t.number}: ${t.state} ${t.values?.[0]?.toFixed(4) ?? ""}`);
      },
    ],
  },
);
const best = study.bestParams as Record<string, number>;
log(`best trial ${study.bestTrial.number}: validation AUC ${study.bestValue.toFixed(4)}`);
const tunedParams = {
  learningRate: best.learning_rate!,
  maxLeafNodes: best.max_leaf_nodes!,
  minSamplesLeaf: best.min_samples_leaf!,
  l2Regularization: best.l2_regularization!,
  nEstimators: 300,
  earlyStopping: true,
  seed: SEED,
};
const tuned = await tracked(
  "gbdt-tuned",
  { model: "gradient_boosting", study: study.name, ...tunedParams },
  () =>
    new GradientBoosting(tunedParams).fit({
      X: train.pick(...ALL),
      y,
      validation: { X: validation.pick(...ALL), y: label(validation) },
    }),
  ALL,
);

// 5. Evidence: the holdout evaluation against the logistic regression, with intervals and segments.
log("evaluating the tuned model on months 13–15 against logreg-3f (paired bootstrap)");
const evaluation = await sx.evaluate({
  runId: tuned.runId,
  name: "holdout months 13–15",
  model: tuned.model,
  data: holdout,
  label: "churned",
  features: ALL,
  threshold: tuned.metrics.threshold,
  metrics: ["f1", "precision", "recall", "roc_auc"],
  baseline: {
    name: "logreg-3f",
    predictions: logreg.model.predictProba(holdout.pick(...THREE)),
    threshold: logreg.metrics.threshold,
  },
  segments: "segment",
  nBoot: 300,
  compareBoot: 2000,
  seed: SEED,
});
const f1 = evaluation.comparisons.find((c) => c.metric === "f1")!;
log(
  `F1 ${f1.model.toFixed(3)} vs ${f1.baseline.toFixed(3)}: +${f1.meanDiff.toFixed(3)} (95% CI ${f1.ci[0].toFixed(3)} to ${f1.ci[1].toFixed(3)}), p = ${f1.pValue}`,
);

// 6. Registry: register, guard Staging with a policy, promote on the evaluation, alias it.
const NAME = "tunekeeper-churn-predictor";
const mv = await sx.registerModel(`runs:/${tuned.runId}/model`, NAME);
await sx.setPromotionPolicy(NAME, {
  Staging: { evaluation: { metric: "f1", mustBeat: "baseline", test: "paired-bootstrap", alpha: 0.05 } },
});
await sx.transitionStage(NAME, mv.version, "Staging", {
  reason: "beats the logistic baseline on the temporal holdout",
  evidence: [{ kind: "evaluation", id: evaluation.evaluationId }],
  archiveExisting: true,
});
await sx.setAlias(NAME, "champion", mv.version);

const top = (await sx.searchRuns({ orderBy: ["metrics.f1 DESC"], maxResults: 1 })).runs[0]!;
console.log(
  `stored in ${sx.uri}; best on the months 13–15 holdout: ${top.info.runName} (F1 ${top.data.metrics.f1?.toFixed(3)}); ` +
    `registered ${NAME} v${mv.version} in Staging as @champion (evaluation ${evaluation.evaluationId})`,
);
await sx.close();
