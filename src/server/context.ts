/** What every route module gets: the store, the blobs, the clock, and request-scoped identity. */
import type { Clock } from "../core/index.js";
import type { ArtifactStore, DatabaseStore, TokenScope } from "../store/index.js";
import type { Identity } from "./auth.js";

export interface ServerContext {
  store: DatabaseStore;
  artifacts: ArtifactStore;
  clock: Clock;
  /** Ends RUNNING runs whose heartbeats are overdue, by the server's clock; called before run reads. */
  sweepCrashed(): Promise<void>;
  /** Largest artifact upload, in bytes. */
  maxArtifactBytes: number;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The least token scope the route needs (default: read). */
    scope?: TokenScope;
  }
  interface FastifyRequest {
    identity: Identity;
  }
}
