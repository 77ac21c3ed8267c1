/**
 * /api/2.0/mlflow/registered-models/* and /api/2.0/mlflow/model-versions/*: MLflow's model
 * registry endpoints (mlflow/protos/model_registry.proto, mlflow/server/handlers.py) over the
 * Sextant registry, so the unmodified Python client's `mlflow.register_model`,
 * `MlflowClient().transition_model_version_stage`, `set_registered_model_alias` and
 * `get_model_version_by_alias` work against this server.
 *
 * Shapes follow the proto's JSON mapping as MLflow writes it: `version` is a string, timestamps
 * are int64 numbers, status is READY (a version exists only once its files are verified), empty
 * repeated fields and unset strings are left out. GET requests read their message from the query
 * string, the others from the JSON body; DELETE takes either (the Python client sends a body).
 *
 * Where Sextant is stricter than MLflow:
 * - A version is registered from a run's files: `source` is `runs:/RUN_ID/PATH`, the run's
 *   artifact location with `run_id` (what `mlflow.register_model` sends), or a `models:/` URI of
 *   a version that was; every file's bytes must be in the artifact store, else nothing is made.
 * - Stage changes go through the model's promotion policy: a refusal is INVALID_STATE (HTTP 409)
 *   whose message lists every unmet condition (`details.unmet` has them as data).
 * - A model or version that is live (Staging, Production, an alias) cannot be deleted.
 *
 * Every route calls the registry service (ModelRegistry) with the caller's token; searches use
 * the one filter grammar (MLflow's, plus OR and parentheses) and run in SQL.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { SextantError } from "../../core/index.js";
import { type ModelRegistry, parseModelUri, parseRunsUri } from "../../registry/index.js";
import type { ModelVersion, RegisteredModel } from "../../store/index.js";
import { STAGES } from "../../store/index.js";
import { registryFor } from "../auth.js";
import type { ServerContext } from "../context.js";
import { keyValues, trimTrailingSlashes } from "./convert.js";
import { hidden, int64, message, repeatedString, required } from "./schemas.js";

/** MLflow's bounds on registered-model search (SearchRegisteredModels.max_results). */
export const MODELS_DEFAULT_RESULTS = 100;
export const MODELS_MAX_RESULTS = 1000;
/** MLflow's bounds on model-version search (its SQL store's default and threshold). */
export const VERSIONS_DEFAULT_RESULTS = 10_000;
export const VERSIONS_MAX_RESULTS = 200_000;
/** Longest tag key and value MLflow's registry guarantees. */
const MAX_TAG_KEY = 250;
const MAX_TAG_VALUE = 5000;

// ------------------------------------------------------------------ shapes

/** A version as MLflow's ModelVersion message. */
export function versionToMlflow(v: ModelVersion) {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.createdTime,
    last_updated_timestamp: v.updatedTime,
    user_id: v.creator,
    current_stage: v.currentStage,
    ...(v.description === "" ? {} : { description: v.description }),
    source: v.source,
    ...(v.runId === null ? {} : { run_id: v.runId }),
    status: "READY",
    ...(Object.keys(v.tags).length > 0 ? { tags: keyValues(v.tags) } : {}),
    ...(v.aliases.length > 0 ? { aliases: [...v.aliases].sort() } : {}),
  };
}

/** The newest version in each stage, in stage order (None, Staging, Production, Archived). */
function latestPerStage(versions: readonly ModelVersion[]): ModelVersion[] {
  const out: ModelVersion[] = [];
  for (const stage of STAGES) {
    let best: ModelVersion | undefined;
    for (const v of versions) if (v.currentStage === stage && (!best || v.version > best.version)) best = v;
    if (best) out.push(best);
  }
  return out;
}

