export * from "./contract.js";
export {
  type ExperimentSearchInput,
  MAX_EXPERIMENT_RESULTS,
  searchExperimentList,
} from "./experiment-search.js";
export { HttpRunStore } from "./http.js";
export {
  CHUNK_POINTS,
  KyselyRunStore,
  type KyselyRunStoreOptions,
  MAX_SEARCH_RESULTS,
  SEARCH_BUDGET,
} from "./kysely.js";
export {
  chunkLength,
  decodeChunkInto,
  decodeSeries,
  encodeChunk,
  type SeriesColumns,
  type SeriesStats,
  seriesStats,
  sortByStep,
} from "./metric-codec.js";
export { BATCH_CONTENT_TYPE, type BatchHeader, decodeBatch, encodeBatch } from "./wire.js";
