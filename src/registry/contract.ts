/**
 * The model registry as its users see it — the SDK (`sx.registry`), the CLI and the server's
 * REST handlers — with two implementations: ModelRegistry (registry.ts), the service over the
 * database that checks policies and writes the audit trail, and HttpRegistry (http.ts), the same
 * calls through a Sextant server's registry routes, where the server's own ModelRegistry checks
 * them with the caller's token. One conformance suite (testing/) runs against both.
 *
 * Loading is the same on both sides (RegistryReader): resolve a `models:/` URI, then read the
 * version's files from the artifact store and check them against the hashes pinned at
 * registration.
 */
import type { Lineage } from "../api/index.js";
import { SextantError, sha256 } from "../core/index.js";
import type { Classifier, ModelJSON } from "../learn/index.js";
import { loadModel as loadLearner } from "../learn/index.js";
import {
  type ArtifactStore,
  type AuditEvent,
  checkStage,
  type Evidence,
  type ModelSignature,
  type ModelVersion,
  type RegisteredModel,
  type RegistrySearchInput,
  STAGES,
  type Stage,
  type StoredPolicy,
} from "../store/index.js";
import { manifestHash } from "./manifest.js";
import type { PolicyCheck, PromotionPolicy } from "./policy.js";
import { type ModelRef, parseModelUri } from "./uri.js";

export type { Lineage } from "../api/index.js";

/** The file a learner is stored in under a logged model's path. */
export const MODEL_FILE = "model.json";
/** The file with the model's signature and kind. */
export const META_FILE = "sextant-model.json";

export interface TransitionOptions {
  reason?: string;
  /** Evidence to check against the policy and to keep in the trail (e.g. evaluation ids). */
  evidence?: Evidence[];
  archiveExisting?: boolean;
  /** Skips the policy; needs an admin. Audited as forced. */
  force?: boolean;
}

/** A loaded model: the learner, and what it was loaded from. */
export interface LoadedModel {
  name: string;
  version: number;
  contentHash: string;
  signature: ModelSignature | null;
  model: Classifier;
  predictProba: Classifier["predictProba"];
  predict: Classifier["predict"];
}

export interface Registry {
  createRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel>;
  /** @throws MODEL_NOT_FOUND */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  searchRegisteredModels(
    options?: RegistrySearchInput,
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }>;
  /** @throws MODEL_NOT_FOUND, MODEL_ALREADY_EXISTS, INVALID_NAME */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, patch: { description?: string }): Promise<RegisteredModel>;
  /** Refused (INVALID_STATE) while a version is in Staging/Production or has an alias. */
  deleteRegisteredModel(name: string): Promise<void>;
  setRegisteredModelTag(name: string, key: string, value: string | null): Promise<void>;

  /**
   * Registers the model at `source` (`runs:/RUN_ID/PATH`) as the next version of `name`, creating
   * the registered model when needed. @throws ARTIFACT_NOT_FOUND, RUN_NOT_FOUND
   */
  registerModel(
    source: string,
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<ModelVersion>;
  /** @throws MODEL_VERSION_NOT_FOUND */
  getModelVersion(name: string, version: number | string): Promise<ModelVersion>;
  /** Every version of the model, newest first. @throws MODEL_NOT_FOUND */
  listModelVersions(name: string): Promise<ModelVersion[]>;
  /** The newest version in each stage (or in `stages`). */
  getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]>;
  searchModelVersions(
    options?: RegistrySearchInput,
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }>;
  updateModelVersion(
    name: string,
    version: number | string,
    patch: { description?: string },
  ): Promise<ModelVersion>;
  setModelVersionTag(
    name: string,
    version: number | string,
    key: string,
    value: string | null,
  ): Promise<void>;
  /** Refused (INVALID_STATE) while the version is in Staging/Production or has an alias. */
  deleteModelVersion(name: string, version: number | string): Promise<void>;

  /** What a promotion of the version to `stage` would find now. */
  checkPromotion(name: string, version: number, stage: string, evidence?: Evidence[]): Promise<PolicyCheck>;
  /**
   * Moves a version to a stage after checking the model's promotion policy. @throws POLICY_NOT_MET
   * (every unmet condition in `details.unmet`), PERMISSION_DENIED (`force` without admin)
   */
  transitionStage(
    name: string,
    version: number | string,
    stage: string,
    options?: TransitionOptions,
  ): Promise<ModelVersion>;
  setAlias(
    name: string,
    alias: string,
    version: number | string,
    options?: { reason?: string },
  ): Promise<void>;
  deleteAlias(name: string, alias: string, options?: { reason?: string }): Promise<void>;
  /** @throws MODEL_ALIAS_NOT_FOUND */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The model's audit trail, oldest first. */
  getModelHistory(name: string): Promise<AuditEvent[]>;
  /**
   * Undoes the newest change to the Production stage (or the given stage, or an alias) that is
   * not undone yet, as a new audited event; answers that event.
   */
  rollback(name: string, target?: { stage?: string; alias?: string; reason?: string }): Promise<AuditEvent>;
  setPromotionPolicy(name: string, policy: PromotionPolicy): Promise<StoredPolicy>;
  getPromotionPolicy(name: string): Promise<StoredPolicy | null>;

  /** The version a `models:/NAME/3`, `models:/NAME/Production`, `models:/NAME@alias` or `models:/NAME/latest` URI names. */
  resolve(uri: string | ModelRef): Promise<ModelVersion>;
  /** The bytes of a version's file, verified against the hashes pinned at registration. */
  readVersionFile(version: ModelVersion, path: string): Promise<Buffer>;
  /** Loads a registered learner, hash-verified. */
  loadModel(uri: string): Promise<LoadedModel>;
  /** Version → run → datasets, code, environment, study and evaluations. */
  lineage(name: string, version: number | string): Promise<Lineage>;
}

