/**
 * The study storage contract. It lives with the Store (src/store/study-types.ts), which keeps
 * studies in the same database as runs; this module re-exports it for the HPO code.
 */
export * from "../store/study-types.js";
