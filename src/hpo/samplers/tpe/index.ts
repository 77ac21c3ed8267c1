export * from "./parzen-estimator.js";
export * from "./sampler.js";
