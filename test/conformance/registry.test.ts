/**
 * The registry on every backend: its storage on each database engine, and the service through the
 * SDK — ModelRegistry over SQLite and PostgreSQL, HttpRegistry through a server on each.
 */
import { registryConformance } from "../../src/registry/testing/index.js";
import { registryStorageConformance } from "../../src/store/testing/index.js";
import { clientBackends, openDatabase } from "../store-backends.js";

for (const engine of ["sqlite", "postgres"] as const) {
  registryStorageConformance(engine, { open: () => openDatabase(engine) });
}
for (const backend of clientBackends()) registryConformance(backend);
