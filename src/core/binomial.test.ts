/**
 * The binomial and multinomial samplers: the exact pmf by chi-square goodness of fit, and the
 * mean and variance by seeded simulation. Critical values: scipy.stats.chi2 (testing/chi2.ts).
 */
import { describe, expect, it } from "vitest";
import { binomial, binomialInversion, logFactorial, multinomial, type Uniform } from "./binomial.js";
import { Rng } from "./rng.js";
import { CHI2_CRIT_001 } from "./testing/index.js";

type Sampler = (n: number, p: number, u: Uniform) => number;

function pmf(n: number, p: number, k: number): number {
  return Math.exp(
    logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log1p(-p),
  );
}

/** `draws` draws of Binomial(n, p): the counts by value, the mean and the (n − 1) variance. */
function simulate(sample: Sampler, n: number, p: number, draws: number, u: Uniform) {
  const counts = new Map<number, number>();
  let s = 0;
  let s2 = 0;
  let outside = 0;
  for (let i = 0; i < draws; i++) {
    const k = sample(n, p, u);
    if (!(Number.isInteger(k) && k >= 0 && k <= n)) outside++;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    s += k;
    s2 += k * k;
  }
  const mean = s / draws;
  return { counts, outside, mean, variance: (s2 - draws * mean * mean) / (draws - 1) };
}

/** Chi-square of the counts against the pmf, bins of expected count ≥ max(5, draws/50). */
function chiSquare(counts: Map<number, number>, n: number, p: number, draws: number) {
  const bins: { exp: number; obs: number }[] = [];
  let accE = 0;
  let accO = 0;
  for (let k = 0; k <= n; k++) {
    accE += draws * pmf(n, p, k);
    accO += counts.get(k) ?? 0;
    if (accE >= Math.max(5, draws / 50)) {
      bins.push({ exp: accE, obs: accO });
      accE = 0;
      accO = 0;
    }
  }
  bins[bins.length - 1]!.exp += accE;
  bins[bins.length - 1]!.obs += accO;
  return { chi2: bins.reduce((a, b) => a + (b.obs - b.exp) ** 2 / b.exp, 0), df: bins.length - 1 };
}

/** The draws fit the pmf, and their mean and variance lie within 5 standard errors of n·p and n·p·q. */
function checkSampler(sample: Sampler, cases: readonly (readonly [number, number])[], seed: number): void {
  const rng = new Rng(seed);
  const draws = 20_000;
  for (const [n, p] of cases) {
    const r = simulate(sample, n, p, draws, rng);
    expect(r.outside).toBe(0);
    const { chi2, df } = chiSquare(r.counts, n, p, draws);
    expect(df, `n=${n} p=${p}`).toBeGreaterThan(0);
    expect(chi2, `n=${n} p=${p}`).toBeLessThan(CHI2_CRIT_001[df - 1]!);
    const q = 1 - p;
    const v = n * p * q;
    // sd of the sample variance: √((μ₄ − σ⁴)/N), with the binomial's μ₄ = npq(1 + 3(n − 2)pq)
    const mu4 = v * (1 + 3 * (n - 2) * p * q);
    expect(Math.abs(r.mean - n * p), `mean n=${n} p=${p}`).toBeLessThan(5 * Math.sqrt(v / draws));
    expect(Math.abs(r.variance - v), `variance n=${n} p=${p}`).toBeLessThan(
      5 * Math.sqrt((mu4 - v * v) / draws),
    );
  }
}

describe("binomial", () => {
  it("log-factorial matches the sum of logs", () => {
    for (const k of [0, 1, 5, 255, 256, 257, 1000, 12345]) {
      let s = 0;
      for (let i = 2; i <= k; i++) s += Math.log(i);
      expect(Math.abs(logFactorial(k) - s)).toBeLessThan(1e-12 * Math.max(1, s));
    }
  });

  it("draws the exact pmf, mean and variance in the inversion and BTRS regimes, on both sides of 1/2", () => {
    checkSampler(
      binomial,
      [
        [20, 0.3],
        [1000, 0.004],
        [50, 0.5],
        [400, 0.05],
        [10_000, 0.3],
        [1_000_000, 0.4],
        [200, 0.93],
        [12, 0.97],
      ],
      11,
    );
  });

  it("by inversion alone, also for p above 1/2 (the TuneKeep simulation's small n)", () => {
    checkSampler(
      binomialInversion,
      [
        [29, 0.8],
        [4, 0.9],
        [6, 0.35],
        [29, 0.02],
      ],
      12,
    );
  });

  it("puts the degenerate cases at their only value", () => {
    const rng = new Rng(1);
    for (const f of [binomial, binomialInversion]) {
      expect([f(0, 0.3, rng), f(10, 0, rng), f(10, 1, rng), f(-1, 0.5, rng)]).toEqual([0, 0, 10, 0]);
    }
  });

  it("multinomial draws sum to n with the right cell means", () => {
    const rng = new Rng(5);
    const counts = [500, 0, 1200, 30, 3000, 5270, 0, 0];
    const total = counts.reduce((s, v) => s + v, 0);
    const out = new Float64Array(8);
    const sums = new Float64Array(8);
    for (let r = 0; r < 4000; r++) {
      multinomial(total, counts, rng, out);
      expect(out.reduce((s, v) => s + v, 0)).toBe(total);
      out.forEach((v, k) => {
        sums[k]! += v;
      });
    }
    counts.forEach((c, k) => {
      const p = c / total;
      const se = Math.sqrt((total * p * (1 - p)) / 4000);
      expect(Math.abs(sums[k]! / 4000 - c)).toBeLessThanOrEqual(5 * se);
      if (c === 0) expect(sums[k]).toBe(0);
    });
  });
});
