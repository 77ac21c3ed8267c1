/**
 * The model registry's API objects: registered models, immutable versions, the audit trail,
 * promotion policies and their checks, lineage, and what the UI's registry pages read.
 */
import { z } from "zod";
import { millis, stringMap, wireNumber } from "./common.js";

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;
export const Stage = z.enum(STAGES);
export type Stage = z.output<typeof Stage>;

export const SignatureField = z.object({ name: z.string(), type: z.string() });
export type SignatureField = z.output<typeof SignatureField>;

export const ModelSignature = z.object({
  inputs: z.array(SignatureField),
  outputs: z.array(SignatureField).optional(),
});
export type ModelSignature = z.output<typeof ModelSignature>;

export const VersionDataset = z.object({
  name: z.string(),
  digest: z.string(),
  context: z.string().optional(),
});
export type VersionDataset = z.output<typeof VersionDataset>;

export const ModelFile = z.object({ path: z.string(), sha256: z.string(), size: z.number() });
export type ModelFile = z.output<typeof ModelFile>;

export const RegisteredModel = z.object({
  name: z.string(),
  description: z.string(),
  tags: stringMap,
  createdTime: millis,
  updatedTime: millis,
  /** alias → version */
  aliases: z.record(z.string(), z.number()),
  /** The newest version in each stage that has one. */
  latestVersions: z.partialRecord(Stage, z.number()),
});
export type RegisteredModel = z.output<typeof RegisteredModel>;

export const ModelVersion = z.object({
  name: z.string(),
  version: z.number(),
  /** The artifact's location, e.g. `runs:/<run id>/model`. */
  source: z.string(),
  runId: z.string().nullable(),
  /** sha256 (hex) of the manifest of the model's files; loads are verified against it. */
  contentHash: z.string(),
  /** Every file of the model (relative path, sha256, size), pinned at registration. */
  files: z.array(ModelFile),
  signature: ModelSignature.nullable(),
  datasets: z.array(VersionDataset),
  creator: z.string(),
  description: z.string(),
  tags: stringMap,
  createdTime: millis,
  updatedTime: millis,
  currentStage: Stage,
  aliases: z.array(z.string()),
});
export type ModelVersion = z.output<typeof ModelVersion>;

/** Something that backs a transition: an evaluation, an online test result, a model card… */
export const Evidence = z.object({
  kind: z.string(),
  id: z.string(),
  /** What the policy check found, copied into the trail at the time of the change. */
  summary: z.unknown().optional(),
});
export type Evidence = z.output<typeof Evidence>;

export const AUDIT_ACTIONS = [
  "create_model",
  "update_model",
  "rename_model",
  "delete_model",
  "create_version",
  "update_version",
  "delete_version",
  "transition",
  "set_alias",
  "delete_alias",
  "rollback",
  "set_policy",
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.output<typeof AuditAction>;

export const AuditEvent = z.object({
  /** Increases with every event of the store: the trail's order. */
  id: z.number(),
  model: z.string(),
  at: millis,
  actor: z.string(),
  action: AuditAction,
  version: z.number().nullable(),
  fromStage: Stage.nullable(),
  toStage: Stage.nullable(),
  alias: z.string().nullable(),
  /** For alias changes: the version the alias pointed at before (null: it did not exist). */
  previousVersion: z.number().nullable(),
  reason: z.string().nullable(),
  evidence: z.array(Evidence),
  /** True when a policy was overridden (admin `force`). */
  forced: z.boolean(),
  /** Other versions the change moved, e.g. those archived by `archiveExisting`. */
  displaced: z.array(z.object({ version: z.number(), fromStage: Stage, toStage: Stage })),
  /** For rollbacks: the id of the event being undone. */
  undoes: z.number().nullable(),
});
export type AuditEvent = z.output<typeof AuditEvent>;

export const StoredPolicy = z.object({
  /** Increases with every change of the model's policy. */
  revision: z.number(),
  policy: z.unknown(),
  updatedTime: millis,
  actor: z.string(),
});
export type StoredPolicy = z.output<typeof StoredPolicy>;

export const PolicyCondition = z.object({
  /** The evidence kind, e.g. "evaluation". */
  kind: z.string(),
  condition: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  evidence: Evidence.optional(),
});
export type PolicyCondition = z.output<typeof PolicyCondition>;

export const PolicyCheck = z.object({
  stage: Stage,
  pass: z.boolean(),
  conditions: z.array(PolicyCondition),
  evidence: z.array(Evidence),
});
export type PolicyCheck = z.output<typeof PolicyCheck>;

/** What a promotion of one version to Staging and to Production would find now. */
export const VersionPolicyChecks = z.object({ Staging: PolicyCheck, Production: PolicyCheck });
export type VersionPolicyChecks = z.output<typeof VersionPolicyChecks>;

/** A version's lineage: its run, datasets, code, environment, study and evaluations. */
export const Lineage = z.object({
  version: ModelVersion,
  run: z
    .object({
      runId: z.string(),
      runName: z.string(),
      experimentId: z.string(),
      status: z.string(),
      startTime: millis,
      endTime: millis.nullable(),
      params: stringMap,
      metrics: z.record(z.string(), wireNumber),
    })
    .nullable(),
  datasets: z.array(z.object({ name: z.string(), digest: z.string(), context: z.string().nullable() })),
  code: z.unknown(),
  environment: z.unknown(),
  study: z
    .object({
      name: z.string(),
      studyId: z.string(),
      trial: z.number().nullable(),
      parentRunId: z.string().nullable(),
    })
    .nullable(),
  evaluations: z.array(z.object({ evaluationId: z.string(), name: z.string(), createdTime: millis })),
});
export type Lineage = z.output<typeof Lineage>;

/** One row of GET /models: the model, where its versions stand, and its last audited change. */
export const ModelListItem = RegisteredModel.extend({
  versionCount: z.number(),
  /** Versions in Production, newest first (several when A/B testing). */
  production: z.array(z.number()),
  /** Versions in Staging, newest first. */
  staging: z.array(z.number()),
  /** The newest audit event of the model (null for a model with no trail). */
  lastEvent: AuditEvent.nullable(),
});
export type ModelListItem = z.output<typeof ModelListItem>;
export const ModelList = z.object({ models: z.array(ModelListItem) });

/** GET /models/:name/detail */
export const ModelDetail = z.object({
  model: RegisteredModel,
  /** Newest first. */
  versions: z.array(ModelVersion),
  policy: StoredPolicy.nullable(),
  /** Per version (same order as `versions`), the policy checks; empty without a policy. */
  checks: z.array(VersionPolicyChecks.extend({ version: z.number() })),
});
export type ModelDetail = z.output<typeof ModelDetail>;

/** GET /models/:name/versions/:version/detail */
export const VersionDetail = z.object({
  version: ModelVersion,
  lineage: Lineage,
  /** null when the model has no promotion policy. */
  policy: VersionPolicyChecks.nullable(),
});
export type VersionDetail = z.output<typeof VersionDetail>;

export const ModelHistory = z.object({ events: z.array(AuditEvent) });
export type ModelHistory = z.output<typeof ModelHistory>;
export const VersionList = z.object({ versions: z.array(ModelVersion) });
export type VersionList = z.output<typeof VersionList>;
export const VersionPage = z.object({
  versions: z.array(ModelVersion),
  nextPageToken: z.string().nullable(),
});
export const ModelPage = z.object({ models: z.array(RegisteredModel), nextPageToken: z.string().nullable() });
export const OptionalPolicy = z.object({ policy: StoredPolicy.nullable() });
