"""Oracle facts for src/evaluate/segments.test.ts and backtest.test.ts (scikit-learn 1.2, SciPy 1.10, NumPy).

Run: /usr/bin/python3 test/oracles/evaluate_segments_backtest.py
Prints the small dataset (written into the test) and the per-segment metrics, and the summary
statistics (mean, sample std, min, max, OLS slope) of a metric series.
"""
import json

import numpy as np
from scipy.stats import linregress
from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score, log_loss,
                             matthews_corrcoef, precision_score, recall_score, roc_auc_score)

rng = np.random.default_rng(7)
n = 40
seg = rng.choice(["free", "power", "casual"], size=n)
y = rng.integers(0, 2, size=n)
s = np.round(np.clip(0.5 * y + rng.normal(0.25, 0.25, size=n), 0, 1), 2)
# one segment with a single class, so ROC AUC is undefined there (log loss is defined: labels=[0, 1])
seg[:5] = "trial"
y[:5] = 0
print("seg =", json.dumps(seg.tolist()))
print("y =", json.dumps(y.tolist()))
print("s =", json.dumps(s.tolist()))


def metrics(yt, sc):
    pred = (sc >= 0.5).astype(int)
    out = {
        "precision": precision_score(yt, pred, zero_division=0),
        "recall": recall_score(yt, pred, zero_division=0),
        "f1": f1_score(yt, pred, zero_division=0),
        "mcc": matthews_corrcoef(yt, pred),
        "average_precision": average_precision_score(yt, sc) if yt.sum() > 0 else 0.0,
        "brier": brier_score_loss(yt, sc),
        "log_loss": log_loss(yt, sc, labels=[0, 1]),
    }
    out["roc_auc"] = roc_auc_score(yt, sc) if len(set(yt)) == 2 else None
    return out


res = {"overall": {"rows": n, "positives": int(y.sum()), **metrics(y, s)}}
for g in sorted(set(seg)):
    m = seg == g
    res[g] = {"rows": int(m.sum()), "positives": int(y[m].sum()), **metrics(y[m], s[m])}
print(json.dumps(res, indent=1))

vals = np.array([0.74, 0.71, 0.69, 0.66, 0.61])
lr = linregress(np.arange(5), vals)
print("summary", json.dumps({
    "mean": vals.mean(), "std_ddof1": vals.std(ddof=1), "min": vals.min(), "max": vals.max(),
    "slope_linregress": lr.slope, "slope_polyfit": np.polyfit(np.arange(5), vals, 1)[0],
}))
# unequal spacing (a window with an undefined metric dropped): x = 0, 1, 3, 4
x2 = np.array([0, 1, 3, 4])
v2 = np.array([0.8, 0.75, 0.7, 0.72])
print("summary_gap", json.dumps({"mean": v2.mean(), "std_ddof1": v2.std(ddof=1), "slope": linregress(x2, v2).slope}))
