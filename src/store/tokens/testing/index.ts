export { tokenStoreConformance } from "./conformance.js";
