/**
 * learn: the tabular learners against scikit-learn, side by side in one run, on
 * make_classification(n_samples=200000, n_features=23, n_informative=12, weights=[0.88],
 * random_state=0) split 80/20 (test/oracles/make_classification.py writes the CSVs).
 *
 * Gradient boosting (100 iterations, depth ≤ 6, 31 leaves, early stopping off on both sides):
 * fit wall time (target ≤ 1.5× scikit-learn's HistGradientBoostingClassifier) and predict
 * throughput (target ≥ 1,000,000 rows/s). Logistic regression and random forest fit times are
 * reported for information. The two sides never run at once: scikit-learn
 * (test/oracles/bench_sklearn.py) and Sextant alternate over `--rounds`, so both see the same
 * machine; each reports its best and median round, with all cores and with one thread. Without
 * /usr/bin/python3 + scikit-learn the data is a synthetic set of the same shape and only
 * Sextant's numbers are reported.
 *
 * Options: --rounds N (default 3), --threads N, --no-sklearn
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/core/index.js";
import { GradientBoosting, LogisticRegression, RandomForest } from "../src/learn/index.js";
import { type Dataset, hasSklearn, ORACLES, readCsv, rocAuc, table } from "../src/learn/testing/index.js";
import { parseArgs, progress } from "./util.js";

const PY = "/usr/bin/python3";

interface Sk {
  sklearn: string;
  threads: number;
  gradient_boosting?: { fit_s: number; predict_rows_per_s: number; auc: number };
  gradient_boosting_1_thread?: { fit_s: number; predict_rows_per_s: number };
  logistic_regression?: { fit_s: number; auc: number };
  random_forest?: { fit_s: number; auc: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const min = (xs: number[]): number => Math.min(...xs);
const max = (xs: number[]): number => Math.max(...xs);
const ratio = (a: number, b: number | undefined): number | null => (b ? a / b : null);

async function seconds<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await f();
  return [(performance.now() - t0) / 1000, out];
}

/** Same shape as the oracle data, for machines without scikit-learn. */
function fallbackData(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const nF = 23;
  const columns = Array.from({ length: nF }, () => new Float64Array(n));
  const w = Array.from({ length: nF }, (_, j) => (j < 12 ? rng.normal() : 0));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = -2.3;
    for (let j = 0; j < nF; j++) {
      const v = rng.normal();
      columns[j]![i] = v;
      z += w[j]! * v;
    }
    z += 0.8 * columns[0]![i]! * columns[1]![i]! + Math.sin(2 * columns[2]![i]!);
    y[i] = rng.random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { names: Array.from({ length: nF }, (_, j) => `f${j}`), columns, y, nRows: n };
}

function slice(d: Dataset, from: number, to: number): Dataset {
  return {
    names: d.names,
    columns: d.columns.map((c) => c.slice(from, to)),
    y: d.y.slice(from, to),
    nRows: to - from,
  };
}

