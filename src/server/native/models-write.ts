/**
 * /api/v1/models: the model registry's changes (the reads are in models.ts). Registering a run's
 * model, policy-checked stage transitions, aliases, rollback and promotion policies, each through
 * the registry service with the request's token as the actor of the audit event.
 *
 * Permissions: creating, renaming, describing and tagging models and versions and registering
 * need `write`; stages, aliases and rollbacks need `promote` (or `admin`); deleting models and
 * versions, overriding a policy (`force`) and setting a policy need `admin`. A promotion refused
 * by its policy is 409 POLICY_NOT_MET with every unmet condition in `details.unmet`.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AuditEvent,
  Empty,
  evidence,
  ModelVersion,
  modelName,
  RegisteredModel,
  StoredPolicy,
  versionParam,
  versionValue,
} from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import type { PromotionPolicy } from "../../registry/index.js";
import { type Identity, registryFor } from "../auth.js";
import type { ServerContext } from "../context.js";

const tags = ["models"];
const tagParams = z.strictObject({ name: modelName, key: z.string().min(1).max(250) });
const versionTagParams = z.strictObject({
  name: modelName,
  version: versionParam,
  key: z.string().min(1).max(250),
});
const tagBody = z.strictObject({ value: z.string().max(5000) });
const descriptionBody = z.strictObject({ description: z.string().max(5000).optional() });

/** `force` is for admins only, whether or not the policy would refuse. */
export function checkForce(identity: Identity, force: boolean | undefined): void {
  if (force && identity.scope !== "admin") {
    throw new SextantError(
      "PERMISSION_DENIED",
      `only an admin token can force a promotion past its policy; '${identity.name}' has '${identity.scope}'`,
      { need: "admin", have: identity.scope },
    );
  }
}

