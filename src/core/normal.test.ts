/**
 * The standard normal kernels against SciPy 1.10.1 (scipy.special) and mpmath, in both tails.
 * Every expected value below is printed by test/oracles/core_normal.py.
 */
import { describe, expect, it } from "vitest";
import { erf, erfc, erfcx, gaussMass, logGaussMass, logNdtr, ndtr, ndtri, ndtriExp } from "./normal.js";

const ERFC: [number, number][] = [
  [-5.0, 1.9999999999984626],
  [-1.0, 1.8427007929497148],
  [-0.25, 1.276326390168237],
  [0.0, 1.0],
  [1e-8, 0.9999999887162083],
  [0.25, 0.7236736098317631],
  [0.5, 0.4795001221869535],
  [1.0, 0.15729920705028516],
  [2.0, 0.004677734981047266],
  [3.5, 7.430983723414129e-7],
  [5.0, 1.5374597944280347e-12],
  [10.0, 2.0884875837625446e-45],
  [15.0, 7.212994172451209e-100],
  [20.0, 5.395865611607901e-176],
  [25.0, 8.300172571196523e-274],
  [26.5, 2.2109076642637343e-307],
];

const ERFCX: [number, number][] = [
  [-26.0, 7.657724931490568e293],
  [-10.0, 5.376234283632271e43],
  [-3.0, 16205.988853999586],
  [-0.5, 1.952360489182557],
  [0.0, 1.0],
  [0.5, 0.6156903441929258],
  [2.0, 0.2553956763105058],
  [5.0, 0.11070463773306861],
  [11.99, 0.046893031655408327],
  [12.0, 0.04685422101489376],
  [12.01, 0.04681547434805393],
  [30.0, 0.018795888861416754],
  [100.0, 0.005641613782989433],
  [1000.0, 0.0005641893014533876],
  [100000.0, 5.6418958351954685e-6],
  [100000000.0, 5.641895835477563e-9],
  [1000000000000000.0, 5.641895835477563e-16],
  [1e150, 5.641895835477563e-151],
];

const ERF: [number, number][] = [
  [-3.0, -0.9999779095030014],
  [-0.49, -0.511668261188523],
  [-1e-10, -1.1283791670955126e-10],
  [0.0, 0.0],
  [1e-300, 1.1283791670955126e-300],
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [1.0, 0.8427007929497148],
  [2.5, 0.999593047982555],
  [6.0, 1.0],
];

const NDTR: [number, number][] = [
  [-37.5, 4.605353009581954e-308],
  [-30.0, 4.906713927147908e-198],
  [-20.0, 2.7536241186061556e-89],
  [-10.0, 7.61985302416047e-24],
  [-5.0, 2.866515718791933e-7],
  [-1.0, 0.15865525393145707],
  [0.0, 0.5],
  [1.0, 0.8413447460685429],
  [5.0, 0.9999997133484281],
  [8.0, 0.9999999999999993],
  [9.0, 1.0],
];

const LOG_NDTR: [number, number][] = [
  [-100000.0, -5000000012.431865],
  [-1000.0, -500007.8266948122],
  [-100.0, -5005.524208694205],
  [-38.0, -726.5572160188201],
  [-20.0, -203.9171553710973],
  [-5.0, -15.064998393988727],
  [-1.0, -1.841021645009264],
  [0.0, -Math.LN2],
  [1.0, -0.17275377902344985],
  [5.0, -2.8665161296376305e-7],
  [10.0, -7.619853024160473e-24],
  [20.0, -2.7536241186061556e-89],
  [30.0, -4.906713927147908e-198],
  [37.0, -5.725571222523926e-300],
];

const NDTRI: [number, number][] = [
  [1e-300, -37.0470962993612],
  [1e-100, -21.273453560965322],
  [1e-20, -9.262340089798409],
  [1e-10, -6.361340902404056],
  [0.001, -3.090232306167813],
  [0.025, -1.9599639845400545],
  [0.3, -0.5244005127080409],
  [0.4999, -0.0002506628300880075],
  [0.5, 0.0],
  [0.5001, 0.0002506628300880075],
  [0.8, 0.8416212335729143],
  [0.975, 1.959963984540054],
  [0.999999, 4.753424308817087],
  [0.999999999999, 7.0344869100478356],
];

const NDTRI_EXP: [number, number][] = [
  [-10000.0, -141.37983987312717],
  [-1000.0, -44.6157477319694],
  [-50.0, -9.674825283612357],
  [-2.0, -1.1015196284987503],
  [-0.7, -0.008559478582480282],
  [-0.5, 0.27028802073873587],
  [-0.001, 3.090380786917045],
  [-1e-12, 7.034483825301201],
  [-1e-30, 11.464024688443615],
];

const GAUSS_MASS: [number, number, number][] = [
  [-1.0, 1.0, 0.6826894921370859],
  [-3.0, -2.0, 0.021400233916549112],
  [2.0, 3.0, 0.021400233916549112],
  [-37.0, -36.0, 4.182624065797283e-284],
  [30.0, 31.0, 4.9067139271479176e-198],
  [-0.1, 0.1, 0.07965567455405796],
  [0.0, 0.5, 0.1914624612740131],
  [-2.0, 10.0, 0.9772498680518208],
  [8.0, 9.0, 6.21983198586583e-16],
];

const EPS = 2 ** -52;

/** |actual − expected| within `tol(x, expected)`, with the point in the message. */
function check(
  f: (x: number) => number,
  facts: [number, number][],
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
    check(erfc, ERFC, (x, v) => 4 * EPS * Math.max(1, x * x) * Math.abs(v));
    check(erfcx, ERFCX, (x, v) => 8 * EPS * Math.max(1, x < 0 ? x * x : 1) * Math.abs(v));
    check(erf, ERF, relative(4 * EPS));
    expect(erfc(27.5)).toBe(0);
    expect(erfcx(-27)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(erfcx(Number.NaN)) && Number.isNaN(erfc(Number.NaN))).toBe(true);
  });

  it("Φ and log Φ in both tails", () => {
    // z/√2 is rounded: a relative error up to z²·2⁻⁵³ in the far left tail
    check(ndtr, NDTR, (z, v) => 4 * EPS * Math.max(1, z * z) * Math.abs(v));
    check(logNdtr, LOG_NDTR, relative(4 * EPS));
    expect(logNdtr(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(logNdtr(40)).toBe(0);
  });

  it("Φ⁻¹ from p = 1e-300 to 1 − 1e-12, and the inverse of log Φ to y = −1e4", () => {
    // relative in the tails; near p = 1/2 (x → 0) the rounding of log p leaves an absolute 4e-16
    const tol = (_: number, v: number) => 4 * EPS * Math.abs(v) + 2 * EPS;
    check(ndtri, NDTRI, tol);
    check(ndtriExp, NDTRI_EXP, tol);
    expect([ndtri(0), ndtri(1), ndtri(0.5)]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0]);
    for (const p of [-0.1, 1.5, Number.NaN]) expect(ndtri(p)).toBeNaN();
    for (const z of [-30, -8, -1, 0.3, 2])
      expect(Math.abs(ndtri(ndtr(z)) - z)).toBeLessThan(1e-12 * Math.abs(z));
  });

  it("the mass of an interval, in linear and in log space", () => {
    for (const [a, b, v] of GAUSS_MASS) {
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
