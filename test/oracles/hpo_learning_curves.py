"""Oracle: Optuna's pruners on the synthetic learning-curve benchmark (src/hpo/analysis/learning-curves.ts).

    npx tsx -e 'import("./src/hpo/analysis/learning-curves.ts").then(m => process.stdout.write(JSON.stringify(m.generateLearningCurves({ seed: 0 }))))' > /tmp/curves-0.json
    /usr/bin/python3 test/oracles/hpo_learning_curves.py /tmp/curves-0.json [more.json ...]

Trial i trains configuration i (its params enqueued, as runPruningBenchmark does), reporting the
curve's (noisy) value at every step and asking should_prune, and returns the noise-free final
value; the study is named "learning-curves" (the Hyperband bracket hash uses it). Prints, per
pruner: the budget used (steps run / steps without pruning), the loss of best final value, and the
last step of every trial (the pruning decisions). "sh_auto10" is Optuna's SuccessiveHalvingPruner
with its "auto" minimum resource estimated as Sextant's default does (max(1, last step // 10)
instead of // 100).
Python 3.11 with Debian's python3-optuna 3.1.
"""

import json
import sys

import optuna
from optuna.pruners import _successive_halving

optuna.logging.set_verbosity(optuna.logging.ERROR)

PRUNERS = {
    "nop": lambda: optuna.pruners.NopPruner(),
    "median": lambda: optuna.pruners.MedianPruner(),
    "sh": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(),
    "sh_auto10": lambda: optuna.pruners.SuccessiveHalvingPruner(),
}

_optuna_estimate = _successive_halving._estimate_min_resource


def _estimate_tenth(trials):
    steps = [t.last_step for t in trials if t.state == optuna.trial.TrialState.COMPLETE and t.last_step is not None]
    return max(max(steps) // 10, 1) if steps else None


def run(bench, make_pruner):
    configs = bench["configs"]
    study = optuna.create_study(
        study_name="learning-curves",
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=make_pruner(),
    )
    for c in configs:
        study.enqueue_trial(c["params"])
    steps = 0
    last = []

    def objective(trial):
        nonlocal steps
        trial.suggest_float("learning_rate", 1e-4, 1, log=True)
        trial.suggest_int("width", 8, 512, log=True)
        trial.suggest_float("dropout", 0, 0.5)
        curve = configs[trial.number]["curve"]
        for t, v in enumerate(curve):
            steps += 1
            trial.report(v, t)
            if trial.should_prune():
                last.append(t)
                raise optuna.TrialPruned()
        last.append(len(curve) - 1)
        return configs[trial.number]["final"]

    study.optimize(objective, n_trials=len(configs))
    best_all = max(c["final"] for c in configs)
    return {
        "budget": steps / (len(configs) * bench["nSteps"]),
        "loss": best_all - study.best_value,
        "last_steps": last,
    }


def main():
    for path in sys.argv[1:]:
        with open(path) as f:
            bench = json.load(f)
        out = {}
        for name, make in PRUNERS.items():
            _successive_halving._estimate_min_resource = _estimate_tenth if name == "sh_auto10" else _optuna_estimate
            out[name] = run(bench, make)
        print(json.dumps({"file": path, **out}))


if __name__ == "__main__":
    main()
