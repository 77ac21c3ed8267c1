"""Optuna's side of `npm run bench -- hpo` and `-- team` (bench/hpo.ts and bench/team.ts run it in
the same run and compare).

Runs Optuna 3.1 on the same problems as Sextant: the benchmark functions of
src/hpo/samplers/testing/functions.ts (defined again here, identically), the sampler overhead on
the same 5-parameter mixed space, the pruners on the learning curves Sextant generated (read from
a JSON file, so both libraries see the very same curves), and two workers on a sleeping
objective. Prints one JSON object on stdout, progress on stderr.

    /usr/bin/python3 bench/hpo_optuna.py quality --seeds 20 --trials 100 [--seed-offset K] [--samplers tpe,tpe_mv,random] [--functions a,b]
    /usr/bin/python3 bench/hpo_optuna.py overhead --trials 1000 [--storage memory|sqlite|postgres [--pg URL]]
    /usr/bin/python3 bench/hpo_optuna.py pruning --curves FILE.json [--curves FILE2.json ...]
    /usr/bin/python3 bench/hpo_optuna.py parallel --trials 40 (--sleep-ms 20 | --busy-ms 50)
"""

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")


def log(msg):
    print(f"[optuna] {msg}", file=sys.stderr, flush=True)


def branin(x1, x2):
    b = 5.1 / (4 * math.pi * math.pi)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(x):
    s = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))
        s += H6_ALPHA[i] * math.exp(-inner)
    return -s


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def styblinski_tang(x):
    return 0.5 * sum(v**4 - 16 * v * v + 5 * v for v in x)


def ackley(x):
    d = len(x)
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20 + math.e


BEST_LOG_LR = {"sgd": -1, "adam": -3, "rmsprop": -2.5}
OPT_PENALTY = {"sgd": 0.5, "adam": 0, "rmsprop": 0.2}


def mixed(lr, layers, units, optimizer, dropout):
    llr = math.log10(lr)
    best = BEST_LOG_LR[optimizer]
    capacity = layers * math.log2(units)
    return (
        (llr - best) ** 2
        + 0.05 * (capacity - 28) ** 2
        + 0.1 * (layers - 4) ** 2
        + 4 * (dropout - 0.2) ** 2
        + OPT_PENALTY[optimizer]
        + 0.3 * (1 - math.cos(2 * math.pi * (llr - best)))
    )


def floats(t, n, low, high):
    return [t.suggest_float(f"x{i}", low, high) for i in range(n)]


FUNCTIONS = {
    "branin": lambda t: branin(t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15)),
    "hartmann6": lambda t: hartmann6(floats(t, 6, 0, 1)),
    "rosenbrock5": lambda t: rosenbrock(floats(t, 5, -5, 10)),
    "styblinski_tang10": lambda t: styblinski_tang(floats(t, 10, -5, 5)),
    "ackley5": lambda t: ackley(floats(t, 5, -32.768, 32.768)),
    "mixed": lambda t: mixed(
        t.suggest_float("lr", 1e-5, 1, log=True),
        t.suggest_int("layers", 1, 8),
        t.suggest_int("units", 16, 1024, log=True),
        t.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"]),
        t.suggest_float("dropout", 0, 0.5, step=0.05),
    ),
}


def make_sampler(kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "tpe_mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(kind)


def quality(args):
    out = {}
    names = args.functions.split(",") if args.functions else list(FUNCTIONS)
    for kind in args.samplers.split(","):
        out[kind] = {}
        for name in names:
            t0 = time.perf_counter()
            bests = []
            for seed in range(args.seed_offset, args.seed_offset + args.seeds):
                study = optuna.create_study(sampler=make_sampler(kind, seed))
                study.optimize(FUNCTIONS[name], n_trials=args.trials)
                bests.append(study.best_value)
            out[kind][name] = bests
            log(f"{kind} {name}: median {statistics.median(bests):.4g} ({time.perf_counter() - t0:.1f}s)")
    return {"seeds": args.seeds, "trials": args.trials, "best": out}


def overhead_value(t):
    """The 5-parameter mixed space of the overhead benchmark, nearly free to evaluate."""
    a = t.suggest_float("a", -10, 10)
    b = t.suggest_float("b", 1e-5, 1, log=True)
    c = t.suggest_int("c", 1, 100)
    d = t.suggest_int("d", 1, 1024, log=True)
    e = t.suggest_categorical("e", ["x", "y", "z", "w"])
    return (a - 1) ** 2 + (math.log10(b) + 2) ** 2 + ((c - 30) / 10) ** 2 + (math.log2(d) - 5) ** 2 + (e != "y")


def postgres_storage(url):
    """Optuna's RDB storage in a fresh schema of the PostgreSQL database at `url` (psycopg2); the
    schema and a function that drops it."""
    import uuid

    import psycopg2

    url = url.replace("postgres://", "postgresql://", 1).split("?")[0]
    schema = f"sx_bench_optuna_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    storage = optuna.storages.RDBStorage(
        url, engine_kwargs={"connect_args": {"options": f"-csearch_path={schema}"}}
    )

    def drop():
        storage.engine.dispose()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()

    return storage, drop


