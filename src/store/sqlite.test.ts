import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "./sqlite.js";
import { storeConformance } from "./testing/conformance.js";

storeConformance("sqlite (file)", {
  async open(options) {
    const dir = mkdtempSync(join(tmpdir(), "sx-sqlite-"));
    return SqliteStore.open(join(dir, "sextant.db"), options);
  },
  async dispose(store) {
    rmSync(join((store as SqliteStore).path, ".."), { recursive: true, force: true });
  },
});

storeConformance("sqlite (memory)", { open: (options) => SqliteStore.open(":memory:", options) });
