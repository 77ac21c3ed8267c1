/**
 * Opening an up-to-date SQLite store takes no write lock, so a second store on the same file in the
 * same process opens while the first holds its write lock across an await. (The synchronous driver
 * would otherwise wait out its busy timeout without ever letting the first transaction finish.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { SqliteStore } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "sx-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("opens a second store on the file while the first holds the write lock", async () => {
  const file = join(dir, "sextant.db");
  const first = await SqliteStore.open(file, { busyTimeoutMs: 60_000 });
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let inside!: () => void;
  const entered = new Promise<void>((r) => {
    inside = r;
  });
  // a write transaction that stays open across an await
  const writing = first.registry.createModel({ name: "m" }, { actor: "a" }, 1).then(async () => {
    await first.database.tx(async () => {
      inside();
      await held;
    });
  });
  await entered;
  const second = await SqliteStore.open(file, { busyTimeoutMs: 60_000 });
  release();
  await writing;
  expect((await second.registry.getModel("m")).name).toBe("m");
  await second.close();
  await first.close();
}, 20_000);

it("lets two stores on one file in one process write concurrently", async () => {
  const file = join(dir, "two-writers.db");
  const a = await SqliteStore.open(file, { busyTimeoutMs: 60_000 });
  const b = await SqliteStore.open(file, { busyTimeoutMs: 60_000 });
  await a.registry.createModel({ name: "shared" }, { actor: "a" }, 1);
  const files = [{ path: "model.json", sha256: "c".repeat(64), size: 1 }];
  // a transaction of store a that stays open across timers, and writes of store b meanwhile
  const slow = a.database.tx(async () => {
    await new Promise((r) => setTimeout(r, 30));
  });
  const writes = Array.from({ length: 10 }, (_, i) =>
    (i % 2 ? a : b).registry.createVersion(
      "shared",
      { source: `runs:/r${i}/model`, runId: `r${i}`, contentHash: "d".repeat(64), files },
      { actor: i % 2 ? "a" : "b" },
      2 + i,
    ),
  );
  await Promise.all([slow, ...writes]);
  const versions = await b.registry.listVersions("shared");
  expect(versions.map((v) => v.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await a.close();
  await b.close();
}, 20_000);
