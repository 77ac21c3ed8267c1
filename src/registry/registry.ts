/**
 * The model registry service: registration from run artifacts, policy-checked stage transitions,
 * aliases, rollback, model URIs and verified loading, lineage. The Sextant client exposes it
 * (`sx.registerModel`, `sx.transitionStage`, …); the server's REST handlers call the same methods.
 */
import type { Clock } from "../core/clock.js";
import { SextantError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { loadModel as loadLearner } from "../learn/models/serialization.js";
import type { Classifier, ModelJSON } from "../learn/models/types.js";
import type { ArtifactStore } from "../store/artifacts.js";
import { checkAlias, checkStage, checkVersion } from "../store/kysely-registry.js";
import type {
  AuditEvent,
  ChangeContext,
  Evidence,
  ModelSignature,
  ModelVersion,
  RegisteredModel,
  RegistryStorage,
  Stage,
  StoredPolicy,
} from "../store/registry-types.js";
import { STAGES } from "../store/registry-types.js";
import { hasRegistry, type Store } from "../store/types.js";
import { manifestHash, manifestOf } from "./manifest.js";
import { checkPolicy, checkPolicyShape, type PolicyCheck, type PromotionPolicy } from "./policy.js";
import type { LineageJson } from "./registry-json.js";
import { planAliasRollback, planStageRollback } from "./rollback.js";
import { type ModelRef, parseModelUri, parseRunsUri } from "./uri.js";

/** The file a learner is stored in under a logged model's path. */
export const MODEL_FILE = "model.json";
/** The file with the model's signature and kind. */
export const META_FILE = "sextant-model.json";

export interface RegistryDeps {
  store: Store;
  artifacts: ArtifactStore;
  clock: Clock;
  /** Who is acting (token identity or OS user). */
  actor: () => string;
  /** Whether the actor may override a policy (`force`): admin tokens, or a local store. */
  canForce?: () => boolean;
}

export interface TransitionOptions {
  reason?: string;
  /** Evidence to check against the policy and to keep in the trail (e.g. evaluation ids). */
  evidence?: Evidence[];
  archiveExisting?: boolean;
  /** Skips the policy; needs an admin. Audited as forced. */
  force?: boolean;
}

/** A version's lineage: its run, datasets, code, environment, study and evaluations. */
export type Lineage = LineageJson;

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

export class ModelRegistry {
  readonly #store: Store;
  readonly #reg: RegistryStorage;
  readonly #artifacts: ArtifactStore;
  readonly #clock: Clock;
  readonly #actor: () => string;
  readonly #canForce: () => boolean;

  constructor(deps: RegistryDeps) {
    if (!hasRegistry(deps.store)) {
      throw new SextantError(
        "UNSUPPORTED_URI",
        `the store at ${deps.store.kind} has no model registry here; open the database directly (a directory, file:, postgres://)`,
      );
    }
    this.#store = deps.store;
    this.#reg = deps.store.registry;
    this.#artifacts = deps.artifacts;
    this.#clock = deps.clock;
    this.#actor = deps.actor;
    this.#canForce = deps.canForce ?? (() => true);
  }

  #ctx(reason?: string | null, evidence?: Evidence[], forced?: boolean): ChangeContext {
    return {
      actor: this.#actor(),
      reason: reason ?? null,
      evidence: evidence ?? [],
      forced: forced ?? false,
    };
  }

  // ------------------------------------------------------------------ models

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ) {
    return this.#reg.createModel({ name, ...options }, this.#ctx(), this.#clock.now());
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.#reg.getModel(name);
  }

  listRegisteredModels(): Promise<RegisteredModel[]> {
    return this.#reg.listModels();
  }

  /**
   * Registers the model at `source` (`runs:/RUN_ID/PATH`) as the next version of `name`, creating
   * the registered model when needed. The version pins every file's hash; if the run has no files
   * there, nothing is registered.
   */
  async registerModel(
    source: string,
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<ModelVersion> {
    const { runId, path } = parseRunsUri(source);
    const run = await this.#store.getRun(runId);
    const files = manifestOf(await this.#store.listArtifacts(runId, path), path);
    if (files.length === 0) {
      throw new SextantError(
        "ARTIFACT_NOT_FOUND",
        `run ${runId} has no artifact at '${path}': log the model first`,
        {
          runId,
          path,
        },
      );
    }
    for (const f of files) {
      if (!(await this.#artifacts.has(f.sha256))) {
        throw new SextantError(
          "ARTIFACT_NOT_FOUND",
          `the bytes of '${path}/${f.path}' (${f.sha256}) are not in the artifact store`,
          {
            runId,
            path: f.path,
          },
        );
      }
    }
    let signature: ModelSignature | null = null;
    const meta = files.find((f) => f.path === META_FILE);
    if (meta) {
      const parsed = JSON.parse((await this.#artifacts.get(meta.sha256)).toString("utf8")) as {
        signature?: ModelSignature;
      };
      signature = parsed.signature ?? null;
    }
    try {
      await this.#reg.getModel(name);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODEL_NOT_FOUND") throw e;
      try {
        await this.#reg.createModel({ name }, this.#ctx(), this.#clock.now());
      } catch (e2) {
        // another client created it meanwhile
        if ((e2 as { code?: string }).code !== "MODEL_ALREADY_EXISTS") throw e2;
      }
    }
    return this.#reg.createVersion(
      name,
      {
        source: `runs:/${runId}/${path}`,
        runId,
        contentHash: manifestHash(files),
        files,
        signature,
        datasets: run.datasets.map((d) => ({
          name: d.name,
          digest: d.digest,
          context: d.context ?? undefined,
        })),
        description: options.description,
        tags: options.tags,
      },
      this.#ctx(),
      this.#clock.now(),
    );
  }

  getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    return this.#reg.getVersion(name, checkVersion(version));
  }

  /** Every version of the model, newest first. @throws MODEL_NOT_FOUND */
  listModelVersions(name: string): Promise<ModelVersion[]> {
    return this.#reg.listVersions(name);
  }

  async getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    const want = (stages?.length ? stages.map(checkStage) : [...STAGES]) as Stage[];
    const versions = await this.#reg.listVersions(name);
    const out: ModelVersion[] = [];
    for (const s of want) {
      const v = versions.find((x) => x.currentStage === s); // newest first
      if (v) out.push(v);
    }
    return out;
  }

  /** `filter`: `name = 'x'`, `name LIKE 'x%'`, `run_id = 'id'`, joined by AND (MLflow's subset). */
  async searchModelVersions(options: { filter?: string } = {}): Promise<ModelVersion[]> {
    return this.#reg.searchVersions(parseVersionFilter(options.filter ?? ""));
  }

  // ------------------------------------------------------------------ stages, aliases, policy

  async checkPromotion(
    name: string,
    version: number,
    stage: string,
    evidence: Evidence[] = [],
  ): Promise<PolicyCheck> {
    const to = checkStage(stage);
    const v = await this.#reg.getVersion(name, checkVersion(version));
    const stored = await this.#reg.getPolicy(name);
    return checkPolicy((stored?.policy as PromotionPolicy | undefined) ?? null, to, {
      version: v,
      evidence,
      store: this.#store,
    });
  }

  /**
   * Moves a version to a stage after checking the model's promotion policy. A refusal is
   * POLICY_NOT_MET with every unmet condition in `details.unmet`; `force` (admins only) overrides
   * it and is audited as forced.
   */
  async transitionStage(
    name: string,
    version: number | string,
    stage: string,
    options: TransitionOptions = {},
  ) {
    const to = checkStage(stage);
    const v = checkVersion(version);
    const evidence = [...(options.evidence ?? [])];
    let forced = false;
    if (to === "Staging" || to === "Production") {
      const check = await this.checkPromotion(name, v, to, evidence);
      for (const e of check.evidence)
        if (!evidence.some((x) => x.kind === e.kind && x.id === e.id)) evidence.push(e);
      if (!check.pass) {
        const unmet = check.conditions.filter((c) => !c.ok);
        if (!options.force) {
          throw new SextantError(
            "POLICY_NOT_MET",
            `version ${v} of '${name}' may not enter ${to}: ${unmet.map((c) => `${c.condition} (${c.detail})`).join("; ")}`,
            { name, version: v, stage: to, unmet, conditions: check.conditions },
          );
        }
        if (!this.#canForce()) {
          throw new SextantError("PERMISSION_DENIED", "only an admin can force a promotion past its policy");
        }
        forced = true;
        evidence.push({ kind: "policy-override", id: String(unmet.length), summary: unmet });
      }
    } else if (options.force && !this.#canForce()) {
      throw new SextantError("PERMISSION_DENIED", "only an admin can force a promotion past its policy");
    }
    return this.#reg.transitionStage(
      name,
      v,
      to,
      { archiveExisting: options.archiveExisting ?? false },
      this.#ctx(options.reason, evidence, forced),
      this.#clock.now(),
    );
  }

  async setAlias(name: string, alias: string, version: number | string, options: { reason?: string } = {}) {
    await this.#reg.setAlias(
      name,
      checkAlias(alias),
      checkVersion(version),
      {},
      this.#ctx(options.reason),
      this.#clock.now(),
    );
  }

  async deleteAlias(name: string, alias: string, options: { reason?: string } = {}) {
    await this.#reg.deleteAlias(name, checkAlias(alias), {}, this.#ctx(options.reason), this.#clock.now());
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.#reg.getVersionByAlias(name, alias);
  }

  getModelHistory(name: string): Promise<AuditEvent[]> {
    return this.#reg.getHistory(name);
  }

  /**
   * Undoes the newest change to the Production stage (or the given stage, or an alias) that is
   * not undone yet, as a new audited event. Rolling back twice walks two steps back.
   */
  async rollback(
    name: string,
    target: { stage?: string; alias?: string; reason?: string } = {},
  ): Promise<AuditEvent> {
    const history = await this.#reg.getHistory(name);
    const ctx = this.#ctx(target.reason ?? "rollback");
    const now = this.#clock.now();
    if (target.alias !== undefined) {
      const plan = planAliasRollback(history, checkAlias(target.alias));
      if (plan.kind !== "alias") throw new SextantError("INTERNAL", "unexpected rollback plan");
      if (plan.version === null)
        await this.#reg.deleteAlias(name, plan.alias, { undoes: plan.undoes, action: "rollback" }, ctx, now);
      else
        await this.#reg.setAlias(
          name,
          plan.alias,
          plan.version,
          { undoes: plan.undoes, action: "rollback" },
          ctx,
          now,
        );
    } else {
      const plan = planStageRollback(history, checkStage(target.stage ?? "Production"));
      if (plan.kind !== "stage") throw new SextantError("INTERNAL", "unexpected rollback plan");
      await this.#reg.applyStages(name, plan.moves, { undoes: plan.undoes, action: "rollback" }, ctx, now);
    }
    return (await this.#reg.getHistory(name)).at(-1)!;
  }

  async setPromotionPolicy(name: string, policy: PromotionPolicy): Promise<StoredPolicy> {
    return this.#reg.setPolicy(name, checkPolicyShape(policy), this.#ctx(), this.#clock.now());
  }

  getPromotionPolicy(name: string): Promise<StoredPolicy | null> {
    return this.#reg.getPolicy(name);
  }

  // ------------------------------------------------------------------ edits (MLflow's registry API)

  /** @throws MODEL_NOT_FOUND, MODEL_ALREADY_EXISTS, INVALID_NAME */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.#reg.renameModel(name, newName, this.#ctx(), this.#clock.now());
  }

  /** @throws MODEL_NOT_FOUND */
  updateRegisteredModel(name: string, patch: { description?: string }): Promise<RegisteredModel> {
    return this.#reg.updateModel(name, patch, this.#ctx(), this.#clock.now());
  }

  /** Refused (INVALID_STATE) while a version is in Staging/Production or has an alias. */
  deleteRegisteredModel(name: string): Promise<void> {
    return this.#reg.deleteModel(name, this.#ctx(), this.#clock.now());
  }

  /** Sets (or with null, removes) a tag of the registered model. @throws MODEL_NOT_FOUND */
  setRegisteredModelTag(name: string, key: string, value: string | null): Promise<void> {
    return this.#reg.setModelTag(name, key, value, this.#clock.now());
  }

  /** @throws MODEL_VERSION_NOT_FOUND */
  updateModelVersion(
    name: string,
    version: number | string,
    patch: { description?: string },
  ): Promise<ModelVersion> {
    return this.#reg.updateVersion(name, checkVersion(version), patch, this.#ctx(), this.#clock.now());
  }

  /** Sets (or with null, removes) a tag of a version. @throws MODEL_VERSION_NOT_FOUND */
  setModelVersionTag(
    name: string,
    version: number | string,
    key: string,
    value: string | null,
  ): Promise<void> {
    return this.#reg.setVersionTag(name, checkVersion(version), key, value, this.#clock.now());
  }

  /** Refused (INVALID_STATE) while the version is in Staging/Production or has an alias. */
  deleteModelVersion(name: string, version: number | string): Promise<void> {
    return this.#reg.deleteVersion(name, checkVersion(version), this.#ctx(), this.#clock.now());
  }

  // ------------------------------------------------------------------ URIs, loading, lineage

  async resolve(uri: string | ModelRef): Promise<ModelVersion> {
    const ref = typeof uri === "string" ? parseModelUri(uri) : uri;
    switch (ref.kind) {
      case "version":
        return this.#reg.getVersion(ref.name, ref.version);
      case "alias":
        return this.#reg.getVersionByAlias(ref.name, ref.alias);
      case "latest": {
        const v = (await this.#reg.listVersions(ref.name))[0];
        if (!v)
          throw new SextantError(
            "MODEL_VERSION_NOT_FOUND",
            `registered model '${ref.name}' has no versions`,
            { name: ref.name },
          );
        return v;
      }
      case "stage": {
        const v = (await this.#reg.listVersions(ref.name)).find((x) => x.currentStage === ref.stage);
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
    const bytes = await this.#artifacts.get(f.sha256); // verifies the blob's own hash
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

  async lineage(name: string, version: number | string): Promise<Lineage> {
    const v = await this.getModelVersion(name, version);
    if (!v.runId) {
      return {
        version: v,
        run: null,
        datasets: v.datasets.map((d) => ({ ...d, context: d.context ?? null })),
        code: null,
        environment: null,
        study: null,
        evaluations: [],
      };
    }
    const run = await this.#store.getRun(v.runId);
    const tags = run.data.tags;
    const study = tags["sextant.study"]
      ? {
          name: tags["sextant.study"]!,
          studyId: tags["sextant.study_id"] ?? "",
          trial: tags["sextant.trial"] !== undefined ? Number(tags["sextant.trial"]) : null,
          parentRunId: tags["mlflow.parentRunId"] ?? null,
        }
      : null;
    const evaluations = (await this.#store.listEvaluations({ runId: v.runId })).map((e) => ({
      evaluationId: e.evaluationId,
      name: e.name,
      createdTime: e.createdTime,
    }));
    return {
      version: v,
      run: {
        runId: run.info.runId,
        runName: run.info.runName,
        experimentId: run.info.experimentId,
        status: run.info.status,
        startTime: run.info.startTime,
        endTime: run.info.endTime,
        params: run.data.params,
        metrics: run.data.metrics,
      },
      datasets: run.datasets.map((d) => ({ name: d.name, digest: d.digest, context: d.context ?? null })),
      code: run.code ?? null,
      environment: run.environment ?? null,
      study,
      evaluations,
    };
  }
}

/** MLflow's model-version filter subset: `name = '…'`, `name LIKE '…'`, `run_id = '…'`, with AND. */
export function parseVersionFilter(filter: string): { name?: string; nameLike?: string; runId?: string } {
  const out: { name?: string; nameLike?: string; runId?: string } = {};
  const text = filter.trim();
  if (text === "") return out;
  for (const part of text.split(/\s+AND\s+/i)) {
    const m = /^\s*(name|run_id)\s*(=|LIKE|ILIKE)\s*(['"])(.*)\3\s*$/i.exec(part);
    if (!m) {
      throw new SextantError(
        "INVALID_FILTER",
        `cannot parse '${part}': model versions are filtered by name = '…', name LIKE '…' or run_id = '…'`,
        { filter },
      );
    }
    const key = m[1]!.toLowerCase();
    const op = m[2]!.toUpperCase();
    const value = m[4]!;
    if (key === "run_id") {
      if (op !== "=") throw new SextantError("INVALID_FILTER", "run_id is compared with =", { filter });
      out.runId = value;
    } else if (op === "=") out.name = value;
    else out.nameLike = value;
  }
  return out;
}

export { STAGES };
