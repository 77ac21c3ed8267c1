"""Expected values for src/hpo/analysis/report.test.ts: parameter importances from Optuna 3.1
(optuna.importance.get_param_importances with MeanDecreaseImpurityImportanceEvaluator and
FanovaImportanceEvaluator, seed 0), Optuna's fANOVA tree arithmetic (_FanovaTree) on one depth-3
scikit-learn tree, scikit-learn 1.2 DecisionTreeRegressor(max_depth=3) feature importances on
Optuna's encoding (floats and ints raw, categoricals one-hot), and the Pareto front from
study.best_trials. The trials come from a 32-bit LCG both sides implement identically, so the
test rebuilds the same trials without Python. The tree is depth-limited because deeper trees
have nodes where two features split equally well, and scikit-learn breaks such ties by a
random feature order (the script checks 20 random states agree). The test holds the printed
numbers as facts.

    /usr/bin/python3 test/oracles/hpo_analysis_importance.py
"""

import json
import math

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import (
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    get_param_importances,
)
from optuna.trial import TrialState, create_trial
from optuna._transform import _SearchSpaceTransform
from optuna.importance._fanova._tree import _FanovaTree
from sklearn.tree import DecisionTreeRegressor

optuna.logging.set_verbosity(optuna.logging.ERROR)


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def u(self):
        self.s = (1664525 * self.s + 1013904223) % 2**32
        return self.s / 2**32


def scenario_linear():
    """y = 10·x1 + 2·x2 + 0.1·noise; x3 (int) irrelevant; every 10th trial PRUNED, trial 15 FAIL."""
    g = Lcg(1)
    dists = {
        "x1": FloatDistribution(0, 1),
        "x2": FloatDistribution(0, 1),
        "x3": IntDistribution(1, 10),
    }
    trials = []
    for i in range(80):
        x1, x2 = g.u(), g.u()
        x3 = 1 + math.floor(g.u() * 10)
        noise = g.u() - 0.5
        y = 10 * x1 + 2 * x2 + 0.1 * noise
        state = TrialState.PRUNED if i % 10 == 9 else TrialState.FAIL if i == 15 else TrialState.COMPLETE
        trials.append((state, {"x1": x1, "x2": x2, "x3": x3}, y))
    return dists, trials


def scenario_categorical():
    """y = offset[c] + x + 0.05·(log10(lr) + 4) with offsets a:0, b:5, c:10."""
    g = Lcg(2)
    dists = {
        "booster": CategoricalDistribution(["a", "b", "c"]),
        "x": FloatDistribution(0, 1),
        "lr": FloatDistribution(1e-4, 1, log=True),
    }
    offsets = [0, 5, 10]
    trials = []
    for i in range(80):
        c = math.floor(g.u() * 3)
        x = g.u()
        lr = 10 ** (-4 + 4 * g.u())
        y = offsets[c] + x + 0.05 * (math.log10(lr) + 4)
        trials.append((TrialState.COMPLETE, {"booster": ["a", "b", "c"][c], "x": x, "lr": lr}, y))
    return dists, trials


def build(dists, trials, directions=None):
    study = optuna.create_study(directions=directions or ["minimize"])
    for state, params, y in trials:
        values = None
        if state == TrialState.COMPLETE:
            values = y if isinstance(y, list) else [y]
        study.add_trial(create_trial(state=state, params=params, distributions=dists, values=values))
    return study


def encode(dists, params):
    row = []
    for name in sorted(dists):
        d = dists[name]
        if isinstance(d, CategoricalDistribution):
            row += [1.0 if d.choices.index(params[name]) == k else 0.0 for k in range(len(d.choices))]
        else:
            row.append(float(params[name]))
    return row


def tree_importances(dists, trials, max_depth):
    done = [(p, y) for s, p, y in trials if s == TrialState.COMPLETE]
    x = np.array([encode(dists, p) for p, _ in done])
    y = np.array([v for _, v in done])
    # scikit-learn breaks ties between equally good splits by a random feature order: the
    # reference is only unambiguous when every random_state grows the same tree
    fits = [DecisionTreeRegressor(max_depth=max_depth, random_state=rs).fit(x, y) for rs in range(20)]
    cols = fits[0].feature_importances_
    assert all(np.allclose(f.feature_importances_, cols, rtol=0, atol=1e-12) for f in fits), "ties: choose a smaller depth"
    out, c = {}, 0
    for name in sorted(dists):
        d = dists[name]
        w = len(d.choices) if isinstance(d, CategoricalDistribution) else 1
        out[name] = float(cols[c : c + w].sum())
        c += w
    return out


def tree_fanova(dists, trials, max_depth):
    """Optuna's fANOVA tree arithmetic on one tie-free scikit-learn tree, normalized to sum 1."""
    trans = _SearchSpaceTransform(dists, transform_log=False, transform_step=False)
    names = list(dists)  # _SearchSpaceTransform keeps the given order
    done = [(p, y) for s, p, y in trials if s == TrialState.COMPLETE]
    x = np.array([trans.transform(p) for p, _ in done])
    y = np.array([v for _, v in done])
    fits = [DecisionTreeRegressor(max_depth=max_depth, random_state=rs).fit(x, y) for rs in range(20)]
    assert all(np.allclose(f.feature_importances_, fits[0].feature_importances_, rtol=0, atol=1e-12) for f in fits)
    tree = _FanovaTree(fits[0].tree_, trans.bounds)
    fr = [tree.get_marginal_variance(cols) / tree.variance for cols in trans.column_to_encoded_columns]
    total = sum(fr)
    return {n: float(v / total) for n, v in zip(names, fr)}


def importances(study):
    mdi = get_param_importances(study, evaluator=MeanDecreaseImpurityImportanceEvaluator(seed=0))
    fanova = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
    return {"mdi": {k: float(v) for k, v in mdi.items()}, "fanova": {k: float(v) for k, v in fanova.items()}}


def scenario_pareto():
    """Two objectives: minimize x1, maximize sqrt(x1) − x2; trial 30 repeats trial 4's values."""
    g = Lcg(3)
    dists = {"x1": FloatDistribution(0, 1), "x2": FloatDistribution(0, 1)}
    trials = []
    for _ in range(30):
        x1, x2 = g.u(), g.u()
        trials.append((TrialState.COMPLETE, {"x1": x1, "x2": x2}, [x1, math.sqrt(x1) - x2]))
    trials.append(trials[4])
    study = build(dists, trials, ["minimize", "maximize"])
    return sorted(t.number for t in study.best_trials)


out = {}
for name, fn in [("linear", scenario_linear), ("categorical", scenario_categorical)]:
    dists, trials = fn()
    study = build(dists, trials)
    out[name] = {**importances(study), "tree_depth3": tree_importances(dists, trials, 3),
        "tree_fanova_depth3": tree_fanova(dict(sorted(dists.items())), trials, 3),
    }
out["pareto_front"] = scenario_pareto()
print(json.dumps(out, indent=1))
