/**
 * The main job on the embedded default store: TuneKeep's churn models, tracked.
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
 *
 * Run it with `npm run demo`, then look around with `npx sextant runs list` or `npx sextant ui`.
 */
import { join } from "node:path";
import {
  bestF1Threshold,
  f1Score,
  precisionScore,
  recallScore,
  rocAucScore,
} from "../src/evaluate/metrics.js";
import { type ActiveRun, Sextant } from "../src/index.js";
import {
  type Classifier,
  GradientBoosting,
  LogisticRegression,
  RuleClassifier,
  type Table,
} from "../src/learn/index.js";
import { TUNEKEEP_FEATURES, writeTuneKeep } from "../src/learn/tunekeep/index.js";

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
  await run.logJson(model.toJSON(), "model/model.json");
  return metrics;
}

async function tracked(
  name: string,
  params: Record<string, unknown>,
  fit: () => Promise<Classifier>,
  features: string[],
  fixedThreshold?: number,
) {
  return sx.withRun(
    { name, seed: SEED, tags: { kind: name === "gbdt" ? "candidate" : "baseline" } },
    async (run) => {
      await run.logDataset(data.csv, {
        name: "tunekeep",
        context: "train: months 1–11, validation: 12, holdout: 13–15",
      });
      await run.logParams({ features: features.join(","), ...params });
      log(`${name}: fitting`);
      const model = await fit();
      const m = await score(run, model, features, fixedThreshold);
      log(
        `${name}: holdout F1 ${m.f1.toFixed(3)} (precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)})`,
      );
      return m;
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
await tracked(
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

const best = await sx.searchRuns({ orderBy: ["metrics.f1 DESC"], maxResults: 1 });
const top = best.runs[0]!;
console.log(
  `stored in ${sx.uri}; best on the months 13–15 holdout: ${top.info.runName} (F1 ${top.data.metrics.f1?.toFixed(3)})`,
);
await sx.close();
