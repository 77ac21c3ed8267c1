/**
 * The API objects as the UI uses them: the shared shapes (src/api), with the two JSON blobs a run
 * carries (its code version and environment, opaque to the API) read as the capture writes them.
 */
import type * as api from "../../api/index.js";

export type {
  ArtifactEntry,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  MetricHistory,
  MetricSummary,
  RunDataset,
  RunInfo,
  RunStatus,
  ViewType,
} from "../../api/index.js";

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

/** A run, its code version and environment read as the capture writes them. */
export type Run = Omit<api.Run, "code" | "environment"> & {
  code: CodeVersion | null;
  environment: Environment | null;
};

export interface SearchRunsResult {
  runs: Run[];
  nextPageToken: string | null;
}

export interface RunColumnsRequest {
  params?: string[];
  metrics?: string[];
  tags?: string[];
}
