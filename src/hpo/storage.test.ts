/**
 * Every study storage passes the same conformance suite: in memory, the SQLite store (in memory and
 * in a file) and the PostgreSQL store (a schema per storage).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresStore } from "../store/postgres.js";
import { SqliteStore } from "../store/sqlite.js";
import { InMemoryStorage } from "./memory-storage.js";
import { studyStorageConformance } from "./testing/conformance.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

studyStorageConformance("in memory", {
  open: async () => ({ storage: new InMemoryStorage(), close: async () => undefined }),
});

studyStorageConformance("sqlite (memory)", {
  async open() {
    const store = await SqliteStore.open(":memory:");
    return { storage: store.studies, close: () => store.close() };
  },
});

studyStorageConformance("sqlite (file)", {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "sx-studies-"));
    const store = await SqliteStore.open(join(dir, "sextant.db"));
    return {
      storage: store.studies,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

studyStorageConformance("postgres", {
  async open() {
    const store = await PostgresStore.open(`${PG_URL}?schema=sx_studies_${randomBytes(6).toString("hex")}`);
    return {
      storage: store.studies,
      async close() {
        await store.dropSchema();
        await store.close();
      },
    };
  },
});
