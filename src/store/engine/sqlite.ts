/**
 * The embedded database: one SQLite file in WAL mode. Several processes may write at once: every
 * write transaction starts with BEGIN IMMEDIATE (so it takes the write lock up front and never
 * has to upgrade a read lock, which is what makes SQLITE_BUSY escape a busy handler), waits on
 * the lock up to `busyTimeoutMs`, and is retried a few times before STORE_BUSY is raised.
 */
import { mkdirSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect, sql } from "kysely";
import { SextantError } from "../../core/index.js";
import type { Database as SqlDatabase, Tx } from "./database.js";
import { appliedVersion, migrate, SCHEMA_VERSION } from "./migrations.js";
import type { DB } from "./schema.js";

export interface SqliteOptions {
  /** Page cache, in MB (default 64). */
  cacheMb?: number;
  /** How much of the file reads may map into memory, in MB (default 1024; 0 reads with syscalls). */
  mmapMb?: number;
  /** How long one statement waits for another process's write lock (default 60 s). */
  busyTimeoutMs?: number;
  /** Clock reading for the migration record. */
  now?: number;
}

const BUSY_RETRIES = 5;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * One write transaction at a time per database file within this process. The driver is
 * synchronous: a connection waiting for SQLite's write lock blocks the event loop, so a second
 * store on the same file in the same process would wait out its busy timeout while the first
 * store's transaction (suspended at an await) could never finish. Waiting here, asynchronously,
 * lets it finish. Other processes are kept apart by SQLite's own lock as before.
 */
const WRITE_GATES = new Map<string, { tail: Promise<void>; users: number }>();

function gated<T>(key: string | null, fn: () => Promise<T>): Promise<T> {
  if (key === null) return fn();
  const gate = WRITE_GATES.get(key);
  if (!gate) return fn(); // the store is closed; fn fails with STORE_CLOSED or the driver's error
  const result = gate.tail.then(fn);
  gate.tail = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = "sqlite" as const;
  readonly db: Kysely<DB>;
  readonly path: string;
  readonly #raw: Database.Database;
  /** The file's real path, the key of its write gate (null for an in-memory database). */
  readonly #gate: string | null;
  #closed = false;

  private constructor(path: string, raw: Database.Database) {
    this.db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) });
    this.path = path;
    this.#raw = raw;
    this.#gate = path === ":memory:" ? null : realpathSync(path);
    if (this.#gate !== null) {
      const gate = WRITE_GATES.get(this.#gate) ?? { tail: Promise.resolve(), users: 0 };
      gate.users++;
      WRITE_GATES.set(this.#gate, gate);
    }
  }

  /** Opens (creating if needed) the database file at `path`, or an in-memory one for ":memory:". */
  static async open(path: string, options: SqliteOptions = {}): Promise<SqliteDatabase> {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path, { timeout: options.busyTimeoutMs ?? 60_000 });
    try {
      await retryBusy(() => {
        if (path !== ":memory:") raw.pragma("journal_mode = WAL");
        raw.pragma("synchronous = NORMAL");
        // Read through a memory map and keep more pages cached: searches touch many index pages.
        raw.pragma(`mmap_size = ${Math.max(0, Math.floor((options.mmapMb ?? 1024) * 2 ** 20))}`);
        raw.pragma(`cache_size = ${-Math.max(1024, Math.floor((options.cacheMb ?? 64) * 1024))}`);
        raw.pragma("foreign_keys = ON");
      });
    } catch (e) {
      raw.close();
      throw e;
    }
    const database = new SqliteDatabase(path, raw);
    try {
      // An up-to-date store needs no write lock: another connection in this process may hold it
      // across an await, and the synchronous driver would wait for it without letting it finish.
      if ((await appliedVersion(database.db)) !== SCHEMA_VERSION) {
        await database.tx((t) => migrate(t, "sqlite", options.now ?? 0));
      }
    } catch (e) {
      await database.close();
      throw e;
    }
    return database;
  }

  async tx<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SextantError("STORE_CLOSED", "the store was used after close()");
    return gated(this.#gate, () =>
      retryBusy(() =>
        this.db.connection().execute(async (conn) => {
          await sql`BEGIN IMMEDIATE`.execute(conn);
          try {
            const result = await fn(conn);
            await sql`COMMIT`.execute(conn);
            return result;
          } catch (e) {
            if (this.#raw.inTransaction) await sql`ROLLBACK`.execute(conn);
            throw e;
          }
        }),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Refreshes planner statistics where they have gone stale (SQLite's advice for long-lived files).
    try {
      if (this.path !== ":memory:") {
        this.#raw.pragma("busy_timeout = 50");
        this.#raw.pragma("optimize");
      }
    } catch {
      // another process holds the lock: the next close will do it
    }
    await this.db.destroy();
    if (this.#gate !== null) {
      const gate = WRITE_GATES.get(this.#gate);
      if (gate && --gate.users === 0) WRITE_GATES.delete(this.#gate);
    }
  }
}

async function retryBusy<T>(fn: () => T | Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isBusy(e)) throw e;
      if (attempt >= BUSY_RETRIES) {
        throw new SextantError(
          "STORE_BUSY",
          "the store stayed locked by other writers beyond the busy timeout",
          {},
          {
            cause: e,
          },
        );
      }
    }
  }
}

const STATEMENT_CACHE = 256;

/**
 * The database as Kysely's driver sees it, with prepared statements reused: the driver prepares
 * every query it runs, and preparing costs more than running the small statements we issue.
 */
function cachingDatabase(raw: Database.Database): KyselySqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (stmt) {
        // move to the back: the map's order is least recently used first
        cache.delete(text);
      } else {
        stmt = raw.prepare(text);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}
