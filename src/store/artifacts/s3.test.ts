/**
 * S3ArtifactStore against a real S3-protocol server (s3rver, in this process on 127.0.0.1): the
 * ArtifactStore conformance suite, then what is S3's own: multipart uploads through a temporary
 * key, server-side copies, cleanup after failures, and objects changed behind the store's back.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { SextantError } from "../../core/index.js";
import { openStore, type PostgresStore } from "../index.js";
import { expectCode } from "../testing/index.js";
import { parseS3Uri, S3ArtifactStore, type S3ArtifactStoreOptions } from "./s3.js";
import { artifactBackends, bytesOf, chunked, drain, type TestS3Server } from "./testing/index.js";

const MiB = 2 ** 20;
/** PostgreSQL for tests, as in postgres.test.ts. */
const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const backends = artifactBackends();
let s3: TestS3Server;
beforeAll(async () => {
  s3 = await backends.s3Server();
});
const storeFor = backends.s3Store;
const residue = backends.s3.residue!;

/** Replaces an object's bytes through the SDK, with the metadata given. */
async function overwrite(
  store: S3ArtifactStore,
  hash: string,
  bytes: Uint8Array,
  metadata: Record<string, string>,
) {
  await s3.client.send(
    new PutObjectCommand({ Bucket: s3.bucket, Key: store.keyOf(hash), Body: bytes, Metadata: metadata }),
  );
}

/** The S3 operations `fn` makes, HEADs left out. */
async function operationsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const before = s3.operations.length;
  await fn();
  return s3.operations.slice(before).filter((o) => o !== "HeadObject");
}

/** The calls of a multipart upload in three parts. */
const THREE_PARTS = [
  "CreateMultipartUpload",
  "UploadPart",
  "UploadPart",
  "UploadPart",
  "CompleteMultipartUpload",
];
const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

/** A put into a fresh store that must fail with `code` and leave nothing behind: the calls it made, its error. */
async function failedPut(
  put: (store: S3ArtifactStore) => Promise<unknown>,
  code: string,
): Promise<{ ops: string[]; error: SextantError }> {
  const store = await storeFor();
  let error: SextantError | undefined;
  const ops = await operationsOf(async () => {
    error = await expectCode(put(store), code);
  });
  expect(await residue(store)).toEqual([]);
  return { ops, error: error! };
}

