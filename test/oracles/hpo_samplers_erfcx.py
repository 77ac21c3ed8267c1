"""Chebyshev coefficients for the scaled complementary error function erfcx(x) = exp(x^2) erfc(x),
x >= 0, used by src/core/normal.ts. Reference values come from mpmath at 40 digits.

    /usr/bin/python3 test/oracles/hpo_samplers_erfcx.py

Two pieces:
  A  0 <= x < 12: t = (x - 3) / (x + 3) rescaled from [-1, t(12)] to s in [-1, 1]; erfcx = sum c_n T_n(s)
  B  x >= 12:     u = (12 / x)^2 in (0, 1], s = 2u - 1; erfcx = sum d_n T_n(s) / (x sqrt(pi))
Prints the coefficient arrays and the largest relative error seen on a dense check grid.
"""

import mpmath
import numpy as np

mpmath.mp.dps = 40
K = 3.0
X0 = 12.0
NA = 21
NB = 9


def erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)


def chebyshev(fun, n, m=160):
    nodes = [mpmath.cos(mpmath.pi * (j + mpmath.mpf(0.5)) / m) for j in range(m)]
    f = [fun(t) for t in nodes]
    out = []
    for k in range(n):
        s = mpmath.fsum(f[i] * mpmath.cos(k * mpmath.acos(t)) for i, t in enumerate(nodes))
        out.append(2 * s / m)
    out[0] /= 2
    return [float(c) for c in out]


TMAX = (X0 - K) / (X0 + K)


def piece_a(s):
    t = -1 + (s + 1) * (TMAX + 1) / 2
    return erfcx(K * (1 + t) / (1 - t))


def piece_b(s):
    u = (s + 1) / 2
    if u == 0:
        return mpmath.mpf(1)
    x = X0 / mpmath.sqrt(u)
    return x * mpmath.sqrt(mpmath.pi) * erfcx(x)


def main():
    a = chebyshev(piece_a, NA)
    b = chebyshev(piece_b, NB)
    worst = 0.0
    for x in np.concatenate([np.linspace(0, 30, 6001), np.geomspace(30, 1e150, 400)]):
        if x < X0:
            t = (x - K) / (x + K)
            v = np.polynomial.chebyshev.chebval(2 * (t + 1) / (TMAX + 1) - 1, a)
        else:
            v = np.polynomial.chebyshev.chebval(2 * (X0 / x) ** 2 - 1, b) / (x * np.sqrt(np.pi))
        ref = float(erfcx(mpmath.mpf(x)))
        worst = max(worst, abs(v - ref) / ref)
    print("const A = [" + ", ".join(repr(c) for c in a) + "];")
    print("const B = [" + ", ".join(repr(c) for c in b) + "];")
    print(f"// TMAX = {TMAX!r}; max relative error {worst:.3g}")


if __name__ == "__main__":
    main()
