"""Expected values for src/evaluate/significance.test.ts.

Run: /usr/bin/python3 test/oracles/evaluate_significance.py
(scikit-learn 1.2.1, statsmodels, SciPy 1.10 when last run). Prints one JSON object.

- weighted ROC AUC / average precision: scikit-learn's roc_auc_score / average_precision_score with
  sample_weight = a bootstrap count vector (the bootstrap's row path computes exactly this);
- McNemar: statsmodels.stats.contingency_tables.mcnemar;
- DeLong: an independent, straightforward O(m·n) implementation below (placement values from the
  pairwise kernel), not the midrank algorithm the library uses;
- Holm / Benjamini-Hochberg: statsmodels.stats.multitest.multipletests;
- chi-square tails: scipy.stats (the normal ones: core_normal.py).
"""
import json
import warnings

import numpy as np
from scipy import stats
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

warnings.filterwarnings("ignore")
out = {}

# ---------------------------------------------------------------- weighted rank metrics
# 30 rows with ties in both score vectors (scores rounded to one decimal)
rng = np.random.default_rng(20261126)
n = 30
y = (rng.random(n) < 0.4).astype(int)
a = np.round(np.clip(0.35 * y + rng.random(n) * 0.7, 0, 1), 1)
b = np.round(np.clip(0.25 * y + rng.random(n) * 0.8, 0, 1), 1)
w = rng.multinomial(n, [1 / n] * n)  # a bootstrap weight vector: sums to n, some zeros
out["weighted"] = {
    "y": y.tolist(), "a": a.tolist(), "b": b.tolist(), "w": w.tolist(),
    "aucA": roc_auc_score(y, a, sample_weight=w), "aucB": roc_auc_score(y, b, sample_weight=w),
    "apA": average_precision_score(y, a, sample_weight=w), "apB": average_precision_score(y, b, sample_weight=w),
    "aucA_unweighted": roc_auc_score(y, a), "apB_unweighted": average_precision_score(y, b),
    "logLossA": log_loss(y, a, sample_weight=w), "brierB": brier_score_loss(y, b, sample_weight=w),
}

# ---------------------------------------------------------------- McNemar
cases = []
for b_, c_ in [(7, 2), (10, 25), (30, 12), (5, 5), (0, 7), (0, 0), (1, 0), (120, 151), (3, 40), (5000, 5200)]:
    for exact, corr in [(True, True), (False, True), (False, False)]:
        if not exact and b_ + c_ == 0:
            continue  # statsmodels returns nan there (checked separately)
        r = mcnemar([[0, b_], [c_, 0]], exact=exact, correction=corr)
        cases.append({"b": b_, "c": c_, "exact": exact, "correction": corr,
                      "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
out["mcnemar"] = cases
r = mcnemar([[0, 0], [0, 0]], exact=False)
out["mcnemar_empty_chi2"] = [str(r.statistic), str(r.pvalue)]


# ---------------------------------------------------------------- DeLong, straightforward version
def delong_pairwise(y, sa, sb):
    y = np.asarray(y)
    res = {}
    v10s, v01s, aucs = [], [], []
    for s in (np.asarray(sa, float), np.asarray(sb, float)):
        x, z = s[y == 1], s[y == 0]
        psi = (x[:, None] > z[None, :]).astype(float) + 0.5 * (x[:, None] == z[None, :])
        aucs.append(psi.mean())
        v10s.append(psi.mean(axis=1))  # per positive
        v01s.append(psi.mean(axis=0))  # per negative
    m, k = len(v10s[0]), len(v01s[0])
    s10 = np.cov(np.vstack(v10s))
    s01 = np.cov(np.vstack(v01s))
    s = s10 / m + s01 / k
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    diff = aucs[1] - aucs[0]
    se = float(np.sqrt(var))
    z = diff / se
    p = 2 * stats.norm.sf(abs(z))
    q = stats.norm.ppf(0.975)
    res.update(aucA=aucs[0], aucB=aucs[1], diff=diff, se=se, z=z, p=p, ci=[diff - q * se, diff + q * se],
               ci90=[diff - stats.norm.ppf(0.95) * se, diff + stats.norm.ppf(0.95) * se])
    return res


dl_rng = np.random.default_rng(7)
m = 60
yd = (dl_rng.random(m) < 0.45).astype(int)
sa = np.round(0.8 * yd + dl_rng.normal(size=m), 1)
sb = np.round(1.3 * yd + dl_rng.normal(size=m) + 0.3 * sa, 1)
out["delong"] = {"y": yd.tolist(), "a": sa.tolist(), "b": sb.tolist(), **delong_pairwise(yd, sa, sb)}
# the same check with the classic tiny example: scores that only tie
out["delong_small"] = {"y": [1, 1, 0, 0, 1, 0], "a": [0.9, 0.4, 0.4, 0.2, 0.7, 0.8], "b": [0.6, 0.6, 0.3, 0.6, 0.9, 0.1],
                       **delong_pairwise([1, 1, 0, 0, 1, 0], [0.9, 0.4, 0.4, 0.2, 0.7, 0.8], [0.6, 0.6, 0.3, 0.6, 0.9, 0.1])}

# ---------------------------------------------------------------- multiple testing
ps = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.5, 0.012, 0.9, 0.0001]
mt = {}
for method in ("holm", "fdr_bh"):
    for alpha in (0.05, 0.1):
        rej, adj, _, _ = multipletests(ps, alpha=alpha, method=method)
        mt[f"{method}@{alpha}"] = {"reject": rej.tolist(), "adjusted": adj.tolist()}
out["multitest"] = {"p": ps, **mt}

# ---------------------------------------------------------------- tails
out["chi2_sf1"] = {str(x): stats.chi2.sf(x, 1) for x in [0.01, 0.5, 3.841, 10.0, 40.0, 120.0]}
# chi-square critical values for the sampler's goodness-of-fit checks
out["chi2_isf_0.001"] = {str(df): stats.chi2.isf(0.001, df) for df in range(1, 80)}
print(json.dumps(out))