def overhead(args):
    """ms per trial (wall and CPU) of ask + 5 suggests + tell, for every trial."""
    tmp = None
    storage = None
    drop = None
    if args.storage == "sqlite":
        tmp = tempfile.mkdtemp(prefix="sx-bench-optuna-")
        storage = optuna.storages.RDBStorage(f"sqlite:///{os.path.join(tmp, 'optuna.db')}")
    elif args.storage == "postgres":
        storage, drop = postgres_storage(args.pg)
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.TPESampler(seed=0))
    per_trial = []
    cpu = []
    for i in range(args.trials):
        c0 = time.process_time()
        t0 = time.perf_counter()
        trial = study.ask()
        value = overhead_value(trial)
        study.tell(trial, value)
        per_trial.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if (i + 1) % 100 == 0:
            log(f"overhead ({args.storage}) {i + 1}/{args.trials}")
    if drop:
        drop()
    return {"storage": args.storage, "ms_per_trial": per_trial, "cpu_ms_per_trial": cpu}


PRUNERS = {
    "median": lambda: optuna.pruners.MedianPruner(),
    "successive_halving": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(),
}


def prune_once(bench, make_pruner):
    """Trial i trains configuration i (params enqueued), as runPruningBenchmark does in Sextant."""
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
                raise optuna.TrialPruned()
        return configs[trial.number]["final"]

    study.optimize(objective, n_trials=len(configs))
    best_all = max(c["final"] for c in configs)
    return {
        "budget": steps / (len(configs) * bench["nSteps"]),
        "loss": best_all - study.best_value,
    }


def pruning(args):
    out = {name: [] for name in PRUNERS}
    for path in args.curves:
        with open(path) as f:
            bench = json.load(f)
        for name, make in PRUNERS.items():
            out[name].append(prune_once(bench, make))
        log(f"pruning {os.path.basename(path)} done")
    return {"pruners": out}


def parallel(args):
    """Wall time of `trials` trials with n_jobs=1 and n_jobs=2 (TPE): an objective that sleeps
    `sleep_ms`, or with `busy_ms` one that keeps the CPU busy that long."""

    def objective(t):
        overhead_value(t)
        if args.busy_ms > 0:
            end = time.perf_counter() + args.busy_ms / 1000
            s = 0.0
            while time.perf_counter() < end:
                s += math.sqrt(s + 1)
        else:
            time.sleep(args.sleep_ms / 1000)
        return 0.0

    walls = {}
    for jobs in (1, 2):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=args.trials, n_jobs=jobs)
        walls[jobs] = time.perf_counter() - t0
        log(f"parallel n_jobs={jobs}: {walls[jobs]:.2f}s")
    return {"wall_s_1": walls[1], "wall_s_2": walls[2], "ratio": walls[2] / walls[1]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["quality", "overhead", "pruning", "parallel"])
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--seed-offset", type=int, default=0)
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--samplers", default="tpe,tpe_mv,random")
    p.add_argument("--functions", default="")
    p.add_argument("--storage", choices=["memory", "sqlite", "postgres"], default="memory")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/test")
    p.add_argument("--curves", action="append", default=[])
    p.add_argument("--sleep-ms", type=float, default=20)
    p.add_argument("--busy-ms", type=float, default=0)
    args = p.parse_args()
    modes = {"quality": quality, "overhead": overhead, "pruning": pruning, "parallel": parallel}
    result = modes[args.mode](args)
    print(json.dumps({"optuna": optuna.__version__, **result}))


if __name__ == "__main__":
    main()
