/**
 * /api/2.0/mlflow/runs/{create,get,update,delete,restore,search} and /mlflow/metrics/get-history.
 *
 * Run names follow MLflow's store: run_name, else the mlflow.runName tag (the two must agree when
 * both are given), else a generated name. A valid mlflow.parentRunId tag naming a stored run
 * becomes the run's parent; the tag is kept as well, so tag filters on it work.
 */

import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isSextantError, SextantError, sha256 } from "../../core/index.js";
import { decodeOffsetToken, encodeOffsetToken } from "../../store/index.js";
import { generateRunName } from "../../tracking/index.js";
import type { ServerContext } from "../context.js";
import {
  PARENT_RUN_TAG,
  RUN_NAME_TAG,
  runInfoToMlflow,
  runNameTagAsAttribute,
  runToMlflow,
  trimTrailingSlashes,
} from "./convert.js";
import {
  createTags,
  hidden,
  int64,
  message,
  repeatedString,
  required,
  runIdFields,
  runIdOf,
  runStatus,
  viewType,
} from "./schemas.js";

const RUN_ID = /^[0-9a-f]{32}$/;
const runIdBody = message(z.strictObject({ run_id: required("run_id") }));

export function runRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, clock } = ctx;

    /** The parent a create request names, when it is a run this store has. */
    const knownParent = async (id: string | undefined): Promise<string | null> => {
      if (id === undefined || !RUN_ID.test(id)) return null;
      try {
        await store.runs.getRun(id);
        return id;
      } catch (e) {
        if (isSextantError(e, "RUN_NOT_FOUND")) return null;
        throw e;
      }
    };

    app.post(
      "/mlflow/runs/create",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              experiment_id: z.string().optional(),
              user_id: z.string().optional(),
              run_name: z.string().optional(),
              start_time: int64.optional(),
              tags: createTags.optional(),
            }),
          ),
        },
      },
      async (req) => {
        const b = req.body;
        const tags: Record<string, string> = Object.create(null);
        for (const t of b.tags ?? []) tags[t.key] = t.value ?? "";
        const tagName = tags[RUN_NAME_TAG];
        delete tags[RUN_NAME_TAG];
        if (b.run_name && tagName && tagName !== b.run_name) {
          throw new SextantError(
            "INVALID_ARGUMENT",
            `Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${b.run_name}', ${RUN_NAME_TAG}='${tagName}').`,
          );
        }
        const exp = await store.runs.getExperiment(b.experiment_id || "0");
        const info = await store.runs.createRun({
          experimentId: exp.experimentId,
          runName: b.run_name || tagName || generateRunName(),
          userId: b.user_id || req.identity.name || "unknown",
          startTime: b.start_time ?? clock.now(),
          parentRunId: await knownParent(tags[PARENT_RUN_TAG]),
          tags,
          artifactUri: `${trimTrailingSlashes(exp.artifactLocation)}/{runId}/artifacts`,
        });
        return { run: runToMlflow(await store.runs.getRun(info.runId)) };
      },
    );

    app.get(
      "/mlflow/runs/get",
      { schema: { ...hidden, querystring: z.strictObject(runIdFields) } },
      async (req) => {
        const runId = runIdOf(req.query);
        await ctx.sweepCrashed();
        return { run: runToMlflow(await store.runs.getRun(runId)) };
      },
    );

    app.post(
      "/mlflow/runs/update",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              ...runIdFields,
              status: runStatus.optional(),
              end_time: int64.optional(),
              run_name: z.string().optional(),
            }),
          ),
        },
      },
      async (req) => {
        const b = req.body;
        const info = await store.runs.updateRun(runIdOf(b), {
          status: b.status,
          endTime: b.end_time,
          runName: b.run_name || undefined,
        });
        return { run_info: runInfoToMlflow(info) };
      },
    );

    app.post(
      "/mlflow/runs/delete",
      { config: { scope: "write" }, schema: { ...hidden, body: runIdBody } },
      async (req) => {
        await store.runs.setRunLifecycle(req.body.run_id, "deleted", clock.now());
        return {};
      },
    );

    app.post(
      "/mlflow/runs/restore",
      { config: { scope: "write" }, schema: { ...hidden, body: runIdBody } },
      async (req) => {
        await store.runs.setRunLifecycle(req.body.run_id, "active", clock.now());
        return {};
      },
    );

    app.post(
      "/mlflow/runs/search",
      {
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              experiment_ids: z.array(z.string()).optional(),
              filter: z.string().optional(),
              run_view_type: viewType.optional(),
              max_results: int64.optional(),
              order_by: repeatedString.optional(),
              page_token: z.string().optional(),
            }),
          ),
        },
      },
      async (req) => {
        const b = req.body;
        const experimentIds = [...new Set(b.experiment_ids ?? [])];
        await ctx.sweepCrashed();
        const result = await store.runs.searchRuns({
          experimentIds,
          filter: b.filter === undefined ? undefined : runNameTagAsAttribute(b.filter),
          orderBy: b.order_by?.map(runNameTagAsAttribute),
          maxResults: b.max_results ?? 1000,
          pageToken: b.page_token || null,
          viewType: b.run_view_type ?? "active",
        });
        return {
          ...(result.runs.length > 0 ? { runs: result.runs.map(runToMlflow) } : {}),
          ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}),
        };
      },
    );

    app.get(
      "/mlflow/metrics/get-history",
      {
        schema: {
          ...hidden,
          querystring: z.strictObject({
            ...runIdFields,
            metric_key: required("metric_key"),
            page_token: z.string().optional(),
            max_results: int64.optional(),
          }),
        },
      },
      async (req) => {
        const q = req.query;
        const runId = runIdOf(q);
        if (q.max_results !== undefined && q.max_results < 1) {
          throw new SextantError(
            "INVALID_ARGUMENT",
            `max_results must be a positive integer, got ${q.max_results}`,
          );
        }
        const fingerprint = sha256(JSON.stringify(["history", runId, q.metric_key])).slice(0, 12);
        let offset = 0;
        if (q.page_token) {
          const decoded = decodeOffsetToken(q.page_token, fingerprint);
          if (decoded === null) {
            throw new SextantError(
              "INVALID_PAGE_TOKEN",
              "the page token is malformed or belongs to another run or metric",
              { pageToken: q.page_token.slice(0, 200) },
            );
          }
          offset = decoded;
        }
        const s = await store.runs.getMetricHistory(runId, q.metric_key);
        const end =
          q.max_results === undefined ? s.values.length : Math.min(s.values.length, offset + q.max_results);
        const metrics = [];
        for (let i = offset; i < end; i++) {
          metrics.push({
            key: q.metric_key,
            value: s.values[i]!,
            timestamp: s.timestamps[i]!,
            step: s.steps[i]!,
          });
        }
        return {
          ...(metrics.length > 0 ? { metrics } : {}),
          ...(end < s.values.length ? { next_page_token: encodeOffsetToken(end, fingerprint) } : {}),
        };
      },
    );
  };
}
