"""Facts for src/core/quantile.test.ts: numpy.quantile's default ("linear") method, whose _lerp
interpolates from the nearer neighbour (so a + (b − a)·t is not always its answer).

Run: /usr/bin/python3 test/oracles/core_quantile.py  (NumPy 1.24.2 when last run)
"""
import json

import numpy as np

xs = [0.1, 0.7, 0.2, 1e-3, 3.3, 2.2, 0.15, 9.9, 5.5, 0.3]
qs = [0.0, 0.025, 0.1, 0.333, 0.5, 0.77, 0.975, 1.0]
pairs = [[0.1, 0.3], [0.1, 0.7], [-1.3, 2.9]]
pair_qs = [0.3, 0.7, 0.9]
out = {
    "numpy": np.__version__,
    "xs": xs,
    "quantiles": [[q, float(np.quantile(xs, q))] for q in qs],
    "pairs": [[a, b, q, float(np.quantile([a, b], q)), a + (b - a) * q] for a, b in pairs for q in pair_qs],
}
print(json.dumps(out))
