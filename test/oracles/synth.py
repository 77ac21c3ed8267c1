"""Oracle: scikit-learn's AUCs on the synthetic fixtures written by export-synth.ts.

    /usr/bin/python3 test/oracles/synth.py

Hyperparameters (the TypeScript tests use the equivalent settings):
  lr       LogisticRegression(C=1, tol=1e-10, max_iter=10000)             on raw features
  lr_std   make_pipeline(StandardScaler(), LogisticRegression(C=0.5, ...)) (standardize: true, C 0.5)
  dt       DecisionTreeClassifier(max_depth=6, random_state=0)
  rf       RandomForestClassifier(n_estimators=200, random_state=s), mean and spread over s = 0..9
  hgb      HistGradientBoostingClassifier()  (defaults; early stopping is off below 10,000 rows)
  hgb_missing  the same on synth-missing (NaN handled natively)
"""

import json
import os

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


def load(name):
    tr = pd.read_csv(os.path.join(FIXTURES, f"{name}-train.csv"))
    te = pd.read_csv(os.path.join(FIXTURES, f"{name}-test.csv"))
    return tr.drop(columns="target").values, tr.target.values, te.drop(columns="target").values, te.target.values


def auc(model, X_te, y_te):
    return roc_auc_score(y_te, model.predict_proba(X_te)[:, 1])


def main():
    X, y, Xt, yt = load("synth")
    out = {"sklearn": __import__("sklearn").__version__}
    lr = LogisticRegression(C=1, tol=1e-10, max_iter=10000).fit(X, y)
    out["lr_auc"] = auc(lr, Xt, yt)
    out["lr_coef"] = lr.coef_[0].tolist()
    out["lr_intercept"] = float(lr.intercept_[0])
    lr_std = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, tol=1e-10, max_iter=10000)).fit(X, y)
    out["lr_std_auc"] = auc(lr_std, Xt, yt)
    out["lr_std_coef"] = lr_std[-1].coef_[0].tolist()
    out["dt_auc"] = auc(DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y), Xt, yt)
    rf = [auc(RandomForestClassifier(n_estimators=200, random_state=s, n_jobs=2).fit(X, y), Xt, yt) for s in range(10)]
    out["rf_auc_mean"] = float(np.mean(rf))
    out["rf_auc_min"] = float(np.min(rf))
    out["rf_auc_max"] = float(np.max(rf))
    out["hgb_auc"] = auc(HistGradientBoostingClassifier().fit(X, y), Xt, yt)
    Xm, ym, Xmt, ymt = load("synth-missing")
    out["hgb_missing_auc"] = auc(HistGradientBoostingClassifier().fit(Xm, ym), Xmt, ymt)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
