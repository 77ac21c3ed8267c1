/**
 * The model registry through a Sextant server (/api/v1/models): the same calls as ModelRegistry,
 * answered by the server's own ModelRegistry with the caller's token as the actor, so promotion
 * policies, scopes and the audit trail are enforced where the data is. Model files are read
 * through the server's blob routes and checked against the pinned hashes here, as locally.
 *
 * Registrations, stage changes, aliases, rollbacks, renames and deletes are not idempotent (a
 * second delivery makes a second version, rolls back a second step, or is refused): each tells
 * the transport how to see whether an attempt lost with its server took effect, so a retry, on
 * that server or another, does not apply it twice.
 */
import * as api from "../api/index.js";
import { type ErrorCode, isSextantError } from "../core/index.js";
import {
  type ArtifactStore,
  type AuditEvent,
  checkStage,
  checkVersion,
  type Evidence,
  type HttpClient,
  type ModelVersion,
  type RegisteredModel,
  type RegistrySearchInput,
  type StoredPolicy,
} from "../store/index.js";
import { type Lineage, type Registry, RegistryReader, type TransitionOptions } from "./contract.js";
import type { PolicyCheck, PromotionPolicy } from "./policy.js";
import { parseRunsUri } from "./uri.js";

const e = encodeURIComponent;

/** What `read` answers, or null when it is refused with `code` (the thing is not there). */
async function unless<T>(read: Promise<T>, code: ErrorCode): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isSextantError(err, code)) return null;
    throw err;
  }
}

/** The `settled` answer of a write whose effect is `made` (null: not made). */
function settledBy<T>(made: T | null): { value: T } | null {
  return made === null ? null : { value: made };
}

/** The `settled` answer of a delete: done once the thing is gone. */
async function deleted(read: Promise<unknown>, code: ErrorCode): Promise<{ value: undefined } | null> {
  return (await unless(read, code)) === null ? { value: undefined } : null;
}

/** Only the RegisteredModel fields of what the list route sends (it adds where versions stand). */
function asModel(m: RegisteredModel): RegisteredModel {
  const { name, description, tags, createdTime, updatedTime, aliases, latestVersions } = m;
  return { name, description, tags, createdTime, updatedTime, aliases, latestVersions };
}

export class HttpRegistry extends RegistryReader implements Registry {
  readonly #client: HttpClient;
  protected readonly artifacts: ArtifactStore;

  constructor(client: HttpClient, artifacts: ArtifactStore) {
    super();
    this.#client = client;
    this.artifacts = artifacts;
  }

