"""Oracle: the 200,000-row tabular benchmark set and the sklearn reference AUCs on it.

    /usr/bin/python3 test/oracles/make_classification.py --out DIR          # writes DIR/mc200k-{train,test}.csv
    /usr/bin/python3 test/oracles/make_classification.py --out DIR --facts  # also fits the sklearn models, prints JSON

Reference models (the TypeScript test uses the same settings):
  lr   LogisticRegression(C=1, tol=1e-10, max_iter=10000)
  rf   RandomForestClassifier(n_estimators=50, max_features="sqrt", min_samples_leaf=5,
       max_samples=0.5), AUC averaged over random_state 0, 1, 2
  hgb  HistGradientBoostingClassifier(max_iter=100, max_depth=6, learning_rate=0.1,
       early_stopping=False)   (max_leaf_nodes=31, min_samples_leaf=20, max_bins=255 by default)

The data: make_classification(n_samples=200000, n_features=23, n_informative=12, weights=[0.88],
random_state=0), split 80/20 stratified with random_state=0, features written with 9 significant
digits (~75 MB, not committed). The facts are computed on the values read back from the CSVs, i.e.
on exactly what the TypeScript tests read.
"""

import argparse
import json
import os
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

FMT = "%.9g"


def write_csv(path, X, y):
    tmp = path + ".tmp"
    header = ",".join([f"f{j}" for j in range(X.shape[1])] + ["target"])
    data = np.column_stack([X, y])
    np.savetxt(tmp, data, fmt=[FMT] * X.shape[1] + ["%d"], delimiter=",", header=header, comments="")
    os.replace(tmp, path)


def ensure_data(out):
    train, test = os.path.join(out, "mc200k-train.csv"), os.path.join(out, "mc200k-test.csv")
    if not (os.path.exists(train) and os.path.exists(test)):
        os.makedirs(out, exist_ok=True)
        X, y = make_classification(
            n_samples=200000, n_features=23, n_informative=12, weights=[0.88], random_state=0
        )
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
        write_csv(test, X_te, y_te)
        write_csv(train, X_tr, y_tr)
    return train, test


def load(path):
    d = np.loadtxt(path, delimiter=",", skiprows=1)
    return np.ascontiguousarray(d[:, :-1]), d[:, -1].astype(np.int64)


def facts(train, test):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    X_tr, y_tr = load(train)
    X_te, y_te = load(test)
    out = {"sklearn": __import__("sklearn").__version__}
    models = {
        "lr": lambda s: LogisticRegression(C=1, tol=1e-10, max_iter=10000),
        "rf": lambda s: RandomForestClassifier(
            n_estimators=50, max_features="sqrt", min_samples_leaf=5, max_samples=0.5, random_state=s, n_jobs=2
        ),
        "hgb": lambda s: HistGradientBoostingClassifier(
            max_iter=100, max_depth=6, learning_rate=0.1, early_stopping=False, random_state=s
        ),
    }
    for name, make in models.items():
        seeds = range(3) if name == "rf" else range(1)
        aucs = []
        for s in seeds:
            t0 = time.time()
            m = make(s).fit(X_tr, y_tr)
            out[name + "_fit_s"] = time.time() - t0
            aucs.append(roc_auc_score(y_te, m.predict_proba(X_te)[:, 1]))
        out[name + "_auc"] = float(np.mean(aucs))
        if len(aucs) > 1:
            out[name + "_aucs"] = aucs
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--facts", action="store_true")
    args = ap.parse_args()
    train, test = ensure_data(args.out)
    res = {"train": train, "test": test}
    if args.facts:
        res.update(facts(train, test))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
