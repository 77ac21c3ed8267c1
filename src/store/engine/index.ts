export type { Database, FlightResult, Tx } from "./database.js";
export { appliedVersion, type Dialect, MIGRATIONS, migrate, render, SCHEMA_VERSION } from "./migrations.js";
export { PostgresDatabase, type PostgresOptions } from "./postgres.js";
export type * from "./schema.js";
export { SqliteDatabase, type SqliteOptions } from "./sqlite.js";
export type { AnalyzeOptions } from "./statistics.js";
