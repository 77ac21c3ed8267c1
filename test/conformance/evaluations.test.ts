/** The evaluations aggregate's conformance suite on every backend. */
import { evaluationStoreConformance } from "../../src/store/testing/index.js";
import { storeBackends } from "../store-backends.js";

for (const backend of storeBackends()) evaluationStoreConformance(backend.label, backend);
