export { type ArtifactStore, type BlobRef, FsArtifactStore, MemoryArtifactStore } from "./artifacts.js";
export { CHUNK_POINTS, KyselyStore, MAX_SEARCH_RESULTS } from "./kysely-store.js";
export { decodeSeries, encodeChunk, type SeriesColumns, seriesStats } from "./metric-codec.js";
export { type Dialect, MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
export {
  DEFAULT_STORE_DIR,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  resolveTrackingUri,
} from "./open.js";
export { PostgresStore, type PostgresStoreOptions } from "./postgres.js";
export type * from "./search/ast.js";
export { parseFilter, parseOrderBy } from "./search/parser.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export * from "./types.js";
