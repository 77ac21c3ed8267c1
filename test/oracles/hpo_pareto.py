"""Oracle for src/hpo/study.test.ts: Optuna 3.1's Pareto front (study.best_trials) on fixed values.

Run: /usr/bin/python3 test/oracles/hpo_pareto.py  — prints the front's trial numbers per case.
"""
import optuna
from optuna.distributions import FloatDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)

CASES = {
    "min-max": (
        ["minimize", "maximize"],
        [[1, 1], [2, 3], [2, 3], [3, 2], [0.5, 0], [4, 5], [4, 4], [1, 2], [3, 5], [0.5, 0.5], [5, 5.5], [1, 2]],
    ),
    "min-min-min": (
        ["minimize", "minimize", "minimize"],
        [[1, 2, 3], [3, 2, 1], [2, 2, 2], [2, 2, 3], [1, 3, 3], [0, 5, 5], [3, 3, 3], [1, 2, 3]],
    ),
}

for name, (directions, points) in CASES.items():
    study = optuna.create_study(directions=directions)
    for v in points:
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)}, values=v
            )
        )
    print(name, sorted(t.number for t in study.best_trials))
