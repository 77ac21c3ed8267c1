/** /api/v1/runs: runs, batches of params/tags/metrics, inputs, history, search, heartbeats. */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  Alive,
  countRunsBody,
  createRunBody,
  datasetInput,
  fromWireNumber,
  historyQuery,
  jsonBatchBody,
  keyValues,
  Marked,
  MetricHistory,
  Ok,
  Run,
  RunCount,
  RunInfo,
  RunLifecycle,
  runId,
  SearchRunsResult,
  searchRunsBody,
  updateRunBody,
  type WireNumber,
} from "../../api/index.js";
import { downsample } from "../../core/index.js";
import type { LogBatchInput, MetricSeriesInput } from "../../store/index.js";
import { BATCH_CONTENT_TYPE, decodeBatch, encodeChunk } from "../../store/index.js";
import { sendBytes } from "../blobs.js";
import type { ServerContext } from "../context.js";

const tags = ["runs"];
/** Largest binary metric batch. */
export const MAX_BINARY_BATCH = 256 * 2 ** 20;

const binaryBatchBody = z.strictObject({
  idempotencyKey: z.string().optional(),
  heartbeat: z.boolean().optional(),
  params: keyValues.optional(),
  tags: keyValues.optional(),
  metrics: z.array(
    z.strictObject({
      key: z.string(),
      steps: z.instanceof(Float64Array),
      timestamps: z.instanceof(Float64Array),
      values: z.instanceof(Float64Array),
    }),
  ),
});