  #model(name: string): string {
    return `/models/${e(name)}`;
  }

  #version(name: string, version: number | string): string {
    return `${this.#model(name)}/versions/${checkVersion(version)}`;
  }

  createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    return this.#client.request("/models", {
      method: "POST",
      json: { name, ...options },
      shape: api.RegisteredModel,
      settled: async () => settledBy(await unless(this.getRegisteredModel(name), "MODEL_NOT_FOUND")),
    });
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name), { shape: api.RegisteredModel });
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    return (await this.#client.request("/models", { shape: api.ModelList })).models.map(asModel);
  }

  searchRegisteredModels(
    options: RegistrySearchInput = {},
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }> {
    return this.#client.request("/models/search", { method: "POST", json: options, shape: api.ModelPage });
  }

  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name), {
      method: "PATCH",
      json: { name: newName },
      shape: api.RegisteredModel,
      settled: async () =>
        (await unless(this.getRegisteredModel(name), "MODEL_NOT_FOUND")) === null
          ? settledBy(await unless(this.getRegisteredModel(newName), "MODEL_NOT_FOUND"))
          : null,
    });
  }

  updateRegisteredModel(name: string, patch: { description?: string }): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name), {
      method: "PATCH",
      json: patch,
      shape: api.RegisteredModel,
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#client.request<undefined>(this.#model(name), {
      method: "DELETE",
      settled: () => deleted(this.getRegisteredModel(name), "MODEL_NOT_FOUND"),
    });
  }

  async setRegisteredModelTag(name: string, key: string, value: string | null): Promise<void> {
    const path = `${this.#model(name)}/tags/${e(key)}`;
    if (value === null) await this.#client.request(path, { method: "DELETE" });
    else await this.#client.request(path, { method: "PUT", json: { value } });
  }

  async registerModel(
    source: string,
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<ModelVersion> {
    // a version the lost attempt made is one of `source` that was not there before it
    const { runId, path } = parseRunsUri(source);
    const versions = async () => (await unless(this.listModelVersions(name), "MODEL_NOT_FOUND")) ?? [];
    const before = new Set((await versions()).map((v) => v.version));
    return this.#client.request("/models/register", {
      method: "POST",
      json: { source, name, ...options },
      shape: api.ModelVersion,
      settled: async () =>
        settledBy(
          (await versions()).find((v) => !before.has(v.version) && v.source === `runs:/${runId}/${path}`) ??
            null,
        ),
    });
  }

  getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    return this.#client.request(this.#version(name, version), { shape: api.ModelVersion });
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    return (await this.#client.request(`${this.#model(name)}/versions`, { shape: api.VersionList })).versions;
  }

  searchModelVersions(
    options: RegistrySearchInput = {},
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }> {
    return this.#client.request("/model-versions/search", {
      method: "POST",
      json: options,
      shape: api.VersionPage,
    });
  }

  updateModelVersion(
    name: string,
    version: number | string,
    patch: { description?: string },
  ): Promise<ModelVersion> {
    return this.#client.request(this.#version(name, version), {
      method: "PATCH",
      json: patch,
      shape: api.ModelVersion,
    });
  }

  async setModelVersionTag(
    name: string,
    version: number | string,
    key: string,
    value: string | null,
  ): Promise<void> {
    const path = `${this.#version(name, version)}/tags/${e(key)}`;
    if (value === null) await this.#client.request(path, { method: "DELETE" });
    else await this.#client.request(path, { method: "PUT", json: { value } });
  }

  async deleteModelVersion(name: string, version: number | string): Promise<void> {
    await this.#client.request<undefined>(this.#version(name, version), {
      method: "DELETE",
      settled: () => deleted(this.getModelVersion(name, version), "MODEL_VERSION_NOT_FOUND"),
    });
  }

  checkPromotion(
    name: string,
    version: number,
    stage: string,
    evidence: Evidence[] = [],
  ): Promise<PolicyCheck> {
    return this.#client.request(`${this.#version(name, version)}/check`, {
      method: "POST",
      json: { stage, evidence },
      shape: api.PolicyCheck,
    });
  }

  transitionStage(
    name: string,
    version: number | string,
    stage: string,
    options: TransitionOptions = {},
  ): Promise<ModelVersion> {
    return this.#client.request(`${this.#version(name, version)}/stage`, {
      method: "POST",
      json: { stage, ...options },
      shape: api.ModelVersion,
      settled: async () => {
        const v = await this.getModelVersion(name, version);
        return v.currentStage === checkStage(stage) ? { value: v } : null;
      },
    });
  }

  async setAlias(name: string, alias: string, version: number | string, options: { reason?: string } = {}) {
    const v = checkVersion(version);
    await this.#client.request<undefined>(`${this.#model(name)}/aliases/${e(alias)}`, {
      method: "PUT",
      json: { version: v, ...options },
      settled: async () => {
        const at = await unless(this.getModelVersionByAlias(name, alias), "MODEL_ALIAS_NOT_FOUND");
        return at?.version === v ? { value: undefined } : null;
      },
    });
  }

  async deleteAlias(name: string, alias: string, options: { reason?: string } = {}) {
    await this.#client.request<undefined>(`${this.#model(name)}/aliases/${e(alias)}`, {
      method: "DELETE",
      query: { reason: options.reason },
      settled: () => deleted(this.getModelVersionByAlias(name, alias), "MODEL_ALIAS_NOT_FOUND"),
    });
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.#client.request(`${this.#model(name)}/aliases/${e(alias)}`, { shape: api.ModelVersion });
  }

  async getModelHistory(name: string): Promise<AuditEvent[]> {
    return (await this.#client.request(`${this.#model(name)}/history`, { shape: api.ModelHistory })).events;
  }

  async rollback(
    name: string,
    target: { stage?: string; alias?: string; reason?: string } = {},
  ): Promise<AuditEvent> {
    // the rollback the lost attempt made is a rollback event of the target newer than the trail was
    const last = Math.max(0, ...(await this.getModelHistory(name)).map((ev) => ev.id));
    const alias = target.alias ?? null;
    return this.#client.request(`${this.#model(name)}/rollback`, {
      method: "POST",
      json: target,
      shape: api.AuditEvent,
      settled: async () =>
        settledBy(
          (await this.getModelHistory(name)).find(
            (ev) => ev.id > last && ev.action === "rollback" && ev.alias === alias,
          ) ?? null,
        ),
    });
  }

  setPromotionPolicy(name: string, policy: PromotionPolicy): Promise<StoredPolicy> {
    return this.#client.request(`${this.#model(name)}/policy`, {
      method: "PUT",
      json: { policy },
      shape: api.StoredPolicy,
    });
  }

  async getPromotionPolicy(name: string): Promise<StoredPolicy | null> {
    return (await this.#client.request(`${this.#model(name)}/policy`, { shape: api.OptionalPolicy })).policy;
  }

  lineage(name: string, version: number | string): Promise<Lineage> {
    return this.#client.request(`${this.#version(name, version)}/lineage`, { shape: api.Lineage });
  }
}
