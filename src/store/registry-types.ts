/**
 * The model registry's storage contract: registered models, immutable versions, stages and
 * aliases, and the audit trail. Implemented over the Store's database (kysely-registry.ts); the
 * rules that need history (rollback) or other subsystems (promotion policies) live above it in
 * src/registry.
 *
 * Every change is one transaction that also appends its audit event, so the trail and the state
 * never disagree. Changes to one model are serialized on the model's row.
 */

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type Stage = (typeof STAGES)[number];

export interface SignatureField {
  name: string;
  type: string;
}

export interface ModelSignature {
  inputs: SignatureField[];
  outputs?: SignatureField[];
}

export interface VersionDataset {
  name: string;
  digest: string;
  context?: string;
}

export interface ModelFile {
  path: string;
  sha256: string;
  size: number;
}

export interface RegisteredModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdTime: number;
  updatedTime: number;
  /** alias → version */
  aliases: Record<string, number>;
  /** The newest version in each stage that has one. */
  latestVersions: Partial<Record<Stage, number>>;
}

export interface ModelVersion {
  name: string;
  version: number;
  /** The artifact's location, e.g. `runs:/<run id>/model`. */
  source: string;
  runId: string | null;
  /** sha256 (hex) of the manifest of the model's files; loads are verified against it. */
  contentHash: string;
  /** Every file of the model (relative path, sha256, size), pinned at registration. */
  files: ModelFile[];
  signature: ModelSignature | null;
  datasets: VersionDataset[];
  creator: string;
  description: string;
  tags: Record<string, string>;
  createdTime: number;
  updatedTime: number;
  currentStage: Stage;
  aliases: string[];
}

/** Something that backs a transition: an evaluation, an online test result, a model card… */
export interface Evidence {
  kind: string;
  id: string;
  /** What the policy check found, copied into the trail at the time of the change. */
  summary?: unknown;
}

export type AuditAction =
  | "create_model"
  | "update_model"
  | "rename_model"
  | "delete_model"
  | "create_version"
  | "update_version"
  | "delete_version"
  | "transition"
  | "set_alias"
  | "delete_alias"
  | "rollback"
  | "set_policy";

export interface AuditEvent {
  /** Increases with every event of the store: the trail's order. */
  id: number;
  model: string;
  at: number;
  actor: string;
  action: AuditAction;
  version: number | null;
  fromStage: Stage | null;
  toStage: Stage | null;
  alias: string | null;
  /** For alias changes: the version the alias pointed at before (null: it did not exist). */
  previousVersion: number | null;
  reason: string | null;
  evidence: Evidence[];
  /** True when a policy was overridden (admin `force`). */
  forced: boolean;
  /** Other versions the change moved, e.g. those archived by `archiveExisting`: version → from stage. */
  displaced: Array<{ version: number; fromStage: Stage; toStage: Stage }>;
  /** For rollbacks: the id of the event being undone. */
  undoes: number | null;
}

export interface ChangeContext {
  actor: string;
  reason?: string | null;
  evidence?: Evidence[];
  forced?: boolean;
}

export interface StoredPolicy {
  /** Increases with every change of the model's policy. */
  revision: number;
  policy: unknown;
  updatedTime: number;
  actor: string;
}

export interface RegistryStorage {
  /** @throws MODEL_ALREADY_EXISTS, INVALID_NAME */
  createModel(
    input: { name: string; description?: string; tags?: Record<string, string> },
    ctx: ChangeContext,
    now: number,
  ): Promise<RegisteredModel>;
  /** @throws MODEL_NOT_FOUND */
  getModel(name: string): Promise<RegisteredModel>;
  listModels(): Promise<RegisteredModel[]>;
  /** @throws MODEL_NOT_FOUND */
  updateModel(
    name: string,
    patch: { description?: string },
    ctx: ChangeContext,
    now: number,
  ): Promise<RegisteredModel>;
  /** @throws MODEL_NOT_FOUND, MODEL_ALREADY_EXISTS */
  renameModel(name: string, newName: string, ctx: ChangeContext, now: number): Promise<RegisteredModel>;
  setModelTag(name: string, key: string, value: string | null, now: number): Promise<void>;
  /**
   * Deletes the model, its versions, aliases and policy. Refused (INVALID_STATE) while a version
   * is in Staging or Production or has an alias. The audit trail stays.
   */
  deleteModel(name: string, ctx: ChangeContext, now: number): Promise<void>;

  /** The next version number of the model, atomically. @throws MODEL_NOT_FOUND */
  createVersion(
    name: string,
    input: {
      source: string;
      runId: string | null;
      contentHash: string;
      files: ModelFile[];
      signature?: ModelSignature | null;
      datasets?: VersionDataset[];
      description?: string;
      tags?: Record<string, string>;
    },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion>;
  /** @throws MODEL_VERSION_NOT_FOUND */
  getVersion(name: string, version: number): Promise<ModelVersion>;
  /** Newest first. */
  listVersions(name: string): Promise<ModelVersion[]>;
  /** Versions of every model (newest first), optionally of one model or one run. */
  searchVersions(filter: { name?: string; runId?: string; nameLike?: string }): Promise<ModelVersion[]>;
  updateVersion(
    name: string,
    version: number,
    patch: { description?: string },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion>;
  setVersionTag(name: string, version: number, key: string, value: string | null, now: number): Promise<void>;
  /** Refused (INVALID_STATE) while the version is in Staging/Production or has an alias. */
  deleteVersion(name: string, version: number, ctx: ChangeContext, now: number): Promise<void>;

  /**
   * Moves a version to `stage`; with `archiveExisting`, the model's other versions in that stage
   * move to Archived in the same transaction (listed in the event's `displaced`).
   */
  transitionStage(
    name: string,
    version: number,
    stage: Stage,
    options: { archiveExisting?: boolean; undoes?: number | null; action?: "transition" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion>;
  /**
   * Applies several stage moves of one model in one audited transaction (used by rollback).
   * The first move is the event's version/fromStage/toStage, the others go to `displaced`.
   */
  applyStages(
    name: string,
    moves: Array<{ version: number; toStage: Stage }>,
    options: { undoes: number | null; action: "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void>;
  /** Points `alias` at `version` (moving it if it pointed elsewhere). */
  setAlias(
    name: string,
    alias: string,
    version: number,
    options: { undoes?: number | null; action?: "set_alias" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void>;
  deleteAlias(
    name: string,
    alias: string,
    options: { undoes?: number | null; action?: "delete_alias" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void>;
  /** @throws MODEL_ALIAS_NOT_FOUND */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** The model's trail, oldest first (only its `latest` events when given). */
  getHistory(name: string, options?: { latest?: number }): Promise<AuditEvent[]>;

  setPolicy(name: string, policy: unknown, ctx: ChangeContext, now: number): Promise<StoredPolicy>;
  getPolicy(name: string): Promise<StoredPolicy | null>;
}
