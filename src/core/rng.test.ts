import { describe, expect, it } from "vitest";
import { entropySeed } from "./entropy.js";
import { Rng, Stream } from "./rng.js";

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

  it("hands out streams of its generator as fork does, for hot loops and worker threads", () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const st = new Stream(a.streamState());
    const child = b.fork();
    // the stream draws what the fork draws, and the parent goes on as the forked-from parent
    expect(Array.from({ length: 6 }, () => st.random())).toEqual(
      Array.from({ length: 6 }, () => child.random()),
    );
    expect(a.random()).toBe(b.random());
    // successive streams are independent ones, of unsigned 32-bit words
    const r = new Rng(3);
    const first = new Stream(r.streamState());
    const second = new Stream(r.streamState());
    const w1 = Array.from({ length: 100 }, () => first.next32());
    const w2 = Array.from({ length: 100 }, () => second.next32());
    expect(w1.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
    expect(new Set([...w1, ...w2]).size).toBe(200);
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
