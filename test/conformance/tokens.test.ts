/** The tokens aggregate's conformance suite on every backend (over HTTP through the admin routes). */
import { tokenStoreConformance } from "../../src/store/testing/index.js";
import { storeBackends } from "../store-backends.js";

for (const backend of storeBackends()) tokenStoreConformance(backend.label, backend);
