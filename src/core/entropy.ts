import { randomBytes } from "node:crypto";

/**
 * A seed drawn from the operating system's entropy, for a generator the caller asked no seed for
 * (it is recorded, e.g. as `Rng.seed`, so the run can still be replayed).
 */
export function entropySeed(): number {
  return Number(randomBytes(8).readBigUInt64BE() >> 12n); // 52 bits: a safe integer
}
