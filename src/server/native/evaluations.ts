/** /api/v1/evaluations and /api/v1/runs/:runId/evaluations */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { EvaluationList, EvaluationRecord, runId } from "../../api/index.js";
import type { ServerContext } from "../context.js";

const tags = ["evaluations"];
const evaluationId = z.string().regex(/^[0-9a-f]{32}$/, "an evaluation id is 32 lowercase hex digits");
const listQuery = z.strictObject({ maxResults: z.coerce.number().int().min(1).max(1000).optional() });

export function evaluationRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store } = ctx;

    app.post(
      "/evaluations",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Store an evaluation record",
          response: { 200: EvaluationRecord },
          body: z.strictObject({
            evaluationId: evaluationId.optional(),
            runId: runId.nullable().optional(),
            name: z.string(),
            createdTime: z.number().int().nonnegative(),
            content: z.record(z.string(), z.unknown()),
          }),
        },
      },
      async (req) => store.evaluations.create(req.body),
    );

    app.get(
      "/evaluations",
      {
        schema: {
          tags,
          summary: "Evaluation records, newest first",
          response: { 200: EvaluationList },
          querystring: listQuery,
        },
      },
      async (req) => ({ evaluations: await store.evaluations.list({ maxResults: req.query.maxResults }) }),
    );

    app.get(
      "/evaluations/:evaluationId",
      {
        schema: {
          tags,
          summary: "Get an evaluation record",
          response: { 200: EvaluationRecord },
          params: z.strictObject({ evaluationId }),
        },
      },
      async (req) => store.evaluations.get(req.params.evaluationId),
    );

    app.get(
      "/runs/:runId/evaluations",
      {
        schema: {
          tags,
          summary: "A run's evaluation records, newest first",
          response: { 200: EvaluationList },
          params: z.strictObject({ runId }),
          querystring: listQuery,
        },
      },
      async (req) => ({
        evaluations: await store.evaluations.list({
          runId: req.params.runId,
          maxResults: req.query.maxResults,
        }),
      }),
    );
  };
}
