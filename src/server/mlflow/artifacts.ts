/**
 * MLflow's proxied artifact API, over the content-addressed blobs and the store's path index.
 *
 *   PUT /mlflow-artifacts/artifacts/<root>/<run_id>/artifacts/<path>   upload (any content type)
 *   GET /mlflow-artifacts/artifacts/<root>/<run_id>/artifacts/<path>   download
 *   GET /mlflow-artifacts/artifacts?path=<root>/<run_id>/artifacts/<dir>  direct children of dir
 *   GET /mlflow/artifacts/list?run_id=…&path=<dir>                      the same, run-relative
 *
 * A run's artifact_uri is `mlflow-artifacts:/<root>/<run_id>/artifacts` (<root> is the
 * experiment's artifact location, its id by default); the Python client resolves it to the URLs
 * above. The listing returns base names, as MLflow's server does; the client joins them to the
 * directory it asked for.
 */
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { SextantError, validateArtifactPath } from "../../core/index.js";
import type { Run } from "../../store/index.js";
import { blobPayload } from "../blobs.js";
import type { ServerContext } from "../context.js";
import { trimTrailingSlashes } from "./convert.js";
import { hidden, runIdFields, runIdOf } from "./schemas.js";

const RUN_ID = /^[0-9a-f]{32}$/;

export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** The proxied root of an `mlflow-artifacts:` URI (`mlflow-artifacts://host/0/x/artifacts` → `0/x/artifacts`). */
function proxiedRoot(uri: string): string | null {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  return m ? trimTrailingSlashes(m[1]!) : null;
}

/** Where a proxied path points: the run and the path inside its artifacts ("" for the root). */
interface Located {
  run: Run;
  rel: string;
}

export function artifactRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    // The client uploads with a content type guessed from the file name (text/plain,
    // application/json, …) or none: every body reaches the upload route as the raw stream.
    root.removeAllContentTypeParsers();
    root.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, artifacts } = ctx;

    /**
     * Finds the run a proxied path belongs to. null when the path does not reach into a run's
     * artifacts. @throws INVALID_NAME for unsafe paths, RUN_NOT_FOUND, ARTIFACT_NOT_FOUND when
     * the run's artifacts live elsewhere
     */
    async function locate(path: string): Promise<Located | null> {
      validateArtifactPath(path);
      const segs = path.split("/");
      let i = 1;
      while (i < segs.length - 1 && !(RUN_ID.test(segs[i]!) && segs[i + 1] === "artifacts")) i++;
      if (i >= segs.length - 1) return null;
      const run = await store.runs.getRun(segs[i]!);
      const rootPath = segs.slice(0, i + 2).join("/");
      if (proxiedRoot(run.info.artifactUri) !== rootPath) {
        throw new SextantError(
          "ARTIFACT_NOT_FOUND",
          `run ${run.info.runId} keeps its artifacts at ${run.info.artifactUri}, not under '${rootPath}'`,
          {
            runId: run.info.runId,
            path,
          },
        );
      }
      return { run, rel: segs.slice(i + 2).join("/") };
    }

    async function locateFile(path: string): Promise<Located> {
      const at = await locate(path);
      if (!at) {
        throw new SextantError(
          "INVALID_NAME",
          `'${path}' is not a run artifact path; expected <experiment_id>/<run_id>/artifacts/<path>`,
          { path },
        );
      }
      if (at.rel === "")
        throw new SextantError("INVALID_NAME", "the path names the artifact root, not a file", { path });
      return at;
    }

    /** The direct children of `dir` ("" for the root) in a run's artifacts, sorted by name. */
    async function children(runId: string, dir: string): Promise<FileInfo[]> {
      const entries = await store.runs.listArtifacts(runId, dir);
      const prefix = dir === "" ? "" : `${dir}/`;
      const out = new Map<string, FileInfo>();
      for (const e of entries) {
        if (!e.path.startsWith(prefix)) continue;
        const rest = e.path.slice(prefix.length);
        const slash = rest.indexOf("/");
        if (slash === -1) out.set(rest, { path: rest, is_dir: false, file_size: e.size });
        else if (!out.has(rest.slice(0, slash)))
          out.set(rest.slice(0, slash), { path: rest.slice(0, slash), is_dir: true });
      }
      return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }

    app.put(
      "/mlflow-artifacts/artifacts/*",
      { config: { scope: "write" }, schema: { ...hidden, params: z.strictObject({ "*": z.string() }) } },
      async (req) => {
        const { run, rel } = await locateFile(req.params["*"]);
        validateArtifactPath(rel);
        if (run.info.lifecycleStage !== "active") {
          throw new SextantError(
            "INVALID_STATE",
            `run ${run.info.runId} is deleted; restore it before writing to it`,
            {
              runId: run.info.runId,
            },
          );
        }
        const body = req.body as Readable | undefined;
        const source: AsyncIterable<Uint8Array> =
          body && typeof body[Symbol.asyncIterator] === "function" ? body : (async function* () {})();
        const blob = await artifacts.putStream(source, { maxBytes: ctx.maxArtifactBytes });
        await store.runs.recordArtifact(run.info.runId, {
          path: rel,
          sha256: blob.sha256,
          size: blob.size,
          createdTime: ctx.clock.now(),
        });
        await store.runs.heartbeat(run.info.runId, ctx.clock.now());
        return {};
      },
    );

    app.get(
      "/mlflow-artifacts/artifacts/*",
      { schema: { ...hidden, params: z.strictObject({ "*": z.string() }) } },
      async (req, reply) => {
        const { run, rel } = await locateFile(req.params["*"]);
        const entry = await store.runs.getArtifact(run.info.runId, rel);
        const payload = await blobPayload(reply, artifacts, entry.sha256);
        const name = rel.slice(rel.lastIndexOf("/") + 1);
        reply
          .header("content-disposition", `attachment; filename="${encodeURIComponent(name)}"`)
          .header("x-content-type-options", "nosniff");
        return payload;
      },
    );

    app.get(
      "/mlflow-artifacts/artifacts",
      { schema: { ...hidden, querystring: z.strictObject({ path: z.string().optional() }) } },
      async (req) => {
        const path = trimTrailingSlashes(req.query.path ?? "");
        if (path === "") return {};
        const at = await locate(path);
        if (!at) return {};
        const files = await children(at.run.info.runId, at.rel);
        return files.length > 0 ? { files } : {};
      },
    );

    app.get(
      "/mlflow/artifacts/list",
      {
        schema: {
          ...hidden,
          querystring: z.strictObject({
            ...runIdFields,
            path: z.string().optional(),
            page_token: z.string().optional(),
          }),
        },
      },
      async (req) => {
        const run = await store.runs.getRun(runIdOf(req.query));
        const dir = trimTrailingSlashes(req.query.path ?? "");
        if (dir !== "") validateArtifactPath(dir);
        const files = (await children(run.info.runId, dir)).map((f) => ({
          ...f,
          path: dir === "" ? f.path : `${dir}/${f.path}`,
        }));
        return { root_uri: run.info.artifactUri, ...(files.length > 0 ? { files } : {}) };
      },
    );
  };
}