describe("S3ArtifactStore uploads", () => {
  /**
   * Puts `bytes` into a fresh store (streamed unless `put` says otherwise): the store and the calls
   * it made, once exactly the blob's object is left, with its hash and size as metadata.
   */
  async function stored(
    bytes: Buffer,
    put: (store: S3ArtifactStore) => Promise<unknown> = (store) => store.putStream(chunked(bytes)),
    options: Partial<S3ArtifactStoreOptions> = {},
  ): Promise<{ store: S3ArtifactStore; ops: string[] }> {
    const store = await storeFor(options);
    let ref: unknown;
    const ops = await operationsOf(async () => {
      ref = await put(store);
    });
    expect(ref).toEqual({ sha256: sha(bytes), size: bytes.length });
    const key = store.keyOf(sha(bytes));
    expect(await residue(store)).toEqual([key]);
    expect(await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).toMatchObject({
      ContentLength: bytes.length,
      Metadata: { sha256: sha(bytes), size: String(bytes.length) },
    });
    return { store, ops };
  }

  it("sends a stream of up to 8 MiB as one PutObject under the blob's key, with its hash and size", async () => {
    const { ops } = await stored(bytesOf(8 * MiB, 11));
    expect(ops).toEqual(["PutObject"]);
  });

  it("uploads a 20 MiB stream in parts to a temporary key, copies it into place and deletes the temporary", async () => {
    const bytes = bytesOf(20 * MiB, 12);
    const { store, ops } = await stored(bytes);
    expect(ops).toEqual([...THREE_PARTS, "CopyObject", "DeleteObject"]);
    const read = await drain(store, sha(bytes));
    expect(read.error).toBeNull();
    expect(read.size).toBe(20 * MiB);
    expect(read.chunks).toBeGreaterThan(1);
    expect(sha(read.received)).toBe(sha(bytes));

    // the same bytes again: uploaded (the hash is known only at the end), then dropped, not copied
    const again = await operationsOf(() => store.putStream(chunked(bytes)));
    expect(count(again, "CopyObject")).toBe(0);
    expect(count(again, "DeleteObject")).toBe(1);
    expect(await residue(store)).toEqual([store.keyOf(sha(bytes))]);
  });

  it("copies an object over copyLimitBytes into place part by part (UploadPartCopy)", async () => {
    const bytes = bytesOf(20 * MiB, 13);
    const { store, ops } = await stored(bytes, undefined, { copyLimitBytes: 8 * MiB });
    expect(count(ops, "CopyObject")).toBe(0);
    expect(count(ops, "UploadPartCopy")).toBe(3);
    expect(sha(await store.get(sha(bytes)))).toBe(sha(bytes));
  });

  it("uploads bytes over 8 MiB given whole in parts straight to the blob's key", async () => {
    const bytes = bytesOf(17 * MiB, 14);
    const { store, ops } = await stored(bytes, (store) => store.put(bytes));
    expect(ops).toEqual(THREE_PARTS);
    expect(Buffer.compare(await store.get(sha(bytes)), bytes)).toBe(0);
  });

  it("aborts a large upload over maxBytes, leaving no object and no open upload", async () => {
    const { ops } = await failedPut(
      (store) => store.putStream(chunked(bytesOf(30 * MiB, 15)), { maxBytes: 20 * MiB }),
      "REQUEST_TOO_LARGE",
    );
    expect(count(ops, "UploadPart")).toBe(2);
    expect(count(ops, "AbortMultipartUpload")).toBe(1);
  });

  it("deletes the temporary object when a large stream does not hash to expectedSha256", async () => {
    const { ops } = await failedPut(
      (store) =>
        store.putStream(chunked(bytesOf(12 * MiB, 16)), { expectedSha256: sha(Buffer.from("other")) }),
      "INVALID_ARGUMENT",
    );
    expect(count(ops, "CopyObject")).toBe(0);
    expect(count(ops, "DeleteObject")).toBe(1);
  });

  it("aborts the upload when the source fails midway, and passes the source's error on", async () => {
    const store = await storeFor();
    async function* failing() {
      yield* chunked(bytesOf(10 * MiB, 17));
      throw new Error("the client went away");
    }
    await expect(store.putStream(failing())).rejects.toThrow("the client went away");
    expect(await residue(store)).toEqual([]);
  });

  it("aborts the upload when S3 fails a part, with STORE_UNAVAILABLE naming the call", async () => {
    s3.failing.add("UploadPart");
    try {
      const { ops, error } = await failedPut(
        (store) => store.putStream(chunked(bytesOf(10 * MiB, 18))),
        "STORE_UNAVAILABLE",
      );
      expect(count(ops, "AbortMultipartUpload")).toBe(1);
      expect(error.message).toContain("UploadPart");
      expect(error.message).toContain(s3.endpoint);
    } finally {
      s3.failing.delete("UploadPart");
    }
  });
});

describe("S3ArtifactStore reads of changed objects", () => {
  it("refuses an object with other bytes, small or large, by get and by getStream", async () => {
    const store = await storeFor();
    for (const size of [5000, 20 * MiB]) {
      const bytes = bytesOf(size, 20);
      const ref = await store.put(bytes);
      const other = Buffer.from(bytes);
      other[size - 10] = other[size - 10]! ^ 0xff;
      await overwrite(store, ref.sha256, other, { sha256: ref.sha256, size: String(size) });
      await expectCode(store.get(ref.sha256), "ARTIFACT_CORRUPT");
      const read = await drain(store, ref.sha256);
      expect(read.size).toBe(size);
      expect((read.error as { code?: string }).code).toBe("ARTIFACT_CORRUPT");
      expect(read.received.length).toBeLessThan(size);
    }
  });

  it("refuses a truncated object up front when its recorded size says so, and by its hash when not", async () => {
    const store = await storeFor();
    const bytes = bytesOf(12 * MiB, 21);
    const ref = await store.put(bytes);
    await overwrite(store, ref.sha256, bytes.subarray(0, 3 * MiB), {
      sha256: ref.sha256,
      size: String(12 * MiB),
    });
    await expectCode(store.get(ref.sha256), "ARTIFACT_CORRUPT");
    const e = await expectCode(store.getStream(ref.sha256), "ARTIFACT_CORRUPT");
    expect(e.details).toMatchObject({ expectedSize: 12 * MiB, actualSize: 3 * MiB });

    await backends.s3.overwrite!(store, ref.sha256, bytes.subarray(0, 3 * MiB));
    await expectCode(store.get(ref.sha256), "ARTIFACT_CORRUPT");
    const read = await drain(store, ref.sha256);
    expect((read.error as { code?: string }).code).toBe("ARTIFACT_CORRUPT");
    expect(read.received.length).toBeLessThan(3 * MiB);
  });
});

