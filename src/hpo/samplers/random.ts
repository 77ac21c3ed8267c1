/** Independent uniform sampling (Optuna's RandomSampler). */
import { entropySeed, Rng } from "../../core/index.js";
import type { Sampler, StudyView } from "../sampler.js";
import type { DistributionJSON, FrozenTrial } from "../storage.js";
import { sampleUniform } from "./transform.js";

export interface RandomSamplerOptions {
  /** Seed of the generator; a random one when omitted. */
  seed?: number;
}

export class RandomSampler implements Sampler {
  #rng: Rng;

  constructor(options: RandomSamplerOptions = {}) {
    this.#rng = new Rng(options.seed ?? entropySeed());
  }

  inferRelativeSearchSpace(): Record<string, DistributionJSON> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(
    _study: StudyView,
    _trial: FrozenTrial,
    _name: string,
    distribution: DistributionJSON,
  ): number {
    return sampleUniform(this.#rng, distribution);
  }

  reseedRng(seed: number): void {
    this.#rng = new Rng(seed);
  }
}
