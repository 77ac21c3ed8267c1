"""scikit-learn's side of `npm run bench -- learn`: times fit and predict on the benchmark CSVs
and prints one JSON object.

    /usr/bin/python3 test/oracles/bench_sklearn.py TRAIN.csv TEST.csv [--reps 1] [--models hgb,hgb1,lr,rf]

Models (the TypeScript side uses the same settings); gradient boosting is timed with the default
OpenMP threads and again limited to one thread:
  hgb  HistGradientBoostingClassifier(max_iter=100, max_depth=6, early_stopping=False)
       (max_leaf_nodes=31, learning_rate=0.1, min_samples_leaf=20, max_bins=255: defaults)
  lr   LogisticRegression(C=1, tol=1e-10, max_iter=10000)
  rf   RandomForestClassifier(n_estimators=50, max_features="sqrt", min_samples_leaf=5,
       max_samples=0.5, n_jobs=-1, random_state=0)
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the oracles
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_classification import load  # noqa: E402


def timed(f, reps):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def main():
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_info, threadpool_limits

    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--models", default="hgb,hgb1,lr,rf")
    args = ap.parse_args()
    models = args.models.split(",")
    X, y = load(args.train)
    Xt, yt = load(args.test)
    out = {"sklearn": sklearn.__version__, "threads": max((p.get("num_threads", 1) for p in threadpool_info()), default=1)}

    def hgb():
        return HistGradientBoostingClassifier(max_iter=100, max_depth=6, early_stopping=False, random_state=0).fit(X, y)

    def predict_rate(model):
        med, _, proba = timed(lambda: model.predict_proba(Xt)[:, 1], 5)
        return len(yt) / med, proba

    if "hgb" in models:
        med, best, model = timed(hgb, args.reps)
        rate, proba = predict_rate(model)
        out["gradient_boosting"] = {"fit_s": med, "fit_s_min": best, "predict_rows_per_s": rate, "auc": roc_auc_score(yt, proba)}
    if "hgb1" in models:
        # one thread: a like-for-like comparison that a busy machine distorts less than OpenMP's
        with threadpool_limits(limits=1):
            med, best, model = timed(hgb, args.reps)
            rate, _ = predict_rate(model)
        out["gradient_boosting_1_thread"] = {"fit_s": med, "fit_s_min": best, "predict_rows_per_s": rate}
    if "lr" in models:
        med, best, model = timed(lambda: LogisticRegression(C=1, tol=1e-10, max_iter=10000).fit(X, y), args.reps)
        out["logistic_regression"] = {"fit_s": med, "fit_s_min": best, "auc": roc_auc_score(yt, model.predict_proba(Xt)[:, 1])}
    if "rf" in models:
        rf = lambda: RandomForestClassifier(  # noqa: E731
            n_estimators=50, max_features="sqrt", min_samples_leaf=5, max_samples=0.5, n_jobs=-1, random_state=0
        ).fit(X, y)
        med, _, model = timed(rf, 1)
        out["random_forest"] = {"fit_s": med, "auc": roc_auc_score(yt, model.predict_proba(Xt)[:, 1])}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
