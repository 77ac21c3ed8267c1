/** /api/v1/experiments */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createExperimentBody,
  Experiment,
  ExperimentColumns,
  ExperimentList,
  experimentId,
  viewType,
} from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import type { ServerContext } from "../context.js";

const tags = ["experiments"];

export function experimentRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store, clock } = ctx;

    app.post(
      "/experiments",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Create an experiment",
          body: createExperimentBody,
          response: { 200: Experiment },
        },
      },
      async (req) => store.runs.createExperiment(req.body, clock.now()),
    );

    app.get(
      "/experiments",
      {
        schema: {
          tags,
          summary: "List experiments with run counts",
          querystring: z.strictObject({ view: viewType.optional() }),
          response: { 200: ExperimentList },
        },
      },
      async (req) => ({ experiments: await store.runs.listExperiments(req.query.view ?? "active") }),
    );

    app.get(
      "/experiments/by-name",
      {
        schema: {
          tags,
          summary: "Get an experiment by name",
          querystring: z.strictObject({ name: z.string() }),
          response: { 200: Experiment },
        },
      },
      async (req) => {
        const exp = await store.runs.getExperimentByName(req.query.name);
        if (!exp)
          throw new SextantError("EXPERIMENT_NOT_FOUND", `no experiment named '${req.query.name}'`, {
            name: req.query.name,
          });
        return exp;
      },
    );

    app.get(
      "/experiments/:experimentId",
      {
        schema: {
          tags,
          summary: "Get an experiment",
          params: z.strictObject({ experimentId }),
          response: { 200: Experiment },
        },
      },
      async (req) => store.runs.getExperiment(req.params.experimentId),
    );

    app.get(
      "/experiments/:experimentId/columns",
      {
        schema: {
          tags,
          summary: "Every param, metric and tag key its runs use",
          params: z.strictObject({ experimentId }),
          response: { 200: ExperimentColumns },
        },
      },
      async (req) => store.runs.listColumns(req.params.experimentId),
    );

    app.patch(
      "/experiments/:experimentId",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Rename an experiment",
          params: z.strictObject({ experimentId }),
          response: { 200: Experiment },
          body: z.strictObject({ name: z.string() }),
        },
      },
      async (req) => {
        await store.runs.renameExperiment(req.params.experimentId, req.body.name, clock.now());
        return store.runs.getExperiment(req.params.experimentId);
      },
    );

    app.delete(
      "/experiments/:experimentId",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Delete an experiment (restorable)",
          params: z.strictObject({ experimentId }),
          response: { 200: Experiment },
        },
      },
      async (req) => {
        await store.runs.setExperimentLifecycle(req.params.experimentId, "deleted", clock.now());
        return store.runs.getExperiment(req.params.experimentId);
      },
    );

    app.post(
      "/experiments/:experimentId/restore",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Restore a deleted experiment",
          params: z.strictObject({ experimentId }),
          response: { 200: Experiment },
        },
      },
      async (req) => {
        await store.runs.setExperimentLifecycle(req.params.experimentId, "active", clock.now());
        return store.runs.getExperiment(req.params.experimentId);
      },
    );

    app.put(
      "/experiments/:experimentId/tags",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Set an experiment tag",
          params: z.strictObject({ experimentId }),
          response: { 200: Experiment },
          body: z.strictObject({ key: z.string(), value: z.string() }),
        },
      },
      async (req) => {
        await store.runs.setExperimentTag(req.params.experimentId, req.body.key, req.body.value, clock.now());
        return store.runs.getExperiment(req.params.experimentId);
      },
    );
  };
}
