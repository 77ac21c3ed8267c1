/**
 * Sextant: the model-development lifecycle in one TypeScript platform.
 * @example
 *   import { Sextant } from "sextant-ml";
 *   const sx = await Sextant.open();
 */
export * from "./core/index.js";
export * from "./store/index.js";
export * from "./tracking/index.js";
