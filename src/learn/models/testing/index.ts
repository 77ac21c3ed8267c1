export * from "./data.js";
export * from "./synth.js";
