/**
 * The HTTP store: every aggregate over one Sextant server's native API (/api/v1), through one
 * transport (remote/). The registry is reached through the server's registry service instead
 * (registry/http.ts), so policies and scopes are checked where the data is.
 */
import type { Store } from "./contract.js";
import { HttpEvaluationStore } from "./evaluations/index.js";
import { HttpClient, type HttpStoreOptions, reachable } from "./remote/index.js";
import { HttpRunStore } from "./runs/index.js";
import { HttpStudyStorage } from "./studies/index.js";
import { HttpTokenStore } from "./tokens/index.js";

export class HttpStore implements Store {
  readonly kind = "http" as const;
  readonly client: HttpClient;
  readonly runs: HttpRunStore;
  readonly studies: HttpStudyStorage;
  readonly evaluations: HttpEvaluationStore;
  readonly tokens: HttpTokenStore;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    this.client = new HttpClient(baseUrl, options);
    this.runs = new HttpRunStore(this.client);
    this.studies = new HttpStudyStorage(this.client);
    this.evaluations = new HttpEvaluationStore(this.client);
    this.tokens = new HttpTokenStore(this.client);
  }

  /** Whether the server answers at all (a short probe of /health). */
  static reachable(baseUrl: string, options: HttpStoreOptions = {}): Promise<boolean> {
    return reachable(baseUrl, options);
  }

  async close(): Promise<void> {
    // nothing is held open: fetch pools its own connections
  }
}
