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

  /** `servers`: one server's URL, several comma-separated, or a list (see HttpClient). */
  constructor(servers: string | readonly string[], options: HttpStoreOptions = {}) {
    this.client = new HttpClient(servers, options);
    this.runs = new HttpRunStore(this.client);
    this.studies = new HttpStudyStorage(this.client);
    this.evaluations = new HttpEvaluationStore(this.client);
    this.tokens = new HttpTokenStore(this.client);
  }

  /** Whether any of the servers a URI names answers at all (a short probe of /health). */
  static reachable(uri: string, options: HttpStoreOptions = {}): Promise<boolean> {
    return reachable(uri, options);
  }

  async close(): Promise<void> {
    // nothing is held open: fetch pools its own connections
  }
}
