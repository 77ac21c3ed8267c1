"""Oracle: scikit-learn's breast-cancer data, the split and the reference models.

Writes test/fixtures/breast-cancer-{train,test}.csv (features standardized with a StandardScaler
fit on the train part, then a `target` column) and prints, as JSON, what the tests assert:
LogisticRegression coefficients/intercept/objective and the test ROC AUCs of the sklearn models.

    /usr/bin/python3 test/oracles/breast_cancer.py            # rewrites the fixtures
    /usr/bin/python3 test/oracles/breast_cancer.py --no-write # only prints the facts
"""

import json
import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")


def objective(coef, intercept, X, y, C):
    """C * sum(logloss_i) + 0.5 * ||w||^2 (sklearn's L2 objective, intercept unpenalized)."""
    z = X @ coef + intercept
    # log(1 + exp(-m)) with m = (2y - 1) z, computed stably
    m = (2 * y - 1) * z
    return C * np.sum(np.logaddexp(0.0, -m)) + 0.5 * float(coef @ coef)


def newton_optimum(X, y, C, sw=None, iters=100):
    """The exact minimizer of the objective (Newton's method to machine precision), as a reference
    independent of sklearn's solver tolerance."""
    n, d = X.shape
    sw = np.ones(n) if sw is None else sw
    A = np.column_stack([X, np.ones(n)])
    beta = np.zeros(d + 1)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(A @ beta)))
        g = C * A.T @ (sw * (p - y))
        g[:d] += beta[:d]
        H = C * (A.T * (sw * p * (1 - p))) @ A
        H[np.arange(d), np.arange(d)] += 1
        step = np.linalg.solve(H, g)
        beta -= step
        if np.max(np.abs(step)) < 1e-15:
            break
    return beta[:d], beta[d]


def write_csv(path, X, y, names):
    with open(path, "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for row, label in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + str(int(label)) + "\n")


def main():
    data = load_breast_cancer()
    X, y = data.data, data.target
    names = [n.replace(" ", "_") for n in data.feature_names]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    if "--no-write" not in sys.argv:
        write_csv(os.path.join(FIXTURES, "breast-cancer-train.csv"), X_tr, y_tr, names)
        write_csv(os.path.join(FIXTURES, "breast-cancer-test.csv"), X_te, y_te, names)
    # The tests read the CSVs back: use exactly what they hold (repr round-trips float64 exactly).
    lr = LogisticRegression(C=1, tol=1e-10, max_iter=10000).fit(X_tr, y_tr)
    # a forest's AUC on 114 test rows moves by ±0.005 with the seed: compare with the mean over seeds
    rf_aucs = [
        roc_auc_score(y_te, RandomForestClassifier(n_estimators=500, random_state=s, n_jobs=2).fit(X_tr, y_tr).predict_proba(X_te)[:, 1])
        for s in range(10)
    ]
    hgb = HistGradientBoostingClassifier(random_state=0).fit(X_tr, y_tr)  # early_stopping='auto': off (n < 10000)
    lrb = LogisticRegression(C=0.1, class_weight="balanced", tol=1e-10, max_iter=10000).fit(X_tr, y_tr)
    opt_coef, opt_intercept = newton_optimum(X_tr, y_tr, 1.0)
    out = {
        "sklearn": __import__("sklearn").__version__,
        "n_train": int(len(y_tr)),
        "n_test": int(len(y_te)),
        "lr": {
            "coef": lr.coef_[0].tolist(),
            "intercept": float(lr.intercept_[0]),
            "objective": objective(lr.coef_[0], lr.intercept_[0], X_tr, y_tr, 1.0),
            "auc": roc_auc_score(y_te, lr.predict_proba(X_te)[:, 1]),
        },
        "newton_optimum": {
            "coef": opt_coef.tolist(),
            "intercept": float(opt_intercept),
            "objective": objective(opt_coef, opt_intercept, X_tr, y_tr, 1.0),
        },
        "lr_balanced_C0.1": {"coef": lrb.coef_[0].tolist(), "intercept": float(lrb.intercept_[0])},
        "rf500_auc_mean": float(np.mean(rf_aucs)),
        "rf500_auc_min": float(np.min(rf_aucs)),
        "rf500_auc_max": float(np.max(rf_aucs)),
        "hgb_auc": roc_auc_score(y_te, hgb.predict_proba(X_te)[:, 1]),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
