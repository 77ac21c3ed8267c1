/**
 * The store: one folder per aggregate (runs, studies, registry, evaluations, tokens), each with
 * its contract, its SQL implementation, its HTTP client where it has one, and the conformance
 * suite every implementation runs; artifacts; the filter grammar (search/); the SQL engines
 * (engine/); offline spooling (offline/); the transport to a server (remote/).
 */
export * from "./artifacts/index.js";
export { type DatabaseStore, isDatabaseStore, type Store, type StoreKind } from "./contract.js";
export { type Database, type Dialect, MIGRATIONS, SCHEMA_VERSION, type Tx } from "./engine/index.js";
export * from "./evaluations/index.js";
export { HttpStore } from "./http.js";
export * from "./offline/index.js";
export {
  DEFAULT_STORE_DIR,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  type RemoteMode,
  resolveTrackingUri,
} from "./open.js";
export * from "./registry/index.js";
export { HttpClient, type HttpStoreOptions, type RequestOptions, serverUrls } from "./remote/index.js";
export * from "./runs/index.js";
export * from "./search/index.js";
export {
  PostgresStore,
  type PostgresStoreOptions,
  SqliteStore,
  type SqliteStoreOptions,
} from "./sql-store.js";
export * from "./studies/index.js";
export * from "./tokens/index.js";
