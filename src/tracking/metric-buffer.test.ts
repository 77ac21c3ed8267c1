import { describe, expect, it } from "vitest";
import { MetricBuffer } from "./metric-buffer.js";

describe("MetricBuffer", () => {
  it("hands over every point in order across its blocks, then starts empty", () => {
    const buf = new MetricBuffer();
    for (const n of [1, 64, 65, 4160, 10_000]) {
      for (let i = 0; i < n; i++) buf.append({ a: i * 0.5, b: -i }, i, 1000 + i);
      expect(buf.size).toBe(2 * n);
      const [a, b] = buf.drain();
      expect(a!.key).toBe("a");
      expect(Array.from(a!.values)).toEqual(Array.from({ length: n }, (_, i) => i * 0.5));
      expect(Array.from(a!.steps)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(b!.timestamps)).toEqual(Array.from({ length: n }, (_, i) => 1000 + i));
      expect(buf.size).toBe(0);
      expect(buf.drain()).toEqual([]);
    }
  });

  it("leaves a rejected call out, also when it crossed into a new block", () => {
    const buf = new MetricBuffer();
    for (let i = 0; i < 63; i++) buf.append({ a: i, b: i }, i, 0);
    buf.append({ a: 63 }, 63, 0); // a's first block is full now, b's is not
    expect(() => buf.append({ a: 64, b: "x" as unknown as number }, 64, 0)).toThrow();
    const [a, b] = buf.drain();
    expect(a!.values.length).toBe(64);
    expect(b!.values.length).toBe(63);
    expect(a!.values[63]).toBe(63);
  });
});
