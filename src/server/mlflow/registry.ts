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
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { SextantError } from "../../core/errors.js";
import { sha256 } from "../../core/hash.js";
import type { ModelRegistry } from "../../registry/registry.js";
import { parseModelUri, parseRunsUri } from "../../registry/uri.js";
import type { ModelVersion, RegisteredModel } from "../../store/registry-types.js";
import { STAGES } from "../../store/registry-types.js";
import { type Token, tokenizeFilter } from "../../store/search/parser.js";
import { hasRegistry } from "../../store/types.js";
import type { ServerContext } from "../context.js";
import { registryFor } from "../native/models-write.js";
import { decodeOffsetToken, encodeOffsetToken, keyValues, trimTrailingSlashes } from "./convert.js";
import { compareValues } from "./experiment-search.js";
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
  const run = await ctx.store.getRun(runId);
  const root = artifactPathOf(run.info.artifactUri);
  const path = artifactPathOf(source);
  if (!path.startsWith(`${root}/`)) throw invalid();
  const rel = path.slice(root.length + 1).replace(/^\/+/, "");
  if (rel === "") throw invalid();
  return `runs:/${runId}/${rel}`;
}

// ------------------------------------------------------------------ search

type StringOp = "=" | "!=" | "LIKE" | "ILIKE";
type NumberOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
type Condition =
  | { field: "name" | "source_path" | "run_id"; op: StringOp; value: string }
  | { field: "run_id"; op: "IN"; values: string[] }
  | { field: "version_number"; op: NumberOp; value: number }
  | { field: "tag"; key: string; op: StringOp; value: string };

const SYMBOL_OPS: ReadonlyMap<string, NumberOp> = new Map([
  ["=", "="],
  ["!=", "!="],
  ["<>", "!="],
  ["<", "<"],
  ["<=", "<="],
  [">", ">"],
  [">=", ">="],
]);

class FilterCursor {
  #i = 0;
  constructor(
    readonly text: string,
    readonly tokens: Token[],
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.#i];
  }
  next(): Token | undefined {
    return this.tokens[this.#i++];
  }
  fail(tok: Token | undefined, what: string): never {
    const pos = tok?.pos ?? this.text.length;
    throw new SextantError(
      "INVALID_FILTER",
      `invalid filter at position ${pos} near ${tok ? `'${tok.raw.slice(0, 40)}'` : "end of input"}: ${what}`,
      { position: pos, token: tok?.raw ?? "" },
    );
  }
  keyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === "word" && t.raw.toUpperCase() === word;
  }
  /** `name`, `attribute.name`, `tags.key`, tags.`a key`, tags."a key". */
  identifier(): { entity: "attribute" | "tag"; key: string; tok: Token } {
    const tok = this.next();
    if (tok?.kind !== "word") this.fail(tok, "expected a field such as name, run_id or tags.<key>");
    const dot = tok.raw.indexOf(".");
    if (dot === -1) return { entity: "attribute", key: tok.raw.toLowerCase(), tok };
    const prefix = tok.raw.slice(0, dot).toLowerCase();
    let key = tok.raw.slice(dot + 1);
    if (key === "") {
      const q = this.peek();
      if ((q?.kind !== "backtick" && q?.kind !== "dquoted") || q.pos !== tok.pos + tok.raw.length)
        this.fail(q, `expected a key right after '${tok.raw}'`);
      this.next();
      key = q.value;
    }
    if (key === "") this.fail(tok, "a key must not be empty");
    if (prefix === "tag" || prefix === "tags") return { entity: "tag", key, tok };
    if (prefix === "attribute" || prefix === "attributes" || prefix === "attr")
      return { entity: "attribute", key: key.toLowerCase(), tok };
    return this.fail(tok, `unknown entity '${tok.raw.slice(0, dot)}'`);
  }
  stringOp(): StringOp {
    const tok = this.next();
    if (tok?.kind === "op" && (tok.raw === "=" || tok.raw === "!=" || tok.raw === "<>"))
      return tok.raw === "=" ? "=" : "!=";
    if (tok?.kind === "word" && (tok.raw.toUpperCase() === "LIKE" || tok.raw.toUpperCase() === "ILIKE"))
      return tok.raw.toUpperCase() as StringOp;
    return this.fail(tok, "expected =, !=, LIKE or ILIKE");
  }
  string(): string {
    const tok = this.next();
    if (tok?.kind !== "string" && tok?.kind !== "dquoted")
      this.fail(tok, "expected a quoted string such as 'value'");
    return tok.value;
  }
}

