/** The samplers: random, grid, TPE (univariate, multivariate, multi-objective), QMC (Sobol), NSGA-II. */
export { GridSampler, type GridValue } from "./grid.js";
export { GENERATION_ATTR, NsgaIISampler, type NsgaIISamplerOptions } from "./nsga2.js";
export { QmcSampler, type QmcSamplerOptions, Sobol } from "./qmc.js";
export { RandomSampler, type RandomSamplerOptions } from "./random.js";
export {
  defaultGamma,
  defaultWeights,
  hyperoptDefaultGamma,
  TpeSampler,
  type TpeSamplerOptions,
} from "./tpe/index.js";
