/**
 * The PostgreSQL store keeps the planner's statistics itself: the test database runs with
 * autovacuum off, and nothing here calls ANALYZE — only the store does.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore, type PostgresStoreOptions } from "../index.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = 1_700_000_000_000;
const TABLES = ["runs", "params", "tags", "metric_summary", "metric_chunks"];

const opened: PostgresStore[] = [];
const schemas: string[] = [];

async function open(schema: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = await PostgresStore.open(`${PG_URL}?schema=${schema}`, options);
  opened.push(store);
  return store;
}

function freshSchema(): string {
  const schema = `sx_test_stats_${randomBytes(6).toString("hex")}`;
  schemas.push(schema);
  return schema;
}

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const s of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});

/** `n` runs with 10 params, 5 metrics and 3 tags each. */
async function fill(store: PostgresStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { runId } = await store.runs.createRun({
      experimentId: "0",
      runName: `run-${i}`,
      userId: "u",
      startTime: T0 + i,
      artifactUri: "x",
      tags: { team: `t${i % 3}`, stage: "dev", owner: `u${i % 5}` },
    });
    await store.runs.logBatch(runId, {
      params: Array.from({ length: 10 }, (_, k) => ({ key: `p${k}`, value: String((i + k) % 7) })),
      metrics: ["f1", "precision", "recall", "auc", "loss"].map((key) => ({
        key,
        steps: Float64Array.of(0),
        timestamps: Float64Array.of(T0 + i),
        values: Float64Array.of((i % 10) / 10),
      })),
    });
  }
}

interface TableStats {
  relname: string;
  last_analyze: Date | null;
  n_mod_since_analyze: string;
  reltuples: number;
}

async function tableStats(schema: string): Promise<Map<string, TableStats>> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<TableStats>(
      `SELECT s.relname, s.last_analyze, s.n_mod_since_analyze::text, c.reltuples::float8 AS reltuples
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = $1`,
      [schema],
    );
    return new Map(rows.map((r) => [r.relname, r]));
  } finally {
    await client.end();
  }
}

describe("planner statistics on PostgreSQL", () => {
  it("the test database has autovacuum off, so only the store analyses", async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const { rows } = await client.query("SHOW autovacuum");
    await client.end();
    expect(rows[0].autovacuum).toBe("off");
  });

  it("analyses a table once the rows written to it pass the threshold", async () => {
    const schema = freshSchema();
    const store = await open(schema, { analyze: { threshold: 100, scaleFactor: 0.1 } });
    await fill(store, 30);
    await store.database.analyzed();
    // 30 runs and 90 tags stay under 100 rows; 300 params and 150 summaries pass it
    let stats = await tableStats(schema);
    expect(stats.get("runs")!.last_analyze).toBeNull();
    expect(stats.get("params")!.last_analyze).not.toBeNull();
    expect(stats.get("metric_summary")!.last_analyze).not.toBeNull();
    await fill(store, 170);
    await store.database.analyzed();
    stats = await tableStats(schema);
    for (const table of TABLES) {
      const s = stats.get(table)!;
      expect(s.last_analyze, table).not.toBeNull();
      expect(s.reltuples, table).toBeGreaterThan(0);
      // analysed again as the table grew: what changed since is under the next threshold
      expect(Number(s.n_mod_since_analyze), table).toBeLessThan(100 + 0.1 * s.reltuples);
    }
    // far below the threshold: not analysed again
    const before = stats.get("runs")!.last_analyze!.getTime();
    await fill(store, 5);
    await store.database.analyzed();
    expect((await tableStats(schema)).get("runs")!.last_analyze!.getTime()).toBe(before);
  });

  it("keeps the common (key, value) pairs of params and tags, so `key = … AND value = …` is estimated well", async () => {
    const schema = freshSchema();
    const store = await open(schema, { analyze: { threshold: 100 } });
    await fill(store, 40);
    await store.database.analyzed();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT tablename, most_common_vals IS NOT NULL AS kept FROM pg_stats_ext WHERE schemaname = $1 ORDER BY 1",
        [schema],
      );
      expect(rows).toEqual([
        { tablename: "params", kept: true },
        { tablename: "tags", kept: true },
      ]);
      // p0 takes 7 values: each pair is 1/70 of the params, not 1/10 × 1/7 of some other split
      await client.query(`SET search_path = ${schema}`);
      const plan = await client.query(
        "EXPLAIN (FORMAT JSON) SELECT * FROM params WHERE key = 'p0' AND value = '3'",
      );
      const estimate = plan.rows[0]["QUERY PLAN"][0].Plan["Plan Rows"] as number;
      const actual = Number(
        (await client.query("SELECT count(*) FROM params WHERE key = 'p0' AND value = '3'")).rows[0].count,
      );
      expect(Math.abs(estimate - actual)).toBeLessThanOrEqual(2);
    } finally {
      await client.end();
    }
  });

  it("on open, analyses tables never analysed or much changed since", async () => {
    const schema = freshSchema();
    const first = await open(schema, { analyze: false });
    await fill(first, 60);
    await first.close();
    // the server's counters, which the next store reads on open, catch up once the backends flush
    for (let i = 0; i < 100; i++) {
      if (Number((await tableStats(schema)).get("params")!.n_mod_since_analyze) >= 600) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await tableStats(schema)).get("params")!.last_analyze).toBeNull();
    const second = await open(schema, { analyze: { threshold: 100 } });
    await second.database.analyzed();
    const stats = await tableStats(schema);
    // 600 params and 300 summaries and chunks; 60 runs and 180 tags are under the threshold
    for (const table of ["params", "metric_summary", "metric_chunks", "tags"]) {
      expect(stats.get(table)!.last_analyze, table).not.toBeNull();
    }
    expect(stats.get("runs")!.last_analyze).toBeNull();
  });

  it("leaves a table that another process analysed since it started counting alone", async () => {
    const schema = freshSchema();
    const b = await open(schema, { analyze: { threshold: 100 } });
    await b.database.analyzed(); // b has looked at the tables: it counts from now
    const a = await open(schema, { analyze: { threshold: 100 } });
    await fill(a, 20); // 200 params: a analyses them
    await a.database.analyzed();
    const analysed = (await tableStats(schema)).get("params")!.last_analyze!.getTime();
    await fill(b, 12); // 120 params through b: past its threshold, but a analysed since b began counting
    await b.database.analyzed();
    expect((await tableStats(schema)).get("params")!.last_analyze!.getTime()).toBe(analysed);
    await fill(b, 12); // b counts on from a's analysis: 120 more params, and b analyses them
    await b.database.analyzed();
    expect((await tableStats(schema)).get("params")!.last_analyze!.getTime()).toBeGreaterThan(analysed);
  });

  it("with analyze: false, never analyses", async () => {
    const schema = freshSchema();
    const store = await open(schema, { analyze: false });
    await fill(store, 30);
    await store.database.analyzed();
    for (const s of (await tableStats(schema)).values()) expect(s.last_analyze, s.relname).toBeNull();
  });
});
