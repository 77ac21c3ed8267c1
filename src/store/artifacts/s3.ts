/**
 * Content-addressed blobs in an S3 bucket, or on any server that speaks the S3 protocol.
 *
 * A blob is the object `<prefix>/sha256/ab/cd/<hash>`, with its sha256 and size in the object's
 * metadata; it is written once and verified on every read, like the files of FsArtifactStore.
 *   - bytes known up front (`put`) up to `partBytes` (8 MiB) go as one PutObject, larger ones as a
 *     multipart upload straight to the blob's key, which appears only when the upload completes;
 *   - a stream (`putStream`, `putFile`) is hashed as it is read. Up to 8 MiB it is held in memory
 *     and sent as one PutObject once its hash is known. Beyond that it goes as a multipart upload
 *     (parts of 8 MiB or more) to a temporary key `<prefix>/tmp/<uuid>`, is copied on the server
 *     to the blob's key once its hash is known (CopyObject, or UploadPartCopy past `copyLimitBytes`)
 *     and the temporary object is deleted. On any failure (the size limit, a hash mismatch, the
 *     network) the multipart upload is aborted and the temporary object deleted: nothing is stored.
 *   - reads stream the object through the shared verifier: an object whose size is not the one
 *     recorded in its metadata is refused before any byte is read, one whose bytes do not hash to
 *     its key fails with ARTIFACT_CORRUPT at the end, before its last chunk.
 *
 * Endpoint, region and credentials come from the options, else from the usual AWS variables
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), else from the AWS SDK's default chain (profiles,
 * instance roles). An explicit endpoint is addressed path-style. The SDK is loaded on first use,
 * so nothing pays for it unless an s3:// store is opened.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { CompletedPart, GetObjectCommandOutput, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { SextantError, sha256 } from "../../core/index.js";
import {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  blobNotFound,
  checkExpected,
  checkHash,
  hashing,
  localFileStream,
  type PutStreamOptions,
  readAll,
  SMALL_BLOB_BYTES,
  toBytes,
  verifiedStream,
  wrongSize,
} from "./contract.js";

type Sdk = typeof import("@aws-sdk/client-s3");

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix (slashes at either end are dropped; "" for the bucket's root). */
  prefix?: string;
  /** An S3-protocol server's URL (MinIO, Ceph, …); default $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /** Default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1 (requests follow a bucket's region). */
  region?: string;
  /** Default $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY / $AWS_SESSION_TOKEN, else the SDK's chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Where the AWS_* variables are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Upload part size, and the largest stream sent as one PutObject (default 8 MiB; S3 wants ≥ 5 MiB). */
  partBytes?: number;
  /** Largest object one CopyObject copies (default 5 GiB, S3's limit); larger ones are copied in parts of this size. */
  copyLimitBytes?: number;
}

/** S3 allows at most this many parts in one multipart upload. */
const MAX_PARTS = 10_000;

/** `s3://bucket/prefix` → its bucket and prefix. @throws UNSUPPORTED_URI */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]+)\/*([^?#]*)$/i.exec(uri);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!)) {
    throw new SextantError("UNSUPPORTED_URI", `not an S3 location '${uri}': expected s3://bucket/prefix`, {
      uri,
    });
  }
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, "") };
}

/** Whether an SDK error says the object is not there (HEAD answers carry no error code, just 404). */
function isMissing(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === "NoSuchKey" || name === "NotFound";
}

/** Reads `iterator` until at least `n` bytes are in hand or it ends. */
async function gather(
  iterator: AsyncIterator<Uint8Array>,
  n: number,
): Promise<{ bytes: Buffer; done: boolean }> {
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < n) {
    const next = await iterator.next();
    if (next.done) return { bytes: Buffer.concat(parts), done: true };
    parts.push(next.value);
    size += next.value.byteLength;
  }
  return { bytes: Buffer.concat(parts), done: false };
}

