"""The NumPy side of `npm run bench -- bootstrap`: the same paired bootstrap, vectorized.

Usage: /usr/bin/python3 bench/bootstrap_numpy.py DATA.json [--nboot N] [--rounds R] [--seed S]
DATA.json holds {"y": [...], "a": [...], "b": [...]} (labels, scores of A and of B). Prints one
JSON object: seconds per job (best and median of the rounds) and the summary of each result.

Written to be a strong NumPy baseline, not a straw man:
- cells (F1): the eight joint cell counts, then one rng.multinomial(n, p, size=nBoot) call;
- rows (ROC AUC, average precision): rows sorted once by each model's score; per chunk of
  resamples an index matrix rng.integers(0, n, (chunk, n)), turned into a weight matrix with one
  np.bincount, then per resample a weighted walk with cumulative sums over the presorted order
  (tie groups summed with np.add.reduceat when there are ties) — O(n) per resample, no sort.
"""
import argparse
import json
import time

import numpy as np


def chunked_weights(rng, n, nboot, chunk):
    """Yields (chunk, n) float64 weight matrices: counts of n uniform draws per resample."""
    done = 0
    while done < nboot:
        r = min(chunk, nboot - done)
        idx = rng.integers(0, n, size=(r, n), dtype=np.int32)
        idx += (np.arange(r, dtype=np.int32) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=r * n).reshape(r, n).astype(np.float64)
        done += r


def order_info(s):
    order = np.argsort(-s, kind="stable")
    ss = s[order]
    starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    ties = len(starts) < len(s)
    return order, starts, ties


def group_sums(m, starts, ties):
    return np.add.reduceat(m, starts, axis=1) if ties else m


def auc_rows(W, y, starts, ties):
    P = W * y
    N = W - P
    P = group_sums(P, starts, ties)
    N = group_sums(N, starts, ties)
    # positive weight above each group plus half the group's own (ties count half)
    above = np.cumsum(P, axis=1)
    above -= 0.5 * P
    s = np.einsum("ij,ij->i", N, above)
    return s / (P.sum(axis=1) * N.sum(axis=1))


def ap_rows(W, y, starts, ties):
    P = group_sums(W * y, starts, ties)
    T = group_sums(W, starts, ties)
    tp = np.cumsum(P, axis=1)
    seen = np.cumsum(T, axis=1)
    prec = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
    return np.einsum("ij,ij->i", P, prec) / tp[:, -1]


def rows_bootstrap(y, a, b, metric, nboot, seed, chunk=50):
    n = len(y)
    rng = np.random.default_rng(seed)
    oa, sa, ta = order_info(a)
    ob, sb, tb = order_info(b)
    ya, yb = y[oa].astype(np.float64), y[ob].astype(np.float64)
    # B's order as positions in A's order, so one weight matrix (indexed by A's order) serves both
    rank = np.empty(n, dtype=np.int64)
    rank[oa] = np.arange(n)
    pos_b = rank[ob]
    f = auc_rows if metric == "roc_auc" else ap_rows
    diffs = np.empty(nboot)
    k = 0
    for W in chunked_weights(rng, n, nboot, chunk):
        r = W.shape[0]
        diffs[k:k + r] = f(W[:, pos_b], yb, sb, tb) - f(W, ya, sa, ta)
        k += r
    return diffs


def f1_cells(c):
    # columns: index = y*4 + a*2 + b
    tpA = c[:, 6] + c[:, 7]
    fpA = c[:, 2] + c[:, 3]
    fnA = c[:, 4] + c[:, 5]
    tpB = c[:, 5] + c[:, 7]
    fpB = c[:, 1] + c[:, 3]
    fnB = c[:, 4] + c[:, 6]
    fa = np.divide(2 * tpA, 2 * tpA + fpA + fnA, out=np.zeros(len(c)), where=(2 * tpA + fpA + fnA) > 0)
    fb = np.divide(2 * tpB, 2 * tpB + fpB + fnB, out=np.zeros(len(c)), where=(2 * tpB + fpB + fnB) > 0)
    return fb - fa


def cells_bootstrap(y, a, b, nboot, seed, threshold=0.5):
    rng = np.random.default_rng(seed)
    cell = y * 4 + (a >= threshold) * 2 + (b >= threshold)
    counts = np.bincount(cell, minlength=8)
    draws = rng.multinomial(len(y), counts / counts.sum(), size=nboot)
    return f1_cells(draws)


def summary(d):
    lo, hi = np.percentile(d, [2.5, 97.5])
    return {"meanDiff": float(d.mean()), "sd": float(d.std(ddof=1)), "ci": [float(lo), float(hi)],
            "pValue": float(np.mean(d <= 0))}


def timed(f, rounds):
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return {"best_s": min(times), "median_s": float(np.median(times)), "rounds": rounds, **summary(out)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--nboot", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cell-rounds", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    d = json.load(open(args.data))
    y = np.asarray(d["y"], dtype=np.int64)
    a = np.asarray(d["a"], dtype=np.float64)
    b = np.asarray(d["b"], dtype=np.float64)
    out = {"numpy": np.__version__, "n": len(y), "nBoot": args.nboot}
    out["cells_f1"] = timed(lambda: cells_bootstrap(y, a, b, args.nboot, args.seed), args.cell_rounds)
    out["rows_roc_auc"] = timed(lambda: rows_bootstrap(y, a, b, "roc_auc", args.nboot, args.seed), args.rounds)
    out["rows_average_precision"] = timed(
        lambda: rows_bootstrap(y, a, b, "average_precision", args.nboot, args.seed), args.rounds)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
