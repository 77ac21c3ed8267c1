/**
 * The model registry in the Store's database (SQLite or PostgreSQL). See registry-types.ts for
 * the contract.
 *
 * Every change runs in one write transaction that starts by updating the model's row (its
 * `updated_time`, and `next_version` for a new version). On PostgreSQL that row lock serializes
 * concurrent changes to one model, on SQLite the write lock does; so two clients promoting
 * different versions at once end with the stages and the trail of one order or the other, never a
 * mix. The audit event is written in the same transaction as the change it records.
 */
import type { Generated, Kysely, Selectable } from "kysely";
import { SextantError } from "../core/errors.js";
import type {
  AuditAction,
  AuditEvent,
  ChangeContext,
  Evidence,
  ModelFile,
  ModelSignature,
  ModelVersion,
  RegisteredModel,
  RegistryStorage,
  Stage,
  StoredPolicy,
  VersionDataset,
} from "./registry-types.js";
import { STAGES } from "./registry-types.js";

interface RegisteredModelsTable {
  model_id: Generated<number>;
  name: string;
  description: string;
  tags: string;
  created_time: number;
  updated_time: number;
  next_version: number;
}

interface ModelVersionsTable {
  model_id: number;
  version: number;
  source: string;
  run_id: string | null;
  content_hash: string;
  files: string;
  signature: string | null;
  datasets: string;
  creator: string;
  description: string;
  tags: string;
  created_time: number;
  updated_time: number;
  stage: string;
}

interface ModelAliasesTable {
  model_id: number;
  alias: string;
  version: number;
}

interface ModelEventsTable {
  event_id: Generated<number>;
  model_id: number;
  model_name: string;
  at: number;
  actor: string;
  action: string;
  version: number | null;
  from_stage: string | null;
  to_stage: string | null;
  alias: string | null;
  previous_version: number | null;
  reason: string | null;
  evidence: string;
  forced: number;
  displaced: string;
  undoes: number | null;
}

interface ModelPoliciesTable {
  model_id: number;
  revision: number;
  policy: string;
  updated_time: number;
  actor: string;
}

export interface RegistryDB {
  registered_models: RegisteredModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  model_events: ModelEventsTable;
  model_policies: ModelPoliciesTable;
}

/** The registry's tables (schema version 6). */
export const REGISTRY_MIGRATION = [
  `CREATE TABLE registered_models (
      model_id {id},
      name TEXT NOT NULL UNIQUE,
      description TEXT NOT NULL,
      tags TEXT NOT NULL,
      created_time {int} NOT NULL,
      updated_time {int} NOT NULL,
      next_version {int} NOT NULL)`,
  `CREATE TABLE model_versions (
      model_id {int} NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
      version {int} NOT NULL,
      source TEXT NOT NULL,
      run_id TEXT,
      content_hash TEXT NOT NULL,
      files TEXT NOT NULL,
      signature TEXT,
      datasets TEXT NOT NULL,
      creator TEXT NOT NULL,
      description TEXT NOT NULL,
      tags TEXT NOT NULL,
      created_time {int} NOT NULL,
      updated_time {int} NOT NULL,
      stage TEXT NOT NULL,
      PRIMARY KEY (model_id, version))`,
  "CREATE INDEX model_versions_run ON model_versions (run_id)",
  `CREATE TABLE model_aliases (
      model_id {int} NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
      alias TEXT NOT NULL,
      version {int} NOT NULL,
      PRIMARY KEY (model_id, alias))`,
  `CREATE TABLE model_events (
      event_id {id},
      model_id {int} NOT NULL,
      model_name TEXT NOT NULL,
      at {int} NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      version {int},
      from_stage TEXT,
      to_stage TEXT,
      alias TEXT,
      previous_version {int},
      reason TEXT,
      evidence TEXT NOT NULL,
      forced {int} NOT NULL,
      displaced TEXT NOT NULL,
      undoes {int})`,
  "CREATE INDEX model_events_model ON model_events (model_id, event_id)",
  "CREATE INDEX model_events_name ON model_events (model_name, event_id)",
  `CREATE TABLE model_policies (
      model_id {int} PRIMARY KEY REFERENCES registered_models(model_id) ON DELETE CASCADE,
      revision {int} NOT NULL,
      policy TEXT NOT NULL,
      updated_time {int} NOT NULL,
      actor TEXT NOT NULL)`,
];

