/**
 * The team database on PostgreSQL. Same queries as SQLite (each aggregate's kysely.ts); writes run
 * in transactions that are retried on unique-key races, serialization failures and deadlocks.
 *
 * Run writes go as flights (`flight`) over connections of their own: pipelined (node-postgres's
 * pipeline mode), so that a whole transaction, BEGIN to COMMIT, is one round trip, and committing
 * without waiting for the disk unless `synchronousCommit` (or `synchronous_commit=on` in the URI)
 * asks for it. The store keeps the planner's statistics fresh itself (statistics.ts): every row a
 * Kysely query or a flight writes is counted toward its table's next ANALYZE.
 */
import { createHash } from "node:crypto";
import type { Writable } from "node:stream";
import {
  type CompiledQuery,
  Kysely,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from "kysely";
import pg from "pg";
import { SextantError } from "../../core/index.js";
import type { Database, FlightResult, Tx } from "./database.js";
import { migrate } from "./migrations.js";
import type { DB } from "./schema.js";
import { type AnalyzeOptions, StatisticsKeeper } from "./statistics.js";

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

/** Errors that mean the statement was refused, not that the connection broke. */
function isServerError(e: unknown): boolean {
  return e instanceof pg.DatabaseError;
}

export interface PostgresOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  now?: number;
  /**
   * When the store analyses its tables itself (see statistics.ts): by default after
   * 1000 + 0.1 × rows written to a table; `false` leaves it to autovacuum.
   */
  analyze?: AnalyzeOptions | false;
  /**
   * Whether the run writes sent as flights (createRun, logBatch, updateRun) wait for their WAL to
   * reach the disk before they return. By default they do not (PostgreSQL's synchronous_commit
   * off, on their connections only): as with the embedded store in WAL mode, a write that
   * returned survives the client being killed and the store stays consistent, but the last
   * moments of run writes (up to three times wal_writer_delay, 0.6 s by default) are lost if the
   * database server or its machine crashes. True (or `synchronous_commit=on` in the URI) waits.
   * Every other write (registry, studies, tokens, evaluations, the runs store's checked path)
   * always waits.
   */
  synchronousCommit?: boolean;
}

export class PostgresDatabase implements Database {
  readonly dialect = "postgres" as const;
  readonly db: Kysely<DB>;
  readonly schema: string;
  /** The flights' connections: pipelined, and (unless asked otherwise) committing asynchronously. */
  readonly #flightPool: pg.Pool;
  readonly #statistics: StatisticsKeeper | null;
  #closed = false;

