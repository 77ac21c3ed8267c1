/**
 * /api/v1/models: the model registry, read-only (the web UI's registry pages). Models with where
 * their versions stand; one model with its versions, promotion policy and what each version meets
 * of it; the audit trail; one version with its lineage; and the versions registered from a run.
 * Changes go through the write endpoints (models-write.ts) and the SDK.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { SextantError } from "../../core/errors.js";
import type { PolicyCheck } from "../../registry/policy.js";
import { type Lineage, ModelRegistry } from "../../registry/registry.js";
import type {
  LineageJson,
  ModelDetail,
  ModelHistoryJson,
  ModelListItem,
  PolicyCheckJson,
  RunModelVersionsJson,
  VersionDetail,
  VersionPolicyChecks,
} from "../../registry/registry-json.js";
import type { ModelVersion, RegistryStorage } from "../../store/registry-types.js";
import { hasRegistry } from "../../store/types.js";
import type { ServerContext } from "../context.js";
import { runId } from "./schemas.js";

// What the service returns must fit the JSON shapes the UI reads.
const _lineageFits = (l: Lineage): LineageJson => l;
const _checkFits = (c: PolicyCheck): PolicyCheckJson => c;
void _lineageFits;
void _checkFits;

const tags = ["models"];
/** Versions of one model whose policy checks the model page gets (newest first). */
export const MAX_CHECKED_VERSIONS = 100;

const modelName = z.string().min(1, "a model name is not empty");
const versionParam = z.string().regex(/^[1-9]\d{0,14}$/, "a model version is a positive integer");

function notFound(name: string): SextantError {
  return new SextantError("MODEL_NOT_FOUND", `no registered model named '${name}'`, { name });
}

export function modelRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store } = ctx;
    // Reads need no actor; one is required by the service's constructor only.
    const registry = hasRegistry(store)
      ? new ModelRegistry({ store, artifacts: ctx.artifacts, clock: ctx.clock, actor: () => "server" })
      : null;
    const storage: RegistryStorage | null = hasRegistry(store) ? store.registry : null;

    /** The service and its storage; a store without a registry has no models at all. */
    function need(name: string): { reg: ModelRegistry; storage: RegistryStorage } {
      if (registry === null || storage === null) throw notFound(name);
      return { reg: registry, storage };
    }

    async function checks(reg: ModelRegistry, v: ModelVersion): Promise<VersionPolicyChecks> {
      return {
        Staging: await reg.checkPromotion(v.name, v.version, "Staging"),
        Production: await reg.checkPromotion(v.name, v.version, "Production"),
      };
    }

    app.get(
      "/models",
      {
        schema: { tags, summary: "Registered models with their Production and Staging versions and aliases" },
      },
      async (): Promise<{ models: ModelListItem[] }> => {
        if (registry === null || storage === null) return { models: [] };
        const models: ModelListItem[] = [];
        for (const m of await registry.listRegisteredModels()) {
          const mine = await storage.listVersions(m.name);
          const [last] = await storage.getHistory(m.name, { latest: 1 });
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

    app.get(
      "/models/:name",
      {
        schema: {
          tags,
          summary: "A registered model, its versions, its promotion policy and what each version meets of it",
          params: z.strictObject({ name: modelName }),
        },
      },
      async (req): Promise<ModelDetail> => {
        const { reg, storage } = need(req.params.name);
        const model = await reg.getRegisteredModel(req.params.name);
        const versions = await storage.listVersions(model.name);
        const policy = await reg.getPromotionPolicy(model.name);
        const out: ModelDetail["checks"] = [];
        if (policy !== null) {
          for (const v of versions.slice(0, MAX_CHECKED_VERSIONS))
            out.push({ version: v.version, ...(await checks(reg, v)) });
        }
        return { model, versions, policy, checks: out };
      },
    );

    app.get(
      "/models/:name/history",
      {
        schema: {
          tags,
          summary: "A registered model's audit trail, oldest first",
          params: z.strictObject({ name: modelName }),
        },
      },
      async (req): Promise<ModelHistoryJson> => {
        const { reg } = need(req.params.name);
        // the trail outlives a deleted model, but the page of a model that does not exist is a 404
        await reg.getRegisteredModel(req.params.name);
        return { events: await reg.getModelHistory(req.params.name) };
      },
    );

    app.get(
      "/models/:name/versions/:version",
      {
        schema: {
          tags,
          summary: "A model version with its lineage and its promotion policy checks",
          params: z.strictObject({ name: modelName, version: versionParam }),
        },
      },
      async (req): Promise<VersionDetail> => {
        const { reg } = need(req.params.name);
        await reg.getRegisteredModel(req.params.name);
        const lineage = await reg.lineage(req.params.name, Number(req.params.version));
        const policy = await reg.getPromotionPolicy(req.params.name);
        return {
          version: lineage.version,
          lineage,
          policy: policy === null ? null : await checks(reg, lineage.version),
        };
      },
    );

    app.get(
      "/runs/:runId/model-versions",
      {
        schema: {
          tags,
          summary: "The model versions registered from a run, newest first",
          params: z.strictObject({ runId }),
        },
      },
      async (req): Promise<RunModelVersionsJson> => {
        await store.getRun(req.params.runId); // RUN_NOT_FOUND for an unknown run
        if (storage === null) return { versions: [] };
        return { versions: await storage.searchVersions({ runId: req.params.runId }) };
      },
    );
  };
}
