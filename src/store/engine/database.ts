/**
 * A SQL database as every aggregate's Kysely code sees it: the query builder, the dialect, and a
 * write-transaction primitive. SQLite (sqlite.ts) and PostgreSQL (postgres.ts) implement it; the
 * aggregates (runs, studies, registry, evaluations, tokens) write their queries once against it.
 */
import type { Kysely } from "kysely";
import type { Dialect } from "./migrations.js";
import type { DB } from "./schema.js";

export type Tx = Kysely<DB>;

export interface Database {
  /** "sqlite" or "postgres". */
  readonly dialect: Dialect;
  /** Reads (and writes that need no transaction of their own) go here. */
  readonly db: Kysely<DB>;
  /**
   * Runs `fn` in one write transaction: all of it commits or none of it does. Contention is
   * waited out (and retried) inside; it surfaces only as STORE_BUSY. @throws STORE_CLOSED
   */
  tx<T>(fn: (t: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
