/**
 * The main job on the embedded default store: TuneKeep's two baselines, tracked.
 *
 * 1. Generates a seeded synthetic TuneKeep table (subscribers, listening behaviour, churn label)
 *    into .sextant/demo/tunekeep-users.csv.
 * 2. Runs the rule baseline ("no listening for 14 days → churn") and a three-feature logistic
 *    regression trained by gradient descent, each as a tracked run: params, a loss curve per
 *    epoch, precision / recall / F1 on a held-out split, the dataset's content hash, the fitted
 *    model as an artifact, and the code version, environment and seed.
 *
 * Run it with `npm run demo`, then look around with `npx sextant runs list`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ActiveRun, Rng, Sextant } from "../src/index.js";

const SEED = 42;
const USERS = 5000;
const DATA_DIR = join(".sextant", "demo");
const DATA = join(DATA_DIR, "tunekeep-users.csv");
const FEATURES = ["days_since_listen", "hours_last_month", "playlist_adds"] as const;

interface Row {
  days_since_listen: number;
  hours_last_month: number;
  playlist_adds: number;
  churned: number;
}

/** A synthetic subscriber table: churn grows with inactivity and falls with engagement. */
function makeUsers(rng: Rng): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < USERS; i++) {
    const engaged = rng.random() < 0.7;
    const days = Math.max(0, Math.round(engaged ? rng.normal(4, 3) : rng.normal(18, 8)));
    const hours = Math.max(0, Number((engaged ? rng.normal(30, 10) : rng.normal(6, 5)).toFixed(1)));
    const adds = Math.max(0, Math.round(engaged ? rng.normal(5, 2.5) : rng.normal(1, 1)));
    const z = -2.2 + 0.16 * days - 0.05 * hours - 0.15 * adds;
    rows.push({
      days_since_listen: days,
      hours_last_month: hours,
      playlist_adds: adds,
      churned: rng.random() < 1 / (1 + Math.exp(-z)) ? 1 : 0,
    });
  }
  return rows;
}

function scores(yTrue: number[], yPred: number[]): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yPred[i] === 1 && yTrue[i] === 1) tp++;
    else if (yPred[i] === 1) fp++;
    else if (yTrue[i] === 1) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function split(rows: Row[], rng: Rng): { train: Row[]; val: Row[] } {
  const idx = rng.shuffle(rows.map((_, i) => i));
  const cut = Math.floor(rows.length * 0.8);
  return { train: idx.slice(0, cut).map((i) => rows[i]!), val: idx.slice(cut).map((i) => rows[i]!) };
}

async function ruleBaseline(run: ActiveRun, val: Row[]): Promise<void> {
  const thresholdDays = 14;
  await run.logParams({
    model: "rule",
    rule: "days_since_listen > threshold_days",
    threshold_days: thresholdDays,
  });
  const m = scores(
    val.map((r) => r.churned),
    val.map((r) => (r.days_since_listen > thresholdDays ? 1 : 0)),
  );
  run.logMetrics(m);
}

async function logisticBaseline(run: ActiveRun, train: Row[], val: Row[]): Promise<void> {
  const epochs = 60;
  const lr = 0.5;
  await run.logParams({
    model: "logistic_regression",
    features: FEATURES.join(","),
    epochs,
    learning_rate: lr,
    standardize: true,
  });
  const mean = FEATURES.map((f) => train.reduce((a, r) => a + r[f], 0) / train.length);
  const sd = FEATURES.map(
    (f, j) => Math.sqrt(train.reduce((a, r) => a + (r[f] - mean[j]!) ** 2, 0) / train.length) || 1,
  );
  const x = (r: Row) => FEATURES.map((f, j) => (r[f] - mean[j]!) / sd[j]!);
  const w = FEATURES.map(() => run.rng.normal(0, 0.01));
  let b = 0;
  const prob = (r: Row) => 1 / (1 + Math.exp(-(b + x(r).reduce((a, v, j) => a + v * w[j]!, 0))));
  for (let epoch = 0; epoch < epochs; epoch++) {
    const grad = FEATURES.map(() => 0);
    let gb = 0;
    let loss = 0;
    for (const r of train) {
      const p = prob(r);
      const err = p - r.churned;
      x(r).forEach((v, j) => {
        grad[j]! += err * v;
      });
      gb += err;
      loss -= r.churned * Math.log(p + 1e-12) + (1 - r.churned) * Math.log(1 - p + 1e-12);
    }
    w.forEach((_, j) => {
      w[j]! -= (lr * grad[j]!) / train.length;
    });
    b -= (lr * gb) / train.length;
    run.logMetrics({ train_log_loss: loss / train.length }, { step: epoch });
  }
  const m = scores(
    val.map((r) => r.churned),
    val.map((r) => (prob(r) >= 0.5 ? 1 : 0)),
  );
  run.logMetrics(m, { step: epochs });
  await run.logJson(
    { features: FEATURES, mean, sd, weights: w, intercept: b, threshold: 0.5 },
    "model/logreg.json",
  );
}

const sx = await Sextant.open();
await sx.setExperiment("tunekeep-baseline");
const data = makeUsers(new Rng(SEED));
mkdirSync(DATA_DIR, { recursive: true });
writeFileSync(
  DATA,
  `${[...FEATURES, "churned"].join(",")}\n${data.map((r) => [...FEATURES.map((f) => r[f]), r.churned].join(",")).join("\n")}\n`,
);
const { train, val } = split(data, new Rng(SEED + 1));

await sx.withRun({ name: "rule-14d", seed: SEED, tags: { kind: "baseline" } }, async (run) => {
  await run.logDataset(DATA, { name: "tunekeep-users", context: "val" });
  await ruleBaseline(run, val);
});
await sx.withRun({ name: "logreg-3f", seed: SEED, tags: { kind: "baseline" } }, async (run) => {
  await run.logDataset(DATA, { name: "tunekeep-users", context: "train" });
  await logisticBaseline(run, train, val);
});

const best = await sx.searchRuns({
  filter: "tags.kind = 'baseline'",
  orderBy: ["metrics.f1 DESC"],
  maxResults: 1,
});
const top = best.runs[0]!;
console.log(
  `stored in ${sx.uri}; best baseline so far: ${top.info.runName} (F1 ${top.data.metrics.f1?.toFixed(3)})`,
);
await sx.close();
