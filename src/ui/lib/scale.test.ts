import { describe, expect, it } from "vitest";
import { hasPositive, safeLog10, safeValues } from "./scale.js";

describe("safeValues", () => {
  it("turns non-finite values into gaps", () => {
    expect(safeValues([1, Number.NaN, -2, Number.POSITIVE_INFINITY], false)).toEqual({
      values: [1, null, -2, null],
      nonPositive: 0,
      nonFinite: 2,
    });
  });
  it("drops non-positive values on a log axis", () => {
    expect(safeValues([10, 0, -1, 0.5, Number.NEGATIVE_INFINITY], true)).toEqual({
      values: [10, null, null, 0.5, null],
      nonPositive: 2,
      nonFinite: 1,
    });
  });
});

describe("safeLog10", () => {
  it("is null outside the domain", () => {
    expect(safeLog10(100)).toBe(2);
    expect(safeLog10(0)).toBeNull();
    expect(safeLog10(-5)).toBeNull();
    expect(safeLog10(Number.NaN)).toBeNull();
    expect(safeLog10(Number.POSITIVE_INFINITY)).toBeNull();
  });
  it("knows when a log axis is usable", () => {
    expect(hasPositive([0, -1, Number.NaN])).toBe(false);
    expect(hasPositive([0, 1e-9])).toBe(true);
  });
});
