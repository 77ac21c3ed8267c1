/**
 * The standard normal kernels against SciPy 1.10.1 (scipy.special) and mpmath, in both tails. The
 * expected values are facts printed by test/oracles/core_normal.py (testing/normal.fixture.ts).
 */
import { describe, expect, it } from "vitest";
import { erf, erfc, erfcx, gaussMass, logGaussMass, logNdtr, ndtr, ndtri, ndtriExp } from "./normal.js";
import { NORMAL } from "./testing/index.js";

const EPS = 2 ** -52;

/** |actual − expected| within `tol(x, expected)`, with the point in the message. */
function check(
  f: (x: number) => number,
  facts: readonly (readonly [number, number])[],
  tol: (x: number, v: number) => number,
): void {
  for (const [x, v] of facts) {
    const y = f(x);
    expect(Math.abs(y - v), `at ${x}: ${y} against ${v}`).toBeLessThanOrEqual(tol(x, v));
  }
}

const relative = (r: number) => (_: number, v: number) => r * Math.abs(v);

describe("the standard normal kernels (scipy.special, mpmath)", () => {
  it("erfc and erfcx, out to where erfc underflows and erfcx overflows", () => {
    // exp(−x²) inherits the rounding of x²: a relative error up to x²·2⁻⁵³ far out
    check(erfc, NORMAL.erfc, (x, v) => 4 * EPS * Math.max(1, x * x) * Math.abs(v));
    check(erfcx, NORMAL.erfcx, (x, v) => 8 * EPS * Math.max(1, x < 0 ? x * x : 1) * Math.abs(v));
    check(erf, NORMAL.erf, relative(4 * EPS));
    expect(erfc(27.5)).toBe(0);
    expect(erfcx(-27)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(erfcx(Number.NaN)) && Number.isNaN(erfc(Number.NaN))).toBe(true);
  });

  it("Φ and log Φ in both tails", () => {
    // z/√2 is rounded: a relative error up to z²·2⁻⁵³ in the far left tail
    check(ndtr, NORMAL.ndtr, (z, v) => 4 * EPS * Math.max(1, z * z) * Math.abs(v));
    check(logNdtr, NORMAL.log_ndtr, relative(4 * EPS));
    expect(logNdtr(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(logNdtr(40)).toBe(0);
  });

  it("Φ⁻¹ from p = 1e-300 to 1 − 1e-12, and the inverse of log Φ to y = −1e4", () => {
    // relative in the tails; near p = 1/2 (x → 0) the rounding of log p leaves an absolute 4e-16
    const tol = (_: number, v: number) => 4 * EPS * Math.abs(v) + 2 * EPS;
    check(ndtri, NORMAL.ndtri, tol);
    check(ndtriExp, NORMAL.ndtri_exp, tol);
    expect([ndtri(0), ndtri(1), ndtri(0.5)]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0]);
    for (const p of [-0.1, 1.5, Number.NaN]) expect(ndtri(p)).toBeNaN();
    for (const z of [-30, -8, -1, 0.3, 2])
      expect(Math.abs(ndtri(ndtr(z)) - z)).toBeLessThan(1e-12 * Math.abs(z));
  });

  it("the mass of an interval, in linear and in log space", () => {
    for (const [a, b, v] of NORMAL.gauss_mass) {
      // absolute ε in the centre, relative ε·min(a², b²) out in a tail
      const tol = 4 * EPS * Math.max(1, Math.min(a * a, b * b)) * v + 4 * EPS;
      expect(Math.abs(gaussMass(a, b) - v), `[${a}, ${b}]`).toBeLessThanOrEqual(tol);
      expect(Math.abs(Math.exp(logGaussMass(a, b)) - v), `log [${a}, ${b}]`).toBeLessThanOrEqual(tol);
    }
    expect(gaussMass(-50, -40)).toBe(0);
    // Φ(−50) is e^−450 times Φ(−40): the log mass is log Φ(−40) to the last digit
    expect(logGaussMass(-50, -40)).toBeCloseTo(logNdtr(-40), 12);
  });
});
