/**
 * bootstrap: the paired bootstrap on n = 10,000 rows with 10,000 resamples, side by side with a
 * NumPy-vectorized implementation of the same (bench/bootstrap_numpy.py, run by /usr/bin/python3
 * in the same run, on the same data).
 *
 * - cell path, F1 (multinomial draws of the eight joint cells): target ≤ 50 ms;
 * - row path, ROC AUC and average precision (bootstrap weights walked over the presorted scores,
 *   worker threads on all cores): target ≤ 1.5 s and ≥ 2× faster than NumPy.
 *
 * Sextant's times are the median of `--rounds` warm runs (the first, cold run — JIT and worker
 * start-up — is reported apart); NumPy's the median of its rounds. The row path is also timed on
 * one thread. Both sides' summaries (mean difference, sd, interval) are reported: they are
 * independent resamplings of the same data and must agree within Monte-Carlo error.
 *
 * Options: --n N (10000), --nboot N (10000), --rounds N (3), --no-numpy
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../src/core/index.js";
import {
  type PairedBootstrapOptions,
  type PairedBootstrapResult,
  pairedBootstrap,
} from "../src/evaluate/index.js";
import { parseArgs, progress, tempDir } from "./util.js";

const PY = "/usr/bin/python3";
const HERE = dirname(fileURLToPath(import.meta.url));

interface Side {
  best_s: number;
  median_s: number;
  rounds: number;
  meanDiff: number;
  sd: number;
  ci: [number, number];
  pValue: number;
}

interface NumpySide {
  numpy: string;
  cells_f1: Side;
  rows_roc_auc: Side;
  rows_average_precision: Side;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function sdOf(x: Float64Array): number {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

/** The bench data: 30% positives, two logistic scorers sharing a latent factor (B the better one). */
function data(n: number, seed: number): { y: number[]; a: number[]; b: number[] } {
  const r = new Rng(seed);
  const y: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const yi = r.random() < 0.3 ? 1 : 0;
    const z = r.normal();
    y.push(yi);
    a.push(1 / (1 + Math.exp(-(z + yi - 1))));
    b.push(1 / (1 + Math.exp(-(0.8 * z + 0.5 * r.normal() + 1.2 * yi - 1))));
  }
  return { y, a, b };
}

async function timeJob(
  o: PairedBootstrapOptions,
  rounds: number,
): Promise<{ cold_s: number; side: Side; method: string }> {
  const t0 = performance.now();
  let res: PairedBootstrapResult = await pairedBootstrap(o);
  const cold = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    res = await pairedBootstrap(o);
    times.push((performance.now() - t) / 1000);
  }
  return {
    cold_s: cold,
    method: res.method,
    side: {
      best_s: Math.min(...times),
      median_s: median(times),
      rounds,
      meanDiff: res.meanDiff,
      sd: sdOf(res.diffs),
      ci: res.ci,
      pValue: res.pValue,
    },
  };
}

function numpySide(file: string, nBoot: number, rounds: number): NumpySide | null {
  if (!existsSync(PY)) return null;
  try {
    const out = execFileSync(
      PY,
      [join(HERE, "bootstrap_numpy.py"), file, "--nboot", String(nBoot), "--rounds", String(rounds)],
      { encoding: "utf8", maxBuffer: 1 << 20 },
    );
    return JSON.parse(out) as NumpySide;
  } catch (e) {
    progress(`numpy side failed: ${(e as Error).message}`);
    return null;
  }
}

export async function main(args: string[]): Promise<unknown> {
  const opts = parseArgs(args);
  const n = Number(opts.n ?? 10_000);
  const nBoot = Number(opts.nboot ?? 10_000);
  const rounds = Number(opts.rounds ?? 3);
  const d = data(n, 7);
  const base = { yTrue: d.y, predsA: d.a, predsB: d.b, nBoot, seed: 1 };

  progress(
    `bootstrap: n=${n}, nBoot=${nBoot}, ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`,
  );
  progress("sextant: cell path (F1)");
  const cells = await timeJob({ ...base, metric: "f1" }, Math.max(rounds, 7));
  progress("sextant: row path (ROC AUC)");
  const auc = await timeJob({ ...base, metric: "roc_auc" }, rounds);
  progress("sextant: row path (average precision)");
  const ap = await timeJob({ ...base, metric: "average_precision" }, rounds);
  progress("sextant: row path (ROC AUC), one thread");
  const auc1 = await timeJob({ ...base, metric: "roc_auc", threads: 1 }, 1);

  let np: NumpySide | null = null;
  if (opts["no-numpy"] === undefined) {
    const file = join(tempDir("bootstrap"), "data.json");
    writeFileSync(file, JSON.stringify(d));
    progress("numpy: the same three jobs");
    np = numpySide(file, nBoot, rounds);
  }

  const ratio = (numpy: Side | undefined, ours: Side): number | null =>
    numpy ? numpy.median_s / ours.median_s : null;
  const rowsRatioAuc = ratio(np?.rows_roc_auc, auc.side);
  const rowsRatioAp = ratio(np?.rows_average_precision, ap.side);
  /** |Δ mean| in units of the Monte-Carlo standard error of a difference of two means. */
  const agreement = (numpy: Side | undefined, ours: Side): number | null =>
    numpy ? Math.abs(numpy.meanDiff - ours.meanDiff) / (ours.sd * Math.sqrt(2 / nBoot)) : null;

  return {
    bench: "bootstrap",
    n,
    nBoot,
    cores: availableParallelism(),
    loadavg1: loadavg()[0],
    sextant: {
      cells_f1: { ...cells.side, cold_s: cells.cold_s, method: cells.method },
      rows_roc_auc: { ...auc.side, cold_s: auc.cold_s, method: auc.method },
      rows_average_precision: { ...ap.side, cold_s: ap.cold_s, method: ap.method },
      rows_roc_auc_1_thread: { ...auc1.side, cold_s: auc1.cold_s },
    },
    numpy: np,
    implementations: {
      sextant:
        "cells: sequential-binomial multinomial draws of the 8 joint cells (BTRS / inversion); rows: multinomial weight vector per resample (Lemire draws), walked over the scores sorted once (A sequential, B gathered), chunks shared by the calling thread and worker threads",
      numpy:
        "cells: one rng.multinomial(n, p, size=nBoot); rows: index matrix per chunk of 50 resamples -> weight matrix (np.bincount) -> cumulative sums over the presorted order (np.add.reduceat for ties), single-threaded NumPy",
    },
    ratios: {
      /** NumPy time / Sextant time (median of rounds): above 1, Sextant is faster. */
      cells_f1: ratio(np?.cells_f1, cells.side),
      rows_roc_auc: rowsRatioAuc,
      rows_average_precision: rowsRatioAp,
      rows_roc_auc_1_thread: ratio(np?.rows_roc_auc, auc1.side),
    },
    agreement_in_mc_se: {
      cells_f1: agreement(np?.cells_f1, cells.side),
      rows_roc_auc: agreement(np?.rows_roc_auc, auc.side),
      rows_average_precision: agreement(np?.rows_average_precision, ap.side),
    },
    targets: {
      cells_f1_le_50ms: cells.side.median_s <= 0.05,
      rows_roc_auc_le_1_5s: auc.side.median_s <= 1.5,
      rows_average_precision_le_1_5s: ap.side.median_s <= 1.5,
      rows_ge_2x_numpy:
        rowsRatioAuc === null || rowsRatioAp === null ? null : rowsRatioAuc >= 2 && rowsRatioAp >= 2,
    },
  };
}
