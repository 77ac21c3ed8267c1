/**
 * The JSON shapes the native registry READ endpoints (/api/v1/models…) serve, with type-only
 * imports, for readers that are not Node (the web UI). server/native/models.ts checks at compile
 * time that what it sends fits these shapes.
 */
import type {
  AuditEvent,
  Evidence,
  ModelVersion,
  RegisteredModel,
  Stage,
  StoredPolicy,
} from "../store/index.js";

export interface PolicyConditionJson {
  /** The evidence kind, e.g. "evaluation". */
  kind: string;
  condition: string;
  ok: boolean;
  detail: string;
  evidence?: Evidence;
}

export interface PolicyCheckJson {
  stage: Stage;
  pass: boolean;
  conditions: PolicyConditionJson[];
  evidence: Evidence[];
}

/** What a promotion of one version to Staging and to Production would find now. */
export interface VersionPolicyChecks {
  Staging: PolicyCheckJson;
  Production: PolicyCheckJson;
}

/** One row of GET /models: the model, where its versions stand, and its last audited change. */
export interface ModelListItem extends RegisteredModel {
  versionCount: number;
  /** Versions in Production, newest first (several when A/B testing). */
  production: number[];
  /** Versions in Staging, newest first. */
  staging: number[];
  /** The newest audit event of the model (null for a model with no trail). */
  lastEvent: AuditEvent | null;
}

/** GET /models/:name */
export interface ModelDetail {
  model: RegisteredModel;
  /** Newest first. */
  versions: ModelVersion[];
  policy: StoredPolicy | null;
  /** Per version (same order as `versions`), the policy checks; empty without a policy. */
  checks: Array<{ version: number } & VersionPolicyChecks>;
}

export interface LineageJson {
  version: ModelVersion;
  run: {
    runId: string;
    runName: string;
    experimentId: string;
    status: string;
    startTime: number;
    endTime: number | null;
    params: Record<string, string>;
    metrics: Record<string, number>;
  } | null;
  datasets: Array<{ name: string; digest: string; context: string | null }>;
  code: unknown;
  environment: unknown;
  study: { name: string; studyId: string; trial: number | null; parentRunId: string | null } | null;
  evaluations: Array<{ evaluationId: string; name: string; createdTime: number }>;
}

/** GET /models/:name/versions/:version */
export interface VersionDetail {
  version: ModelVersion;
  lineage: LineageJson;
  /** null when the model has no promotion policy. */
  policy: VersionPolicyChecks | null;
}

/** GET /models/:name/history */
export interface ModelHistoryJson {
  events: AuditEvent[];
}

/** GET /runs/:runId/model-versions */
export interface RunModelVersionsJson {
  versions: ModelVersion[];
}
