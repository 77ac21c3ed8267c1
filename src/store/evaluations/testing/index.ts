export { evaluationStoreConformance } from "./conformance.js";
