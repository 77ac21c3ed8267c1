import { describe, expect, it } from "vitest";
import { downsample, minMaxBucketIndices } from "./downsample.js";

describe("minMaxBucketIndices", () => {
  it("keeps everything when the series is short enough", () => {
    expect(Array.from(minMaxBucketIndices(Float64Array.of(3, 1, 2), 5))).toEqual([0, 1, 2]);
  });

  it("keeps first, last, and each bucket's min and max in order", () => {
    // 12 points, 6 allowed: first, last, and 2 buckets of 5 inner points each
    const v = Float64Array.of(0, 5, 9, 1, 4, 3, /**/ 2, 8, 7, -6, 6, 1);
    // bucket 1 = indices 1..5 (5, 9, 1, 4, 3): max at 2, min at 3
    // bucket 2 = indices 6..10 (2, 8, 7, -6, 6): max at 7, min at 9
    expect(Array.from(minMaxBucketIndices(v, 6))).toEqual([0, 2, 3, 7, 9, 11]);
  });

  it("never returns more than maxPoints and keeps a lone spike", () => {
    const n = 100_000;
    const v = new Float64Array(n).fill(1);
    v[54_321] = 1e9;
    const idx = minMaxBucketIndices(v, 500);
    expect(idx.length).toBeLessThanOrEqual(500);
    expect(Array.from(idx)).toContain(54_321);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
    for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
  });

  it("skips NaN for min and max, keeping a bucket's first point when all are NaN", () => {
    const v = Float64Array.of(0, Number.NaN, Number.NaN, Number.NaN, 7, Number.NaN, 3);
    // maxPoints 4 → one inner bucket (indices 1..5): min = max = index 4
    expect(Array.from(minMaxBucketIndices(v, 4))).toEqual([0, 4, 6]);
    const allNaN = Float64Array.of(1, Number.NaN, Number.NaN, Number.NaN, 2);
    expect(Array.from(minMaxBucketIndices(allNaN, 4))).toEqual([0, 1, 4]);
  });

  it("carries steps and timestamps along", () => {
    const s = {
      steps: Float64Array.of(0, 1, 2, 3, 4),
      timestamps: Float64Array.of(10, 11, 12, 13, 14),
      values: Float64Array.of(0, 9, 1, 2, 0),
    };
    const d = downsample(s, 4);
    expect(Array.from(d.steps)).toEqual([0, 1, 2, 4]);
    expect(Array.from(d.timestamps)).toEqual([10, 11, 12, 14]);
    expect(Array.from(d.values)).toEqual([0, 9, 1, 0]);
  });
});
