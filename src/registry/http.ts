/**
 * The model registry through a Sextant server (/api/v1/models): the same calls as ModelRegistry,
 * answered by the server's own ModelRegistry with the caller's token as the actor, so promotion
 * policies, scopes and the audit trail are enforced where the data is. Model files are read
 * through the server's blob routes and checked against the pinned hashes here, as locally.
 */
import {
  type ArtifactStore,
  type AuditEvent,
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

const e = encodeURIComponent;

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
    return this.#client.request("/models", { method: "POST", json: { name, ...options } });
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name));
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    return (await this.#client.request<{ models: RegisteredModel[] }>("/models")).models.map(asModel);
  }

  searchRegisteredModels(
    options: RegistrySearchInput = {},
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }> {
    return this.#client.request("/models/search", { method: "POST", json: options });
  }

  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name), { method: "PATCH", json: { name: newName } });
  }

  updateRegisteredModel(name: string, patch: { description?: string }): Promise<RegisteredModel> {
    return this.#client.request(this.#model(name), { method: "PATCH", json: patch });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#client.request(this.#model(name), { method: "DELETE" });
  }

  async setRegisteredModelTag(name: string, key: string, value: string | null): Promise<void> {
    const path = `${this.#model(name)}/tags/${e(key)}`;
    if (value === null) await this.#client.request(path, { method: "DELETE" });
    else await this.#client.request(path, { method: "PUT", json: { value } });
  }

  registerModel(
    source: string,
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<ModelVersion> {
    return this.#client.request("/models/register", { method: "POST", json: { source, name, ...options } });
  }

  getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    return this.#client.request(this.#version(name, version));
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    return (await this.#client.request<{ versions: ModelVersion[] }>(`${this.#model(name)}/versions`))
      .versions;
  }

  searchModelVersions(
    options: RegistrySearchInput = {},
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }> {
    return this.#client.request("/model-versions/search", { method: "POST", json: options });
  }

  updateModelVersion(
    name: string,
    version: number | string,
    patch: { description?: string },
  ): Promise<ModelVersion> {
    return this.#client.request(this.#version(name, version), { method: "PATCH", json: patch });
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
    await this.#client.request(this.#version(name, version), { method: "DELETE" });
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
    });
  }

  async setAlias(name: string, alias: string, version: number | string, options: { reason?: string } = {}) {
    await this.#client.request(`${this.#model(name)}/aliases/${e(alias)}`, {
      method: "PUT",
      json: { version: checkVersion(version), ...options },
    });
  }

  async deleteAlias(name: string, alias: string, options: { reason?: string } = {}) {
    await this.#client.request(`${this.#model(name)}/aliases/${e(alias)}`, {
      method: "DELETE",
      query: { reason: options.reason },
    });
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.#client.request(`${this.#model(name)}/aliases/${e(alias)}`);
  }

  async getModelHistory(name: string): Promise<AuditEvent[]> {
    return (await this.#client.request<{ events: AuditEvent[] }>(`${this.#model(name)}/history`)).events;
  }

  rollback(
    name: string,
    target: { stage?: string; alias?: string; reason?: string } = {},
  ): Promise<AuditEvent> {
    return this.#client.request(`${this.#model(name)}/rollback`, { method: "POST", json: target });
  }

  setPromotionPolicy(name: string, policy: PromotionPolicy): Promise<StoredPolicy> {
    return this.#client.request(`${this.#model(name)}/policy`, { method: "PUT", json: { policy } });
  }

  async getPromotionPolicy(name: string): Promise<StoredPolicy | null> {
    return (await this.#client.request<{ policy: StoredPolicy | null }>(`${this.#model(name)}/policy`))
      .policy;
  }

  lineage(name: string, version: number | string): Promise<Lineage> {
    return this.#client.request(`${this.#version(name, version)}/lineage`);
  }
}