export function runRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    root.addContentTypeParser(
      BATCH_CONTENT_TYPE,
      { parseAs: "buffer", bodyLimit: MAX_BINARY_BATCH },
      (_req, body, done) => {
        try {
          const { header, metrics } = decodeBatch(body as Buffer);
          done(null, { ...header, metrics });
        } catch (e) {
          done(e as Error, undefined);
        }
      },
    );
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, clock } = ctx;

    app.post(
      "/runs",
      {
        config: { scope: "write" },
        schema: { tags, summary: "Start a run", body: createRunBody, response: { 200: RunInfo } },
      },
      async (req) => {
        const b = req.body;
        const exp = await store.runs.getExperiment(b.experimentId);
        return store.runs.createRun({
          ...b,
          runName: b.runName ?? "",
          userId: b.userId ?? req.identity.name ?? "unknown",
          artifactUri: `${exp.artifactLocation}/{runId}/artifacts`,
        });
      },
    );

    app.post(
      "/runs/search",
      {
        schema: {
          tags,
          summary: "Search runs with the filter grammar",
          body: searchRunsBody,
          response: { 200: SearchRunsResult },
        },
      },
      async (req) => {
        await ctx.sweepCrashed();
        return store.runs.searchRuns(req.body);
      },
    );

    app.post(
      "/runs/count",
      {
        schema: {
          tags,
          summary: "How many runs a filter matches",
          body: countRunsBody,
          response: { 200: RunCount },
        },
      },
      async (req) => {
        await ctx.sweepCrashed();
        return { count: await store.runs.countRuns(req.body) };
      },
    );

    app.post(
      "/runs/mark-crashed",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "End RUNNING runs silent since a time as crashed",
          body: z.strictObject({ staleBefore: z.number() }),
          response: { 200: Marked },
        },
      },
      async (req) => ({ marked: await store.runs.markCrashedRuns(req.body.staleBefore) }),
    );

    app.get(
      "/runs/:runId",
      { schema: { tags, summary: "Get a run", params: z.strictObject({ runId }), response: { 200: Run } } },
      async (req) => {
        await ctx.sweepCrashed();
        return store.runs.getRun(req.params.runId);
      },
    );

    app.patch(
      "/runs/:runId",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Update status, end time or name",
          params: z.strictObject({ runId }),
          body: updateRunBody,
          response: { 200: RunInfo },
        },
      },
      async (req) => store.runs.updateRun(req.params.runId, req.body),
    );

    app.delete(
      "/runs/:runId",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Delete a run (restorable)",
          params: z.strictObject({ runId }),
          response: { 200: RunLifecycle },
        },
      },
      async (req) => {
        await store.runs.setRunLifecycle(req.params.runId, "deleted", clock.now());
        return { runId: req.params.runId, lifecycleStage: "deleted" as const };
      },
    );

    app.post(
      "/runs/:runId/restore",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Restore a deleted run",
          params: z.strictObject({ runId }),
          response: { 200: RunLifecycle },
        },
      },
      async (req) => {
        await store.runs.setRunLifecycle(req.params.runId, "active", clock.now());
        return { runId: req.params.runId, lifecycleStage: "active" as const };
      },
    );

    app.post(
      "/runs/:runId/heartbeat",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Tell the server the run's process is alive",
          params: z.strictObject({ runId }),
          response: { 200: Alive },
        },
      },
      async (req) => ({ alive: await store.runs.heartbeat(req.params.runId, clock.now()) }),
    );

    app.post(
      "/runs/:runId/batch",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: `Log params, tags and metric series at once (JSON, or ${BATCH_CONTENT_TYPE})`,
          params: z.strictObject({ runId }),
          body: z.union([binaryBatchBody, jsonBatchBody]),
          response: { 200: Ok },
        },
      },
      async (req) => {
        const b = req.body;
        const metrics: MetricSeriesInput[] = (b.metrics ?? []).map((m) =>
          m.values instanceof Float64Array
            ? (m as MetricSeriesInput)
            : {
                key: m.key,
                steps: Float64Array.from(m.steps as number[]),
                timestamps: Float64Array.from(m.timestamps as number[]),
                values: Float64Array.from(m.values as WireNumber[], fromWireNumber),
              },
        );
        const batch: LogBatchInput = {
          idempotencyKey: b.idempotencyKey,
          params: b.params,
          tags: b.tags,
          metrics,
          ...(b.heartbeat ? { heartbeatAt: clock.now() } : {}),
        };
        await store.runs.logBatch(req.params.runId, batch);
        return { ok: true };
      },
    );

    app.post(
      "/runs/:runId/tags/delete",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Delete a run tag",
          params: z.strictObject({ runId }),
          body: z.strictObject({ key: z.string() }),
          response: { 200: Ok },
        },
      },
      async (req) => {
        await store.runs.deleteTag(req.params.runId, req.body.key);
        return { ok: true };
      },
    );

    app.post(
      "/runs/:runId/inputs",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Record dataset inputs",
          params: z.strictObject({ runId }),
          body: z.strictObject({ datasets: z.array(datasetInput) }),
          response: { 200: Ok },
        },
      },
      async (req) => {
        await store.runs.logInputs(req.params.runId, req.body.datasets);
        return { ok: true };
      },
    );

    app.get(
      "/runs/:runId/metrics/history",
      {
        schema: {
          tags,
          summary: "A metric's points in step order; maxPoints downsamples (min/max buckets) for charts",
          params: z.strictObject({ runId }),
          querystring: historyQuery.extend({ key: z.string() }),
          response: { 200: MetricHistory },
        },
      },
      async (req, reply) => {
        const q = req.query;
        let s = await store.runs.getMetricHistory(req.params.runId, q.key, {
          minStep: q.minStep,
          maxStep: q.maxStep,
        });
        const total = s.values.length;
        if (q.maxPoints !== undefined) s = downsample(s, q.maxPoints);
        reply.header("x-sextant-total-points", String(total));
        if (q.format === "binary") {
          // one metric chunk (the JSON shape below is the other format)
          return sendBytes(
            reply as unknown as FastifyReply,
            s.values.length === 0 ? Buffer.alloc(0) : encodeChunk(s),
          );
        }
        return {
          key: q.key,
          total,
          steps: Array.from(s.steps),
          timestamps: Array.from(s.timestamps),
          values: Array.from(s.values),
        };
      },
    );
  };
}
