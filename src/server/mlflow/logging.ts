/**
 * /api/2.0/mlflow/runs/{log-metric,log-parameter,log-batch,set-tag,delete-tag,log-inputs,log-model}.
 *
 * Every write goes through the store's atomic primitives (logBatch, logInputs). A write also
 * counts as a heartbeat: MLflow clients never send one, and a run that is logging is alive (a run
 * the sweeper ended as crashed comes back to RUNNING). Batches carry the heartbeat in their own
 * transaction (heartbeatAt); the other writes send it once they have succeeded.
 *
 * The mlflow.runName tag is the run's name: setting it (set-tag, log-batch) renames the run, and
 * deleting it is a no-op (the name stays, as MLflow's run_name does).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { LIMITS, SextantError, validateRunName } from "../../core/index.js";
import type { MetricSeriesInput, RunDataset } from "../../store/index.js";
import type { ServerContext } from "../context.js";
import { DATASET_CONTEXT_TAG, LOGGED_MODELS_TAG, NO_CONTEXT, RUN_NAME_TAG } from "./convert.js";
import { double, hidden, int64, keyValue, message, required, runIdFields, runIdOf } from "./schemas.js";

/** MLflow's log-batch request limits (mlflow/utils/validation.py). */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 1_000_000 } as const;

const metricFields = {
  key: required("key"),
  value: double,
  timestamp: int64,
  step: int64.optional(),
  model_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
};

const datasetInput = z.strictObject({
  tags: z.array(z.strictObject({ key: z.string(), value: z.string() })).optional(),
  dataset: z.strictObject({
    name: z.string(),
    digest: z.string(),
    source_type: z.string(),
    source: z.string(),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});

function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, n: number, limit: number) =>
    new SextantError(
      "LIMIT_EXCEEDED",
      `A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
      { [what]: n, limit },
    );
  if (metrics > BATCH_LIMITS.metrics) throw over("metrics", metrics, BATCH_LIMITS.metrics);
  if (params > BATCH_LIMITS.params) throw over("params", params, BATCH_LIMITS.params);
  if (tags > BATCH_LIMITS.tags) throw over("tags", tags, BATCH_LIMITS.tags);
  const total = metrics + params + tags;
  if (total > BATCH_LIMITS.total) {
    throw new SextantError(
      "LIMIT_EXCEEDED",
      `A batch logging request can contain at most ${BATCH_LIMITS.total} metrics, params, and tags in total. Got ${total} in total.`,
      { total, limit: BATCH_LIMITS.total },
    );
  }
}

/** Metrics in request order, grouped by key into one series per key (each key's points stay in order). */
function groupMetrics(
  metrics: ReadonlyArray<{ key: string; value: number; timestamp: number; step?: number | undefined }>,
): MetricSeriesInput[] {
  const byKey = new Map<string, { steps: number[]; timestamps: number[]; values: number[] }>();
  for (const m of metrics) {
    let cols = byKey.get(m.key);
    if (!cols) {
      cols = { steps: [], timestamps: [], values: [] };
      byKey.set(m.key, cols);
    }
    cols.steps.push(m.step ?? 0);
    cols.timestamps.push(m.timestamp);
    cols.values.push(m.value);
  }
  return [...byKey].map(([key, c]) => ({
    key,
    steps: Float64Array.from(c.steps),
    timestamps: Float64Array.from(c.timestamps),
    values: Float64Array.from(c.values),
  }));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The part of an MLmodel that MLflow keeps in the run's model history tag (Model.get_tags_dict). */
function modelHistoryEntry(modelJson: string): Record<string, unknown> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw new SextantError("INVALID_ARGUMENT", "Malformed model info: model_json is not valid JSON");
  }
  if (!isPlainObject(model))
    throw new SextantError("INVALID_ARGUMENT", "Malformed model info: model_json is not an object");
  const missing = ["artifact_path", "flavors", "utc_time_created", "run_id"].filter(
    (k) => !Object.hasOwn(model, k),
  );
  if (missing.length > 0) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Model json is missing mandatory fields: ${missing.join(", ")}`,
      { missing },
    );
  }
  if (!isPlainObject(model.flavors))
    throw new SextantError("INVALID_ARGUMENT", "Model json: flavors must be an object");
  // MLflow keeps each flavor's settings but its (possibly large) "config".
  const flavors = Object.fromEntries(
    Object.entries(model.flavors).map(([name, config]) => [
      name,
      isPlainObject(config)
        ? Object.fromEntries(Object.entries(config).filter(([k]) => k !== "config"))
        : config,
    ]),
  );
  return {
    run_id: model.run_id,
    artifact_path: model.artifact_path,
    utc_time_created: model.utc_time_created,
    ...(Object.hasOwn(model, "model_uuid") ? { model_uuid: model.model_uuid } : {}),
    flavors,
  };
}

