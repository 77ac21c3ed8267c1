/**
 * The Store conformance suite against HttpStore: a client talking to a real server (over SQLite)
 * on a loopback port. The server stamps times with its clock, which the suite sets through setNow.
 */
import type { FastifyInstance } from "fastify";
import { ManualClock } from "../core/clock.js";
import { buildServer } from "../server/app.js";
import { MemoryArtifactStore } from "./artifacts.js";
import { HttpArtifactStore, HttpStore } from "./http.js";
import { SqliteStore } from "./sqlite.js";
import { storeConformance } from "./testing/conformance.js";
import type { Store } from "./types.js";

const T0 = 1_700_000_000_000;
const servers = new WeakMap<Store, { app: FastifyInstance; backing: Store; clock: ManualClock }>();

storeConformance("http (server over sqlite)", {
  async open(options) {
    const clock = new ManualClock(T0);
    const backing = await SqliteStore.open(":memory:", options);
    const app = await buildServer({ store: backing, artifacts: new MemoryArtifactStore(), clock });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address() as { port: number };
    const store = new HttpStore(`http://127.0.0.1:${addr.port}`, { retryForMs: 0 });
    servers.set(store, { app, backing, clock });
    return store;
  },
  setNow(store, now) {
    servers.get(store)!.clock.set(now);
  },
  blobs(store) {
    return new HttpArtifactStore((store as HttpStore).client);
  },
  tokens: false,
  async dispose(store) {
    const s = servers.get(store)!;
    await s.app.close();
    await s.backing.close();
  },
});
