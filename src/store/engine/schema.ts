/** Table types for Kysely. Columns are snake_case as stored; booleans are 0/1 integers. */
import type { Generated } from "kysely";

export interface SchemaVersionTable {
  version: number;
  applied_time: number;
}

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_id: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  parent_run_id: string | null;
  lifecycle_stage: string;
  artifact_uri: string;
  heartbeat_at: number;
  crashed: number;
  seed: number | null;
  code: string | null;
  environment: string | null;
  deleted_time: number | null;
}

export interface KeyValueTable {
  run_id: string;
  key: string;
  value: string;
}

export interface MetricSummaryTable {
  run_id: string;
  key: string;
  /** NULL when the latest value is NaN (see last_nan), so comparisons never match NaN. */
  last_value: number | null;
  last_nan: number;
  last_step: number;
  last_timestamp: number;
  min_value: number | null;
  max_value: number | null;
  count: number;
  /** Number of chunks written; the next chunk's seq. */
  chunks: number;
}

export interface MetricChunksTable {
  run_id: string;
  key: string;
  seq: number;
  n: number;
  min_step: number;
  max_step: number;
  data: Uint8Array;
}

export interface DatasetsTable {
  dataset_id: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  size: number | null;
  num_rows: number | null;
  num_columns: number | null;
  schema: string | null;
  profile: string | null;
}

export interface RunInputsTable {
  run_id: string;
  dataset_id: string;
  context: string;
}

export interface ArtifactsTable {
  run_id: string;
  path: string;
  sha256: string;
  size: number;
  created_time: number;
}

export interface BatchKeysTable {
  idempotency_key: string;
  run_id: string;
  created_time: number;
}

export interface TokensTable {
  token_id: string;
  name: string;
  scope: string;
  secret_sha256: string;
  created_time: number;
  revoked_time: number | null;
}

export interface ExperimentKeysTable {
  experiment_id: number;
  kind: string;
  key: string;
}

export interface StudiesTable {
  study_id: Generated<number>;
  name: string;
  directions: string;
  user_attrs: string;
  system_attrs: string;
  created_time: number;
  run_id: string | null;
  next_number: number;
  change_seq: number;
}

export interface TrialsTable {
  trial_id: Generated<number>;
  study_id: number;
  number: number;
  state: string;
  values: string | null;
  params: string;
  distributions: string;
  user_attrs: string;
  system_attrs: string;
  start_time: number | null;
  end_time: number | null;
  heartbeat_at: number | null;
  run_id: string | null;
  change_seq: number;
  /** The client's id for the request that made or claimed the trial (migration 7). */
  request_id: string | null;
}

export interface TrialIntermediateTable {
  trial_id: number;
  step: number;
  values: string;
}

export interface EvaluationsTable {
  evaluation_id: string;
  run_id: string | null;
  name: string;
  created_time: number;
  /** The record's content as JSON text. */
  body: string;
}

// ---- the model registry (migration 6)

export interface RegisteredModelsTable {
  model_id: Generated<number>;
  name: string;
  description: string;
  tags: string;
  created_time: number;
  updated_time: number;
  next_version: number;
}

export interface ModelVersionsTable {
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

export interface ModelAliasesTable {
  model_id: number;
  alias: string;
  version: number;
}

export interface ModelEventsTable {
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

export interface ModelPoliciesTable {
  model_id: number;
  revision: number;
  policy: string;
  updated_time: number;
  actor: string;
}

export interface DB {
  registered_models: RegisteredModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  model_events: ModelEventsTable;
  model_policies: ModelPoliciesTable;
  evaluations: EvaluationsTable;
  studies: StudiesTable;
  trials: TrialsTable;
  trial_intermediate: TrialIntermediateTable;
  experiment_keys: ExperimentKeysTable;
  batch_keys: BatchKeysTable;
  tokens: TokensTable;
  sextant_schema: SchemaVersionTable;
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: KeyValueTable;
  tags: KeyValueTable;
  metric_summary: MetricSummaryTable;
  metric_chunks: MetricChunksTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  artifacts: ArtifactsTable;
}
