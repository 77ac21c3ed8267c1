/**
 * The SQL stores: every aggregate over one database — the embedded SQLite file or a PostgreSQL
 * database shared by a team. The aggregates write their queries once (each `kysely.ts`); the
 * database supplies the connection, the dialect and the transactions (engine/).
 */
import type { DatabaseStore } from "./contract.js";
import {
  type Database,
  PostgresDatabase,
  type PostgresOptions,
  SqliteDatabase,
  type SqliteOptions,
} from "./engine/index.js";
import { KyselyEvaluationStore } from "./evaluations/index.js";
import { KyselyRegistryStorage } from "./registry/index.js";
import { KyselyRunStore, type KyselyRunStoreOptions } from "./runs/index.js";
import { KyselyStudyStorage } from "./studies/index.js";
import { KyselyTokenStore } from "./tokens/index.js";

abstract class SqlStore<D extends Database> implements DatabaseStore {
  abstract readonly kind: "sqlite" | "postgres";
  readonly database: D;
  readonly runs: KyselyRunStore;
  readonly studies: KyselyStudyStorage;
  readonly registry: KyselyRegistryStorage;
  readonly evaluations: KyselyEvaluationStore;
  readonly tokens: KyselyTokenStore;

  protected constructor(database: D, options: KyselyRunStoreOptions) {
    this.database = database;
    this.runs = new KyselyRunStore(database, options);
    this.studies = new KyselyStudyStorage(database);
    this.registry = new KyselyRegistryStorage(database);
    this.evaluations = new KyselyEvaluationStore(database);
    this.tokens = new KyselyTokenStore(database);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

export type SqliteStoreOptions = SqliteOptions & KyselyRunStoreOptions;

/** The embedded store: one SQLite file (or memory) for every aggregate. */
export class SqliteStore extends SqlStore<SqliteDatabase> {
  readonly kind = "sqlite" as const;

  /** The database file's path, or ":memory:". */
  get path(): string {
    return this.database.path;
  }

  /** Opens (creating if needed) the database file at `path`, or an in-memory one for ":memory:". */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    return new SqliteStore(await SqliteDatabase.open(path, options), options);
  }
}

export type PostgresStoreOptions = PostgresOptions & KyselyRunStoreOptions;

/** The team store: one PostgreSQL database (or schema) for every aggregate. */
export class PostgresStore extends SqlStore<PostgresDatabase> {
  readonly kind = "postgres" as const;

  /** The schema the tables live in. */
  get schema(): string {
    return this.database.schema;
  }

  /**
   * Connects to `uri` (postgres://user@host:port/db). A `schema` query parameter puts every table
   * in that schema (created if missing), so several stores can share one database.
   */
  static async open(uri: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    return new PostgresStore(await PostgresDatabase.open(uri, options), options);
  }

  /** Drops this store's schema and everything in it (for tests and benchmarks). */
  dropSchema(): Promise<void> {
    return this.database.dropSchema();
  }
}