export class S3ArtifactStore implements ArtifactStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The S3-protocol server, when not AWS. */
  readonly endpoint: string | undefined;
  readonly #config: S3ClientConfig;
  readonly #partBytes: number;
  readonly #copyLimitBytes: number;
  #client: Promise<{ sdk: Sdk; client: S3Client }> | null = null;

  constructor(options: S3ArtifactStoreOptions) {
    const env = options.env ?? process.env;
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.uri = `s3://${this.bucket}/${this.prefix}`;
    this.endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    this.#partBytes = options.partBytes ?? SMALL_BLOB_BYTES;
    this.#copyLimitBytes = options.copyLimitBytes ?? 5 * 2 ** 30;
    const credentials =
      options.credentials ??
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined);
    this.#config = {
      region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
      followRegionRedirects: true,
      ...(credentials ? { credentials } : {}),
      ...(this.endpoint ? { endpoint: this.endpoint, forcePathStyle: true } : {}),
      // No CRC32 checksums of the SDK's own: S3 refuses checksummed parts of a multipart upload
      // created without a checksum algorithm, S3-protocol servers vary in their support, and every
      // read is verified against the sha256 anyway.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
  }

  /** The store for `s3://bucket/prefix`. @throws UNSUPPORTED_URI */
  static fromUri(
    uri: string,
    options: Omit<S3ArtifactStoreOptions, "bucket" | "prefix"> = {},
  ): S3ArtifactStore {
    return new S3ArtifactStore({ ...parseS3Uri(uri), ...options });
  }

  #base(): string {
    return this.prefix === "" ? "" : `${this.prefix}/`;
  }

  /** The key a blob lives at. */
  keyOf(hash: string): string {
    return `${this.#base()}sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
  }

  /** Where streamed uploads wait until their hash is known. */
  get tmpPrefix(): string {
    return `${this.#base()}tmp/`;
  }

  /** Runs one S3 call; its failures become STORE_UNAVAILABLE naming the call and S3's answer. */
  async #call<T>(operation: string, fn: (sdk: Sdk, client: S3Client) => Promise<T>): Promise<T> {
    this.#client ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      client: new sdk.S3Client(this.#config),
    }));
    const { sdk, client } = await this.#client;
    try {
      return await fn(sdk, client);
    } catch (e) {
      throw this.#failure(operation, e);
    }
  }

  #failure(operation: string, e: unknown): SextantError {
    if (e instanceof SextantError) return e;
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const at = this.endpoint ? ` at ${this.endpoint}` : "";
    return new SextantError(
      "STORE_UNAVAILABLE",
      `the artifact store ${this.uri}${at} failed ${operation}: ${err.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${err.message ?? String(e)}`,
      { uri: this.uri, operation, error: err.name, status },
      { cause: e },
    );
  }

  /** The sha256 and size a blob's object carries. */
  #metadata(ref: BlobRef): Record<string, string> {
    return { sha256: ref.sha256, size: String(ref.size) };
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    try {
      await this.#call("HeadObject", (sdk, client) =>
        client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) })),
      );
      return true;
    } catch (e) {
      if (isMissing((e as SextantError).cause)) return false;
      throw e;
    }
  }

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = toBytes(data);
    const ref = { sha256: sha256(bytes), size: bytes.byteLength };
    if (await this.has(ref.sha256)) return ref;
    if (bytes.byteLength <= this.#partBytes) await this.#putObject(ref, bytes);
    else {
      const parts = (async function* (n: number) {
        for (let i = 0; i < bytes.byteLength; i += n) yield bytes.subarray(i, i + n);
      })(this.#partBytes);
      // straight to the blob's key: the object appears only once the upload completes
      await this.#upload(this.keyOf(ref.sha256), this.#metadata(ref), Buffer.alloc(0), parts);
    }
    return ref;
  }

  async putFile(path: string): Promise<BlobRef> {
    return this.putStream(await localFileStream(path));
  }

  async putStream(source: AsyncIterable<Uint8Array>, options: PutStreamOptions = {}): Promise<BlobRef> {
    const h = createHash("sha256");
    const count = { size: 0 };
    const chunks = hashing(
      h,
      count,
      options.maxBytes ?? Number.POSITIVE_INFINITY,
    )(source)[Symbol.asyncIterator]();
    const first = await gather(chunks, this.#partBytes + 1);
    if (first.done) {
      const ref = { sha256: h.digest("hex"), size: count.size };
      checkExpected(options.expectedSha256, ref.sha256);
      if (!(await this.has(ref.sha256))) await this.#putObject(ref, first.bytes);
      return ref;
    }
    const tmp = `${this.tmpPrefix}${randomUUID()}`;
    let uploaded = false;
    try {
      await this.#upload(tmp, undefined, first.bytes, chunks);
      uploaded = true;
      const ref = { sha256: h.digest("hex"), size: count.size };
      checkExpected(options.expectedSha256, ref.sha256);
      if (!(await this.has(ref.sha256))) await this.#copy(tmp, ref);
      return ref;
    } catch (e) {
      await chunks.return?.(); // stops reading the source
      throw e;
    } finally {
      // The blob is stored, or the put fails with its own error; a temporary object that cannot
      // be deleted now is left to a lifecycle rule on the tmp/ prefix.
      if (uploaded) await this.#delete(tmp).catch(() => {});
    }
  }

  async #putObject(ref: BlobRef, bytes: Uint8Array): Promise<void> {
    await this.#call("PutObject", (sdk, client) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(ref.sha256),
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: "application/octet-stream",
          Metadata: this.#metadata(ref),
        }),
      ),
    );
  }

  #partSize(partNumber: number): number {
    // parts grow every 1,000 so that 10,000 of them hold far more than any upload limit
    return this.#partBytes * Math.ceil(partNumber / 1000);
  }

  /** `first`, then the rest of `chunks`, as a multipart upload to `key`, in parts of `#partSize`. */
  async #upload(
    key: string,
    metadata: Record<string, string> | undefined,
    first: Buffer,
    chunks: AsyncIterator<Uint8Array>,
  ): Promise<void> {
    await this.#multipart(key, metadata, async (UploadId) => {
      const parts: CompletedPart[] = [];
      let pending = first;
      for (;;) {
        const PartNumber = parts.length + 1;
        const next = await gather(chunks, Math.max(0, this.#partSize(PartNumber) - pending.byteLength));
        const body = Buffer.concat([pending, next.bytes]);
        pending = Buffer.alloc(0);
        if (body.byteLength === 0) return parts;
        if (PartNumber > MAX_PARTS) {
          throw new SextantError("REQUEST_TOO_LARGE", `the upload is over S3's limit of ${MAX_PARTS} parts`);
        }
        const { ETag } = await this.#call("UploadPart", (sdk, client) =>
          client.send(
            new sdk.UploadPartCommand({
              Bucket: this.bucket,
              Key: key,
              UploadId,
              PartNumber,
              Body: body,
              ContentLength: body.byteLength,
            }),
          ),
        );
        parts.push({ PartNumber, ETag });
        if (next.done) return parts;
      }
    });
  }

  /** Copies a completed temporary object to its blob's key, with the blob's metadata. */
  async #copy(tmp: string, ref: BlobRef): Promise<void> {
    const CopySource = `${this.bucket}/${tmp.split("/").map(encodeURIComponent).join("/")}`;
    const Key = this.keyOf(ref.sha256);
    if (ref.size <= this.#copyLimitBytes) {
      await this.#call("CopyObject", (sdk, client) =>
        client.send(
          new sdk.CopyObjectCommand({
            Bucket: this.bucket,
            Key,
            CopySource,
            MetadataDirective: "REPLACE",
            ContentType: "application/octet-stream",
            Metadata: this.#metadata(ref),
          }),
        ),
      );
      return;
    }
    await this.#multipart(Key, this.#metadata(ref), async (UploadId) => {
      const parts: CompletedPart[] = [];
      for (let start = 0; start < ref.size; start += this.#copyLimitBytes) {
        const PartNumber = parts.length + 1;
        const end = Math.min(start + this.#copyLimitBytes, ref.size) - 1;
        const { CopyPartResult } = await this.#call("UploadPartCopy", (sdk, client) =>
          client.send(
            new sdk.UploadPartCopyCommand({
              Bucket: this.bucket,
              Key,
              UploadId,
              PartNumber,
              CopySource,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ PartNumber, ETag: CopyPartResult?.ETag });
      }
      return parts;
    });
  }

  /** One multipart upload to `key`: `uploadParts` sends its parts; aborted when anything fails. */
  async #multipart(
    key: string,
    metadata: Record<string, string> | undefined,
    uploadParts: (uploadId: string) => Promise<CompletedPart[]>,
  ): Promise<void> {
    const { UploadId } = await this.#call("CreateMultipartUpload", (sdk, client) =>
      client.send(
        new sdk.CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: "application/octet-stream",
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      ),
    );
    if (!UploadId) throw this.#failure("CreateMultipartUpload", new Error("the answer has no upload id"));
    try {
      const Parts = await uploadParts(UploadId);
      await this.#call("CompleteMultipartUpload", (sdk, client) =>
        client.send(
          new sdk.CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts },
          }),
        ),
      );
    } catch (e) {
      // the first failure is the one to report; an upload left open is dropped by S3's
      // AbortIncompleteMultipartUpload lifecycle rule
      await this.#call("AbortMultipartUpload", (sdk, client) =>
        client.send(new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId })),
      ).catch(() => {});
      throw e;
    }
  }

  async #delete(key: string): Promise<void> {
    await this.#call("DeleteObject", (sdk, client) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async get(hash: string): Promise<Buffer> {
    return readAll((await this.getStream(hash)).stream);
  }

  async getStream(hash: string): Promise<BlobStream> {
    checkHash(hash);
    let res: GetObjectCommandOutput;
    try {
      res = await this.#call("GetObject", (sdk, client) =>
        client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) })),
      );
    } catch (e) {
      if (isMissing((e as SextantError).cause)) throw blobNotFound(hash, this.uri);
      throw e;
    }
    const body = res.Body as Readable | undefined;
    const stored = res.ContentLength;
    if (!body || stored === undefined) {
      body?.destroy();
      throw this.#failure("GetObject", new Error("the answer has no body or no content length"));
    }
    const recorded = res.Metadata?.size === undefined ? stored : Number(res.Metadata.size);
    if (stored !== recorded) {
      body.destroy();
      throw wrongSize(hash, recorded, stored);
    }
    return { size: recorded, stream: verifiedStream(hash, recorded, body, this.uri) };
  }
}
