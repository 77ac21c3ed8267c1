export {
  checkTokenRecord,
  TOKEN_SCOPES,
  type TokenRecord,
  type TokenScope,
  type TokenStore,
} from "./contract.js";
export { HttpTokenStore } from "./http.js";
export { KyselyTokenStore } from "./kysely.js";
