/**
 * /api/v1/models: the model registry's reads, every one through the registry service. The
 * resources (models, versions, aliases, policy, trail, lineage, searches) are what the SDK's
 * HttpRegistry reads; the `…/detail` routes put together what a web UI page shows in one answer
 * (a model with its versions and what each meets of its policy; a version with its lineage and
 * checks). Changes are in models-write.ts.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  evidence,
  Lineage,
  ModelDetail,
  ModelHistory,
  ModelList,
  type ModelListItem,
  ModelPage,
  ModelVersion,
  modelName,
  OptionalPolicy,
  PolicyCheck,
  RegisteredModel,
  registrySearchBody,
  runId,
  VersionDetail,
  VersionList,
  VersionPage,
  type VersionPolicyChecks,
  versionParam,
} from "../../api/index.js";
import { ModelRegistry } from "../../registry/index.js";
import type { ServerContext } from "../context.js";

const tags = ["models"];
/** Versions of one model whose policy checks the model page gets (newest first). */
export const MAX_CHECKED_VERSIONS = 100;

const nameParams = z.strictObject({ name: modelName });
const versionParams = z.strictObject({ name: modelName, version: versionParam });

export function modelRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store } = ctx;
    // Reads need no actor; one is required by the service's constructor only.
    const registry = new ModelRegistry({
      store,
      artifacts: ctx.artifacts,
      clock: ctx.clock,
      actor: () => "server",
    });

    async function checks(v: ModelVersion): Promise<VersionPolicyChecks> {
      return {
        Staging: await registry.checkPromotion(v.name, v.version, "Staging"),
        Production: await registry.checkPromotion(v.name, v.version, "Production"),
      };
    }

    app.get(
      "/models",
      {
        schema: {
          tags,
          summary: "Registered models with their Production and Staging versions and aliases",
          response: { 200: ModelList },
        },
      },
      async (): Promise<{ models: ModelListItem[] }> => {
        const models: ModelListItem[] = [];
        for (const m of await registry.listRegisteredModels()) {
          const mine = await registry.listModelVersions(m.name);
          const [last] = await store.registry.getHistory(m.name, { latest: 1 });
          models.push({
            ...m,
            versionCount: mine.length,
            production: mine.filter((v) => v.currentStage === "Production").map((v) => v.version),
            staging: mine.filter((v) => v.currentStage === "Staging").map((v) => v.version),
            lastEvent: last ?? null,
          });
        }
        return { models };
      },
    );

    app.post(
      "/models/search",
      {
        schema: {
          tags,
          summary: "Registered models matching a filter (name, tags.<key>, times), one page at a time",
          response: { 200: ModelPage },
          body: registrySearchBody,
        },
      },
      async (req) => registry.searchRegisteredModels(req.body),
    );

    app.post(
      "/model-versions/search",
      {
        schema: {
          tags,
          summary:
            "Model versions matching a filter (name, run_id, version_number, current_stage, tags.<key> …)",
          response: { 200: VersionPage },
          body: registrySearchBody,
        },
      },
      async (req) => registry.searchModelVersions(req.body),
    );

    app.get(
      "/models/:name",
      {
        schema: {
          tags,
          summary: "A registered model",
          response: { 200: RegisteredModel },
          params: nameParams,
        },
      },
      async (req) => registry.getRegisteredModel(req.params.name),
    );

    app.get(
      "/models/:name/detail",
      {
        schema: {
          tags,
          summary: "A registered model, its versions, its promotion policy and what each version meets of it",
          response: { 200: ModelDetail },
          params: nameParams,
        },
      },
      async (req): Promise<ModelDetail> => {
        const model = await registry.getRegisteredModel(req.params.name);
        const versions = await registry.listModelVersions(model.name);
        const policy = await registry.getPromotionPolicy(model.name);
        const out: ModelDetail["checks"] = [];
        if (policy !== null) {
          for (const v of versions.slice(0, MAX_CHECKED_VERSIONS))
            out.push({ version: v.version, ...(await checks(v)) });
        }
        return { model, versions, policy, checks: out };
      },
    );

    app.get(
      "/models/:name/versions",
      {
        schema: {
          tags,
          summary: "Every version of a registered model, newest first",
          response: { 200: VersionList },
          params: nameParams,
        },
      },
      async (req) => ({ versions: await registry.listModelVersions(req.params.name) }),
    );

    app.get(
      "/models/:name/latest-versions",
      {
        schema: {
          tags,
          summary: "The newest version in each stage (or in the given stages)",
          response: { 200: VersionList },
          params: nameParams,
          querystring: z.strictObject({ stages: z.string().optional() }),
        },
      },
      async (req) => ({
        versions: await registry.getLatestVersions(
          req.params.name,
          req.query.stages?.split(",").filter((s) => s !== ""),
        ),
      }),
    );

    app.get(
      "/models/:name/history",
      {
        schema: {
          tags,
          summary: "A registered model's audit trail, oldest first",
          response: { 200: ModelHistory },
          params: nameParams,
        },
      },
      // the trail outlives a deleted model; a name that never had one is MODEL_NOT_FOUND
      async (req): Promise<ModelHistory> => ({ events: await registry.getModelHistory(req.params.name) }),
    );

    app.get(
      "/models/:name/policy",
      {
        schema: {
          tags,
          summary: "The model's promotion policy (null when it has none)",
          response: { 200: OptionalPolicy },
          params: nameParams,
        },
      },
      async (req) => {
        await registry.getRegisteredModel(req.params.name);
        return { policy: await registry.getPromotionPolicy(req.params.name) };
      },
    );

    app.get(
      "/models/:name/aliases/:alias",
      {
        schema: {
          tags,
          summary: "The version an alias points at",
          response: { 200: ModelVersion },
          params: z.strictObject({ name: modelName, alias: z.string().min(1) }),
        },
      },
      async (req) => registry.getModelVersionByAlias(req.params.name, req.params.alias),
    );

    app.get(
      "/models/:name/versions/:version",
      {
        schema: { tags, summary: "A model version", response: { 200: ModelVersion }, params: versionParams },
      },
      async (req) => registry.getModelVersion(req.params.name, req.params.version),
    );

    app.get(
      "/models/:name/versions/:version/lineage",
      {
        schema: {
          tags,
          summary: "A version's lineage: run, datasets, code, environment, study, evaluations",
          response: { 200: Lineage },
          params: versionParams,
        },
      },
      async (req) => registry.lineage(req.params.name, req.params.version),
    );

    app.post(
      "/models/:name/versions/:version/check",
      {
        schema: {
          tags,
          summary: "What a promotion of the version to a stage would find now (nothing changes)",
          response: { 200: PolicyCheck },
          params: versionParams,
          body: z.strictObject({ stage: z.string().min(1), evidence: evidence.optional() }),
        },
      },
      async (req) =>
        registry.checkPromotion(
          req.params.name,
          Number(req.params.version),
          req.body.stage,
          req.body.evidence,
        ),
    );

    app.get(
      "/models/:name/versions/:version/detail",
      {
        schema: {
          tags,
          summary: "A model version with its lineage and its promotion policy checks",
          response: { 200: VersionDetail },
          params: versionParams,
        },
      },
      async (req): Promise<VersionDetail> => {
        const lineage = await registry.lineage(req.params.name, Number(req.params.version));
        const policy = await registry.getPromotionPolicy(req.params.name);
        return {
          version: lineage.version,
          lineage,
          policy: policy === null ? null : await checks(lineage.version),
        };
      },
    );

    app.get(
      "/runs/:runId/model-versions",
      {
        schema: {
          tags,
          summary: "The model versions registered from a run, newest first",
          response: { 200: VersionList },
          params: z.strictObject({ runId }),
        },
      },
      async (req): Promise<VersionList> => {
        await store.runs.getRun(req.params.runId); // RUN_NOT_FOUND for an unknown run
        const { versions } = await registry.searchModelVersions({
          filter: `run_id = '${req.params.runId}'`,
          orderBy: ["creation_timestamp DESC"],
          maxResults: 200_000,
        });
        return { versions };
      },
    );
  };
}
