/** The runs aggregate's conformance suite on every backend. */
import { runStoreConformance } from "../../src/store/testing/index.js";
import { storeBackends } from "../store-backends.js";

for (const backend of storeBackends()) runStoreConformance(backend.label, backend);
