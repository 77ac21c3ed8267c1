/**
 * The artifact store's conformance suite on every backend: files, memory, S3 (an s3rver in this
 * process), and the HTTP client through a server whose blobs are in files or in S3.
 */
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/server/index.js";
import { type ArtifactStore, HttpArtifactStore, HttpClient, SqliteStore } from "../../src/store/index.js";
import { artifactBackends, artifactStoreConformance } from "../../src/store/testing/index.js";

const backends = artifactBackends();
for (const backend of [backends.fs, backends.memory, backends.s3])
  artifactStoreConformance(backend.name, backend);

const servers = new WeakMap<
  ArtifactStore,
  { app: FastifyInstance; backing: SqliteStore; blobs: ArtifactStore }
>();
for (const backend of [backends.fs, backends.s3]) {
  artifactStoreConformance(`http (server over ${backend.name})`, {
    async open() {
      const backing = await SqliteStore.open(":memory:");
      const blobs = await backend.open();
      const app = await buildServer({ store: backing, artifacts: blobs, uiDir: false });
      await app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = app.server.address() as { port: number };
      const store = new HttpArtifactStore(new HttpClient(`http://127.0.0.1:${port}`, { retryForMs: 0 }));
      servers.set(store, { app, backing, blobs });
      return store;
    },
    residue: (store) => backend.residue!(servers.get(store)!.blobs),
    overwrite: (store, hash, bytes) => backend.overwrite!(servers.get(store)!.blobs, hash, bytes),
    async dispose(store) {
      const s = servers.get(store)!;
      await s.app.close();
      await s.backing.close();
      await backend.dispose?.(s.blobs);
    },
  });
}
