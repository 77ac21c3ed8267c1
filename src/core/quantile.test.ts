/** quantileSorted against numpy.quantile (NumPy 1.24.2), printed by test/oracles/core_quantile.py. */
import { describe, expect, it } from "vitest";
import { quantileSorted } from "./quantile.js";

const XS = [0.1, 0.7, 0.2, 0.001, 3.3, 2.2, 0.15, 9.9, 5.5, 0.3];
const QUANTILES: [number, number][] = [
  [0.0, 0.001],
  [0.025, 0.023275000000000004],
  [0.1, 0.09010000000000001],
  [0.333, 0.19985000000000003],
  [0.5, 0.5],
  [0.77, 3.2229999999999994],
  [0.975, 8.910000000000002],
  [1.0, 9.9],
];
// [a, b, q, numpy.quantile([a, b], q), a + (b − a)·q]: numpy interpolates from the nearer end
const PAIRS: [number, number, number, number, number][] = [
  [0.1, 0.3, 0.3, 0.16, 0.16],
  [0.1, 0.3, 0.7, 0.24, 0.24],
  [0.1, 0.3, 0.9, 0.27999999999999997, 0.28],
  [0.1, 0.7, 0.3, 0.28, 0.28],
  [0.1, 0.7, 0.7, 0.5199999999999999, 0.52],
  [0.1, 0.7, 0.9, 0.64, 0.64],
  [-1.3, 2.9, 0.3, -0.040000000000000036, -0.040000000000000036],
  [-1.3, 2.9, 0.7, 1.6399999999999997, 1.64],
  [-1.3, 2.9, 0.9, 2.48, 2.4800000000000004],
];

describe("quantileSorted", () => {
  it("is numpy.quantile's linear method to the last bit", () => {
    const sorted = Float64Array.from(XS).sort();
    for (const [q, v] of QUANTILES) expect(quantileSorted(sorted, q)).toBe(v);
    for (const [a, b, q, v, naive] of PAIRS) {
      expect(quantileSorted([a, b], q)).toBe(v);
      if (v !== naive) expect(q).toBeGreaterThanOrEqual(0.5);
    }
  });

  it("gives NaN for no values and the value itself for one", () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(quantileSorted([4], 0.3)).toBe(4);
    expect(quantileSorted([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 1], 0.25)).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });
});
