export { type DatabaseStoreFactory, registryStorageConformance } from "./conformance.js";
