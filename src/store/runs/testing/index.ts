export { runStoreConformance, series, snapshot } from "./conformance.js";