export async function main(args: string[]): Promise<unknown> {
  const opts = parseArgs(args);
  const rounds = Math.max(1, Number(opts.rounds ?? 3));
  const threads = opts.threads === undefined ? undefined : Number(opts.threads);
  const withSklearn = opts["no-sklearn"] === undefined && hasSklearn();
  const load = [loadavg()[0]];

  let train: Dataset;
  let test: Dataset;
  let paths: { train: string; test: string } | null = null;
  let dataNote =
    "make_classification(n_samples=200000, n_features=23, n_informative=12, weights=[0.88], random_state=0), 80/20";
  if (withSklearn) {
    const dir = join(tmpdir(), "sextant-oracles");
    if (!existsSync(join(dir, "mc200k-test.csv"))) progress("generating make_classification data (once)");
    paths = JSON.parse(
      execFileSync(PY, [join(ORACLES, "make_classification.py"), "--out", dir], { encoding: "utf8" }),
    );
    train = readCsv(paths!.train);
    test = readCsv(paths!.test);
  } else {
    progress("no /usr/bin/python3 with scikit-learn: synthetic data of the same shape, Sextant only");
    const all = fallbackData(200_000, 0);
    train = slice(all, 0, 160_000);
    test = slice(all, 160_000, 200_000);
    dataNote = "synthetic 200000 × 23 (no scikit-learn available)";
  }
  const sklearn = (models: string): Sk | null =>
    paths
      ? JSON.parse(
          execFileSync(PY, [join(ORACLES, "bench_sklearn.py"), paths.train, paths.test, "--models", models], {
            encoding: "utf8",
          }),
        )
      : null;
  const Xtr = table(train.columns, train.names);
  const Xte = table(test.columns, test.names);
  const gbParams = { nEstimators: 100, maxDepth: 6, learningRate: 0.1, ...(threads ? { threads } : {}) };

  progress("sextant: gradient boosting, first (cold) fit — starts the worker threads");
  const [coldFit] = await seconds(() => new GradientBoosting(gbParams).fit({ X: Xtr, y: train.y }));

  const sk: Sk[] = [];
  const ts = { fit: [] as number[], fit1: [] as number[], predict: [] as number[] };
  let gb: GradientBoosting | null = null;
  for (let r = 1; r <= rounds; r++) {
    if (paths) {
      progress(`round ${r}/${rounds}: scikit-learn gradient boosting (all cores, then one thread)`);
      const s = sklearn("hgb,hgb1");
      if (s) sk.push(s);
    }
    progress(`round ${r}/${rounds}: sextant gradient boosting (all cores, then one thread)`);
    const [t, m] = await seconds(() => new GradientBoosting(gbParams).fit({ X: Xtr, y: train.y }));
    ts.fit.push(t);
    gb = m;
    ts.fit1.push(
      (await seconds(() => new GradientBoosting({ ...gbParams, threads: 1 }).fit({ X: Xtr, y: train.y })))[0],
    );
    m.predictProba(Xte); // warm
    for (let k = 0; k < 5; k++) ts.predict.push(test.nRows / (await seconds(() => m.predictProba(Xte)))[0]);
  }
  load.push(loadavg()[0]);

  progress("logistic regression and random forest (once each side)");
  const skOther = paths ? sklearn("lr,rf") : null;
  const [lrFit, lr] = await seconds(() => new LogisticRegression({ C: 1 }).fit({ X: Xtr, y: train.y }));
  const [rfFit, rf] = await seconds(() =>
    new RandomForest({
      nEstimators: 50,
      maxFeatures: "sqrt",
      minSamplesLeaf: 5,
      maxSamples: 0.5,
      seed: 0,
      ...(threads ? { threads } : {}),
    }).fit({ X: Xtr, y: train.y }),
  );
  load.push(loadavg()[0]);

  const skFit = sk.flatMap((s) => (s.gradient_boosting ? [s.gradient_boosting.fit_s] : []));
  const skFit1 = sk.flatMap((s) =>
    s.gradient_boosting_1_thread ? [s.gradient_boosting_1_thread.fit_s] : [],
  );
  const skPredict = sk.flatMap((s) => (s.gradient_boosting ? [s.gradient_boosting.predict_rows_per_s] : []));
  const fitRatio = skFit.length ? ratio(min(ts.fit), min(skFit)) : null;
  return {
    bench: "learn",
    data: {
      description: dataNote,
      trainRows: train.nRows,
      testRows: test.nRows,
      features: train.names.length,
    },
    machine: { cores: availableParallelism(), loadavg1m: load, rounds, threads: threads ?? "all" },
    gradient_boosting: {
      params:
        "100 iterations, max_depth 6, max_leaf_nodes 31, learning_rate 0.1, min_samples_leaf 20, 255 bins, no early stopping",
      sextant: {
        fit_s_best: min(ts.fit),
        fit_s_median: median(ts.fit),
        fit_s_cold: coldFit,
        fit_s_one_thread_best: min(ts.fit1),
        phases_ms: gb?.fitTimings,
        predict_rows_per_s_best: max(ts.predict),
        predict_rows_per_s_median: median(ts.predict),
        auc: gb ? rocAuc(test.y, gb.predictProba(Xte)) : null,
      },
      sklearn: sk.length
        ? {
            version: sk[0]!.sklearn,
            threads: sk[0]!.threads,
            fit_s_best: min(skFit),
            fit_s_median: median(skFit),
            fit_s_one_thread_best: min(skFit1),
            predict_rows_per_s_best: max(skPredict),
            auc: sk[0]!.gradient_boosting?.auc,
          }
        : null,
      fit_ratio_best: fitRatio,
      fit_ratio_median: skFit.length ? ratio(median(ts.fit), median(skFit)) : null,
      fit_ratio_one_thread: skFit1.length ? ratio(min(ts.fit1), min(skFit1)) : null,
      predict_speedup: skPredict.length ? ratio(max(ts.predict), max(skPredict)) : null,
      targets: {
        fit_ratio_max: 1.5,
        predict_rows_per_s_min: 1_000_000,
        fit_ok: fitRatio === null ? null : fitRatio <= 1.5,
        predict_ok: max(ts.predict) >= 1_000_000,
      },
    },
    logistic_regression: {
      params: "C=1, tol 1e-10",
      sextant: { fit_s: lrFit, auc: rocAuc(test.y, lr.predictProba(Xte)), iterations: lr.iterations },
      sklearn: skOther?.logistic_regression ?? null,
      fit_ratio: ratio(lrFit, skOther?.logistic_regression?.fit_s),
    },
    random_forest: {
      params: "50 trees, max_features sqrt, min_samples_leaf 5, max_samples 0.5, all cores",
      sextant: { fit_s: rfFit, auc: rocAuc(test.y, rf.predictProba(Xte)) },
      sklearn: skOther?.random_forest ?? null,
      fit_ratio: ratio(rfFit, skOther?.random_forest?.fit_s),
    },
  };
}
