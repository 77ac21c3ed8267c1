/**
 * The backends every conformance suite runs on: the embedded SQLite store (in a file and in
 * memory), PostgreSQL (a schema per store), and the HTTP client against a real server on a
 * loopback port over each engine. A capability that works on one and not another is a failing
 * test. Also: Sextant clients on the same backends, for the suites that test through the SDK.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { ManualClock } from "../src/core/index.js";
import { buildServer } from "../src/server/index.js";
import {
  type ArtifactStore,
  type DatabaseStore,
  FsArtifactStore,
  HttpArtifactStore,
  HttpStore,
  MemoryArtifactStore,
  PostgresStore,
  SqliteStore,
  type Store,
} from "../src/store/index.js";
import type { StoreFactory } from "../src/store/testing/index.js";
import { Sextant } from "../src/tracking/index.js";

export const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = 1_700_000_000_000;

export type EngineName = "sqlite" | "postgres";

/** A fresh database store of `engine`, and how to drop it. */
export async function openDatabase(
  engine: EngineName,
  options: { searchBudget?: number } = {},
): Promise<{ store: DatabaseStore; dispose(): Promise<void> }> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "sx-backend-"));
    const store = await SqliteStore.open(join(dir, "sextant.db"), options);
    return {
      store,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const uri = `${PG_URL}?schema=sx_test_${randomBytes(6).toString("hex")}`;
  const store = await PostgresStore.open(uri, options);
  return {
    store,
    async dispose() {
      // the suite may have closed the store already: drop its schema over a connection of our own
      await store.close();
      const again = await PostgresStore.open(uri);
      await again.dropSchema();
      await again.close();
    },
  };
}

/**
 * Over HTTP the server's clock stamps times. So that one suite serves every backend, the calls
 * that take `now` first set the server's (manual) clock to it: argument `index` of each method.
 */
function clockFollowing<T extends object>(target: T, clock: ManualClock, nowArg: Record<string, number>): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== "function" || typeof key !== "string" || !(key in nowArg)) {
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
      }
      return (...args: unknown[]) => {
        const now = args[nowArg[key]!];
        if (typeof now === "number") clock.set(now);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

const STUDY_NOW = {
  createStudy: 1,
  createTrial: 2,
  claimWaitingTrial: 1,
  setTrialState: 3,
  heartbeatTrial: 1,
  failStaleTrials: 2,
  askTrial: 2,
};

interface Served {
  app: FastifyInstance;
  backing: DatabaseStore;
  dispose(): Promise<void>;
  clock: ManualClock;
  url: string;
}

/** A server on a loopback port over a fresh database of `engine`. */
export async function serve(
  engine: EngineName,
  options: { searchBudget?: number; artifacts?: ArtifactStore; auth?: boolean; clock?: ManualClock } = {},
): Promise<Served> {
  const db = await openDatabase(engine, options);
  const clock = options.clock ?? new ManualClock(T0);
  const app = await buildServer({
    store: db.store,
    artifacts: options.artifacts ?? new MemoryArtifactStore(),
    clock,
    auth: options.auth,
    uiDir: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    app,
    backing: db.store,
    clock,
    url: `http://127.0.0.1:${port}`,
    async dispose() {
      await app.close();
      await db.dispose();
    },
  };
}

function httpFactory(engine: EngineName): StoreFactory & { label: string; hidesSecrets: boolean } {
  const servers = new WeakMap<Store, Served>();
  return {
    label: `http (server over ${engine})`,
    hidesSecrets: true,
    async open(options) {
      const s = await serve(engine, options);
      const http = new HttpStore(s.url, { retryForMs: 0 });
      const store: Store = {
        kind: "http",
        runs: http.runs,
        evaluations: http.evaluations,
        studies: clockFollowing(http.studies, s.clock, STUDY_NOW),
        tokens: clockFollowing(http.tokens, s.clock, { revoke: 1 }),
        close: () => http.close(),
      };
      // the client's own calls go through the wrapper; its transport stays reachable for blobs
      servers.set(store, s);
      blobClients.set(store, http);
      return store;
    },
    setNow(store, now) {
      servers.get(store)!.clock.set(now);
    },
    blobs(store) {
      return new HttpArtifactStore(blobClients.get(store)!.client);
    },
    async dispose(store) {
      await servers.get(store)!.dispose();
    },
  };
}
const blobClients = new WeakMap<Store, HttpStore>();

/** Every backend a Store contract runs on. */
export function storeBackends(): Array<StoreFactory & { label: string; hidesSecrets?: boolean }> {
  const disposers = new WeakMap<Store, () => Promise<void>>();
  const database = (engine: EngineName, label: string): StoreFactory & { label: string } => ({
    label,
    async open(options) {
      const db = await openDatabase(engine, options);
      disposers.set(db.store, db.dispose);
      return db.store;
    },
    async dispose(store) {
      await disposers.get(store)?.();
    },
  });
  return [
    database("sqlite", "sqlite (file)"),
    {
      label: "sqlite (memory)",
      open: (options) => SqliteStore.open(":memory:", options),
    },
    database("postgres", "postgres"),
    httpFactory("sqlite"),
    httpFactory("postgres"),
  ];
}

/** A Sextant client on a fresh backend, and what differs by backend. */
export interface ClientBackend {
  label: string;
  /**
   * Opens a client. `userId` is the acting user on a database store; through a server the
   * server names the actor (its OS user when auth is off), given as `actor`.
   */
  open(options?: { userId?: string }): Promise<{
    sx: Sextant;
    /** Who the audit trail names for this client's changes. */
    actor: string;
    /** Where the model files' blobs are stored (the server's, for HTTP). */
    blobs: ArtifactStore;
    close(): Promise<void>;
  }>;
}

export function clientBackends(): ClientBackend[] {
  const osUser = (() => {
    try {
      return userInfo().username;
    } catch {
      return process.env.USER ?? "unknown";
    }
  })();
  const embedded = (engine: EngineName): ClientBackend => ({
    label: engine,
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), "sx-client-"));
      const clock = new ManualClock(T0);
      const uri =
        engine === "sqlite"
          ? join(dir, "store")
          : `${PG_URL}?schema=sx_test_${randomBytes(6).toString("hex")}`;
      const sx = await Sextant.open({
        uri,
        artifactsUri: engine === "sqlite" ? undefined : join(dir, "artifacts"),
        clock,
        capture: false,
        ...options,
      });
      return {
        sx,
        actor: options.userId ?? osUser,
        blobs: sx.artifacts,
        async close() {
          const store = sx.store;
          await sx.close();
          if (store instanceof PostgresStore) {
            const again = await PostgresStore.open(`${PG_URL}?schema=${store.schema}`);
            await again.dropSchema();
            await again.close();
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  });
  const remote = (engine: EngineName): ClientBackend => ({
    label: `http (server over ${engine})`,
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), "sx-client-"));
      const blobs = new FsArtifactStore(join(dir, "artifacts"));
      const s = await serve(engine, { artifacts: blobs });
      const sx = await Sextant.open({
        uri: s.url,
        mode: "online",
        clock: s.clock,
        capture: false,
        ...options,
      });
      return {
        sx,
        actor: osUser,
        blobs,
        async close() {
          await sx.close();
          await s.dispose();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  });
  return [embedded("sqlite"), embedded("postgres"), remote("sqlite"), remote("postgres")];
}
