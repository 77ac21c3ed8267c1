/**
 * Blob downloads and uploads over a listening server, on files and on S3: large blobs stream
 * (never read whole), a corrupt small blob is a clean ARTIFACT_CORRUPT answer, a corrupt large one
 * is cut off mid-transfer, and uploads stream into the blob store.
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ArtifactStore, HttpArtifactStore, HttpClient } from "../store/index.js";
import { artifactBackends, bytesOf, drain, expectCode } from "../store/testing/index.js";
import { ARTIFACTS, createRun, type Harness, openHarness } from "./mlflow/testing/index.js";

const MiB = 2 ** 20;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const backends = artifactBackends();

/** `inner`, except that reading a blob whole fails: downloads must stream. */
function streamingOnly(inner: ArtifactStore): ArtifactStore {
  return {
    uri: inner.uri,
    put: (data) => inner.put(data),
    putFile: (path) => inner.putFile(path),
    putStream: (source, options) => inner.putStream(source, options),
    getStream: (hash) => inner.getStream(hash),
    has: (hash) => inner.has(hash),
    get: async () => {
      throw new Error("a route read a blob whole");
    },
  };
}

interface Download {
  status: number;
  headers: Headers;
  received: Buffer;
  /** How reading the body ended: null when it completed. */
  error: unknown;
}

async function download(url: string): Promise<Download> {
  const res = await fetch(url);
  const parts: Buffer[] = [];
  try {
    for await (const chunk of res.body!) parts.push(Buffer.from(chunk));
    return { status: res.status, headers: res.headers, received: Buffer.concat(parts), error: null };
  } catch (e) {
    return { status: res.status, headers: res.headers, received: Buffer.concat(parts), error: e };
  }
}

describe.each([backends.fs, backends.s3])("blob downloads and uploads over $name", (backend) => {
  let h: Harness;
  let blobs: ArtifactStore;
  let base: string;
  let runId: string;
  let client: HttpArtifactStore;

  beforeEach(async () => {
    blobs = await backend.open();
    h = await openHarness({ artifacts: streamingOnly(blobs) });
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    runId = await createRun(h, { experiment_id: "0" });
    client = new HttpArtifactStore(new HttpClient(base, { retryForMs: 0 }));
  });
  afterEach(async () => {
    await h.close();
    await backend.dispose?.(blobs);
  });

  /** Stores `bytes` as the run's artifact `path`; the three URLs that download it. */
  async function stored(bytes: Buffer, path = "model.bin"): Promise<{ hash: string; urls: string[] }> {
    const ref = await blobs.put(bytes);
    await h.store.runs.recordArtifact(runId, { path, sha256: ref.sha256, size: ref.size, createdTime: 0 });
    return {
      hash: ref.sha256,
      urls: [
        `${base}/api/v1/blobs/${ref.sha256}`,
        `${base}/api/v1/runs/${runId}/artifacts/file?path=${path}`,
        `${base}${ARTIFACTS}/0/${runId}/artifacts/${path}`,
      ],
    };
  }

  it("streams a large blob with its size over the native and MLflow routes", async () => {
    const bytes = bytesOf(12 * MiB, 31);
    const { hash, urls } = await stored(bytes);
    for (const url of urls) {
      const d = await download(url);
      expect(d).toMatchObject({ status: 200, error: null });
      expect(d.headers.get("content-length")).toBe(String(12 * MiB));
      expect(sha(d.received)).toBe(hash);
    }
    const read = await drain(client, hash);
    expect(read).toMatchObject({ size: 12 * MiB, error: null });
    expect(sha(read.received)).toBe(hash);
  });

  it("answers a corrupt small blob with an ARTIFACT_CORRUPT error body on every route", async () => {
    const bytes = bytesOf(4000, 32);
    const { hash, urls } = await stored(bytes);
    const other = Buffer.from(bytes);
    other[0] = other[0]! ^ 1;
    await backend.overwrite!(blobs, hash, other);
    for (const url of urls) {
      const res = await fetch(url);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ code: "ARTIFACT_CORRUPT", error_code: "DATA_LOSS" });
    }
    await expectCode(client.get(hash), "ARTIFACT_CORRUPT");
    await expectCode(client.getStream(hash), "ARTIFACT_CORRUPT");
  });

  it("cuts off a corrupt large blob: the transfer fails and never completes", async () => {
    const bytes = bytesOf(12 * MiB, 33);
    const { hash, urls } = await stored(bytes);
    const other = Buffer.from(bytes);
    other[12 * MiB - 5] = other[12 * MiB - 5]! ^ 1;
    await backend.overwrite!(blobs, hash, other);
    for (const url of urls) {
      const d = await download(url);
      expect(d.status).toBe(200);
      expect(d.error).not.toBeNull();
      expect(d.received.length).toBeLessThan(12 * MiB);
    }
    await expect(client.get(hash)).rejects.toThrow();
    const read = await drain(client, hash);
    expect(read.error).not.toBeNull();
    expect(read.received.length).toBeLessThan(12 * MiB);
  });

  it("streams uploads over the MLflow and native routes into the blob store", async () => {
    const s3 = backend.name === "s3" ? await backends.s3Server() : null;
    const before = s3?.operations.length ?? 0;
    const bytes = bytesOf(20 * MiB, 34);
    const put = await fetch(`${base}${ARTIFACTS}/0/${runId}/artifacts/big.bin`, {
      method: "PUT",
      body: bytes,
    });
    expect(put.status).toBe(200);
    const other = bytesOf(17 * MiB, 35);
    const native = await fetch(`${base}/api/v1/blobs/${sha(other)}`, {
      method: "PUT",
      body: other,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(await native.json()).toEqual({ sha256: sha(other), size: 17 * MiB });
    expect(sha(await blobs.get(sha(bytes)))).toBe(sha(bytes));
    expect(sha(await blobs.get(sha(other)))).toBe(sha(other));
    if (s3) {
      // each went as a multipart upload, in parts, not as one buffered PutObject
      const ops = s3.operations.slice(before);
      expect(ops.filter((o) => o === "CreateMultipartUpload")).toHaveLength(2);
      expect(ops.filter((o) => o === "UploadPart").length).toBeGreaterThanOrEqual(5);
      expect(ops).not.toContain("PutObject");
    }
  });
});
