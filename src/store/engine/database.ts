/**
 * A SQL database as every aggregate's Kysely code sees it: the query builder, the dialect, and a
 * write-transaction primitive. SQLite (sqlite.ts) and PostgreSQL (postgres.ts) implement it; the
 * aggregates (runs, studies, registry, evaluations, tokens) write their queries once against it.
 */
import type { CompiledQuery, Kysely, UnknownRow } from "kysely";
import type { Dialect } from "./migrations.js";
import type { DB } from "./schema.js";

export type Tx = Kysely<DB>;

/** One statement's answer in a flight: its rows, and how many rows it returned or wrote. */
export interface FlightResult {
  rows: UnknownRow[];
  rowCount: number;
}

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
  /**
   * Where the connection can pipeline (PostgreSQL): runs the statements as one transaction sent
   * in one round trip, all of it committed or none of it; throws the first failing statement's
   * error. `writes` tells the rows the statements write by table, where the database cannot see
   * them (a raw statement's CTEs), for the planner statistics. A statement cannot use an earlier one's answer, so a write that needs checks sends
   * them as statements that fail (see the runs store's guards) and falls back to `tx` then.
   */
  flight?(statements: readonly CompiledQuery[], writes?: Record<string, number>): Promise<FlightResult[]>;
  close(): Promise<void>;
}