export function modelWriteRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post(
      "/models",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Create a registered model",
          response: { 200: RegisteredModel },
          body: z.strictObject({
            name: modelName,
            description: z.string().max(5000).optional(),
            tags: z.record(z.string(), z.string()).optional(),
          }),
        },
      },
      async (req) => {
        const { name, ...options } = req.body;
        return registryFor(ctx, req.identity).createRegisteredModel(name, options);
      },
    );

    app.patch(
      "/models/:name",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Rename a registered model, or change its description",
          response: { 200: RegisteredModel },
          params: z.strictObject({ name: modelName }),
          body: z.strictObject({ name: modelName.optional(), description: z.string().max(5000).optional() }),
        },
      },
      async (req) => {
        const reg = registryFor(ctx, req.identity);
        let name = req.params.name;
        let model = await reg.getRegisteredModel(name);
        if (req.body.name !== undefined && req.body.name !== name) {
          model = await reg.renameRegisteredModel(name, req.body.name);
          name = model.name;
        }
        if (req.body.description !== undefined)
          model = await reg.updateRegisteredModel(name, { description: req.body.description });
        return model;
      },
    );

    app.delete(
      "/models/:name",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Delete a registered model with no live version (its audit trail stays)",
          response: { 200: Empty },
          params: z.strictObject({ name: modelName }),
        },
      },
      async (req) => {
        await registryFor(ctx, req.identity).deleteRegisteredModel(req.params.name);
        return {};
      },
    );

    app.put(
      "/models/:name/tags/:key",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Set a tag of a registered model",
          response: { 200: Empty },
          params: tagParams,
          body: tagBody,
        },
      },
      async (req) => {
        await registryFor(ctx, req.identity).setRegisteredModelTag(
          req.params.name,
          req.params.key,
          req.body.value,
        );
        return {};
      },
    );

    app.delete(
      "/models/:name/tags/:key",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Delete a tag of a registered model",
          response: { 200: Empty },
          params: tagParams,
        },
      },
      async (req) => {
        await registryFor(ctx, req.identity).setRegisteredModelTag(req.params.name, req.params.key, null);
        return {};
      },
    );

    app.patch(
      "/models/:name/versions/:version",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Change a version's description",
          response: { 200: ModelVersion },
          params: z.strictObject({ name: modelName, version: versionParam }),
          body: descriptionBody,
        },
      },
      async (req) =>
        registryFor(ctx, req.identity).updateModelVersion(req.params.name, req.params.version, {
          ...(req.body.description === undefined ? {} : { description: req.body.description }),
        }),
    );

    app.delete(
      "/models/:name/versions/:version",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Delete a version that is not live",
          response: { 200: Empty },
          params: z.strictObject({ name: modelName, version: versionParam }),
        },
      },
      async (req) => {
        await registryFor(ctx, req.identity).deleteModelVersion(req.params.name, req.params.version);
        return {};
      },
    );

    app.put(
      "/models/:name/versions/:version/tags/:key",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Set a tag of a version",
          response: { 200: Empty },
          params: versionTagParams,
          body: tagBody,
        },
      },
      async (req) => {
        const { name, version, key } = req.params;
        await registryFor(ctx, req.identity).setModelVersionTag(name, version, key, req.body.value);
        return {};
      },
    );

    app.delete(
      "/models/:name/versions/:version/tags/:key",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Delete a tag of a version",
          response: { 200: Empty },
          params: versionTagParams,
        },
      },
      async (req) => {
        const { name, version, key } = req.params;
        await registryFor(ctx, req.identity).setModelVersionTag(name, version, key, null);
        return {};
      },
    );

    app.post(
      "/models/register",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Register a run's model (runs:/RUN_ID/PATH) as the next version of a registered model",
          response: { 200: ModelVersion },
          body: z.strictObject({
            source: z.string().min(1),
            name: modelName,
            description: z.string().optional(),
            tags: z.record(z.string(), z.string()).optional(),
          }),
        },
      },
      async (req) => {
        const b = req.body;
        return registryFor(ctx, req.identity).registerModel(b.source, b.name, {
          ...(b.description === undefined ? {} : { description: b.description }),
          ...(b.tags === undefined ? {} : { tags: b.tags }),
        });
      },
    );

    app.post(
      "/models/:name/versions/:version/stage",
      {
        config: { scope: "promote" },
        schema: {
          tags,
          summary: "Move a version to a stage, checked against the model's promotion policy",
          response: { 200: ModelVersion },
          params: z.strictObject({ name: modelName, version: versionParam }),
          body: z.strictObject({
            stage: z.string().min(1),
            reason: z.string().optional(),
            evidence: evidence.optional(),
            archiveExisting: z.boolean().optional(),
            force: z.boolean().optional(),
          }),
        },
      },
      async (req) => {
        const b = req.body;
        checkForce(req.identity, b.force);
        return registryFor(ctx, req.identity).transitionStage(req.params.name, req.params.version, b.stage, {
          ...(b.reason === undefined ? {} : { reason: b.reason }),
          ...(b.evidence === undefined ? {} : { evidence: b.evidence }),
          ...(b.archiveExisting === undefined ? {} : { archiveExisting: b.archiveExisting }),
          ...(b.force === undefined ? {} : { force: b.force }),
        });
      },
    );

    app.put(
      "/models/:name/aliases/:alias",
      {
        config: { scope: "promote" },
        schema: {
          tags,
          summary: "Point an alias at a version (moving it if it points elsewhere)",
          response: { 200: ModelVersion },
          params: z.strictObject({ name: modelName, alias: z.string().min(1) }),
          body: z.strictObject({ version: versionValue, reason: z.string().optional() }),
        },
      },
      async (req) => {
        const reg = registryFor(ctx, req.identity);
        const { name, alias } = req.params;
        await reg.setAlias(name, alias, req.body.version, {
          ...(req.body.reason === undefined ? {} : { reason: req.body.reason }),
        });
        return reg.getModelVersionByAlias(name, alias);
      },
    );

    app.delete(
      "/models/:name/aliases/:alias",
      {
        config: { scope: "promote" },
        schema: {
          tags,
          summary: "Delete an alias",
          response: { 200: Empty },
          params: z.strictObject({ name: modelName, alias: z.string().min(1) }),
          querystring: z.strictObject({ reason: z.string().optional() }),
        },
      },
      async (req) => {
        await registryFor(ctx, req.identity).deleteAlias(req.params.name, req.params.alias, {
          ...(req.query.reason === undefined ? {} : { reason: req.query.reason }),
        });
        return {};
      },
    );

    app.post(
      "/models/:name/rollback",
      {
        config: { scope: "promote" },
        schema: {
          tags,
          summary:
            "Return a stage (default Production) or an alias to its previous version; answers the new audit event",
          response: { 200: AuditEvent },
          params: z.strictObject({ name: modelName }),
          body: z
            .strictObject({
              stage: z.string().min(1).optional(),
              alias: z.string().min(1).optional(),
              reason: z.string().optional(),
            })
            .refine(
              (b) => b.stage === undefined || b.alias === undefined,
              "give a stage or an alias, not both",
            )
            .optional(),
        },
      },
      async (req) => {
        const b = req.body ?? {};
        return registryFor(ctx, req.identity).rollback(req.params.name, {
          ...(b.stage === undefined ? {} : { stage: b.stage }),
          ...(b.alias === undefined ? {} : { alias: b.alias }),
          ...(b.reason === undefined ? {} : { reason: b.reason }),
        });
      },
    );

    app.put(
      "/models/:name/policy",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Set the model's promotion policy (a new revision)",
          response: { 200: StoredPolicy },
          params: z.strictObject({ name: modelName }),
          body: z.strictObject({ policy: z.record(z.string(), z.unknown()) }),
        },
      },
      async (req) =>
        registryFor(ctx, req.identity).setPromotionPolicy(
          req.params.name,
          req.body.policy as PromotionPolicy,
        ),
    );
  };
}
