import { describe, expect, it } from "vitest";
import { bestIndex, defaultMetric, diffRows, higherIsBetter, uniqueNames } from "./compare.js";

describe("diffRows", () => {
  it("marks keys whose values differ or are missing", () => {
    const rows = diffRows([
      { lr: "0.1", model: "rf", seed: "1" },
      { lr: "0.01", model: "rf", seed: "1" },
      { model: "rf", seed: "1", extra: "x" },
    ]);
    expect(rows).toEqual([
      { key: "extra", values: [undefined, undefined, "x"], differs: true },
      { key: "lr", values: ["0.1", "0.01", undefined], differs: true },
      { key: "model", values: ["rf", "rf", "rf"], differs: false },
      { key: "seed", values: ["1", "1", "1"], differs: false },
    ]);
  });
  it("treats NaN as equal to NaN and sorts naturally", () => {
    const rows = diffRows<number>([
      { layer10: 1, layer2: Number.NaN },
      { layer10: 1, layer2: Number.NaN },
    ]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ["layer2", false],
      ["layer10", false],
    ]);
  });
  it("never marks a single run", () => {
    expect(diffRows([{ a: "1" }])[0]!.differs).toBe(false);
  });
});

describe("bestIndex", () => {
  it("finds the best finite value", () => {
    expect(bestIndex([0.5, 0.9, Number.NaN, 0.7], true)).toBe(1);
    expect(bestIndex([0.5, 0.9, undefined, 0.2], false)).toBe(3);
    expect(bestIndex([0.5, Number.NaN], true)).toBeNull();
  });
  it("guesses direction from the name", () => {
    expect(higherIsBetter("val_loss")).toBe(false);
    expect(higherIsBetter("accuracy")).toBe(true);
  });
});

describe("uniqueNames", () => {
  it("disambiguates shared and empty names", () => {
    expect(
      uniqueNames([
        { runId: "aaaaaaaaaa", runName: "x" },
        { runId: "bbbbbbbbbb", runName: "x" },
        { runId: "cccccccccc", runName: "" },
        { runId: "dddddddddd", runName: "y" },
      ]),
    ).toEqual(["x (aaaaaa)", "x (bbbbbb)", "cccccccc", "y"]);
  });
});

describe("defaultMetric", () => {
  it("picks the key most runs have", () => {
    expect(defaultMetric([["loss", "f1"], ["f1"], ["f1", "acc"]])).toBe("f1");
    expect(
      defaultMetric([
        ["b", "a"],
        ["a", "b"],
      ]),
    ).toBe("a");
    expect(defaultMetric([[], []])).toBeNull();
  });
});
