/**
 * The model registry's storage contract: registered models, immutable versions, stages and
 * aliases, and the audit trail, over the Store's database (kysely.ts). It keeps the registry's
 * data consistent and nothing more: which stage moves, alias moves and deletions are allowed is
 * decided by the registry service (src/registry) — its rules run inside `change`, on the model's
 * state read under the model's lock, and return the edits to apply.
 *
 * Every change is one transaction that also appends its audit event, so the trail and the state
 * never disagree. Changes to one model are serialized on the model's row.
 */
import {
  type AuditAction,
  type AuditEvent,
  type Evidence,
  type ModelFile,
  type ModelSignature,
  type ModelVersion,
  type RegisteredModel,
  STAGES,
  type Stage,
  type StoredPolicy,
  type VersionDataset,
} from "../../api/index.js";
import { SextantError } from "../../core/index.js";

export {
  type AuditAction,
  type AuditEvent,
  type Evidence,
  type ModelFile,
  type ModelSignature,
  type ModelVersion,
  type RegisteredModel,
  type SignatureField,
  STAGES,
  type Stage,
  type StoredPolicy,
  type VersionDataset,
} from "../../api/index.js";

export interface ChangeContext {
  actor: string;
  reason?: string | null;
  evidence?: Evidence[];
  forced?: boolean;
}

/** A model's stages and aliases as a change sees them, read under the model's lock. */
export interface ModelState {
  name: string;
  /** version → stage, every version of the model */
  stages: ReadonlyMap<number, Stage>;
  /** alias → version */
  aliases: ReadonlyMap<string, number>;
  /** The model's trail, oldest first, when the change asked for it (`{ history: true }`). */
  history: readonly AuditEvent[] | null;
}

/** One edit of a change. */
export type RegistryEdit =
  | { kind: "stage"; version: number; stage: Stage }
  /** Points the alias at `version`, or deletes it with null. */
  | { kind: "alias"; alias: string; version: number | null }
  | { kind: "delete-version"; version: number }
  /** The model, its versions, aliases and policy (the trail stays). */
  | { kind: "delete-model" };

/** The event a change appends (who, when, reason, evidence and forced come from its context). */
export interface EventInput {
  action: AuditAction;
  version?: number | null;
  fromStage?: Stage | null;
  toStage?: Stage | null;
  alias?: string | null;
  previousVersion?: number | null;
  displaced?: AuditEvent["displaced"];
  undoes?: number | null;
}

export interface RegistryChange {
  edits: RegistryEdit[];
  event: EventInput;
}

export interface RegistrySearchInput {
  filter?: string;
  orderBy?: string[];
  /** Default 1000, at most 200,000. */
  maxResults?: number;
  pageToken?: string | null;
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
  /**
   * Versions matching a filter in the search grammar (see VERSION_FILTER: `name`, `run_id`,
   * `version_number`, `source_path`, `current_stage`, `creation_timestamp`,
   * `last_updated_timestamp`, `tags.<key>`), ordered by `orderBy` (default: name, then newest
   * version first), one page at a time. @throws INVALID_FILTER, INVALID_ORDER_BY, INVALID_PAGE_TOKEN
   */
  searchVersions(
    input?: RegistrySearchInput,
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }>;
  /** Registered models matching a filter (`name`, `tags.<key>`, the times), by name by default. */
  searchModels(
    input?: RegistrySearchInput,
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }>;
  updateVersion(
    name: string,
    version: number,
    patch: { description?: string },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion>;
  setVersionTag(name: string, version: number, key: string, value: string | null, now: number): Promise<void>;
  /**
   * The one write primitive for stages, aliases and deletions. Locks the model, reads its state,
   * calls `decide` with it (the registry service's rules: they return the edits and the event, or
   * throw), applies the edits and appends the event, all in one transaction; what `decide` throws
   * leaves everything as it was. @throws MODEL_NOT_FOUND, and whatever `decide` throws
   */
  change(
    name: string,
    decide: (state: ModelState) => RegistryChange,
    ctx: ChangeContext,
    now: number,
    options?: { history?: boolean },
  ): Promise<AuditEvent>;
  /** @throws MODEL_ALIAS_NOT_FOUND */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /** The model's trail, oldest first (only its `latest` events when given). */
  getHistory(name: string, options?: { latest?: number }): Promise<AuditEvent[]>;

  setPolicy(name: string, policy: unknown, ctx: ChangeContext, now: number): Promise<StoredPolicy>;
  getPolicy(name: string): Promise<StoredPolicy | null>;
}

// ---------------------------------------------------------------- input rules and errors

const NAME_MAX = 256;
const ALIAS_RE = /^[\w-]{1,256}$/;

export function modelNotFound(name: string): SextantError {
  return new SextantError("MODEL_NOT_FOUND", `no registered model named '${name}'`, { name });
}

export function aliasNotFound(name: string, alias: string): SextantError {
  return new SextantError("MODEL_ALIAS_NOT_FOUND", `registered model '${name}' has no alias '${alias}'`, {
    name,
    alias,
  });
}

export function versionNotFound(name: string, version: number): SextantError {
  return new SextantError("MODEL_VERSION_NOT_FOUND", `registered model '${name}' has no version ${version}`, {
    name,
    version,
  });
}

export function checkModelName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "" || name.length > NAME_MAX || /[\n\r\t]/.test(name)) {
    throw new SextantError(
      "INVALID_NAME",
      `a registered model name is a non-empty string of at most ${NAME_MAX} characters without line breaks`,
      { name },
    );
  }
  if (name.includes("@") || name.includes("/")) {
    throw new SextantError("INVALID_NAME", `a registered model name cannot contain '/' or '@': '${name}'`, {
      name,
    });
  }
  return name;
}

/** Aliases are `^[\w-]+$`; `latest` and `v<digits>` are reserved by model URIs. */
export function checkAlias(alias: unknown): string {
  if (typeof alias !== "string" || !ALIAS_RE.test(alias)) {
    throw new SextantError("INVALID_NAME", `an alias matches ^[\\w-]+$, got ${JSON.stringify(alias)}`, {
      alias,
    });
  }
  if (alias.toLowerCase() === "latest" || /^v\d+$/i.test(alias)) {
    throw new SextantError(
      "INVALID_NAME",
      `'${alias}' is reserved (latest and v<digits> name versions in model URIs)`,
      {
        alias,
      },
    );
  }
  return alias;
}

export function checkStage(stage: unknown): Stage {
  if (typeof stage === "string") {
    const found = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
    if (found) return found;
  }
  throw new SextantError(
    "INVALID_ARGUMENT",
    `a stage is one of ${STAGES.join(", ")}, got ${JSON.stringify(stage)}`,
    {
      stage,
    },
  );
}

export function checkVersion(version: unknown): number {
  const v = typeof version === "string" && /^\d+$/.test(version) ? Number(version) : version;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `a model version is a positive integer, got ${JSON.stringify(version)}`,
      {
        version,
      },
    );
  }
  return v;
}
