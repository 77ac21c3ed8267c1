/**
 * The blob stores tests run over, as ArtifactStoreFactory values: files in a temporary directory,
 * memory, and S3 (an s3rver in this process, started when a test first opens an S3 store and
 * stopped after the file's tests). Call `artifactBackends()` at a test file's top level.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll } from "vitest";
import { type ArtifactStore, FsArtifactStore, MemoryArtifactStore } from "../index.js";
import { S3ArtifactStore, type S3ArtifactStoreOptions } from "../s3.js";
import { type ArtifactStoreFactory, filesUnder, overwriteFsBlob } from "./conformance.js";
import { startS3Server, type TestS3Server } from "./s3rver.js";

export interface ArtifactBackend extends ArtifactStoreFactory {
  name: string;
}

export interface ArtifactBackends {
  fs: ArtifactBackend;
  memory: ArtifactBackend;
  s3: ArtifactBackend;
  /** The S3 server (started on first use). */
  s3Server(): Promise<TestS3Server>;
  /** An S3 store under a prefix of its own, so tests share the server and not their objects. */
  s3Store(options?: Partial<S3ArtifactStoreOptions>): Promise<S3ArtifactStore>;
}

export function artifactBackends(): ArtifactBackends {
  let server: Promise<TestS3Server> | null = null;
  const s3Server = () => {
    server ??= startS3Server();
    return server;
  };
  afterAll(async () => {
    if (server) await (await server).close();
  });
  const s3Store = async (options: Partial<S3ArtifactStoreOptions> = {}) => {
    const s3 = await s3Server();
    return new S3ArtifactStore({
      bucket: s3.bucket,
      prefix: `t-${randomBytes(6).toString("hex")}`,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      ...options,
    });
  };
  return {
    s3Server,
    s3Store,
    fs: {
      name: "fs",
      open: async () => new FsArtifactStore(await mkdtemp(join(tmpdir(), "sextant-fs-blobs-"))),
      residue: (store) => filesUnder((store as FsArtifactStore).root),
      overwrite: (store, hash, bytes) => overwriteFsBlob(store as FsArtifactStore, hash, bytes),
      dispose: (store) => rm((store as FsArtifactStore).root, { recursive: true, force: true }),
    },
    memory: { name: "memory", open: async () => new MemoryArtifactStore() },
    s3: {
      name: "s3",
      open: () => s3Store(),
      /** Every object and open upload under the store's prefix. */
      async residue(store: ArtifactStore) {
        const s3 = await s3Server();
        const prefix = `${(store as S3ArtifactStore).prefix}/`;
        const uploads = (await s3.uploads()).filter((u) => u.Key.startsWith(prefix));
        return [...(await s3.keys(prefix)), ...uploads.map((u) => `open upload to ${u.Key}`)];
      },
      /** Replaces the object's bytes through the SDK; the store's metadata is dropped. */
      async overwrite(store, hash, bytes) {
        const s3 = await s3Server();
        await s3.client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: (store as S3ArtifactStore).keyOf(hash),
            Body: bytes,
          }),
        );
      },
    },
  };
}
