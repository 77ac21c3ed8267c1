export { type RegistryClientFactory, registryConformance } from "./conformance.js";
