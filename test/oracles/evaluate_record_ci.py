"""Oracle for src/evaluate/record.test.ts: percentile bootstrap intervals (NumPy resampling,
scikit-learn metrics) on a dataset both sides build from integer arithmetic.

Run: /usr/bin/python3 test/oracles/evaluate_record_ci.py
"""
import json

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score, brier_score_loss, average_precision_score

n = 1000
i = np.arange(n, dtype=np.int64)
y = ((i * 7919) % 13 < 5).astype(int)
s = (((i * 2654435761) % 1000) * 7 + 300 * y) / 10000.0
print("value", json.dumps({"roc_auc": roc_auc_score(y, s), "f1": f1_score(y, (s >= 0.5).astype(int)),
                           "brier": brier_score_loss(y, s), "average_precision": average_precision_score(y, s)}))
rng = np.random.default_rng(0)
B = 20000
out = {"roc_auc": [], "f1": [], "brier": [], "average_precision": []}
for _ in range(B):
    k = rng.integers(0, n, n)
    yt, st = y[k], s[k]
    out["roc_auc"].append(roc_auc_score(yt, st))
    out["f1"].append(f1_score(yt, (st >= 0.5).astype(int)))
    out["brier"].append(brier_score_loss(yt, st))
    out["average_precision"].append(average_precision_score(yt, st))
print("ci95", json.dumps({m: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))] for m, v in out.items()}))
print("sd", json.dumps({m: float(np.std(v)) for m, v in out.items()}))