/**
 * Parses a registry filter: comparisons joined by AND. `fields` are the attributes allowed
 * (registered models: name; versions: name, run_id, source_path, version_number); tags always are.
 * @throws SextantError INVALID_FILTER
 */
export function parseRegistryFilter(text: string, fields: readonly string[]): Condition[] {
  const c: FilterCursor = new FilterCursor(text, tokenizeFilter(text));
  const out: Condition[] = [];
  if (c.peek() === undefined) return out;
  for (;;) {
    const id = c.identifier();
    if (id.entity === "tag") {
      out.push({ field: "tag", key: id.key, op: c.stringOp(), value: c.string() });
    } else if (!fields.includes(id.key)) {
      c.fail(id.tok, `unknown field '${id.key}'; the filter may use ${[...fields, "tags.<key>"].join(", ")}`);
    } else if (id.key === "version_number") {
      const opTok = c.next();
      const op = opTok?.kind === "op" ? SYMBOL_OPS.get(opTok.raw) : undefined;
      if (op === undefined) c.fail(opTok, "expected =, !=, <, <=, > or >=");
      const v = c.next();
      const raw = v?.kind === "string" || v?.kind === "dquoted" ? v.value : v?.raw;
      if (raw === undefined || !/^\d+$/.test(raw)) c.fail(v, "expected a version number");
      out.push({ field: "version_number", op, value: Number(raw) });
    } else if (id.key === "run_id" && c.keyword("IN")) {
      c.next();
      const open = c.next();
      if (open?.kind !== "(") c.fail(open, "expected '(' to start the IN list");
      const values: string[] = [];
      for (;;) {
        values.push(c.string());
        const sep = c.next();
        if (sep?.kind === ")") break;
        if (sep?.kind !== ",") c.fail(sep, "expected ',' or ')' in the IN list");
      }
      out.push({ field: "run_id", op: "IN", values });
    } else {
      const op = c.stringOp();
      if (id.key === "run_id" && op !== "=" && op !== "!=")
        c.fail(id.tok, "run_id is compared with =, != or IN");
      out.push({ field: id.key as "name" | "source_path" | "run_id", op, value: c.string() });
    }
    const sep = c.next();
    if (sep === undefined) return out;
    if (!(sep.kind === "word" && sep.raw.toUpperCase() === "AND"))
      c.fail(sep, "expected AND or end of input");
  }
}

function compareString(actual: string | undefined, op: StringOp, expected: string): boolean {
  return actual !== undefined && compareValues(actual, op, expected);
}

function matches(
  c: Condition,
  item: {
    name: string;
    tags: Record<string, string>;
    runId?: string | null;
    source?: string;
    version?: number;
  },
): boolean {
  switch (c.field) {
    case "tag":
      return compareString(Object.hasOwn(item.tags, c.key) ? item.tags[c.key] : undefined, c.op, c.value);
    case "name":
      return compareString(item.name, c.op, c.value);
    case "source_path":
      return compareString(item.source, c.op, c.value);
    case "run_id":
      if (c.op === "IN") return item.runId != null && c.values.includes(item.runId);
      return compareString(item.runId ?? undefined, c.op, c.value);
    case "version_number":
      return compareValues(item.version ?? 0, c.op, c.value);
  }
}

interface Order {
  key: string;
  ascending: boolean;
}