/** A registered model as MLflow's RegisteredModel message; `versions` are all of its versions. */
export function modelToMlflow(m: RegisteredModel, versions: readonly ModelVersion[]) {
  const latest = latestPerStage(versions).map(versionToMlflow);
  const aliases = Object.keys(m.aliases)
    .sort()
    .map((alias) => ({ alias, version: String(m.aliases[alias]) }));
  return {
    name: m.name,
    creation_timestamp: m.createdTime,
    last_updated_timestamp: m.updatedTime,
    ...(m.description === "" ? {} : { description: m.description }),
    ...(latest.length > 0 ? { latest_versions: latest } : {}),
    ...(Object.keys(m.tags).length > 0 ? { tags: keyValues(m.tags) } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}

// ------------------------------------------------------------------ errors as MLflow words them

/** MLflow's messages for the registry's not-found and already-exists errors (same codes). */
function mlflowWording(e: unknown): unknown {
  if (!(e instanceof SextantError)) return e;
  const name = String(e.details.name ?? "");
  const reword = (message: string) => new SextantError(e.code, message, { ...e.details }, { cause: e });
  switch (e.code) {
    case "MODEL_NOT_FOUND":
      return reword(`Registered Model with name=${name} not found`);
    case "MODEL_VERSION_NOT_FOUND":
      return e.details.version === undefined
        ? e
        : reword(`Model Version (name=${name}, version=${String(e.details.version)}) not found`);
    case "MODEL_ALREADY_EXISTS":
      return reword(`Registered Model (name=${name}) already exists.`);
    default:
      return e;
  }
}

async function worded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mlflowWording(e);
  }
}

// ------------------------------------------------------------------ request fields

/** A version number field: the proto's string, or a JSON integer. */
const versionField = z
  .union([z.string(), z.number()], { error: "Missing value for required parameter 'version'" })
  .transform((v) => String(v))
  .refine((v) => v !== "", "Missing value for required parameter 'version'")
  .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number.isSafeInteger(Number(v)), {
    message: "Model version must be a positive integer",
  });

const tagKey = (name = "key") =>
  required(name).refine((k) => k.length <= MAX_TAG_KEY, `a tag key is at most ${MAX_TAG_KEY} characters`);
const tagValue = z
  .string({ error: "parameter 'value' must be a string" })
  .refine((v) => v.length <= MAX_TAG_VALUE, `a tag value is at most ${MAX_TAG_VALUE} characters`);
const createTags = z
  .array(z.strictObject({ key: tagKey(), value: tagValue.optional() }))
  .max(1000, "at most 1000 tags per request");

function tagMap(tags: ReadonlyArray<{ key: string; value?: string | undefined }> | undefined) {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.key] = t.value ?? "";
  return out;
}

/** proto bool: a JSON boolean, or "true"/"false" from a query string. */
const protoBool = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .transform((v) => v === true || v === "true");

/**
 * A DELETE message: MLflow's Python client sends it as a JSON body, other clients as query
 * parameters; fields from both are read (the body wins).
 */
function deleteMessage<T extends z.ZodType>(req: FastifyRequest, schema: T): z.output<T> {
  let body: unknown = req.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      throw new SextantError("MALFORMED_REQUEST", "the request body is not JSON");
    }
  }
  if (body !== undefined && body !== null && (typeof body !== "object" || Array.isArray(body))) {
    throw new SextantError("INVALID_ARGUMENT", "the request body must be a JSON object");
  }
  const merged = { ...(req.query as Record<string, unknown>), ...((body as Record<string, unknown>) ?? {}) };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: `/${i.path.join("/")}`, message: i.message }));
    throw new SextantError(
      "INVALID_ARGUMENT",
      `invalid request body: ${issues[0]!.path}: ${issues[0]!.message}`,
      { issues },
    );
  }
  return parsed.data;
}

// ------------------------------------------------------------------ sources

/**
 * The comparable path of an artifact URI: `mlflow-artifacts:/p`, `mlflow-artifacts://host/p` and
 * `http(s)://host/api/2.0/mlflow-artifacts/artifacts/p` all name `p`; other URIs stay as they are.
 */
export function artifactPathOf(uri: string): string {
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri);
  if (proxied) return trimTrailingSlashes(proxied[1]!);
  const http = /^https?:\/\/[^/]+\/(?:.*\/)?api\/2\.0\/mlflow-artifacts\/artifacts\/+(.*)$/.exec(uri);
  if (http) return trimTrailingSlashes(http[1]!);
  return trimTrailingSlashes(uri);
}

/** Whether a source, percent-decoded until it stops changing, has `.`/`..` segments or a NUL. */
export function hasRelativeSegments(source: string): boolean {
  let text = source;
  for (let i = 0; i < 8; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text.replaceAll("+", " "));
    } catch {
      return true;
    }
    if (decoded === text) break;
    text = decoded;
  }
  if (text.includes("\0")) return true;
  const path = text.replace(/^[A-Za-z][\w+.-]*:(\/\/[^/]*)?/, "");
  return path.split(/[/\\]/).some((seg) => seg === "." || seg === "..");
}

