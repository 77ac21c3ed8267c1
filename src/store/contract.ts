/**
 * A store: one handle per aggregate, each behind a contract of its own (`<aggregate>/contract.ts`)
 * with a conformance suite that every implementation runs (`<aggregate>/testing/`).
 *
 *   runs         experiments, runs, params, tags, metric series, inputs, artifact index, search
 *   studies      hyperparameter-optimization studies and trials
 *   evaluations  evaluation records
 *   tokens       API tokens (a server authenticates against its store's tokens)
 *   registry     the model registry's tables (SQL stores only: over HTTP the registry is reached
 *                through the server's registry service, which checks policies and scopes —
 *                see registry/http.ts — so a remote client can never write the tables directly)
 *
 * The SQL stores (SQLite, PostgreSQL) implement every aggregate over one database, the HTTP store
 * every aggregate over a Sextant server's /api/v1. A new aggregate is one more folder and one more
 * member here.
 */
import type { EvaluationStore } from "./evaluations/index.js";
import type { RegistryStorage } from "./registry/index.js";
import type { RunStore } from "./runs/index.js";
import type { StudyStorage } from "./studies/index.js";
import type { TokenStore } from "./tokens/index.js";

export type StoreKind = "sqlite" | "postgres" | "http";

export interface Store {
  /** The engine behind it: "sqlite", "postgres", or "http" (a Sextant server). */
  readonly kind: StoreKind;
  readonly runs: RunStore;
  readonly studies: StudyStorage;
  readonly evaluations: EvaluationStore;
  readonly tokens: TokenStore;
  /** Ends every aggregate's connections. */
  close(): Promise<void>;
}

/** A store over a database the process opened itself (SQLite or PostgreSQL). */
export interface DatabaseStore extends Store {
  readonly kind: "sqlite" | "postgres";
  readonly registry: RegistryStorage;
}

export function isDatabaseStore(store: Store): store is DatabaseStore {
  return store.kind === "sqlite" || store.kind === "postgres";
}
