/**
 * The Store conformance suite against HttpStore: a client talking to a real server (over SQLite)
 * on a loopback port. The server stamps times with its clock, which the suite sets through setNow.
 * The ArtifactStore suite runs against HttpArtifactStore the same way, the server's blobs in files
 * and in S3: the native blob routes on either backend.
 */
import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { buildServer } from "../server/app.js";
import { type ArtifactStore, MemoryArtifactStore } from "./artifacts.js";
import { HttpArtifactStore, HttpClient, HttpStore } from "./http.js";
import { SqliteStore } from "./sqlite.js";
import { artifactBackends } from "./testing/artifact-backends.js";
import { artifactStoreConformance } from "./testing/artifacts-conformance.js";
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

const blobServers = new WeakMap<
  ArtifactStore,
  { app: FastifyInstance; backing: SqliteStore; blobs: ArtifactStore }
>();
const backends = artifactBackends();

for (const backend of [backends.fs, backends.s3]) {
  artifactStoreConformance(`http (server over ${backend.name})`, {
    async open() {
      const backing = await SqliteStore.open(":memory:");
      const blobs = await backend.open();
      const app = await buildServer({ store: backing, artifacts: blobs, uiDir: false });
      await app.listen({ host: "127.0.0.1", port: 0 });
      const addr = app.server.address() as { port: number };
      const store = new HttpArtifactStore(new HttpClient(`http://127.0.0.1:${addr.port}`, { retryForMs: 0 }));
      blobServers.set(store, { app, backing, blobs });
      return store;
    },
    residue: (store) => backend.residue!(blobServers.get(store)!.blobs),
    overwrite: (store, hash, bytes) => backend.overwrite!(blobServers.get(store)!.blobs, hash, bytes),
    async dispose(store) {
      const s = blobServers.get(store)!;
      await s.app.close();
      await s.backing.close();
      await backend.dispose?.(s.blobs);
    },
  });
}

describe("HttpArtifactStore.getStream", () => {
  it("refuses a download whose size the server does not give", async () => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("abc"));
        c.close();
      },
    });
    const fetchStub = (async () => new Response(body, { status: 200 })) as typeof fetch;
    const blobs = new HttpArtifactStore(
      new HttpClient("http://127.0.0.1:1", { fetch: fetchStub, retryForMs: 0 }),
    );
    await expect(blobs.getStream("a".repeat(64))).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
