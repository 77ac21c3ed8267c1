/** The ArtifactStore conformance suite against the file and memory stores. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsArtifactStore, MemoryArtifactStore } from "./artifacts.js";
import { artifactStoreConformance, filesUnder, overwriteFsBlob } from "./testing/artifacts-conformance.js";

artifactStoreConformance("fs", {
  open: async () => new FsArtifactStore(await mkdtemp(join(tmpdir(), "sextant-fs-blobs-"))),
  residue: (store) => filesUnder((store as FsArtifactStore).root),
  overwrite: (store, hash, bytes) => overwriteFsBlob(store as FsArtifactStore, hash, bytes),
  dispose: (store) => rm((store as FsArtifactStore).root, { recursive: true, force: true }),
});

artifactStoreConformance("memory", { open: async () => new MemoryArtifactStore() });
