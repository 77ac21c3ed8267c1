"""Facts for src/core/ranking.test.ts: scikit-learn's roc_auc_score and average_precision_score,
unweighted and with integer sample weights (zeros among them), on a dataset both sides build from
integer arithmetic: 200 rows, scores on a grid of 0.05 (so many tie), labels and weights from
multiplicative hashes of the row index.

Run: /usr/bin/python3 test/oracles/core_ranking.py  (scikit-learn 1.2.1 when last run)
"""
import json

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score

n = 200
i = np.arange(n, dtype=np.int64)
y = ((i * 7919) % 11 < 4).astype(int)
s = (((i * 2654435761) % 1000) * 12 // 1000 + 8 * y) / 20  # a grid of 0.05
w = (i * 37) % 4  # 0, 1, 2 or 3
untied = ((i * 2654435761) % 1000003) / 1000003 + 0.3 * y
out = {
    "sklearn": sklearn.__version__,
    "auc": roc_auc_score(y, s),
    "ap": average_precision_score(y, s),
    "auc_weighted": roc_auc_score(y, s, sample_weight=w),
    "ap_weighted": average_precision_score(y, s, sample_weight=w),
    "auc_untied": roc_auc_score(y, untied),
    "ap_untied": average_precision_score(y, untied),
    "ap_untied_weighted": average_precision_score(y, untied, sample_weight=w),
    "distinct_scores": int(len(np.unique(s))),
}
print(json.dumps(out))
