import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, render, SCHEMA_VERSION } from "./engine/index.js";
import { SqliteStore } from "./index.js";

/** A store file as Sextant at schema `version` left it. */
function oldStore(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.exec("CREATE TABLE sextant_schema (version INTEGER PRIMARY KEY, applied_time INTEGER NOT NULL)");
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    for (const st of m.statements) db.exec(render(st, "sqlite"));
    db.prepare("INSERT INTO sextant_schema VALUES (?, 0)").run(m.version);
  }
  return db;
}

describe("migrations", () => {
  it("upgrades a version-2 store in place and backfills the experiment key registry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-migrate-"));
    const path = join(dir, "sextant.db");
    const db = oldStore(path, 2);
    db.exec(`INSERT INTO experiments VALUES (1, 'old', 'mlflow-artifacts:/1', 'active', 0, 0);
      INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, lifecycle_stage, artifact_uri, heartbeat_at)
        VALUES ('${"a".repeat(32)}', 1, 'r', 'u', 'FINISHED', 0, 'active', 'x', 0);
      INSERT INTO params VALUES ('${"a".repeat(32)}', 'lr', '0.1');
      INSERT INTO tags VALUES ('${"a".repeat(32)}', 'team', 'x');
      INSERT INTO metric_summary VALUES ('${"a".repeat(32)}', 'f1', 0.5, 0, 0, 0, 0.5, 0.5, 1, 1);`);
    db.close();
    const store = await SqliteStore.open(path);
    expect(await store.runs.listColumns("1")).toEqual({ params: ["lr"], metrics: ["f1"], tags: ["team"] });
    expect((await store.runs.getRun("a".repeat(32))).data.params).toEqual({ lr: "0.1" });
    await store.close();
    const check = new Database(path);
    expect(check.prepare("SELECT max(version) AS v FROM sextant_schema").get()).toEqual({
      v: SCHEMA_VERSION,
    });
    check.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a store written by a newer Sextant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sx-migrate-"));
    const path = join(dir, "sextant.db");
    const db = oldStore(path, SCHEMA_VERSION);
    db.prepare("INSERT INTO sextant_schema VALUES (?, 0)").run(SCHEMA_VERSION + 1);
    db.close();
    await expect(SqliteStore.open(path)).rejects.toMatchObject({ code: "STORE_SCHEMA_TOO_NEW" });
    rmSync(dir, { recursive: true, force: true });
  });
});
