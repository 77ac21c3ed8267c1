"""Expected values for the TPE internals tests (src/hpo/samplers/tpe/*.test.ts), from Optuna 3.1's
own TPE code and SciPy. The tests hold the printed numbers as facts; CI needs no Python.

    /usr/bin/python3 test/oracles/hpo_samplers_tpe.py

Prints one JSON object:
  gamma, weights          optuna.samplers._tpe.sampler.default_gamma / default_weights
  parzen.*                optuna.samplers._tpe.parzen_estimator._ParzenEstimator on fixed
                          observations: mixture weights, kernel centres (mus), bandwidths (sigmas),
                          categorical kernel weights and log_pdf (Optuna 3.1 evaluates continuous
                          kernels without the 1/sigma factor, our default); `log_pdf_scaled` is the
                          proper mixture density computed with scipy.stats.truncnorm
  truncnorm.*             scipy.special / scipy.stats.truncnorm reference values (log Gaussian
                          masses from mpmath at 50 digits)
"""

import json
import math

import mpmath
import numpy as np
import scipy.special as sc
from optuna import distributions as D
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_gamma, default_weights
from scipy.stats import truncnorm


def params(multivariate=False):
    return _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, multivariate)


def lst(a):
    return [float(x) for x in np.asarray(a).ravel()]


def estimator(name, dist, obs, at, multivariate=False):
    pe = _ParzenEstimator({"x": np.asarray(obs, dtype=float)}, {"x": dist}, params(multivariate))
    out = {"weights": lst(pe._weights), "at": at}
    if isinstance(dist, D.CategoricalDistribution):
        out["categorical_weights"] = lst(pe._categorical_weights["x"])
    else:
        out["mus"] = lst(pe._mus["x"])
        out["sigmas"] = lst(pe._sigmas["x"])
        out["low"] = float(pe._low["x"])
        out["high"] = float(pe._high["x"])
    dtype = int if isinstance(dist, D.CategoricalDistribution) else float
    out["log_pdf"] = lst(pe.log_pdf({"x": np.asarray(at, dtype=dtype)}))
    if isinstance(dist, D.FloatDistribution) and dist.step is None:
        # the proper mixture density (kernels normalised by their bandwidth)
        mus, sigmas, w = pe._mus["x"], pe._sigmas["x"], pe._weights
        lo, hi = pe._low["x"], pe._high["x"]
        xs = np.log(at) if dist.log else np.asarray(at, dtype=float)
        vals = []
        for x in xs:
            comp = truncnorm.logpdf(x, (lo - mus) / sigmas, (hi - mus) / sigmas, loc=mus, scale=sigmas)
            vals.append(float(sc.logsumexp(comp + np.log(w))))
        out["log_pdf_scaled"] = vals
    return out


def multivariate_case():
    space = {"a": D.FloatDistribution(0, 10), "b": D.IntDistribution(1, 20), "c": D.CategoricalDistribution(["p", "q", "r"])}
    rng = np.random.RandomState(0)
    n = 30
    obs = {
        "a": rng.uniform(0, 10, n),
        "b": rng.randint(1, 21, n).astype(float),
        "c": rng.randint(0, 3, n).astype(float),
    }
    pe = _ParzenEstimator(obs, space, params(True))
    at = {"a": [0.5, 5.0, 9.0], "b": [1.0, 10.0, 20.0], "c": [0, 1, 2]}
    return {
        "obs": {k: lst(v) for k, v in obs.items()},
        "weights": lst(pe._weights),
        "sigmas_a": lst(pe._sigmas["a"]),
        "sigmas_b": lst(pe._sigmas["b"]),
        "at": at,
        "log_pdf": lst(pe.log_pdf({k: np.asarray(v) for k, v in at.items()})),
    }


def main():
    mpmath.mp.dps = 50
    out = {
        "gamma": {str(n): default_gamma(n) for n in [0, 1, 5, 10, 11, 30, 100, 249, 251, 300]},
        "weights": {str(n): lst(default_weights(n)) for n in [0, 3, 25, 26, 30]},
        "parzen": {
            "float": estimator("float", D.FloatDistribution(0, 10), [1.0, 2.5, 2.6, 7.0, 9.9], [0.5, 2.55, 8.0]),
            "float_one": estimator("float_one", D.FloatDistribution(-1, 1), [0.3], [-0.9, 0.3]),
            "float_none": estimator("float_none", D.FloatDistribution(-1, 1), [], [-0.9, 0.3]),
            "log_float": estimator("log_float", D.FloatDistribution(1e-4, 1, log=True), [1e-3, 0.01, 0.5], [2e-4, 0.02]),
            "step_float": estimator("step_float", D.FloatDistribution(0, 1, step=0.25), [0.25, 0.25, 1.0], [0.0, 0.25, 1.0]),
            "int": estimator("int", D.IntDistribution(1, 20), [3, 3, 7, 15], [3, 8, 20]),
            "int_step": estimator("int_step", D.IntDistribution(0, 100, step=10), [10, 50, 50, 90], [0, 50, 100]),
            "log_int": estimator("log_int", D.IntDistribution(1, 1024, log=True), [2, 64, 100], [1, 64, 1024]),
            "categorical": estimator("categorical", D.CategoricalDistribution(["a", "b", "c"]), [0, 2, 2], [0, 1, 2]),
            "ramp": estimator("ramp", D.FloatDistribution(0, 1), list(np.linspace(0.01, 0.99, 30)), [0.5]),
            "multivariate": multivariate_case(),
        },
        "truncnorm": {
            "log_ndtr": {str(z): float(sc.log_ndtr(z)) for z in [-40.0, -10.0, -1.0, 0.0, 1.0, 5.0, 10.0]},
            "ndtri_exp": {str(y): float(sc.ndtri_exp(y)) for y in [-1000.0, -50.0, -2.0, -0.5, -1e-3, -1e-12]},
            "erfc": {str(x): float(sc.erfc(x)) for x in [-3.0, -0.5, 0.0, 0.3, 1.0, 4.0, 12.0, 26.0]},
            "log_gauss_mass": [
                [a, b, float(mpmath.log(mpmath.ncdf(-a) - mpmath.ncdf(-b)) if a > 0 else mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a)))]
                for a, b in [(-1.0, 1.0), (-3.0, -2.0), (2.0, 3.0), (-40.0, -39.0), (30.0, 31.0), (-0.1, 0.1), (0.0, 0.5), (-2.0, 10.0)]
            ],
            "logpdf": [
                [x, a, b, loc, scale, float(truncnorm.logpdf(x, a, b, loc=loc, scale=scale))]
                for x, a, b, loc, scale in [(0.5, -1.0, 2.0, 0.0, 1.0), (3.0, -2.0, 1.0, 2.0, 1.5), (0.1, 0.5, 3.0, -1.0, 2.0)]
            ],
            "ppf": [
                [q, a, b, float(truncnorm.ppf(q, a, b))]
                for q, a, b in [(0.5, -1.0, 1.0), (0.1, 0.0, 3.0), (0.9, -5.0, -4.0), (0.3, 4.0, 8.0), (1e-6, -2.0, 2.0), (0.999, -30.0, -29.0)]
            ],
            "moments": [
                [a, b] + [float(v) for v in truncnorm.stats(a, b, moments="mv")]
                for a, b in [(-1.0, 2.0), (0.5, 3.0), (-10.0, -8.0)]
            ],
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
