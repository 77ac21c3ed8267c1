/**
 * The ArtifactStore conformance suite: one body of tests that every blob store must pass. Each
 * backend's test file calls `artifactStoreConformance` with a factory for a fresh, empty store.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SextantError } from "../../../core/index.js";
import { expectCode } from "../../testing/index.js";
import type { ArtifactStore, FsArtifactStore } from "../index.js";

export interface ArtifactStoreFactory {
  /** A fresh, empty store. */
  open(): Promise<ArtifactStore>;
  /**
   * Everything the backend holds for the store (files, objects, open uploads), for "a failed put
   * leaves nothing behind" checks; leave out where the backend cannot be looked into.
   */
  residue?(store: ArtifactStore): Promise<string[]>;
  /** Replaces the bytes stored under `hash` behind the store's back; leave out where impossible. */
  overwrite?(store: ArtifactStore, hash: string, bytes: Uint8Array): Promise<void>;
  dispose?(store: ArtifactStore): Promise<void>;
}

/** Every file under `root`, relative to it. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

/** Replaces a file store's blob file behind its back. */
export async function overwriteFsBlob(
  store: FsArtifactStore,
  hash: string,
  bytes: Uint8Array,
): Promise<void> {
  await writeFile(join(store.root, "sha256", hash.slice(0, 2), hash.slice(2, 4), hash), bytes);
}

