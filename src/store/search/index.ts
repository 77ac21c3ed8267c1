export type * from "./ast.js";
export { ATTRIBUTE_KEYS, DATASET_KEYS } from "./ast.js";
export { type Lookup, likeMatch, matchesFilter } from "./evaluate.js";
export { checkSearchSize, RUN_SEARCH_LIMITS } from "./limits.js";
export { decodeOffsetToken, encodeOffsetToken, pageOffset, queryFingerprint } from "./page-token.js";
export { parseFilter, parseOrderBy, type Token, type TokenKind, tokenizeFilter } from "./parser.js";
export { booleanSql, compareSql, likeToGlob } from "./sql.js";
export {
  EXPERIMENT_FILTER,
  MODEL_VERSION_FILTER,
  REGISTERED_MODEL_FILTER,
  RUN_FILTER,
  type Rule,
  type ValueType,
  Vocabulary,
} from "./vocabularies.js";