/** What loading needs, given three reads: the same for the service and the HTTP client. */
export abstract class RegistryReader {
  protected abstract readonly artifacts: ArtifactStore;
  abstract getModelVersion(name: string, version: number | string): Promise<ModelVersion>;
  abstract getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  abstract listModelVersions(name: string): Promise<ModelVersion[]>;

  async getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    const want = (stages?.length ? stages.map(checkStage) : [...STAGES]) as Stage[];
    const versions = await this.listModelVersions(name);
    const out: ModelVersion[] = [];
    for (const s of want) {
      const v = versions.find((x) => x.currentStage === s); // newest first
      if (v) out.push(v);
    }
    return out;
  }

  async resolve(uri: string | ModelRef): Promise<ModelVersion> {
    const ref = typeof uri === "string" ? parseModelUri(uri) : uri;
    switch (ref.kind) {
      case "version":
        return this.getModelVersion(ref.name, ref.version);
      case "alias":
        return this.getModelVersionByAlias(ref.name, ref.alias);
      case "latest": {
        const v = (await this.listModelVersions(ref.name))[0];
        if (!v)
          throw new SextantError(
            "MODEL_VERSION_NOT_FOUND",
            `registered model '${ref.name}' has no versions`,
            { name: ref.name },
          );
        return v;
      }
      case "stage": {
        const v = (await this.listModelVersions(ref.name)).find((x) => x.currentStage === ref.stage);
        if (!v) {
          throw new SextantError(
            "MODEL_VERSION_NOT_FOUND",
            `registered model '${ref.name}' has no version in ${ref.stage}`,
            {
              name: ref.name,
              stage: ref.stage,
            },
          );
        }
        return v;
      }
    }
  }

  /** The bytes of a version's file, verified against the hashes pinned at registration. */
  async readVersionFile(version: ModelVersion, path: string): Promise<Buffer> {
    if (manifestHash(version.files) !== version.contentHash) {
      throw new SextantError(
        "ARTIFACT_CORRUPT",
        `version ${version.version} of '${version.name}' does not match its content hash`,
        { name: version.name, version: version.version },
      );
    }
    const f = version.files.find((x) => x.path === path);
    if (!f) {
      throw new SextantError(
        "ARTIFACT_NOT_FOUND",
        `version ${version.version} of '${version.name}' has no file '${path}'`,
        {
          path,
        },
      );
    }
    const bytes = await this.artifacts.get(f.sha256); // verifies the blob's own hash
    if (sha256(bytes) !== f.sha256) {
      throw new SextantError(
        "ARTIFACT_CORRUPT",
        `'${path}' of '${version.name}' v${version.version} does not match its hash`,
      );
    }
    return bytes;
  }

  /** Loads a registered learner (`models:/NAME/3`, `models:/NAME/Production`, `models:/NAME@champion`). */
  async loadModel(uri: string): Promise<LoadedModel> {
    const v = await this.resolve(uri);
    const json = JSON.parse((await this.readVersionFile(v, MODEL_FILE)).toString("utf8")) as ModelJSON;
    const model = loadLearner(json);
    return {
      name: v.name,
      version: v.version,
      contentHash: v.contentHash,
      signature: v.signature,
      model,
      predictProba: (X, ...rest) => model.predictProba(X, ...rest),
      predict: (X, ...rest) => model.predict(X, ...rest),
    };
  }
}