describe("S3ArtifactStore configuration", () => {
  it("parses s3:// URIs and refuses others", () => {
    expect(parseS3Uri("s3://my-bucket/a/b/")).toEqual({ bucket: "my-bucket", prefix: "a/b" });
    expect(parseS3Uri("s3://my-bucket")).toEqual({ bucket: "my-bucket", prefix: "" });
    expect(S3ArtifactStore.fromUri("s3://my-bucket//x").keyOf("ab".repeat(32))).toBe(
      `x/sha256/ab/ab/${"ab".repeat(32)}`,
    );
    expect(new S3ArtifactStore({ bucket: "b" }).keyOf("cd".repeat(32))).toBe(
      `sha256/cd/cd/${"cd".repeat(32)}`,
    );
    for (const bad of ["s3://", "s3:///prefix", "s3://Bad_Bucket/x", "https://bucket/x"]) {
      expect(() => parseS3Uri(bad)).toThrow(expect.objectContaining({ code: "UNSUPPORTED_URI" }));
    }
  });

  it("takes endpoint, region and credentials from the AWS variables", async () => {
    const store = S3ArtifactStore.fromUri(`s3://${s3.bucket}/from-env`, {
      env: {
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      },
    });
    expect(store.endpoint).toBe(s3.endpoint);
    const ref = await store.put("from the environment");
    expect((await store.get(ref.sha256)).toString()).toBe("from the environment");
  });

  it("answers STORE_UNAVAILABLE for an endpoint nobody listens on and for a missing bucket", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const gone = await storeFor({ endpoint: `http://127.0.0.1:${port}` });
    const e = await expectCode(gone.has(sha(Buffer.from("x"))), "STORE_UNAVAILABLE");
    expect(e.message).toContain(`http://127.0.0.1:${port}`);
    await expectCode(gone.put("x"), "STORE_UNAVAILABLE");
    const noBucket = await storeFor({ bucket: "no-such-bucket" });
    const missing = await expectCode(noBucket.put("x"), "STORE_UNAVAILABLE");
    expect(missing.message).toContain("NoSuchBucket");
  });

  it("is what openStore gives for an s3:// artifacts URI, from the option or $SEXTANT_ARTIFACTS_URI", async () => {
    const env = {
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      SEXTANT_ARTIFACTS_URI: `s3://${s3.bucket}/pg-blobs`,
    };
    const schema = `sx_test_${randomBytes(6).toString("hex")}`;
    const pg = await openStore({ uri: `${PG_URL}?schema=${schema}`, env, s3Endpoint: s3.endpoint });
    try {
      expect(pg.artifacts).toBeInstanceOf(S3ArtifactStore);
      expect(pg.artifacts.uri).toBe(`s3://${s3.bucket}/pg-blobs`);
      const ref = await pg.artifacts.put("through openStore");
      expect(await s3.keys("pg-blobs/")).toEqual([(pg.artifacts as S3ArtifactStore).keyOf(ref.sha256)]);
    } finally {
      await (pg.store as PostgresStore).dropSchema();
      await pg.store.close();
    }
    const dir = await mkdtemp(join(tmpdir(), "sextant-open-s3-"));
    try {
      const local = await openStore({
        uri: dir,
        artifactsUri: `s3://${s3.bucket}/local`,
        env,
        s3Endpoint: s3.endpoint,
      });
      expect((local.artifacts as S3ArtifactStore).prefix).toBe("local");
      await local.store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