type Tx = Kysely<RegistryDB>;
type TxRunner = <T>(fn: (t: Tx) => Promise<T>) => Promise<T>;

const NAME_MAX = 256;
const ALIAS_RE = /^[\w-]{1,256}$/;

export function modelNotFound(name: string): SextantError {
  return new SextantError("MODEL_NOT_FOUND", `no registered model named '${name}'`, { name });
}

function aliasNotFound(name: string, alias: string): SextantError {
  return new SextantError("MODEL_ALIAS_NOT_FOUND", `registered model '${name}' has no alias '${alias}'`, {
    name,
    alias,
  });
}

function versionNotFound(name: string, version: number): SextantError {
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

function checkActor(ctx: ChangeContext): void {
  if (typeof ctx.actor !== "string" || ctx.actor === "") {
    throw new SextantError("INVALID_ARGUMENT", "a registry change needs an actor");
  }
}

function toVersion(name: string, r: Selectable<ModelVersionsTable>, aliases: string[]): ModelVersion {
  return {
    name,
    version: Number(r.version),
    source: r.source,
    runId: r.run_id,
    contentHash: r.content_hash,
    files: JSON.parse(r.files) as ModelFile[],
    signature: r.signature === null ? null : (JSON.parse(r.signature) as ModelSignature),
    datasets: JSON.parse(r.datasets) as VersionDataset[],
    creator: r.creator,
    description: r.description,
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdTime: Number(r.created_time),
    updatedTime: Number(r.updated_time),
    currentStage: r.stage as Stage,
    aliases: [...aliases].sort(),
  };
}

function toEvent(r: Selectable<ModelEventsTable>): AuditEvent {
  return {
    id: Number(r.event_id),
    model: r.model_name,
    at: Number(r.at),
    actor: r.actor,
    action: r.action as AuditAction,
    version: r.version === null ? null : Number(r.version),
    fromStage: r.from_stage as Stage | null,
    toStage: r.to_stage as Stage | null,
    alias: r.alias,
    previousVersion: r.previous_version === null ? null : Number(r.previous_version),
    reason: r.reason,
    evidence: JSON.parse(r.evidence) as Evidence[],
    forced: Number(r.forced) === 1,
    displaced: JSON.parse(r.displaced) as AuditEvent["displaced"],
    undoes: r.undoes === null ? null : Number(r.undoes),
  };
}

interface EventInput {
  action: AuditAction;
  version?: number | null;
  fromStage?: Stage | null;
  toStage?: Stage | null;
  alias?: string | null;
  previousVersion?: number | null;
  displaced?: AuditEvent["displaced"];
  undoes?: number | null;
}

export class KyselyRegistryStorage implements RegistryStorage {
  readonly #db: Tx;
  readonly #tx: TxRunner;

  constructor(db: Kysely<unknown>, tx: <T>(fn: (t: Kysely<unknown>) => Promise<T>) => Promise<T>) {
    this.#db = db as unknown as Tx;
    this.#tx = tx as unknown as TxRunner;
  }

  // ----------------------------------------------------------------- helpers

  /** Locks the model's row for the transaction (bumping updated_time) and returns it. */
  async #lock(
    t: Tx,
    name: string,
    now: number,
    bumpVersion = false,
  ): Promise<Selectable<RegisteredModelsTable>> {
    const row = await t
      .updateTable("registered_models")
      .set((eb) => ({
        updated_time: now,
        ...(bumpVersion ? { next_version: eb("next_version", "+", 1) } : {}),
      }))
      .where("name", "=", name)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw modelNotFound(name);
    return row;
  }

  async #event(
    t: Tx,
    model: { model_id: number; name: string },
    input: EventInput,
    ctx: ChangeContext,
    now: number,
  ) {
    await t
      .insertInto("model_events")
      .values({
        model_id: Number(model.model_id),
        model_name: model.name,
        at: now,
        actor: ctx.actor,
        action: input.action,
        version: input.version ?? null,
        from_stage: input.fromStage ?? null,
        to_stage: input.toStage ?? null,
        alias: input.alias ?? null,
        previous_version: input.previousVersion ?? null,
        reason: ctx.reason ?? null,
        evidence: JSON.stringify(ctx.evidence ?? []),
        forced: ctx.forced ? 1 : 0,
        displaced: JSON.stringify(input.displaced ?? []),
        undoes: input.undoes ?? null,
      })
      .execute();
  }

  async #modelRow(db: Tx, name: string): Promise<Selectable<RegisteredModelsTable>> {
    const row = await db
      .selectFrom("registered_models")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw modelNotFound(name);
    return row;
  }

  async #versionRow(
    db: Tx,
    modelId: number,
    name: string,
    version: number,
  ): Promise<Selectable<ModelVersionsTable>> {
    const row = await db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_id", "=", modelId)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw versionNotFound(name, version);
    return row;
  }

  async #aliasVersion(db: Tx, modelId: number, alias: string): Promise<number | null> {
    const row = await db
      .selectFrom("model_aliases")
      .select("version")
      .where("model_id", "=", modelId)
      .where("alias", "=", alias)
      .executeTakeFirst();
    return row ? Number(row.version) : null;
  }

  async #aliasesOf(db: Tx, modelId: number): Promise<Map<number, string[]>> {
    const rows = await db.selectFrom("model_aliases").selectAll().where("model_id", "=", modelId).execute();
    const out = new Map<number, string[]>();
    for (const r of rows) {
      const v = Number(r.version);
      out.set(v, [...(out.get(v) ?? []), r.alias]);
    }
    return out;
  }

  async #toModel(db: Tx, row: Selectable<RegisteredModelsTable>): Promise<RegisteredModel> {
    const id = Number(row.model_id);
    const aliases = await db.selectFrom("model_aliases").selectAll().where("model_id", "=", id).execute();
    const latest = await db
      .selectFrom("model_versions")
      .select((eb) => ["stage", eb.fn.max("version").as("v")])
      .where("model_id", "=", id)
      .groupBy("stage")
      .execute();
    return {
      name: row.name,
      description: row.description,
      tags: JSON.parse(row.tags) as Record<string, string>,
      createdTime: Number(row.created_time),
      updatedTime: Number(row.updated_time),
      aliases: Object.fromEntries(
        aliases.map((a) => [a.alias, Number(a.version)] as const).sort((a, b) => a[0].localeCompare(b[0])),
      ),
      latestVersions: Object.fromEntries(
        latest.map((l) => [l.stage, Number(l.v)]),
      ) as RegisteredModel["latestVersions"],
    };
  }

  // ----------------------------------------------------------------- models

  async createModel(
    input: { name: string; description?: string; tags?: Record<string, string> },
    ctx: ChangeContext,
    now: number,
  ): Promise<RegisteredModel> {
    const name = checkModelName(input.name);
    checkActor(ctx);
    return this.#tx(async (t) => {
      const clash = await t
        .selectFrom("registered_models")
        .select("model_id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (clash)
        throw new SextantError("MODEL_ALREADY_EXISTS", `a registered model named '${name}' exists`, { name });
      const row = await t
        .insertInto("registered_models")
        .values({
          name,
          description: input.description ?? "",
          tags: JSON.stringify(input.tags ?? {}),
          created_time: now,
          updated_time: now,
          next_version: 1,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#event(t, row, { action: "create_model" }, ctx, now);
      return this.#toModel(t, row);
    });
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return this.#toModel(this.#db, await this.#modelRow(this.#db, name));
  }

  async listModels(): Promise<RegisteredModel[]> {
    const rows = await this.#db.selectFrom("registered_models").selectAll().orderBy("name").execute();
    return Promise.all(rows.map((r) => this.#toModel(this.#db, r)));
  }

  async updateModel(
    name: string,
    patch: { description?: string },
    ctx: ChangeContext,
    now: number,
  ): Promise<RegisteredModel> {
    checkActor(ctx);
    return this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      if (patch.description !== undefined) {
        await t
          .updateTable("registered_models")
          .set({ description: String(patch.description) })
          .where("model_id", "=", Number(row.model_id))
          .execute();
      }
      await this.#event(t, row, { action: "update_model" }, ctx, now);
      return this.#toModel(t, await this.#modelRow(t, name));
    });
  }

  async renameModel(
    name: string,
    newName: string,
    ctx: ChangeContext,
    now: number,
  ): Promise<RegisteredModel> {
    checkModelName(newName);
    checkActor(ctx);
    return this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      if (newName !== name) {
        const clash = await t
          .selectFrom("registered_models")
          .select("model_id")
          .where("name", "=", newName)
          .executeTakeFirst();
        if (clash)
          throw new SextantError("MODEL_ALREADY_EXISTS", `a registered model named '${newName}' exists`, {
            name: newName,
          });
        await t
          .updateTable("registered_models")
          .set({ name: newName })
          .where("model_id", "=", Number(row.model_id))
          .execute();
        await t
          .updateTable("model_events")
          .set({ model_name: newName })
          .where("model_id", "=", Number(row.model_id))
          .execute();
      }
      await this.#event(
        t,
        { model_id: row.model_id, name: newName },
        { action: "rename_model", alias: null },
        {
          ...ctx,
          reason: ctx.reason ?? `renamed from '${name}'`,
        },
        now,
      );
      return this.#toModel(t, await this.#modelRow(t, newName));
    });
  }

  async setModelTag(name: string, key: string, value: string | null, now: number): Promise<void> {
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const tags = JSON.parse(row.tags) as Record<string, string>;
      if (value === null) delete tags[key];
      else tags[key] = String(value);
      await t
        .updateTable("registered_models")
        .set({ tags: JSON.stringify(tags) })
        .where("model_id", "=", Number(row.model_id))
        .execute();
    });
  }

  async deleteModel(name: string, ctx: ChangeContext, now: number): Promise<void> {
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const live = await t
        .selectFrom("model_versions")
        .select(["version", "stage"])
        .where("model_id", "=", id)
        .where("stage", "in", ["Staging", "Production"])
        .execute();
      const aliases = await t
        .selectFrom("model_aliases")
        .select(["alias"])
        .where("model_id", "=", id)
        .execute();
      if (live.length || aliases.length) {
        throw new SextantError(
          "INVALID_STATE",
          `registered model '${name}' has live versions (${live
            .map((l) => `v${l.version} ${l.stage}`)
            .concat(aliases.map((a) => `@${a.alias}`))
            .join(", ")}): archive them and delete the aliases first`,
          { name },
        );
      }
      await this.#event(t, row, { action: "delete_model" }, ctx, now);
      await t.deleteFrom("model_policies").where("model_id", "=", id).execute();
      await t.deleteFrom("model_versions").where("model_id", "=", id).execute();
      await t.deleteFrom("registered_models").where("model_id", "=", id).execute();
    });
  }

  // ----------------------------------------------------------------- versions

  async createVersion(
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
  ): Promise<ModelVersion> {
    checkActor(ctx);
    if (typeof input.contentHash !== "string" || !/^[0-9a-f]{64}$/.test(input.contentHash)) {
      throw new SextantError("INVALID_ARGUMENT", "a model version needs the sha256 (hex) of its artifact", {
        contentHash: input.contentHash,
      });
    }
    if (!Array.isArray(input.files) || input.files.length === 0) {
      throw new SextantError("INVALID_ARGUMENT", "a model version lists the files it is made of");
    }
    if (typeof input.source !== "string" || input.source === "") {
      throw new SextantError("INVALID_ARGUMENT", "a model version needs a source URI");
    }
    return this.#tx(async (t) => {
      const row = await this.#lock(t, name, now, true);
      const version = Number(row.next_version) - 1;
      const v = await t
        .insertInto("model_versions")
        .values({
          model_id: Number(row.model_id),
          version,
          source: input.source,
          run_id: input.runId,
          content_hash: input.contentHash,
          files: JSON.stringify(input.files),
          signature: input.signature ? JSON.stringify(input.signature) : null,
          datasets: JSON.stringify(input.datasets ?? []),
          creator: ctx.actor,
          description: input.description ?? "",
          tags: JSON.stringify(input.tags ?? {}),
          created_time: now,
          updated_time: now,
          stage: "None",
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.#event(t, row, { action: "create_version", version, toStage: "None" }, ctx, now);
      return toVersion(row.name, v, []);
    });
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    const v = checkVersion(version);
    const row = await this.#modelRow(this.#db, name);
    const id = Number(row.model_id);
    const vr = await this.#versionRow(this.#db, id, name, v);
    return toVersion(row.name, vr, (await this.#aliasesOf(this.#db, id)).get(v) ?? []);
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const row = await this.#modelRow(this.#db, name);
    return this.searchVersions({ name: row.name });
  }

  async searchVersions(filter: {
    name?: string;
    runId?: string;
    nameLike?: string;
  }): Promise<ModelVersion[]> {
    let q = this.#db
      .selectFrom("model_versions")
      .innerJoin("registered_models", "registered_models.model_id", "model_versions.model_id")
      .selectAll("model_versions")
      .select("registered_models.name as model_name");
    if (filter.name !== undefined) q = q.where("registered_models.name", "=", filter.name);
    if (filter.nameLike !== undefined) q = q.where("registered_models.name", "like", filter.nameLike);
    if (filter.runId !== undefined) q = q.where("model_versions.run_id", "=", filter.runId);
    const rows = await q
      .orderBy("registered_models.name")
      .orderBy("model_versions.version", "desc")
      .execute();
    const aliasRows = await this.#db
      .selectFrom("model_aliases")
      .selectAll()
      .where("model_id", "in", rows.length ? [...new Set(rows.map((r) => Number(r.model_id)))] : [-1])
      .execute();
    return rows.map((r) =>
      toVersion(
        r.model_name,
        r,
        aliasRows
          .filter((a) => Number(a.model_id) === Number(r.model_id) && Number(a.version) === Number(r.version))
          .map((a) => a.alias),
      ),
    );
  }

  async updateVersion(
    name: string,
    version: number,
    patch: { description?: string },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion> {
    const v = checkVersion(version);
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      await this.#versionRow(t, Number(row.model_id), name, v);
      if (patch.description !== undefined) {
        await t
          .updateTable("model_versions")
          .set({ description: String(patch.description), updated_time: now })
          .where("model_id", "=", Number(row.model_id))
          .where("version", "=", v)
          .execute();
      }
      await this.#event(t, row, { action: "update_version", version: v }, ctx, now);
    });
    return this.getVersion(name, v);
  }

  async setVersionTag(
    name: string,
    version: number,
    key: string,
    value: string | null,
    now: number,
  ): Promise<void> {
    const v = checkVersion(version);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const vr = await this.#versionRow(t, Number(row.model_id), name, v);
      const tags = JSON.parse(vr.tags) as Record<string, string>;
      if (value === null) delete tags[key];
      else tags[key] = String(value);
      await t
        .updateTable("model_versions")
        .set({ tags: JSON.stringify(tags), updated_time: now })
        .where("model_id", "=", Number(row.model_id))
        .where("version", "=", v)
        .execute();
    });
  }

  async deleteVersion(name: string, version: number, ctx: ChangeContext, now: number): Promise<void> {
    const v = checkVersion(version);
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const vr = await this.#versionRow(t, id, name, v);
      const aliases = (await this.#aliasesOf(t, id)).get(v) ?? [];
      if (vr.stage === "Staging" || vr.stage === "Production" || aliases.length) {
        throw new SextantError(
          "INVALID_STATE",
          `version ${v} of '${name}' is live (${[vr.stage, ...aliases.map((a) => `@${a}`)].join(", ")}): archive it and move its aliases first`,
          { name, version: v },
        );
      }
      await this.#event(
        t,
        row,
        { action: "delete_version", version: v, fromStage: vr.stage as Stage },
        ctx,
        now,
      );
      await t.deleteFrom("model_versions").where("model_id", "=", id).where("version", "=", v).execute();
    });
  }

  // ----------------------------------------------------------------- stages and aliases

  async transitionStage(
    name: string,
    version: number,
    stage: Stage,
    options: { archiveExisting?: boolean; undoes?: number | null; action?: "transition" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<ModelVersion> {
    const v = checkVersion(version);
    const to = checkStage(stage);
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const vr = await this.#versionRow(t, id, name, v);
      const displaced: AuditEvent["displaced"] = [];
      if (options.archiveExisting && (to === "Staging" || to === "Production")) {
        const others = await t
          .selectFrom("model_versions")
          .select(["version", "stage"])
          .where("model_id", "=", id)
          .where("stage", "=", to)
          .where("version", "!=", v)
          .orderBy("version")
          .execute();
        for (const o of others)
          displaced.push({ version: Number(o.version), fromStage: o.stage as Stage, toStage: "Archived" });
        if (others.length) {
          await t
            .updateTable("model_versions")
            .set({ stage: "Archived", updated_time: now })
            .where("model_id", "=", id)
            .where(
              "version",
              "in",
              others.map((o) => Number(o.version)),
            )
            .execute();
        }
      }
      await t
        .updateTable("model_versions")
        .set({ stage: to, updated_time: now })
        .where("model_id", "=", id)
        .where("version", "=", v)
        .execute();
      await this.#event(
        t,
        row,
        {
          action: options.action ?? "transition",
          version: v,
          fromStage: vr.stage as Stage,
          toStage: to,
          displaced,
          undoes: options.undoes ?? null,
        },
        ctx,
        now,
      );
    });
    return this.getVersion(name, v);
  }

  async applyStages(
    name: string,
    moves: Array<{ version: number; toStage: Stage }>,
    options: { undoes: number | null; action: "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void> {
    checkActor(ctx);
    if (moves.length === 0) throw new SextantError("INVALID_ARGUMENT", "no stage moves to apply");
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const done: AuditEvent["displaced"] = [];
      for (const m of moves) {
        const v = checkVersion(m.version);
        const to = checkStage(m.toStage);
        const vr = await this.#versionRow(t, id, name, v);
        await t
          .updateTable("model_versions")
          .set({ stage: to, updated_time: now })
          .where("model_id", "=", id)
          .where("version", "=", v)
          .execute();
        done.push({ version: v, fromStage: vr.stage as Stage, toStage: to });
      }
      const [first, ...rest] = done;
      await this.#event(
        t,
        row,
        {
          action: options.action,
          version: first!.version,
          fromStage: first!.fromStage,
          toStage: first!.toStage,
          displaced: rest,
          undoes: options.undoes,
        },
        ctx,
        now,
      );
    });
  }

  async setAlias(
    name: string,
    alias: string,
    version: number,
    options: { undoes?: number | null; action?: "set_alias" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void> {
    const a = checkAlias(alias);
    const v = checkVersion(version);
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      await this.#versionRow(t, id, name, v);
      const prev = await this.#aliasVersion(t, id, a);
      if (prev !== null) {
        await t
          .updateTable("model_aliases")
          .set({ version: v })
          .where("model_id", "=", id)
          .where("alias", "=", a)
          .execute();
      } else {
        await t.insertInto("model_aliases").values({ model_id: id, alias: a, version: v }).execute();
      }
      await this.#event(
        t,
        row,
        {
          action: options.action ?? "set_alias",
          version: v,
          alias: a,
          previousVersion: prev,
          undoes: options.undoes ?? null,
        },
        ctx,
        now,
      );
    });
  }

  async deleteAlias(
    name: string,
    alias: string,
    options: { undoes?: number | null; action?: "delete_alias" | "rollback" },
    ctx: ChangeContext,
    now: number,
  ): Promise<void> {
    const a = checkAlias(alias);
    checkActor(ctx);
    await this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const prev = await this.#aliasVersion(t, id, a);
      if (prev === null) throw aliasNotFound(name, a);
      await t.deleteFrom("model_aliases").where("model_id", "=", id).where("alias", "=", a).execute();
      await this.#event(
        t,
        row,
        {
          action: options.action ?? "delete_alias",
          version: null,
          alias: a,
          previousVersion: prev,
          undoes: options.undoes ?? null,
        },
        ctx,
        now,
      );
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const row = await this.#modelRow(this.#db, name);
    const v = await this.#aliasVersion(this.#db, Number(row.model_id), alias);
    if (v === null) throw aliasNotFound(name, alias);
    return this.getVersion(row.name, v);
  }

  // ----------------------------------------------------------------- trail and policy

  async getHistory(name: string, options: { latest?: number } = {}): Promise<AuditEvent[]> {
    const row = await this.#db
      .selectFrom("registered_models")
      .select("model_id")
      .where("name", "=", name)
      .executeTakeFirst();
    let id: number | null = row ? Number(row.model_id) : null;
    if (id === null) {
      // A deleted model's trail stays readable under its last name.
      const ev = await this.#db
        .selectFrom("model_events")
        .select("model_id")
        .where("model_name", "=", name)
        .orderBy("event_id", "desc")
        .executeTakeFirst();
      if (!ev) throw modelNotFound(name);
      id = Number(ev.model_id);
    }
    if (options.latest !== undefined) {
      const rows = await this.#db
        .selectFrom("model_events")
        .selectAll()
        .where("model_id", "=", id)
        .orderBy("event_id", "desc")
        .limit(Math.max(0, Math.floor(options.latest)))
        .execute();
      return rows.reverse().map(toEvent);
    }
    const rows = await this.#db
      .selectFrom("model_events")
      .selectAll()
      .where("model_id", "=", id)
      .orderBy("event_id")
      .execute();
    return rows.map(toEvent);
  }

  async setPolicy(name: string, policy: unknown, ctx: ChangeContext, now: number): Promise<StoredPolicy> {
    checkActor(ctx);
    const text = JSON.stringify(policy ?? null);
    return this.#tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const prev = await t
        .selectFrom("model_policies")
        .select("revision")
        .where("model_id", "=", id)
        .executeTakeFirst();
      const revision = prev ? Number(prev.revision) + 1 : 1;
      if (prev) {
        await t
          .updateTable("model_policies")
          .set({ revision, policy: text, updated_time: now, actor: ctx.actor })
          .where("model_id", "=", id)
          .execute();
      } else {
        await t
          .insertInto("model_policies")
          .values({ model_id: id, revision, policy: text, updated_time: now, actor: ctx.actor })
          .execute();
      }
      await this.#event(
        t,
        row,
        { action: "set_policy" },
        { ...ctx, evidence: [{ kind: "policy", id: String(revision), summary: policy }] },
        now,
      );
      return { revision, policy: JSON.parse(text) as unknown, updatedTime: now, actor: ctx.actor };
    });
  }

  async getPolicy(name: string): Promise<StoredPolicy | null> {
    const row = await this.#modelRow(this.#db, name);
    const p = await this.#db
      .selectFrom("model_policies")
      .selectAll()
      .where("model_id", "=", Number(row.model_id))
      .executeTakeFirst();
    return p
      ? {
          revision: Number(p.revision),
          policy: JSON.parse(p.policy) as unknown,
          updatedTime: Number(p.updated_time),
          actor: p.actor,
        }
      : null;
  }
}
