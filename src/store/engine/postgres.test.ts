/** PostgresDatabase's flights: one round trip, all or nothing, and how they commit. */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresDatabase } from "./postgres.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const opened: PostgresDatabase[] = [];

async function open(query = "", options = {}): Promise<PostgresDatabase> {
  const schema = `sx_test_${randomBytes(6).toString("hex")}`;
  const db = await PostgresDatabase.open(`${PG_URL}?schema=${schema}${query}`, {
    analyze: false,
    ...options,
  });
  opened.push(db);
  return db;
}

afterEach(async () => {
  for (const db of opened.splice(0)) {
    await db.dropSchema();
    await db.close();
  }
});

const setting = async (db: PostgresDatabase) => {
  const [r] = await db.flight([sql`SELECT current_setting('synchronous_commit') AS v`.compile(db.db)]);
  return (r!.rows[0] as { v: string }).v;
};

describe("PostgreSQL flights", () => {
  it("commits run writes without waiting for the disk unless asked to wait; other writes always wait", async () => {
    const fast = await open();
    expect(await setting(fast)).toBe("off");
    const other = await sql<{ v: string }>`SELECT current_setting('synchronous_commit') AS v`.execute(
      fast.db,
    );
    expect(other.rows[0]!.v).toBe("on");
    expect(await setting(await open("&synchronous_commit=on"))).toBe("on");
    expect(await setting(await open("", { synchronousCommit: true }))).toBe("on");
    await expect(open("&synchronous_commit=maybe")).rejects.toMatchObject({ code: "UNSUPPORTED_URI" });
  });

  it("commits all of a flight or none of it, and throws the failing statement's error", async () => {
    const db = await open();
    const name = (n: string) =>
      sql`INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (${n}, '', 'active', 0, 0)`.compile(
        db.db,
      );
    const count = async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM experiments`.execute(db.db)).rows[0]!.n);
    const before = await count();
    await expect(db.flight([name("a"), sql`SELECT 1 / 0`.compile(db.db), name("b")])).rejects.toMatchObject({
      code: "22012",
    });
    expect(await count()).toBe(before);
    const results = await db.flight([name("a"), name("b")]);
    expect(results.map((r) => r.rowCount)).toEqual([1, 1]);
    expect(await count()).toBe(before + 2);
    // the connection is usable again after a failed flight
    await expect(db.flight([name("a")])).rejects.toMatchObject({ code: "23505" });
    expect((await db.flight([sql`SELECT 2 AS two`.compile(db.db)]))[0]!.rows).toEqual([{ two: 2 }]);
  });

  it("refuses parameters the driver could fail to encode", async () => {
    const db = await open();
    await expect(db.flight([sql`SELECT ${{ a: 1 }}::text`.compile(db.db)])).rejects.toMatchObject({
      code: "INTERNAL",
    });
  });
});
