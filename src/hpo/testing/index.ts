/** The test kit of hpo: small studies, synthetic learning curves for pruners, the functions samplers are tried on. */
export * from "../samplers/testing/index.js";
export * from "./learning-curves.js";
export * from "./mini-study.js";
