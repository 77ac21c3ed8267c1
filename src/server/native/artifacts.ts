/** /api/v1/blobs (content-addressed bytes) and /api/v1/runs/:runId/artifacts (the path index). */
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ArtifactList, BlobRef, Ok, runId, sha256Param } from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import { blobPayload } from "../blobs.js";
import type { ServerContext } from "../context.js";

const tags = ["artifacts"];

export function artifactRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    // Uploads stream straight into the blob store; the size limit is enforced while hashing.
    root.addContentTypeParser("application/octet-stream", (_req, payload, done) => done(null, payload));
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, artifacts } = ctx;

    app.put(
      "/blobs/:sha256",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Upload bytes under their sha256 (checked)",
          response: { 200: BlobRef },
          params: z.strictObject({ sha256: sha256Param }),
        },
      },
      async (req) => {
        const body = req.body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== "function") {
          throw new SextantError("UNSUPPORTED_MEDIA_TYPE", "upload the bytes as application/octet-stream");
        }
        return artifacts.putStream(body, {
          maxBytes: ctx.maxArtifactBytes,
          expectedSha256: req.params.sha256,
        });
      },
    );

    app.head(
      "/blobs/:sha256",
      {
        schema: {
          tags,
          summary: "Whether a blob is stored",
          params: z.strictObject({ sha256: sha256Param }),
        },
      },
      async (req, reply) => {
        reply.code((await artifacts.has(req.params.sha256)) ? 200 : 404);
        return "";
      },
    );

    app.get(
      "/blobs/:sha256",
      {
        schema: {
          tags,
          summary: "Download a blob (verified against its hash; a corrupt large one is cut off)",
          response: { 200: { type: "string", format: "binary" } },
          params: z.strictObject({ sha256: sha256Param }),
        },
      },
      async (req, reply) => blobPayload(reply, artifacts, req.params.sha256),
    );

    app.post(
      "/runs/:runId/artifacts",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Record an uploaded blob at a path of the run's artifacts",
          response: { 200: Ok },
          params: z.strictObject({ runId }),
          body: z.strictObject({
            path: z.string(),
            sha256: sha256Param,
            size: z.number().int().nonnegative(),
            createdTime: z.number().int().optional(),
          }),
        },
      },
      async (req) => {
        const { path, sha256, size } = req.body;
        if (!(await artifacts.has(sha256))) {
          throw new SextantError(
            "ARTIFACT_NOT_FOUND",
            `blob ${sha256} has not been uploaded; PUT it to /api/v1/blobs first`,
            { sha256 },
          );
        }
        await store.runs.recordArtifact(req.params.runId, {
          path,
          sha256,
          size,
          createdTime: req.body.createdTime ?? ctx.clock.now(),
        });
        return { ok: true };
      },
    );

    app.get(
      "/runs/:runId/artifacts",
      {
        schema: {
          tags,
          summary: "List a run's artifacts under a directory",
          response: { 200: ArtifactList },
          params: z.strictObject({ runId }),
          querystring: z.strictObject({ prefix: z.string().optional() }),
        },
      },
      async (req) => ({
        artifacts: await store.runs.listArtifacts(req.params.runId, req.query.prefix ?? ""),
      }),
    );

    app.get(
      "/runs/:runId/artifacts/file",
      {
        schema: {
          tags,
          summary: "Download one artifact by path",
          response: { 200: { type: "string", format: "binary" } },
          params: z.strictObject({ runId }),
          querystring: z.strictObject({ path: z.string() }),
        },
      },
      async (req, reply) => {
        const entry = await store.runs.getArtifact(req.params.runId, req.query.path);
        return blobPayload(reply, artifacts, entry.sha256);
      },
    );
  };
}
