"""Expected values for src/evaluate/metrics.test.ts, computed with scikit-learn.

Run: /usr/bin/python3 test/oracles/evaluate_metrics.py  (scikit-learn 1.2.1 when last run)
"""
import json
import warnings

import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve

warnings.filterwarnings("ignore")
y = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1]
s = [0.9, 0.1, 0.8, 0.65, 0.65, 0.3, 0.65, 0.2, 0.55, 0.55, 0.4, 0.95, 0.3, 0.05, 0.7, 0.15, 0.35, 0.45, 0.6, 0.6]
p = [1 if v >= 0.5 else 0 for v in s]
out = {
    "y": y, "s": s, "p": p,
    "precision": metrics.precision_score(y, p),
    "recall": metrics.recall_score(y, p),
    "f1": metrics.f1_score(y, p),
    "f2": metrics.fbeta_score(y, p, beta=2),
    "f05": metrics.fbeta_score(y, p, beta=0.5),
    "accuracy": metrics.accuracy_score(y, p),
    "balanced": metrics.balanced_accuracy_score(y, p),
    "mcc": metrics.matthews_corrcoef(y, p),
    "auc": metrics.roc_auc_score(y, s),
    "ap": metrics.average_precision_score(y, s),
    "logloss": metrics.log_loss(y, s),
    "brier": metrics.brier_score_loss(y, s),
    "cm": metrics.confusion_matrix(y, p).ravel().tolist(),  # tn, fp, fn, tp
}
fpr, tpr, thr = metrics.roc_curve(y, s)
out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr[1:].tolist()}
fpr, tpr, thr = metrics.roc_curve(y, s, drop_intermediate=False)
out["roc_all"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist()}
pr, rc, th = metrics.precision_recall_curve(y, s)
out["pr"] = {"precision": pr.tolist(), "recall": rc.tolist(), "thresholds": th.tolist()}
pt, pp = calibration_curve(y, s, n_bins=5)
out["calib_uniform"] = {"probTrue": pt.tolist(), "probPred": pp.tolist()}
pt, pp = calibration_curve(y, s, n_bins=4, strategy="quantile")
out["calib_quantile"] = {"probTrue": pt.tolist(), "probPred": pp.tolist()}
# edge cases
out["zero_div_precision"] = metrics.precision_score([1, 0, 1], [0, 0, 0], zero_division=0)
out["zero_div_precision_1"] = metrics.precision_score([1, 0, 1], [0, 0, 0], zero_division=1)
out["f1_all_negative"] = metrics.f1_score([0, 0, 0], [0, 0, 0], zero_division=1)
out["mcc_constant"] = metrics.matthews_corrcoef([1, 0, 1], [1, 1, 1])
out["balanced_one_class"] = metrics.balanced_accuracy_score([1, 1, 1, 1], [1, 0, 1, 1])
out["ap_no_positive"] = float(metrics.average_precision_score([0, 0, 0], [0.2, 0.5, 0.1]))
out["auc_all_tied"] = metrics.roc_auc_score([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])
# log loss: scikit-learn 1.2's default eps="auto" clips at np.finfo(np.float64).eps (2.22e-16; it
# was 1e-15 before 1.2); labels=[0, 1] makes it defined when y_true holds one class
LL = {"labels": [0, 1]}
out["logloss_eps_auto"] = float(np.finfo(np.float64).eps)
out["logloss_all_negative"] = metrics.log_loss([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.05], **LL)
out["logloss_all_positive"] = metrics.log_loss([1, 1, 1], [0.9, 0.6, 0.99], **LL)
out["logloss_clipped"] = metrics.log_loss([1, 0, 1, 0, 1], [0.0, 1.0, 1.0, 0.0, 0.5], **LL)
out["logloss_clipped_eps_1e-15"] = metrics.log_loss([1, 0, 1, 0, 1], [0.0, 1.0, 1.0, 0.0, 0.5], eps=1e-15, **LL)
out["logloss_all_negative_clipped"] = metrics.log_loss([0, 0], [1.0, 0.25], **LL)
w = [0, 1, 0, 1, 0, 1, 0, 1, 0, 2, 3, 0, 2, 1, 2, 1, 1, 0, 0, 0]
out["logloss_weights"] = w
out["logloss_weighted"] = metrics.log_loss(y, s, sample_weight=w)
out["logloss_weighted_one_class"] = metrics.log_loss([0, 0, 0], [0.2, 0.7, 1.0], sample_weight=[1, 2.5, 0.5], **LL)
print(json.dumps(out))