  private constructor(
    pool: pg.Pool,
    flightPool: pg.Pool,
    schema: string,
    analyze: AnalyzeOptions | false | undefined,
  ) {
    const counter = new WriteCounter((table, rows) => this.#statistics?.wrote(table, rows));
    this.db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [counter] });
    this.#flightPool = flightPool;
    this.schema = schema;
    this.#statistics = analyze === false ? null : new StatisticsKeeper(this.db, schema, analyze);
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
    const synchronous = url.searchParams.get("synchronous_commit");
    url.searchParams.delete("synchronous_commit");
    if (synchronous !== null && synchronous !== "on" && synchronous !== "off") {
      throw new SextantError(
        "UNSUPPORTED_URI",
        `synchronous_commit in the store URI is on or off, not '${synchronous}'`,
        { synchronous_commit: synchronous },
      );
    }
    const durable = options.synchronousCommit ?? synchronous === "on";
    // Parallel plans only add start-up latency to the short, index-driven queries a tracking
    // store runs.
    const settings = `-c search_path=${schema} -c max_parallel_workers_per_gather=0`;
    const config = { connectionString: url.toString(), max: options.maxConnections ?? 10, types };
    const pool = new pg.Pool({ ...config, options: settings });
    const flightPool = new pg.Pool({
      ...config,
      options: durable ? settings : `${settings} -c synchronous_commit=off`,
      pipeline: true,
    });
    const database = new PostgresDatabase(pool, flightPool, schema, options.analyze);
    const { db } = database;
    try {
      await database.tx(async (t) => {
        await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(t);
        await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${schema}`).execute(t);
        await migrate(t, "postgres", options.now ?? 0);
      });
    } catch (e) {
      await db.destroy();
      await flightPool.end();
      if (e instanceof SextantError) throw e;
      throw new SextantError(
        "STORE_UNAVAILABLE",
        `cannot open the PostgreSQL store: ${(e as Error).message}`,
        {},
        { cause: e },
      );
    }
    database.#statistics?.start();
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

  /**
   * Runs `statements` as one transaction sent in one round trip: BEGIN, the statements and COMMIT
   * go out together and the answers are read back together (one statement alone needs no BEGIN).
   * When a statement fails, those after it fail too and the COMMIT rolls everything back; the
   * first statement's error is thrown. Serialization failures and deadlocks are retried.
   * Parameters must be strings, numbers, booleans, null or bytes, which the driver never fails
   * to encode: a statement that could not be sent would leave the rest to commit without it.
   * @throws STORE_CLOSED
   */
  async flight(
    statements: readonly CompiledQuery[],
    writes: Record<string, number> = {},
  ): Promise<FlightResult[]> {
    if (this.#closed) throw new SextantError("STORE_CLOSED", "the store was used after close()");
    for (const s of statements) {
      for (const p of s.parameters) {
        const t = typeof p;
        if (!(p === null || t === "string" || t === "number" || t === "boolean" || p instanceof Uint8Array)) {
          throw new SextantError("INTERNAL", `a pipelined statement got a ${t} parameter`);
        }
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const results = await this.#send(statements);
        for (const [table, rows] of Object.entries(writes)) this.#statistics?.wrote(table, rows);
        return results;
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if ((code === "40001" || code === "40P01") && attempt < TX_RETRIES) continue;
        throw e;
      }
    }
  }

  async #send(statements: readonly CompiledQuery[]): Promise<FlightResult[]> {
    const client = await this.#flightPool.connect();
    let broken: Error | undefined;
    try {
      const single = statements.length === 1;
      const sent: Array<Promise<pg.QueryResult>> = [];
      // every message of the flight in one write: the driver writes each query as it is queued
      const socket = (client as unknown as { connection: { stream: Partial<Writable> } }).connection.stream;
      socket.cork?.();
      try {
        if (!single) sent.push(client.query("BEGIN"));
        for (const s of statements) {
          const name = preparedName(s.sql);
          const values = s.parameters as unknown[];
          sent.push(
            client.query(name === undefined ? { text: s.sql, values } : { name, text: s.sql, values }),
          );
        }
        if (!single) sent.push(client.query("COMMIT"));
      } finally {
        socket.uncork?.();
      }
      const settled = await Promise.allSettled(sent);
      const failed = settled.find((r) => r.status === "rejected");
      if (failed) {
        if (!isServerError(failed.reason)) broken = failed.reason as Error;
        throw failed.reason;
      }
      const results = settled.map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
      if (!single && results.at(-1)!.command !== "COMMIT") {
        throw new SextantError("INTERNAL", "a pipelined transaction was rolled back without an error");
      }
      const body = single ? results : results.slice(1, -1);
      return body.map((r, i) => {
        const rowCount = r.rowCount ?? 0;
        const table = writtenTable(statements[i]!.query);
        if (table !== undefined) this.#statistics?.wrote(table, rowCount);
        return { rows: r.rows as UnknownRow[], rowCount };
      });
    } finally {
      client.release(broken);
    }
  }

  /** Resolves once the statistics analyses under way are done (for tests and benchmarks). */
  analyzed(): Promise<void> {
    return this.#statistics?.settled() ?? Promise.resolve();
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
    await this.#statistics?.close();
    await this.db.destroy();
    await this.#flightPool.end();
  }
}

/**
 * Flights' statements are prepared once per connection (parsing and planning cost more than
 * running them), under a name derived from their text; the first PREPARED_TEXTS distinct texts
 * only, since a prepared statement lives as long as its connection.
 */
const PREPARED_TEXTS = 256;
const preparedNames = new Map<string, string>();

function preparedName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < PREPARED_TEXTS) {
    name = `sx_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** The table an INSERT, UPDATE or DELETE writes. */
function writtenTable(node: RootOperationNode): string | undefined {
  const tableOf = (n: OperationNode | undefined): string | undefined => {
    if (n?.kind === "AliasNode") return tableOf((n as unknown as { node: OperationNode }).node);
    if (n?.kind === "TableNode")
      return (n as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
    return undefined;
  };
  if (node.kind === "InsertQueryNode") return tableOf(node.into);
  if (node.kind === "UpdateQueryNode") return tableOf(node.table);
  if (node.kind === "DeleteQueryNode") return tableOf(node.from.froms[0]);
  return undefined;
}

/** Reports the rows each Kysely-built INSERT, UPDATE and DELETE affected, by table. */
class WriteCounter implements KyselyPlugin {
  readonly #tables = new WeakMap<QueryId, string>();
  readonly #report: (table: string, rows: number) => void;

  constructor(report: (table: string, rows: number) => void) {
    this.#report = report;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const table = writtenTable(args.node);
    if (table !== undefined) this.#tables.set(args.queryId, table);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const table = this.#tables.get(args.queryId);
    if (table !== undefined && args.result.numAffectedRows !== undefined) {
      this.#report(table, Number(args.result.numAffectedRows));
    }
    return args.result;
  }
}
