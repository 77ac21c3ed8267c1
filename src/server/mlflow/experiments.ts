/** /api/2.0/mlflow/experiments/*: MLflow's experiment endpoints, methods as service.proto declares them. */

import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { SextantError } from "../../core/index.js";
import { searchExperimentList } from "../../store/index.js";
import type { ServerContext } from "../context.js";
import { experimentToMlflow } from "./convert.js";
import { createTags, hidden, int64, message, repeatedString, required, viewType } from "./schemas.js";

const DEFAULT_MAX_RESULTS = 1000;

const searchFields = {
  max_results: int64.optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: repeatedString.optional(),
  view_type: viewType.optional(),
};
const experimentIdBody = message(z.strictObject({ experiment_id: required("experiment_id") }));

export function experimentRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, clock } = ctx;

    app.post(
      "/mlflow/experiments/create",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              name: required("name"),
              artifact_location: z.string().optional(),
              tags: createTags.optional(),
            }),
          ),
        },
      },
      async (req) => {
        const b = req.body;
        const tags: Record<string, string> = Object.create(null);
        for (const t of b.tags ?? []) tags[t.key] = t.value ?? "";
        const exp = await store.runs.createExperiment(
          { name: b.name, artifactLocation: b.artifact_location || undefined, tags },
          clock.now(),
        );
        return { experiment_id: exp.experimentId };
      },
    );

    app.get(
      "/mlflow/experiments/get",
      { schema: { ...hidden, querystring: z.strictObject({ experiment_id: required("experiment_id") }) } },
      async (req) => ({
        experiment: experimentToMlflow(await store.runs.getExperiment(req.query.experiment_id)),
      }),
    );

    app.get(
      "/mlflow/experiments/get-by-name",
      {
        schema: { ...hidden, querystring: z.strictObject({ experiment_name: required("experiment_name") }) },
      },
      async (req) => {
        const name = req.query.experiment_name;
        const exp = await store.runs.getExperimentByName(name);
        if (!exp)
          throw new SextantError("EXPERIMENT_NOT_FOUND", `Could not find experiment with name '${name}'`, {
            name,
          });
        return { experiment: experimentToMlflow(exp) };
      },
    );

    const search = async (q: {
      max_results?: number | undefined;
      page_token?: string | undefined;
      filter?: string | undefined;
      order_by?: string[] | undefined;
      view_type?: "active" | "deleted" | "all" | undefined;
    }) => {
      const view = q.view_type ?? "active";
      const { experiments, nextPageToken } = searchExperimentList(
        await store.runs.listExperiments(view),
        {
          filter: q.filter ?? "",
          orderBy: q.order_by ?? [],
          maxResults: q.max_results ?? DEFAULT_MAX_RESULTS,
          pageToken: q.page_token,
        },
        view,
      );
      return {
        ...(experiments.length > 0 ? { experiments: experiments.map(experimentToMlflow) } : {}),
        ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
      };
    };
    app.post(
      "/mlflow/experiments/search",
      { schema: { ...hidden, body: message(z.strictObject(searchFields)) } },
      async (req) => search(req.body),
    );
    app.get(
      "/mlflow/experiments/search",
      { schema: { ...hidden, querystring: z.strictObject(searchFields) } },
      async (req) => search(req.query),
    );

    app.post(
      "/mlflow/experiments/update",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({ experiment_id: required("experiment_id"), new_name: required("new_name") }),
          ),
        },
      },
      async (req) => {
        await store.runs.renameExperiment(req.body.experiment_id, req.body.new_name, clock.now());
        return {};
      },
    );

    app.post(
      "/mlflow/experiments/delete",
      { config: { scope: "admin" }, schema: { ...hidden, body: experimentIdBody } },
      async (req) => {
        await store.runs.setExperimentLifecycle(req.body.experiment_id, "deleted", clock.now());
        return {};
      },
    );

    app.post(
      "/mlflow/experiments/restore",
      { config: { scope: "admin" }, schema: { ...hidden, body: experimentIdBody } },
      async (req) => {
        await store.runs.setExperimentLifecycle(req.body.experiment_id, "active", clock.now());
        return {};
      },
    );

    app.post(
      "/mlflow/experiments/set-experiment-tag",
      {
        config: { scope: "write" },
        schema: {
          ...hidden,
          body: message(
            z.strictObject({
              experiment_id: required("experiment_id"),
              key: required("key"),
              value: z.string().optional(),
            }),
          ),
        },
      },
      async (req) => {
        const b = req.body;
        await store.runs.setExperimentTag(b.experiment_id, b.key, b.value ?? "", clock.now());
        return {};
      },
    );
  };
}
