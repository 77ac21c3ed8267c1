/**
 * The model registry in the Store's database (SQLite or PostgreSQL). See contract.ts for the
 * contract; the rules of what may change live in the registry service (src/registry).
 *
 * Every change runs in one write transaction that starts by updating the model's row (its
 * `updated_time`, and `next_version` for a new version). On PostgreSQL that row lock serializes
 * concurrent changes to one model, on SQLite the write lock does; so two clients promoting
 * different versions at once end with the stages and the trail of one order or the other, never a
 * mix. The audit event is written in the same transaction as the change it records.
 */
import { type Selectable, sql } from "kysely";
import { SextantError } from "../../core/index.js";
import type {
  Database,
  ModelEventsTable,
  ModelVersionsTable,
  RegisteredModelsTable,
  Tx,
} from "../engine/index.js";
import { encodeOffsetToken } from "../search/index.js";
import {
  type AuditAction,
  type AuditEvent,
  aliasNotFound,
  type ChangeContext,
  checkAlias,
  checkModelName,
  checkStage,
  checkVersion,
  type EventInput,
  type Evidence,
  type ModelFile,
  type ModelSignature,
  type ModelState,
  type ModelVersion,
  modelNotFound,
  type RegisteredModel,
  type RegistryChange,
  type RegistrySearchInput,
  type RegistryStorage,
  type Stage,
  type StoredPolicy,
  type VersionDataset,
  versionNotFound,
} from "./contract.js";
import { planRegistrySearch } from "./search-sql.js";

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

export class KyselyRegistryStorage implements RegistryStorage {
  readonly #database: Database;
  readonly #db: Tx;

  constructor(database: Database) {
    this.#database = database;
    this.#db = database.db;
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
  ): Promise<AuditEvent> {
    const row = await t
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
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvent(row);
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
    return this.#database.tx(async (t) => {
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
    return this.#database.tx(async (t) => {
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
    return this.#database.tx(async (t) => {
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
    await this.#database.tx(async (t) => {
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
    return this.#database.tx(async (t) => {
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
    const id = Number(row.model_id);
    const rows = await this.#db
      .selectFrom("model_versions")
      .selectAll()
      .where("model_id", "=", id)
      .orderBy("version", "desc")
      .execute();
    const aliases = await this.#aliasesOf(this.#db, id);
    return rows.map((r) => toVersion(row.name, r, aliases.get(Number(r.version)) ?? []));
  }

  async searchVersions(
    input: RegistrySearchInput = {},
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }> {
    const { where, order, limit, offset, fingerprint } = planRegistrySearch(
      "version",
      input,
      this.#database.dialect,
    );
    const rows = (
      await sql<Selectable<ModelVersionsTable> & { model_name: string }>`SELECT v.*, m.name AS model_name
        FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id
        ${where} ORDER BY ${order} LIMIT ${limit + 1} OFFSET ${offset}`.execute(this.#db)
    ).rows;
    const page = rows.slice(0, limit);
    const aliases = await this.#aliasesOfModels(page.map((r) => Number(r.model_id)));
    return {
      versions: page.map((r) =>
        toVersion(r.model_name, r, aliases.get(`${Number(r.model_id)}:${Number(r.version)}`) ?? []),
      ),
      nextPageToken: rows.length > limit ? encodeOffsetToken(offset + limit, fingerprint) : null,
    };
  }

  async searchModels(
    input: RegistrySearchInput = {},
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }> {
    const { where, order, limit, offset, fingerprint } = planRegistrySearch(
      "model",
      input,
      this.#database.dialect,
    );
    const rows = (
      await sql<Selectable<RegisteredModelsTable>>`SELECT m.* FROM registered_models m
        ${where} ORDER BY ${order} LIMIT ${limit + 1} OFFSET ${offset}`.execute(this.#db)
    ).rows;
    const models = await Promise.all(rows.slice(0, limit).map((r) => this.#toModel(this.#db, r)));
    return {
      models,
      nextPageToken: rows.length > limit ? encodeOffsetToken(offset + limit, fingerprint) : null,
    };
  }

  /** Aliases of the given models' versions, keyed `modelId:version`. */
  async #aliasesOfModels(modelIds: number[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (modelIds.length === 0) return out;
    const rows = await this.#db
      .selectFrom("model_aliases")
      .selectAll()
      .where("model_id", "in", [...new Set(modelIds)])
      .execute();
    for (const r of rows) {
      const k = `${Number(r.model_id)}:${Number(r.version)}`;
      out.set(k, [...(out.get(k) ?? []), r.alias]);
    }
    return out;
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
    await this.#database.tx(async (t) => {
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
    await this.#database.tx(async (t) => {
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

  // ----------------------------------------------------------------- stages, aliases, deletions

  async change(
    name: string,
    decide: (state: ModelState) => RegistryChange,
    ctx: ChangeContext,
    now: number,
    options: { history?: boolean } = {},
  ): Promise<AuditEvent> {
    checkActor(ctx);
    return this.#database.tx(async (t) => {
      const row = await this.#lock(t, name, now);
      const id = Number(row.model_id);
      const versions = await t
        .selectFrom("model_versions")
        .select(["version", "stage"])
        .where("model_id", "=", id)
        .orderBy("version")
        .execute();
      const aliasRows = await t
        .selectFrom("model_aliases")
        .select(["alias", "version"])
        .where("model_id", "=", id)
        .orderBy("alias")
        .execute();
      const stages = new Map(versions.map((v) => [Number(v.version), v.stage as Stage]));
      const aliases = new Map(aliasRows.map((a) => [a.alias, Number(a.version)]));
      const history = options.history
        ? (
            await t
              .selectFrom("model_events")
              .selectAll()
              .where("model_id", "=", id)
              .orderBy("event_id")
              .execute()
          ).map(toEvent)
        : null;
      const { edits, event } = decide({ name: row.name, stages, aliases, history });
      // the event is written first: a deleted model's trail keeps it
      const written = await this.#event(t, row, event, ctx, now);
      for (const e of edits) {
        switch (e.kind) {
          case "stage": {
            if (!stages.has(e.version)) throw versionNotFound(row.name, e.version);
            await t
              .updateTable("model_versions")
              .set({ stage: checkStage(e.stage), updated_time: now })
              .where("model_id", "=", id)
              .where("version", "=", e.version)
              .execute();
            break;
          }
          case "alias": {
            const alias = checkAlias(e.alias);
            await t
              .deleteFrom("model_aliases")
              .where("model_id", "=", id)
              .where("alias", "=", alias)
              .execute();
            if (e.version !== null) {
              if (!stages.has(e.version)) throw versionNotFound(row.name, e.version);
              await t
                .insertInto("model_aliases")
                .values({ model_id: id, alias, version: e.version })
                .execute();
            }
            break;
          }
          case "delete-version":
            if (!stages.has(e.version)) throw versionNotFound(row.name, e.version);
            await t
              .deleteFrom("model_aliases")
              .where("model_id", "=", id)
              .where("version", "=", e.version)
              .execute();
            await t
              .deleteFrom("model_versions")
              .where("model_id", "=", id)
              .where("version", "=", e.version)
              .execute();
            break;
          case "delete-model":
            await t.deleteFrom("model_aliases").where("model_id", "=", id).execute();
            await t.deleteFrom("model_policies").where("model_id", "=", id).execute();
            await t.deleteFrom("model_versions").where("model_id", "=", id).execute();
            await t.deleteFrom("registered_models").where("model_id", "=", id).execute();
            break;
        }
      }
      return written;
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
    return this.#database.tx(async (t) => {
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
