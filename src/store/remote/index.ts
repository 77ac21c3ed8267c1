export {
  HttpClient,
  type HttpStoreOptions,
  type RequestOptions,
  reachable,
  serverUrls,
} from "./client.js";