const sha = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** `n` deterministic, incompressible bytes: a sha256 chain from `seed`. */
export function bytesOf(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash("sha256").update(String(seed)).digest();
  for (let i = 0; i < n; i += block.length) {
    block.copy(out, i);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/** `bytes` as a stream of `chunk`-byte pieces. */
export async function* chunked(bytes: Uint8Array, chunk = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += chunk) yield bytes.subarray(i, i + chunk);
}

/** Reads a blob through getStream: what arrived, in how many chunks, and how the read ended. */
export async function drain(
  store: ArtifactStore,
  hash: string,
): Promise<{ size: number | null; received: Buffer; chunks: number; error: unknown }> {
  const parts: Buffer[] = [];
  let size: number | null = null;
  try {
    const blob = await store.getStream(hash);
    size = blob.size;
    for await (const chunk of blob.stream) parts.push(chunk as Buffer);
    return { size, received: Buffer.concat(parts), chunks: parts.length, error: null };
  } catch (e) {
    return { size, received: Buffer.concat(parts), chunks: parts.length, error: e };
  }
}

export function artifactStoreConformance(label: string, factory: ArtifactStoreFactory): void {
  describe(`ArtifactStore conformance: ${label}`, () => {
    let store: ArtifactStore;
    let scratch: string;
    beforeEach(async () => {
      store = await factory.open();
      scratch = await mkdtemp(join(tmpdir(), "sextant-blobs-"));
    });
    afterEach(async () => {
      await factory.dispose?.(store);
      await rm(scratch, { recursive: true, force: true });
    });

    const nothingStored = async () => {
      if (factory.residue) expect(await factory.residue(store)).toEqual([]);
    };

    it("stores bytes under their sha256, has them and reads them back", async () => {
      const text = await store.put("model bytes");
      expect(text).toEqual({ sha256: sha("model bytes"), size: 11 });
      const binary = bytesOf(1000);
      const ref = await store.put(new Uint8Array(binary));
      expect(ref).toEqual({ sha256: sha(binary), size: 1000 });
      const empty = await store.put(new Uint8Array(0));
      expect(empty.size).toBe(0);
      for (const [r, bytes] of [
        [text, Buffer.from("model bytes")],
        [ref, binary],
        [empty, Buffer.alloc(0)],
      ] as const) {
        expect(await store.has(r.sha256)).toBe(true);
        expect(Buffer.compare(await store.get(r.sha256), bytes)).toBe(0);
      }
    });

    it("stores the same bytes once: putting them again returns the same blob", async () => {
      const a = await store.put("same");
      const b = await store.put(Buffer.from("same"));
      const c = await store.putStream(chunked(Buffer.from("same"), 1));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      if (factory.residue) expect(await factory.residue(store)).toHaveLength(1);
      expect((await store.get(a.sha256)).toString()).toBe("same");
    });

    it("stores a stream, hashing it as it arrives, and a local file", async () => {
      const bytes = bytesOf(3 * 2 ** 20 + 17, 2);
      const ref = await store.putStream(chunked(bytes));
      expect(ref).toEqual({ sha256: sha(bytes), size: bytes.length });
      expect(Buffer.compare(await store.get(ref.sha256), bytes)).toBe(0);
      const file = join(scratch, "model.bin");
      const other = bytesOf(70_000, 3);
      await writeFile(file, other);
      const fromFile = await store.putFile(file);
      expect(fromFile).toEqual({ sha256: sha(other), size: other.length });
      expect(Buffer.compare(await store.get(fromFile.sha256), other)).toBe(0);
      await expectCode(store.putFile(join(scratch, "missing.bin")), "FILE_NOT_FOUND");
    });

    it("refuses a stream over maxBytes with REQUEST_TOO_LARGE and stores nothing", async () => {
      const bytes = bytesOf(200_000, 4);
      await expectCode(store.putStream(chunked(bytes, 10_000), { maxBytes: 199_999 }), "REQUEST_TOO_LARGE");
      expect(await store.has(sha(bytes))).toBe(false);
      await nothingStored();
      expect(await store.putStream(chunked(bytes, 10_000), { maxBytes: 200_000 })).toEqual({
        sha256: sha(bytes),
        size: bytes.length,
      });
    });

    it("refuses a stream that does not hash to expectedSha256 with INVALID_ARGUMENT and stores nothing", async () => {
      const bytes = bytesOf(50_000, 5);
      const e = await expectCode(
        store.putStream(chunked(bytes), { expectedSha256: sha("something else") }),
        "INVALID_ARGUMENT",
      );
      expect(e.message).toContain(sha(bytes));
      expect(await store.has(sha(bytes))).toBe(false);
      await nothingStored();
      expect((await store.putStream(chunked(bytes), { expectedSha256: sha(bytes) })).sha256).toBe(sha(bytes));
    });

    it("streams a read: getStream gives the size, then the verified bytes", async () => {
      const bytes = bytesOf(2 * 2 ** 20 + 5, 6);
      const ref = await store.put(bytes);
      const read = await drain(store, ref.sha256);
      expect(read.error).toBeNull();
      expect(read.size).toBe(bytes.length);
      expect(Buffer.compare(read.received, bytes)).toBe(0);
      const empty = await store.put("");
      expect(await drain(store, empty.sha256)).toMatchObject({
        size: 0,
        error: null,
        received: Buffer.alloc(0),
      });
    });

    it("answers ARTIFACT_NOT_FOUND for a blob it does not have, and INVALID_ARGUMENT for a bad hash", async () => {
      const missing = sha("never stored");
      expect(await store.has(missing)).toBe(false);
      await expectCode(store.get(missing), "ARTIFACT_NOT_FOUND");
      await expectCode(store.getStream(missing), "ARTIFACT_NOT_FOUND");
      await expectCode(store.get("not-a-hash"), "INVALID_ARGUMENT");
      await expectCode(store.getStream("A".repeat(64)), "INVALID_ARGUMENT");
    });

    it.runIf(factory.overwrite)(
      "refuses a blob whose stored bytes changed with ARTIFACT_CORRUPT, never all of them",
      async () => {
        const bytes = bytesOf(300_000, 7);
        const ref = await store.put(bytes);
        const flipped = Buffer.from(bytes);
        flipped[1234] = flipped[1234]! ^ 1;
        await factory.overwrite!(store, ref.sha256, flipped);
        await expectCode(store.get(ref.sha256), "ARTIFACT_CORRUPT");
        const read = await drain(store, ref.sha256);
        expect((read.error as SextantError).code).toBe("ARTIFACT_CORRUPT");
        expect(read.received.length).toBeLessThan(bytes.length);

        await factory.overwrite!(store, ref.sha256, bytes.subarray(0, 1000));
        await expectCode(store.get(ref.sha256), "ARTIFACT_CORRUPT");
        const truncated = await drain(store, ref.sha256);
        expect((truncated.error as SextantError).code).toBe("ARTIFACT_CORRUPT");
        expect(truncated.received.length).toBeLessThan(1000);
      },
    );
  });
}
