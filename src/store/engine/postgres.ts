/**
 * The team database on PostgreSQL. Same queries as SQLite (each aggregate's kysely.ts); writes run
 * in transactions that are retried on unique-key races, serialization failures and deadlocks.
 */
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { SextantError } from "../../core/index.js";
import type { Database, Tx } from "./database.js";
import { migrate } from "./migrations.js";
import type { DB } from "./schema.js";

const RETRYABLE = new Set(["23505", "40001", "40P01"]);
const TX_RETRIES = 5;
/** Arbitrary constant key for the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 0x5e7a47;

const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  now?: number;
}

export class PostgresDatabase implements Database {
  readonly dialect = "postgres" as const;
  readonly db: Kysely<DB>;
  readonly schema: string;
  #closed = false;

  private constructor(db: Kysely<DB>, schema: string) {
    this.db = db;
    this.schema = schema;
  }

  /**
   * Connects to `uri` (postgres://user@host:port/db). A `schema` query parameter puts every table
   * in that schema (created if missing), so several stores can share one database.
   */
  static async open(uri: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
    const url = new URL(uri);
    const schema = url.searchParams.get("schema") ?? "public";
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
      throw new SextantError("UNSUPPORTED_URI", `invalid schema name '${schema}' in the store URI`, {
        schema,
      });
    }
    url.searchParams.delete("schema");
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: options.maxConnections ?? 10,
      // Parallel plans only add start-up latency to the short, index-driven queries a tracking
      // store runs.
      options: `-c search_path=${schema} -c max_parallel_workers_per_gather=0`,
      types,
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const database = new PostgresDatabase(db, schema);
    try {
      await database.tx(async (t) => {
        await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(t);
        await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${schema}`).execute(t);
        await migrate(t, "postgres", options.now ?? 0);
      });
    } catch (e) {
      await db.destroy();
      if (e instanceof SextantError) throw e;
      throw new SextantError(
        "STORE_UNAVAILABLE",
        `cannot open the PostgreSQL store: ${(e as Error).message}`,
        {},
        { cause: e },
      );
    }
    return database;
  }

  async tx<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SextantError("STORE_CLOSED", "the store was used after close()");
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (typeof code === "string" && RETRYABLE.has(code) && attempt < TX_RETRIES) continue;
        throw e;
      }
    }
  }

  /** Drops this store's schema and everything in it (for tests and benchmarks). */
  async dropSchema(): Promise<void> {
    if (this.schema === "public")
      throw new SextantError("INVALID_ARGUMENT", "refusing to drop the public schema");
    await sql.raw(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).execute(this.db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
