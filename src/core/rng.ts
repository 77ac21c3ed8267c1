import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";
import { SextantError } from "./errors.js";

/**
 * A seeded pseudo-random generator (xoroshiro128+, from pure-rand). The same seed gives the same
 * sequence on every platform. Library code takes one of these instead of calling `Math.random()`;
 * hot loops and worker threads take a {@link Stream} of the same generator from it.
 */
export class Rng {
  readonly seed: number;
  #g: JumpableRandomGenerator;
  #spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new SextantError("INVALID_ARGUMENT", `seed must be a safe integer, got ${String(seed)}`, {
        seed,
      });
    }
    this.seed = seed;
    this.#g = xoroshiro128plusFromState(seedState(seed));
  }

  /** Uniform float in [0, 1). */
  random(): number {
    return uniformFloat64(this.#g);
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `int(lo, hi) needs integers with lo <= hi, got ${lo}, ${hi}`,
      );
    }
    return uniformInt(this.#g, lo, hi);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(mean = 0, sd = 1): number {
    if (this.#spare !== undefined) {
      const z = this.#spare;
      this.#spare = undefined;
      return mean + sd * z;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return mean + sd * u * f;
  }

  /** Shuffles `xs` in place (Fisher–Yates) and returns it. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = uniformInt(this.#g, 0, i);
      const t = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = t;
    }
    return xs;
  }

  /** An independent generator derived from this one: the child takes the current stream, this one jumps ahead 2^64 draws. */
  fork(): Rng {
    const child = new Rng(this.seed);
    child.#g = this.#g.clone();
    this.#g.jump();
    this.#spare = undefined;
    return child;
  }

  /**
   * The state of an independent {@link Stream}, as {@link fork} derives one: the stream takes the
   * current state, this generator jumps ahead 2^64 draws. Four 32-bit words, so that a worker
   * thread can be handed it in shared memory.
   */
  streamState(): number[] {
    const state = [...this.#g.getState()];
    this.#g.jump();
    this.#spare = undefined;
    return state;
  }
}

/**
 * The Rng's generator without its methods' checks, for hot loops: 32-bit words, and doubles in
 * [0, 1) drawn exactly as {@link Rng.random} draws them. Made from {@link Rng.streamState}.
 */
export class Stream {
  readonly #g: JumpableRandomGenerator;

  constructor(state: ArrayLike<number>) {
    const words = Array.from({ length: 4 }, (_, i) => state[i]! | 0);
    // xoroshiro128+ must not start from the all-zero state
    if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1;
    this.#g = xoroshiro128plusFromState(words);
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    return this.#g.next() >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    return uniformFloat64(this.#g);
  }
}

/** splitmix32 step: a well-mixed 32-bit output from a 32-bit counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/**
 * The 128-bit generator state for a seed: both 32-bit halves of the seed are spread over four
 * words with splitmix32, so nearby seeds start far apart (seeding the raw value makes the first
 * draws of small seeds nearly equal).
 */
function seedState(seed: number): number[] {
  const lo = seed | 0;
  const hi = Math.floor(seed / 0x1_0000_0000) | 0;
  const a = splitmix32(lo);
  const b = splitmix32(a ^ hi);
  const c = splitmix32(b + 0x632be5ab);
  const d = splitmix32(c ^ 0x5bd1e995);
  // xoroshiro128+ must not start from the all-zero state
  return a === 0 && b === 0 && c === 0 && d === 0 ? [1, 0, 0, 0] : [a, b, c, d];
}