/**
 * The `runs:/RUN_ID/PATH` a model-version source names: a runs:/ URI (whose run must be `run_id`
 * when both are given), or a path under the run's artifact location (needs `run_id`).
 */
export async function runsSourceOf(
  ctx: ServerContext,
  source: string,
  runId: string | undefined,
): Promise<string> {
  if (hasRelativeSegments(source)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Invalid model version source: '${source}'. The path must be absolute, without '.' or '..' segments`,
      { source },
    );
  }
  if (source.startsWith("runs:/")) {
    const parsed = parseRunsUri(source);
    if (runId && parsed.runId !== runId) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `the source '${source}' is of run ${parsed.runId}, but run_id is ${runId}`,
        { source, runId },
      );
    }
    return `runs:/${parsed.runId}/${parsed.path}`;
  }
  const invalid = () =>
    new SextantError(
      "INVALID_ARGUMENT",
      `Invalid model version source: '${source}'. A version is registered from a run's files: send runs:/RUN_ID/PATH, or a path under the run's artifact location together with run_id`,
      { source, ...(runId ? { runId } : {}) },
    );
  if (!runId) throw invalid();
  const run = await ctx.store.runs.getRun(runId);
  const root = artifactPathOf(run.info.artifactUri);
  const path = artifactPathOf(source);
  if (!path.startsWith(`${root}/`)) throw invalid();
  const rel = path.slice(root.length + 1).replace(/^\/+/, "");
  if (rel === "") throw invalid();
  return `runs:/${runId}/${rel}`;
}

// ------------------------------------------------------------------ search

function checkMaxResults(n: number, max: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Invalid value for request parameter max_results. It must be an integer in 1..${max}, but got value ${n}`,
      { maxResults: n },
    );
  }
}

const searchFields = {
  filter: z.string().optional(),
  max_results: int64.optional(),
  order_by: repeatedString.optional(),
  page_token: z.string().optional(),
};

// ------------------------------------------------------------------ routes

const nameField = required("name");
const nameQuery = z.strictObject({ name: nameField });
const versionQuery = z.strictObject({ name: nameField, version: versionField });

