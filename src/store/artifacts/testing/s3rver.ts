/**
 * A real S3-protocol server for tests: s3rver (the npm package), in this process, on 127.0.0.1 at
 * a free port, over a temporary directory. Tests start it in beforeAll and stop it in afterAll.
 *
 * s3rver 3.7 leaves out two calls this project's S3 store makes, and answers an upload before
 * its bytes are on disk; the fix-ups below fill that in over s3rver's own file store, so every
 * object and open upload is still s3rver's state:
 *   - AbortMultipartUpload (DELETE …?uploadId=) and UploadPartCopy (PUT …?uploadId=&partNumber=
 *     with x-amz-copy-source);
 *   - PutObject and UploadPart resolve once the file is written, not when the last chunk is queued.
 * It also records the S3 operation of every request, for tests that count UploadPart calls, and
 * answers 500 InternalError to the operations a test names in `failing`.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

const require = createRequire(import.meta.url);

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
  get(header: string): string;
  req: Readable;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface FileStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  getObject(
    bucket: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ content: Readable | null } | null>;
}
interface S3Object {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}
interface S3rverInstance {
  middleware: Middleware[];
  store: FileStore;
  context: { store: FileStore };
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const S3rver = require("s3rver") as new (options: Record<string, unknown>) => S3rverInstance;
const FilesystemStore = require("s3rver/lib/stores/filesystem.js") as new (dir: string) => FileStore;

/** Writes `content` to `path`, resolving once it is on disk, with its size and md5. */
async function writeHashed(content: Buffer | Readable, path: string): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const md5 = createHash("md5");
  let size = 0;
  await pipeline(
    Buffer.isBuffer(content) ? [content] : content,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(path),
  );
  return { size, md5: md5.digest("hex") };
}

class FixedStore extends FilesystemStore {
  uploadsDir(bucket: string): string {
    return this.getResourcePath(bucket, undefined, "uploads");
  }

  async putObject(object: S3Object): Promise<{ size: number; md5: string }> {
    const written = await writeHashed(
      object.content,
      this.getResourcePath(object.bucket, object.key, "object"),
    );
    await this.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  }

  async putPart(bucket: string, uploadId: string, partNumber: number, content: Readable) {
    const path = join(this.uploadsDir(bucket), uploadId, String(partNumber));
    const written = await writeHashed(content, path);
    await writeFile(`${path}.md5`, written.md5);
    return written;
  }

  /** The open multipart uploads of a bucket. */
  async uploads(bucket: string): Promise<Array<{ Key: string; UploadId: string }>> {
    let ids: string[];
    try {
      ids = await readdir(this.uploadsDir(bucket));
    } catch {
      return [];
    }
    return Promise.all(
      ids.map(async (UploadId) => ({
        UploadId,
        Key: await readFile(join(this.uploadsDir(bucket), UploadId, "key"), "utf8"),
      })),
    );
  }
}

/** The S3 operation a request is, by method, path and query. */
function operationOf(ctx: KoaContext): string {
  const object = ctx.path.split("/").filter(Boolean).length > 1;
  const q = ctx.query;
  const copy = ctx.get("x-amz-copy-source") !== "";
  if (!object) return `${ctx.method} bucket${"uploads" in q ? " uploads" : ""}`;
  switch (ctx.method) {
    case "HEAD":
      return "HeadObject";
    case "GET":
      return "GetObject";
    case "DELETE":
      return "uploadId" in q ? "AbortMultipartUpload" : "DeleteObject";
    case "POST":
      return "uploads" in q ? "CreateMultipartUpload" : "CompleteMultipartUpload";
    default:
      if ("uploadId" in q) return copy ? "UploadPartCopy" : "UploadPart";
      return copy ? "CopyObject" : "PutObject";
  }
}

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A client of its own, for tests that reach behind the store. */
  client: S3Client;
  /** The S3 operation of every request so far, in order. */
  operations: string[];
  /** Operations answered with 500 InternalError (every attempt) while they are in the set. */
  failing: Set<string>;
  /** Every key under `prefix`. */
  keys(prefix: string): Promise<string[]>;
  /** The multipart uploads s3rver holds open. */
  uploads(): Promise<Array<{ Key: string; UploadId: string }>>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = "sextant-test"): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), "sextant-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const store = new FixedStore(directory);
  server.store = server.context.store = store;
  const operations: string[] = [];
  const failing = new Set<string>();
  const fixups: Middleware = async (ctx, next) => {
    const operation = operationOf(ctx);
    operations.push(operation);
    if (failing.has(operation)) {
      ctx.req.resume();
      ctx.status = 500;
      ctx.body = { Error: { Code: "InternalError", Message: `${operation} fails in this test` } };
      return;
    }
    const name = ctx.path.split("/").filter(Boolean).map(decodeURIComponent)[0];
    if (name === undefined) return next();
    const uploadId = ctx.query.uploadId;
    if (ctx.method === "DELETE" && uploadId) {
      await rm(join(store.uploadsDir(name), uploadId), { recursive: true, force: true });
      ctx.status = 204;
    } else if (ctx.method === "PUT" && uploadId && ctx.get("x-amz-copy-source") !== "") {
      const [srcBucket, ...srcKey] = decodeURIComponent(
        ctx.get("x-amz-copy-source").replace(/^\//, ""),
      ).split("/");
      const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get("x-amz-copy-source-range"));
      const source = await store.getObject(
        srcBucket!,
        srcKey.join("/"),
        range ? { start: Number(range[1]), end: Number(range[2]) } : undefined,
      );
      if (!source?.content) {
        ctx.status = 404;
        ctx.body = { Error: { Code: "NoSuchKey", Message: "The specified key does not exist." } };
        return;
      }
      const { md5 } = await store.putPart(name, uploadId, Number(ctx.query.partNumber), source.content);
      ctx.body = { CopyPartResult: { ETag: JSON.stringify(md5), LastModified: new Date().toISOString() } };
    } else await next();
  };
  // before s3rver's router, after its XML encoder
  server.middleware.splice(server.middleware.length - 1, 0, fixups);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    endpoint,
    bucket,
    credentials,
    client,
    operations,
    failing,
    async keys(prefix) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        out.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return out.sort();
    },
    uploads: () => store.uploads(bucket),
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
