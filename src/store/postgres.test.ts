import { randomBytes } from "node:crypto";
import { PostgresStore } from "./postgres.js";
import { storeConformance } from "./testing/conformance.js";

/** PostgreSQL for tests; each store gets its own schema so parallel runs do not collide. */
export const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

storeConformance("postgres", {
  open: (options) =>
    PostgresStore.open(`${PG_URL}?schema=sx_test_${randomBytes(6).toString("hex")}`, options),
  async dispose(store) {
    const again = await PostgresStore.open(`${PG_URL}?schema=${(store as PostgresStore).schema}`);
    await again.dropSchema();
    await again.close();
  },
});
