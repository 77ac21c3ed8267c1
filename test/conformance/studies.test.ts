/**
 * The studies aggregate's conformance suite on every backend: in memory (the default of an
 * in-process study), and every Store backend's `studies` (SQLite, PostgreSQL, HTTP on each).
 */
import { InMemoryStorage } from "../../src/store/index.js";
import { studyStorageConformance } from "../../src/store/testing/index.js";
import { storeBackends } from "../store-backends.js";

studyStorageConformance("in memory", {
  open: async () => ({ storage: new InMemoryStorage(), close: async () => undefined }),
});

for (const backend of storeBackends()) {
  studyStorageConformance(backend.label, {
    async open() {
      const store = await backend.open();
      return {
        storage: store.studies,
        async close() {
          await store.close();
          await backend.dispose?.(store);
        },
      };
    },
  });
}
