export { HttpClient, type HttpStoreOptions, type RequestOptions, reachable } from "./client.js";