export function loggingRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, clock } = ctx;
    /** A heartbeat after a write that could not carry one. */
    const alive = async (runId: string) => {
      await store.runs.heartbeat(runId, clock.now());
      return {};
    };

    app.post(
      "/mlflow/runs/log-metric",
      {
        config: { scope: "write" },
        schema: { ...hidden, body: message(z.strictObject({ ...runIdFields, ...metricFields })) },
      },
      async (req) => {
        const runId = runIdOf(req.body);
        await store.runs.logBatch(runId, { metrics: groupMetrics([req.body]), heartbeatAt: clock.now() });
        return {};
      },
    );

    app.post(
      "/mlflow/runs/log-parameter",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({ ...runIdFields, key: required("key"), value: z.string().optional() }),
          ),
        },
      },
      async (req) => {
        const runId = runIdOf(req.body);
        const params = [{ key: req.body.key, value: req.body.value ?? "" }];
        await store.runs.logBatch(runId, { params, heartbeatAt: clock.now() });
        return {};
      },
    );

    app.post(
      "/mlflow/runs/log-batch",
      {
        config: { scope: "write" },
        bodyLimit: BATCH_LIMITS.bytes,
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              run_id: required("run_id"),
              metrics: z.array(z.strictObject({ ...metricFields, run_id: z.string().optional() })).optional(),
              params: z.array(keyValue).optional(),
              tags: z.array(keyValue).optional(),
            }),
          ),
        },
      },
      async (req) => {
        const { run_id: runId, metrics = [], params = [], tags = [] } = req.body;
        checkBatchLimits(metrics.length, params.length, tags.length);
        let rename: string | undefined;
        const otherTags: Array<{ key: string; value: string }> = [];
        for (const t of tags) {
          if (t.key === RUN_NAME_TAG) rename = validateRunName(t.value ?? "");
          else otherTags.push({ key: t.key, value: t.value ?? "" });
        }
        await store.runs.logBatch(runId, {
          metrics: groupMetrics(metrics),
          params: params.map((p) => ({ key: p.key, value: p.value ?? "" })),
          tags: otherTags,
          heartbeatAt: clock.now(),
        });
        if (rename !== undefined) await store.runs.updateRun(runId, { runName: rename });
        return {};
      },
    );

    app.post(
      "/mlflow/runs/set-tag",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({ ...runIdFields, key: required("key"), value: z.string().optional() }),
          ),
        },
      },
      async (req) => {
        const runId = runIdOf(req.body);
        const value = req.body.value ?? "";
        if (req.body.key !== RUN_NAME_TAG) {
          await store.runs.logBatch(runId, {
            tags: [{ key: req.body.key, value }],
            heartbeatAt: clock.now(),
          });
          return {};
        }
        await store.runs.updateRun(runId, { runName: value });
        return alive(runId);
      },
    );

    app.post(
      "/mlflow/runs/delete-tag",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ run_id: required("run_id"), key: required("key") })),
        },
      },
      async (req) => {
        const { run_id: runId, key } = req.body;
        if (key === RUN_NAME_TAG) {
          // The name stays; an empty batch checks that the run exists and is active.
          await store.runs.logBatch(runId, { heartbeatAt: clock.now() });
          return {};
        }
        await store.runs.deleteTag(runId, key);
        return alive(runId);
      },
    );

    app.post(
      "/mlflow/runs/log-inputs",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              run_id: required("run_id"),
              datasets: z.array(datasetInput).optional(),
              models: z.array(z.strictObject({ model_id: z.string() })).optional(),
            }),
          ),
        },
      },
      async (req) => {
        const datasets: RunDataset[] = (req.body.datasets ?? []).map(({ tags, dataset: d }) => ({
          name: d.name,
          digest: d.digest,
          sourceType: d.source_type,
          source: d.source,
          size: null,
          rows: null,
          columns: null,
          schema: d.schema ?? null,
          profile: d.profile ?? null,
          context: tags?.find((t) => t.key === DATASET_CONTEXT_TAG)?.value || NO_CONTEXT,
        }));
        await store.runs.logInputs(req.body.run_id, datasets);
        return alive(req.body.run_id);
      },
    );

    app.post(
      "/mlflow/runs/log-model",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(z.strictObject({ run_id: required("run_id"), model_json: required("model_json") })),
        },
      },
      async (req) => {
        const { run_id: runId } = req.body;
        const entry = modelHistoryEntry(req.body.model_json);
        const run = await store.runs.getRun(runId);
        let history: unknown[] = [];
        const previous = run.data.tags[LOGGED_MODELS_TAG];
        if (previous !== undefined) {
          try {
            const parsed = JSON.parse(previous) as unknown;
            if (Array.isArray(parsed)) history = parsed;
          } catch {
            // an unreadable history is replaced, as there is nothing to append to
          }
        }
        const value = JSON.stringify([...history, entry]);
        if (value.length > LIMITS.tagValueLength) {
          throw new SextantError(
            "LIMIT_EXCEEDED",
            `the model history of run ${runId} would have ${value.length} characters; tag values are limited to ${LIMITS.tagValueLength}`,
            { runId, length: value.length, limit: LIMITS.tagValueLength },
          );
        }
        await store.runs.logBatch(runId, {
          tags: [{ key: LOGGED_MODELS_TAG, value }],
          heartbeatAt: clock.now(),
        });
        return {};
      },
    );
  };
}
