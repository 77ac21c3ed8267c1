import { describe, expect, it } from "vitest";
import { emaSmooth } from "./smoothing.js";

describe("emaSmooth", () => {
  it("is the identity at weight 0", () => {
    expect(emaSmooth([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });

  it("debiases the first points", () => {
    // w = 0.5: last = 0.5, 1.25, 1.625 ; debias = 0.5, 0.75, 0.875
    expect(emaSmooth([1, 2, 2], 0.5)).toEqual([1, 1.25 / 0.75, 1.625 / 0.875]);
    const out2 = emaSmooth([0, 4, 0, 4], 0.5);
    // last: 0, 2, 1, 2.5 ; debias: 0.5, 0.75, 0.875, 0.9375
    expect(out2).toEqual([0, 2 / 0.75, 1 / 0.875, 2.5 / 0.9375]);
  });

  it("matches a hand-computed series at w = 0.9", () => {
    const out = emaSmooth([10, 0], 0.9);
    expect(out[0]).toBeCloseTo(10, 12);
    // last = 1 then 0.9 ; debias 0.1 then 0.19
    expect(out[1]).toBeCloseTo(0.9 / 0.19, 12);
  });

  it("passes non-finite values through without polluting the average", () => {
    const out = emaSmooth([0, Number.NaN, 4, Number.POSITIVE_INFINITY], 0.5);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(2 / 0.75);
    expect(out[3]).toBe(Number.POSITIVE_INFINITY);
  });

  it("leaves constant series untouched", () => {
    expect(emaSmooth([3, 3, 3], 0.99)).toEqual([3, 3, 3]);
  });

  it("clamps the weight", () => {
    expect(emaSmooth([1, 3], -1)).toEqual([1, 3]);
    expect(emaSmooth([1, 3], 1)).toEqual([0, 0]);
  });
});
