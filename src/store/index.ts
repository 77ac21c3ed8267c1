export {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  FsArtifactStore,
  MemoryArtifactStore,
  type PutStreamOptions,
} from "./artifacts.js";
export { parseS3Uri, S3ArtifactStore, type S3ArtifactStoreOptions } from "./artifacts-s3.js";
export { FailoverStore } from "./failover.js";
export { HttpArtifactStore, HttpClient, HttpStore, type HttpStoreOptions } from "./http.js";
export {
  CHUNK_POINTS,
  KyselyStore,
  type KyselyStoreOptions,
  MAX_SEARCH_RESULTS,
  SEARCH_BUDGET,
} from "./kysely-store.js";
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
export { pendingSpoolFiles, SpoolStore, type SyncOptions, type SyncReport, syncSpool } from "./spool.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export * from "./types.js";
export { BATCH_CONTENT_TYPE, decodeBatch, encodeBatch, fromWireNumber, toWireNumber } from "./wire.js";