export function registryRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const reg = (req: FastifyRequest): ModelRegistry => registryFor(ctx, req.identity);

    const modelJson = async (req: FastifyRequest, m: RegisteredModel) =>
      modelToMlflow(m, await reg(req).listModelVersions(m.name));

    // ---------------------------------------------------------------- registered models

    app.post(
      "/mlflow/registered-models/create",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              name: nameField,
              tags: createTags.optional(),
              description: z.string().optional(),
            }),
          ),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          const m = await reg(req).createRegisteredModel(b.name, {
            tags: tagMap(b.tags),
            ...(b.description ? { description: b.description } : {}),
          });
          return { registered_model: await modelJson(req, m) };
        }),
    );

    app.get("/mlflow/registered-models/get", { schema: { ...hidden, querystring: nameQuery } }, async (req) =>
      worded(async () => ({
        registered_model: await modelJson(req, await reg(req).getRegisteredModel(req.query.name)),
      })),
    );

    app.post(
      "/mlflow/registered-models/rename",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ name: nameField, new_name: required("new_name") })),
        },
      },
      async (req) =>
        worded(async () => ({
          registered_model: await modelJson(
            req,
            await reg(req).renameRegisteredModel(req.body.name, req.body.new_name),
          ),
        })),
    );

    app.patch(
      "/mlflow/registered-models/update",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ name: nameField, description: z.string().optional() })),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          const m = await reg(req).updateRegisteredModel(b.name, {
            ...(b.description === undefined ? {} : { description: b.description }),
          });
          return { registered_model: await modelJson(req, m) };
        }),
    );

    app.delete(
      "/mlflow/registered-models/delete",
      { config: { scope: "admin" }, schema: hidden },
      async (req) =>
        worded(async () => {
          const b = deleteMessage(req, z.strictObject({ name: nameField }));
          await reg(req).deleteRegisteredModel(b.name);
          return {};
        }),
    );

    app.get(
      "/mlflow/registered-models/search",
      { schema: { ...hidden, querystring: z.strictObject(searchFields) } },
      async (req) => {
        const q = req.query;
        const maxResults = q.max_results ?? MODELS_DEFAULT_RESULTS;
        checkMaxResults(maxResults, MODELS_MAX_RESULTS);
        const { models: items, nextPageToken: next } = await reg(req).searchRegisteredModels({
          filter: q.filter,
          orderBy: q.order_by,
          maxResults,
          pageToken: q.page_token,
        });
        const models = [];
        for (const m of items) models.push(await modelJson(req, m));
        return {
          ...(models.length > 0 ? { registered_models: models } : {}),
          ...(next ? { next_page_token: next } : {}),
        };
      },
    );

    const latest = async (req: FastifyRequest, name: string, stages: string[] | undefined) =>
      worded(async () => {
        const r = reg(req);
        await r.getRegisteredModel(name);
        const versions = await r.getLatestVersions(name, stages ?? []);
        const sorted = [...versions].sort((a, b) => a.version - b.version);
        return sorted.length > 0 ? { model_versions: sorted.map(versionToMlflow) } : {};
      });
    const latestFields = { name: nameField, stages: repeatedString.optional() };
    app.post(
      "/mlflow/registered-models/get-latest-versions",
      { schema: { ...hidden, body: message(z.strictObject(latestFields)) } },
      async (req) => latest(req, req.body.name, req.body.stages),
    );
    app.get(
      "/mlflow/registered-models/get-latest-versions",
      { schema: { ...hidden, querystring: z.strictObject(latestFields) } },
      async (req) => latest(req, req.query.name, req.query.stages),
    );

    app.post(
      "/mlflow/registered-models/set-tag",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ name: nameField, key: tagKey(), value: tagValue.optional() })),
        },
      },
      async (req) =>
        worded(async () => {
          await reg(req).setRegisteredModelTag(req.body.name, req.body.key, req.body.value ?? "");
          return {};
        }),
    );

    app.delete(
      "/mlflow/registered-models/delete-tag",
      { config: { scope: "write" }, schema: hidden },
      async (req) =>
        worded(async () => {
          const b = deleteMessage(req, z.strictObject({ name: nameField, key: tagKey() }));
          await reg(req).setRegisteredModelTag(b.name, b.key, null);
          return {};
        }),
    );

    // ---------------------------------------------------------------- aliases

    app.post(
      "/mlflow/registered-models/alias",
      {
        config: { scope: "promote" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ name: nameField, alias: required("alias"), version: versionField })),
        },
      },
      async (req) =>
        worded(async () => {
          await reg(req).setAlias(req.body.name, req.body.alias, req.body.version);
          return {};
        }),
    );

    app.delete(
      "/mlflow/registered-models/alias",
      { config: { scope: "promote" }, schema: hidden },
      async (req) =>
        worded(async () => {
          const b = deleteMessage(req, z.strictObject({ name: nameField, alias: required("alias") }));
          await reg(req).deleteAlias(b.name, b.alias);
          return {};
        }),
    );

    app.get(
      "/mlflow/registered-models/alias",
      { schema: { ...hidden, querystring: z.strictObject({ name: nameField, alias: required("alias") }) } },
      async (req) =>
        worded(async () => {
          const r = reg(req);
          try {
            return {
              model_version: versionToMlflow(await r.getModelVersionByAlias(req.query.name, req.query.alias)),
            };
          } catch (e) {
            // MLflow answers an unknown alias of a known model with INVALID_PARAMETER_VALUE
            if ((e as { code?: string }).code !== "MODEL_ALIAS_NOT_FOUND") throw e;
            throw new SextantError(
              "INVALID_ARGUMENT",
              `Registered model alias ${req.query.alias} not found.`,
              { name: req.query.name, alias: req.query.alias },
            );
          }
        }),
    );

    // ---------------------------------------------------------------- model versions

    app.post(
      "/mlflow/model-versions/create",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              name: nameField,
              source: required("source"),
              run_id: z.string().optional(),
              tags: createTags.optional(),
              run_link: z.string().optional(),
              // MLflow 3 links a version to its logged model; Sextant versions are linked to runs
              model_id: z.string().optional(),
              description: z.string().optional(),
            }),
          ),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          const r = reg(req);
          await r.getRegisteredModel(b.name); // MLflow registers versions of existing models only
          let source: string;
          if (b.source.startsWith("models:/")) {
            const from = await r.resolve(parseModelUri(b.source));
            if (from.runId === null || !from.source.startsWith("runs:/")) {
              throw new SextantError(
                "INVALID_ARGUMENT",
                `Invalid model version source: '${b.source}' is not registered from a run's files`,
                { source: b.source },
              );
            }
            source = from.source;
          } else {
            source = await runsSourceOf(ctx, b.source, b.run_id || undefined);
          }
          const v = await r.registerModel(source, b.name, {
            tags: tagMap(b.tags),
            ...(b.description ? { description: b.description } : {}),
          });
          return { model_version: versionToMlflow(v) };
        }),
    );

    app.get("/mlflow/model-versions/get", { schema: { ...hidden, querystring: versionQuery } }, async (req) =>
      worded(async () => ({
        model_version: versionToMlflow(await reg(req).getModelVersion(req.query.name, req.query.version)),
      })),
    );

    app.patch(
      "/mlflow/model-versions/update",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({ name: nameField, version: versionField, description: z.string().optional() }),
          ),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          const v = await reg(req).updateModelVersion(b.name, b.version, {
            ...(b.description === undefined ? {} : { description: b.description }),
          });
          return { model_version: versionToMlflow(v) };
        }),
    );

    app.delete("/mlflow/model-versions/delete", { config: { scope: "admin" }, schema: hidden }, async (req) =>
      worded(async () => {
        const b = deleteMessage(req, versionQuery);
        await reg(req).deleteModelVersion(b.name, b.version);
        return {};
      }),
    );

    app.post(
      "/mlflow/model-versions/transition-stage",
      {
        config: { scope: "promote" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              name: nameField,
              version: versionField,
              stage: required("stage"),
              archive_existing_versions: protoBool.optional(),
            }),
          ),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          const stage = STAGES.find((s) => s.toLowerCase() === b.stage.trim().toLowerCase());
          if (stage === undefined) {
            throw new SextantError(
              "INVALID_ARGUMENT",
              `Invalid Model Version stage: ${b.stage}. Value must be one of ${STAGES.join(", ")}.`,
              { stage: b.stage },
            );
          }
          if (b.archive_existing_versions && stage !== "Staging" && stage !== "Production") {
            throw new SextantError(
              "INVALID_ARGUMENT",
              `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production`,
              { stage },
            );
          }
          const v = await reg(req).transitionStage(b.name, b.version, stage, {
            archiveExisting: b.archive_existing_versions ?? false,
          });
          return { model_version: versionToMlflow(v) };
        }),
    );

    app.get(
      "/mlflow/model-versions/search",
      { schema: { ...hidden, querystring: z.strictObject(searchFields) } },
      async (req) => {
        const q = req.query;
        const maxResults = q.max_results ?? VERSIONS_DEFAULT_RESULTS;
        checkMaxResults(maxResults, VERSIONS_MAX_RESULTS);
        const { versions: items, nextPageToken: next } = await reg(req).searchModelVersions({
          filter: q.filter,
          orderBy: q.order_by,
          maxResults,
          pageToken: q.page_token,
        });
        return {
          ...(items.length > 0 ? { model_versions: items.map(versionToMlflow) } : {}),
          ...(next ? { next_page_token: next } : {}),
        };
      },
    );

    app.get(
      "/mlflow/model-versions/get-download-uri",
      { schema: { ...hidden, querystring: versionQuery } },
      async (req) =>
        worded(async () => {
          const v = await reg(req).getModelVersion(req.query.name, req.query.version);
          if (v.runId === null || !v.source.startsWith("runs:/")) return { artifact_uri: v.source };
          const run = await ctx.store.runs.getRun(v.runId);
          const { path } = parseRunsUri(v.source);
          return { artifact_uri: `${trimTrailingSlashes(run.info.artifactUri)}/${path}` };
        }),
    );

    app.post(
      "/mlflow/model-versions/set-tag",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              name: nameField,
              version: versionField,
              key: tagKey(),
              value: tagValue.optional(),
            }),
          ),
        },
      },
      async (req) =>
        worded(async () => {
          const b = req.body;
          await reg(req).setModelVersionTag(b.name, b.version, b.key, b.value ?? "");
          return {};
        }),
    );

    app.delete(
      "/mlflow/model-versions/delete-tag",
      { config: { scope: "write" }, schema: hidden },
      async (req) =>
        worded(async () => {
          const b = deleteMessage(
            req,
            z.strictObject({ name: nameField, version: versionField, key: tagKey() }),
          );
          await reg(req).setModelVersionTag(b.name, b.version, b.key, null);
          return {};
        }),
    );
  };
}
