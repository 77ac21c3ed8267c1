/** Shapes of the native REST API (/api/v1) as the UI sees them, after decoding NaN/±Infinity. */

export type RunStatus = "RUNNING" | "FINISHED" | "FAILED" | "KILLED";
export type ViewType = "active" | "deleted" | "all";

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: "active" | "deleted";
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
  runCount?: number;
  lastRunStartTime?: number | null;
}

export interface ExperimentColumns {
  params: string[];
  metrics: string[];
  tags: string[];
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  parentRunId: string | null;
  lifecycleStage: "active" | "deleted";
  artifactUri: string;
  heartbeatAt: number;
  crashed: boolean;
  seed: number | null;
}

export interface MetricSummary {
  key: string;
  value: number;
  step: number;
  timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

export interface RunDataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  size: number | null;
  rows: number | null;
  columns: number | null;
  schema: string | null;
  profile: string | null;
  context: string;
}

export interface CodeVersion {
  commit?: string;
  branch?: string | null;
  dirty?: boolean;
  remoteUrl?: string | null;
  repoRoot?: string;
  diffArtifact?: string;
  diffSha256?: string;
  command?: string[];
  execArgv?: string[];
  cwd?: string;
}

export interface GpuInfo {
  name: string;
  driver?: string;
  memoryMb?: number | null;
}

export interface Environment {
  node?: string;
  platform?: string;
  osRelease?: string;
  arch?: string;
  cpuModel?: string;
  cpuCount?: number;
  totalMemoryMb?: number;
  hostname?: string;
  lockfile?: { path: string; sha256: string } | null;
  packageJson?: string | null;
  dependencies?: Record<string, string>;
  gpus?: GpuInfo[];
}

export interface Run {
  info: RunInfo;
  data: {
    params: Record<string, string>;
    metrics: Record<string, number>;
    tags: Record<string, string>;
  };
  metricSummaries: MetricSummary[];
  datasets: RunDataset[];
  code: CodeVersion | null;
  environment: Environment | null;
}

export interface SearchRunsResult {
  runs: Run[];
  nextPageToken: string | null;
}

export interface MetricHistory {
  key: string;
  total: number;
  steps: number[];
  timestamps: number[];
  values: number[];
}

export interface ArtifactEntry {
  path: string;
  sha256: string;
  size: number;
  createdTime: number;
}

export interface RunColumnsRequest {
  params?: string[];
  metrics?: string[];
  tags?: string[];
}
