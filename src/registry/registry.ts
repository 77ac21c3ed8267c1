/**
 * The model registry service over the database: registration from run artifacts, policy-checked
 * stage transitions, aliases, rollback (its rules in rules.ts and rollback.ts, run inside the
 * storage's `change`), lineage. The Sextant client exposes it for SQL stores (`sx.registry`), and
 * the server's REST handlers (native and MLflow-compatible) call the same methods with the
 * request's token as the actor.
 */
import type { Clock } from "../core/index.js";
import { SextantError } from "../core/index.js";
import {
  type ArtifactStore,
  type AuditEvent,
  type ChangeContext,
  checkAlias,
  checkStage,
  checkVersion,
  type DatabaseStore,
  type Evidence,
  isDatabaseStore,
  type ModelSignature,
  type ModelVersion,
  type RegisteredModel,
  type RegistrySearchInput,
  type RegistryStorage,
  type Store,
  type StoredPolicy,
} from "../store/index.js";
import {
  type Lineage,
  META_FILE,
  type Registry,
  RegistryReader,
  type TransitionOptions,
} from "./contract.js";
import { manifestHash, manifestOf } from "./manifest.js";
import { checkPolicy, checkPolicyShape, type PolicyCheck, type PromotionPolicy } from "./policy.js";
import { planAliasRollback, planStageRollback } from "./rollback.js";
import {
  planDeleteAlias,
  planDeleteModel,
  planDeleteVersion,
  planSetAlias,
  planStageMoves,
  planTransition,
} from "./rules.js";
import { parseRunsUri } from "./uri.js";

export interface RegistryDeps {
  store: Store;
  artifacts: ArtifactStore;
  clock: Clock;
  /** Who is acting (token identity or OS user). */
  actor: () => string;
  /** Whether the actor may override a policy (`force`): admin tokens, or a local store. */
  canForce?: () => boolean;
}

/** The registry service over the database: rules, policies and the audit trail enforced here. */
export class ModelRegistry extends RegistryReader implements Registry {
  readonly #store: DatabaseStore;
  readonly #reg: RegistryStorage;
  protected readonly artifacts: ArtifactStore;
  readonly #clock: Clock;
  readonly #actor: () => string;
  readonly #canForce: () => boolean;

  constructor(deps: RegistryDeps) {
    super();
    if (!isDatabaseStore(deps.store)) {
      throw new SextantError(
        "UNSUPPORTED_URI",
        `the model registry service runs over the database itself; over a ${deps.store.kind} store use HttpRegistry`,
      );
    }
    this.#store = deps.store;
    this.#reg = deps.store.registry;
    this.artifacts = deps.artifacts;
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
    const run = await this.#store.runs.getRun(runId);
    const files = manifestOf(await this.#store.runs.listArtifacts(runId, path), path);
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
      if (!(await this.artifacts.has(f.sha256))) {
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
      const parsed = JSON.parse((await this.artifacts.get(meta.sha256)).toString("utf8")) as {
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

  /**
   * Versions matching a filter in the search grammar (`name = 'churn' AND tags.team = 'x'`,
   * `run_id IN (…)`, `version_number > 3`, `current_stage = 'Production'`, OR and parentheses),
   * one page at a time.
   */
  searchModelVersions(
    options: RegistrySearchInput = {},
  ): Promise<{ versions: ModelVersion[]; nextPageToken: string | null }> {
    return this.#reg.searchVersions(options);
  }

  /** Registered models matching a filter (`name LIKE 'churn%'`, `tags.team = 'x'`), one page at a time. */
  searchRegisteredModels(
    options: RegistrySearchInput = {},
  ): Promise<{ models: RegisteredModel[]; nextPageToken: string | null }> {
    return this.#reg.searchModels(options);
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
    await this.#reg.change(
      name,
      (state) => planTransition(state, v, to, { archiveExisting: options.archiveExisting ?? false }),
      this.#ctx(options.reason, evidence, forced),
      this.#clock.now(),
    );
    return this.#reg.getVersion(name, v);
  }

  async setAlias(name: string, alias: string, version: number | string, options: { reason?: string } = {}) {
    const a = checkAlias(alias);
    const v = checkVersion(version);
    await this.#reg.change(
      name,
      (state) => planSetAlias(state, a, v),
      this.#ctx(options.reason),
      this.#clock.now(),
    );
  }

  async deleteAlias(name: string, alias: string, options: { reason?: string } = {}) {
    const a = checkAlias(alias);
    await this.#reg.change(
      name,
      (state) => planDeleteAlias(state, a),
      this.#ctx(options.reason),
      this.#clock.now(),
    );
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
    const ctx = this.#ctx(target.reason ?? "rollback");
    const alias = target.alias === undefined ? null : checkAlias(target.alias);
    const stage = alias === null ? checkStage(target.stage ?? "Production") : null;
    // planned on the trail as it is under the model's lock, so two rollbacks never undo one step twice
    return this.#reg.change(
      name,
      (state) => {
        const history = state.history ?? [];
        if (alias !== null) {
          const plan = planAliasRollback(history, alias);
          if (plan.kind !== "alias") throw new SextantError("INTERNAL", "unexpected rollback plan");
          return plan.version === null
            ? planDeleteAlias(state, plan.alias, { undoes: plan.undoes })
            : planSetAlias(state, plan.alias, plan.version, { undoes: plan.undoes });
        }
        const plan = planStageRollback(history, stage!);
        if (plan.kind !== "stage") throw new SextantError("INTERNAL", "unexpected rollback plan");
        return planStageMoves(state, plan.moves, plan.undoes);
      },
      ctx,
      this.#clock.now(),
      { history: true },
    );
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
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#reg.change(name, planDeleteModel, this.#ctx(), this.#clock.now());
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
  async deleteModelVersion(name: string, version: number | string): Promise<void> {
    const v = checkVersion(version);
    await this.#reg.change(name, (state) => planDeleteVersion(state, v), this.#ctx(), this.#clock.now());
  }

  // ------------------------------------------------------------------ URIs, loading, lineage

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
    const run = await this.#store.runs.getRun(v.runId);
    const tags = run.data.tags;
    const study = tags["sextant.study"]
      ? {
          name: tags["sextant.study"]!,
          studyId: tags["sextant.study_id"] ?? "",
          trial: tags["sextant.trial"] !== undefined ? Number(tags["sextant.trial"]) : null,
          parentRunId: tags["mlflow.parentRunId"] ?? null,
        }
      : null;
    const evaluations = (await this.#store.evaluations.list({ runId: v.runId })).map((e) => ({
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
