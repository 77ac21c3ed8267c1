/**
 * Planner statistics for a PostgreSQL store, kept fresh by the store itself: autovacuum may be off
 * (as on some managed setups) or behind, and a table the planner has never seen analysed is
 * planned as if it were tiny — a search over 40,000 runs then joins row by row for seconds.
 *
 * Rows written through this process are counted per table (the database reports them, see
 * `wrote`). A table whose count passes `threshold + scaleFactor × rows` (its size at its last
 * analysis, autovacuum's rule) is analysed in the background: one table at a time, on a pooled
 * connection of its own (never inside a caller's transaction), `ANALYZE (SKIP_LOCKED)` so that a
 * table another process is analysing is skipped rather than waited for. When the table was
 * analysed since this process started counting it (by another process, or by autovacuum), the
 * count starts over instead. On open, tables with many rows changed since their last analysis
 * (`pg_stat_user_tables.n_mod_since_analyze`), or never analysed at all (`pg_class.reltuples < 0`)
 * with rows in them, are queued too. A failed analysis is tried again on a later write, after a
 * pause that doubles with each failure in a row (up to five minutes).
 */
import { type Kysely, sql } from "kysely";
import type { DB } from "./schema.js";

export interface AnalyzeOptions {
  /** Rows written to a table before it is analysed, on top of `scaleFactor` × its size (default 1000). */
  threshold?: number;
  /** Fraction of a table's size written before it is analysed again (default 0.1, as autovacuum's). */
  scaleFactor?: number;
}

const DEFAULT_THRESHOLD = 1000;
const DEFAULT_SCALE_FACTOR = 0.1;
const MAX_BACKOFF_MS = 5 * 60_000;

interface TableState {
  /** Rows written since the table's last analysis, as far as this process knows. */
  written: number;
  /** `pg_class.reltuples` when last read: the planner's idea of the table's size (−1: never analysed). */
  rows: number;
  /** Server time at which `written` started counting, to recognize another process's analysis. */
  since: string | null;
}

export class StatisticsKeeper {
  readonly #db: Kysely<DB>;
  readonly #schema: string;
  readonly #threshold: number;
  readonly #scaleFactor: number;
  readonly #tables = new Map<string, TableState>();
  readonly #queue = new Set<string>();
  #worker: Promise<void> | null = null;
  #closed = false;
  #failures = 0;
  #pausedUntil = 0;

  constructor(db: Kysely<DB>, schema: string, options: AnalyzeOptions = {}) {
    this.#db = db;
    this.#schema = schema;
    this.#threshold = Math.max(0, options.threshold ?? DEFAULT_THRESHOLD);
    this.#scaleFactor = Math.max(0, options.scaleFactor ?? DEFAULT_SCALE_FACTOR);
  }

  /** Queues the tables that need an analysis now, from the server's own counters (on open). */
  start(): void {
    this.#run(() => this.#survey());
  }

  /** `rows` rows of `table` were inserted, updated or deleted (in a transaction that may still roll back). */
  wrote(table: string, rows: number): void {
    if (this.#closed || rows <= 0) return;
    let state = this.#tables.get(table);
    if (!state) {
      state = { written: 0, rows: -1, since: null };
      this.#tables.set(table, state);
    }
    state.written += rows;
    if (state.written >= this.#due(state) && !this.#queue.has(table)) {
      this.#queue.add(table);
      this.#run();
    }
  }

  /** Resolves when no analysis is running or queued (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.#worker) await this.#worker;
  }

  /** Stops analysing: the one running finishes, the queued ones are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    await this.settled();
  }

  #due(state: TableState): number {
    return this.#threshold + this.#scaleFactor * Math.max(0, state.rows);
  }

  #run(first?: () => Promise<void>): void {
    if (this.#worker || this.#closed || Date.now() < this.#pausedUntil) return;
    this.#worker = (async () => {
      try {
        if (first) await first();
        for (const table of this.#queue) {
          if (this.#closed) break;
          await this.#analyze(table);
          this.#queue.delete(table);
          // written to enough while it was analysed: again, after the others
          const state = this.#tables.get(table)!;
          if (state.written > 0 && state.written >= this.#due(state)) this.#queue.add(table);
        }
        this.#failures = 0;
      } catch {
        // the database is unreachable, or analysing is refused: try again on a later write
        this.#failures++;
        this.#pausedUntil = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.#failures - 1));
      } finally {
        this.#worker = null;
      }
    })();
  }

  async #survey(): Promise<void> {
    const { rows } = await sql<{
      table: string;
      rows: number;
      modified: number | string;
      live: number | string;
      now: string;
    }>`SELECT c.relname AS "table", c.reltuples::float8 AS rows,
        COALESCE(s.n_mod_since_analyze, 0) AS modified, COALESCE(s.n_live_tup, 0) AS live, now()::text AS now
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = ${this.#schema} AND c.relkind = 'r'`.execute(this.#db);
    for (const r of rows) {
      const state = this.#tables.get(r.table) ?? { written: 0, rows: -1, since: null };
      this.#tables.set(r.table, state);
      state.rows = Number(r.rows);
      state.since ??= r.now;
      // never analysed: every row counts (the counters restart from 0 if the server's are reset)
      const changed = state.rows < 0 ? Math.max(Number(r.live), Number(r.modified)) : Number(r.modified);
      state.written = Math.max(state.written, changed);
      if (changed > 0 && state.written >= this.#due(state)) this.#queue.add(r.table);
    }
  }

  async #analyze(table: string): Promise<void> {
    const state = this.#tables.get(table)!;
    const counted = state.written;
    const qualified = sql.raw(`${quoteIdent(this.#schema)}.${quoteIdent(table)}`);
    // Analysed by another process (or autovacuum) since we started counting: start over.
    const seen = await sql<{ fresh: boolean | null; now: string }>`SELECT
        GREATEST(s.last_analyze, s.last_autoanalyze) > ${state.since}::timestamptz AS fresh, now()::text AS now
      FROM pg_stat_user_tables s WHERE s.schemaname = ${this.#schema} AND s.relname = ${table}`.execute(
      this.#db,
    );
    const fresh = state.since !== null && seen.rows[0]?.fresh === true;
    if (!fresh) await sql`ANALYZE (SKIP_LOCKED) ${qualified}`.execute(this.#db);
    const after = await sql<{
      rows: number;
      now: string;
    }>`SELECT c.reltuples::float8 AS rows, now()::text AS now
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${this.#schema} AND c.relname = ${table}`.execute(this.#db);
    state.rows = Number(after.rows[0]?.rows ?? state.rows);
    state.since = after.rows[0]?.now ?? seen.rows[0]?.now ?? state.since;
    // writes noted while the analysis ran count toward the next one
    state.written = Math.max(0, state.written - counted);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
