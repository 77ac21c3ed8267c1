import { describe, expect, it } from "vitest";
import { entropySeed } from "./entropy.js";
import { Rng } from "./rng.js";

describe("Rng", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(xs);
    expect(() => new Rng(1.5)).toThrow(/safe integer/);
  });

  it("draws entropy seeds that are safe integers and differ from call to call", () => {
    const seeds = Array.from({ length: 50 }, entropySeed);
    for (const s of seeds) {
      expect(Number.isSafeInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(2 ** 52);
    }
    expect(new Set(seeds).size).toBe(50);
    expect(new Rng(seeds[0]!).seed).toBe(seeds[0]);
  });
});
