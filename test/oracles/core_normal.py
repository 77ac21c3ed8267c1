"""Facts for src/core/normal.test.ts: the standard normal kernels in both tails, from SciPy's
scipy.special (erfc, erfcx, erf, ndtr, log_ndtr, ndtri), and from mpmath at 50 digits the mass
of an interval Φ(b) − Φ(a) (SciPy has no accurate form of it in the tails) and the inverse of
log Φ (SciPy's ndtri_exp is 1.8e-14 off at y = -1e4: -141.37983987312978 against mpmath's
-141.37983987312716; both are printed).

Run: /usr/bin/python3 test/oracles/core_normal.py  (SciPy 1.10.1, mpmath 1.2.1 when last run); its
JSON is src/core/testing/normal.fixture.ts.
"""
import json

import mpmath
import scipy
from scipy import special as sc

mpmath.mp.dps = 50


def table(f, xs):
    return [[x, float(f(x))] for x in xs]


def gauss_mass(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if a > 0:  # the right tail by symmetry, so the difference keeps its digits
        return mpmath.ncdf(-a) - mpmath.ncdf(-b)
    return mpmath.ncdf(b) - mpmath.ncdf(a)


def ndtri_exp(y):
    """The x with log Φ(x) = y, by mpmath's root finder from SciPy's value."""
    return mpmath.findroot(lambda x: mpmath.log(mpmath.ncdf(x)) - y, mpmath.mpf(float(sc.ndtri_exp(y))))


NDTRI_EXP_AT = [-1e4, -1000.0, -50.0, -2.0, -0.7, -0.5, -1e-3, -1e-12, -1e-30]

out = {
    "versions": {"scipy": scipy.__version__, "mpmath": mpmath.__version__},
    "erfc": table(sc.erfc, [-5.0, -1.0, -0.25, 0.0, 1e-8, 0.25, 0.5, 1.0, 2.0, 3.5, 5.0, 10.0, 15.0, 20.0, 25.0, 26.5]),
    "erfcx": table(sc.erfcx, [-26.0, -10.0, -3.0, -0.5, 0.0, 0.5, 2.0, 5.0, 11.99, 12.0, 12.01, 30.0, 100.0, 1e3, 1e5, 1e8, 1e15, 1e150]),
    "erf": table(sc.erf, [-3.0, -0.49, -1e-10, 0.0, 1e-300, 0.1, 0.5, 1.0, 2.5, 6.0]),
    "ndtr": table(sc.ndtr, [-37.5, -30.0, -20.0, -10.0, -5.0, -1.0, 0.0, 1.0, 5.0, 8.0, 9.0]),
    "log_ndtr": table(sc.log_ndtr, [-1e5, -1000.0, -100.0, -38.0, -20.0, -5.0, -1.0, 0.0, 1.0, 5.0, 10.0, 20.0, 30.0, 37.0]),
    "ndtri": table(sc.ndtri, [1e-300, 1e-100, 1e-20, 1e-10, 1e-3, 0.025, 0.3, 0.4999, 0.5, 0.5001, 0.8, 0.975, 1 - 1e-6, 1 - 1e-12]),
    "ndtri_exp": table(ndtri_exp, NDTRI_EXP_AT),
    "ndtri_exp_scipy": table(sc.ndtri_exp, NDTRI_EXP_AT),
    "gauss_mass": [
        [a, b, float(gauss_mass(a, b))]
        for a, b in [(-1.0, 1.0), (-3.0, -2.0), (2.0, 3.0), (-37.0, -36.0), (30.0, 31.0), (-0.1, 0.1), (0.0, 0.5), (-2.0, 10.0), (8.0, 9.0)]
    ],
}
print(json.dumps(out))
