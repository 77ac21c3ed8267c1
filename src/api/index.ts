/**
 * The API's shapes, defined once (zod) and used by the server (request and response schemas, the
 * OpenAPI document), the HTTP clients (answers parsed with them) and the web UI. Browser-safe: it
 * imports nothing but zod.
 */
export * from "./common.js";
export * from "./evaluations.js";
export * from "./registry.js";
export * from "./requests.js";
export * from "./runs.js";
export * from "./studies.js";
export * from "./tokens.js";