function parseOrder(text: string, keys: Readonly<Record<string, string>>): Order {
  const m = /^\s*(?:(?:attribute|attributes|attr)\.)?([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*$/i.exec(text);
  const key = m ? keys[m[1]!.toLowerCase()] : undefined;
  if (!m || key === undefined) {
    throw new SextantError(
      "INVALID_ORDER_BY",
      `invalid order_by '${text.slice(0, 80)}': order by ${Object.keys(keys).join(", ")} with an optional ASC or DESC`,
      { orderBy: text.slice(0, 200) },
    );
  }
  return { key, ascending: (m[2] ?? "ASC").toUpperCase() === "ASC" };
}

function sortBy<T>(items: T[], order: Order[], value: (item: T, key: string) => string | number): T[] {
  return items.sort((a, b) => {
    for (const o of order) {
      const x = value(a, o.key);
      const y = value(b, o.key);
      if (x !== y) return (x < y ? -1 : 1) * (o.ascending ? 1 : -1);
    }
    return 0;
  });
}

function page<T>(
  items: T[],
  q: { maxResults: number; pageToken: string | undefined; fingerprint: string },
): { items: T[]; next: string | null } {
  let offset = 0;
  if (q.pageToken) {
    const decoded = decodeOffsetToken(q.pageToken, q.fingerprint);
    if (decoded === null) {
      throw new SextantError(
        "INVALID_PAGE_TOKEN",
        "the page token is malformed or belongs to a different search (same filter and order_by are needed)",
        { pageToken: q.pageToken.slice(0, 200) },
      );
    }
    offset = decoded;
  }
  const out = items.slice(offset, offset + q.maxResults);
  return {
    items: out,
    next:
      offset + q.maxResults < items.length ? encodeOffsetToken(offset + q.maxResults, q.fingerprint) : null,
  };
}

function checkMaxResults(n: number, max: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Invalid value for request parameter max_results. It must be an integer in 1..${max}, but got value ${n}`,
      { maxResults: n },
    );
  }
}

const MODEL_ORDER_KEYS: Readonly<Record<string, string>> = {
  name: "name",
  creation_timestamp: "creation_timestamp",
  last_updated_timestamp: "last_updated_timestamp",
  timestamp: "last_updated_timestamp",
};
const VERSION_ORDER_KEYS: Readonly<Record<string, string>> = {
  name: "name",
  version_number: "version_number",
  creation_timestamp: "creation_timestamp",
  last_updated_timestamp: "last_updated_timestamp",
  timestamp: "last_updated_timestamp",
};

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

    /** All versions of one model (newest first); none for a store without a registry. */
    const versionsOf = async (name: string): Promise<ModelVersion[]> =>
      hasRegistry(ctx.store) ? ctx.store.registry.listVersions(name) : [];
    const modelJson = async (m: RegisteredModel) => modelToMlflow(m, await versionsOf(m.name));

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
          return { registered_model: await modelJson(m) };
        }),
    );

    app.get("/mlflow/registered-models/get", { schema: { ...hidden, querystring: nameQuery } }, async (req) =>
      worded(async () => ({
        registered_model: await modelJson(await reg(req).getRegisteredModel(req.query.name)),
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
          return { registered_model: await modelJson(m) };
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
        const conditions = parseRegistryFilter(q.filter ?? "", ["name"]);
        const order = (q.order_by ?? []).map((o) => parseOrder(o, MODEL_ORDER_KEYS));
        if (!order.some((o) => o.key === "name")) order.push({ key: "name", ascending: true });
        const all = hasRegistry(ctx.store) ? await reg(req).listRegisteredModels() : [];
        const hits = sortBy(
          all.filter((m) => conditions.every((c) => matches(c, m))),
          order,
          (m, key) =>
            key === "name" ? m.name : key === "creation_timestamp" ? m.createdTime : m.updatedTime,
        );
        const fingerprint = sha256(
          JSON.stringify(["registered-models", q.filter ?? "", q.order_by ?? []]),
        ).slice(0, 12);
        const { items, next } = page(hits, { maxResults, pageToken: q.page_token, fingerprint });
        const models = [];
        for (const m of items) models.push(await modelJson(m));
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
        const conditions = parseRegistryFilter(q.filter ?? "", [
          "name",
          "run_id",
          "source_path",
          "version_number",
        ]);
        const order = (q.order_by ?? []).map((o) => parseOrder(o, VERSION_ORDER_KEYS));
        if (!order.some((o) => o.key === "name")) order.push({ key: "name", ascending: true });
        if (!order.some((o) => o.key === "version_number"))
          order.push({ key: "version_number", ascending: false });
        const all = hasRegistry(ctx.store) ? await ctx.store.registry.searchVersions({}) : [];
        const hits = sortBy(
          all.filter((v) => conditions.every((c) => matches(c, v))),
          order,
          (v, key) =>
            key === "name"
              ? v.name
              : key === "version_number"
                ? v.version
                : key === "creation_timestamp"
                  ? v.createdTime
                  : v.updatedTime,
        );
        const fingerprint = sha256(
          JSON.stringify(["model-versions", q.filter ?? "", q.order_by ?? []]),
        ).slice(0, 12);
        const { items, next } = page(hits, { maxResults, pageToken: q.page_token, fingerprint });
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
          const run = await ctx.store.getRun(v.runId);
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
