/** The runs aggregate's API objects: experiments, runs, metric summaries, datasets, artifacts. */
import { z } from "zod";
import { jsonObject, millis, stringMap, wireNumber } from "./common.js";

export const RUN_STATUSES = ["RUNNING", "FINISHED", "FAILED", "KILLED"] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.output<typeof RunStatus>;
export const LifecycleStage = z.enum(["active", "deleted"]);
export type LifecycleStage = z.output<typeof LifecycleStage>;
export const ViewType = z.enum(["active", "deleted", "all"]);
export type ViewType = z.output<typeof ViewType>;

export const Experiment = z.object({
  experimentId: z.string(),
  name: z.string(),
  artifactLocation: z.string(),
  lifecycleStage: LifecycleStage,
  creationTime: millis,
  lastUpdateTime: millis,
  tags: stringMap,
});
export type Experiment = z.output<typeof Experiment>;

export const ExperimentSummary = Experiment.extend({
  /** Runs in the experiment that are not deleted. */
  runCount: z.number(),
  /** Latest start time of any run in it, null when it has none. */
  lastRunStartTime: millis.nullable(),
});
export type ExperimentSummary = z.output<typeof ExperimentSummary>;

export const ExperimentList = z.object({ experiments: z.array(ExperimentSummary) });
export const ExperimentPage = z.object({
  experiments: z.array(ExperimentSummary),
  nextPageToken: z.string().nullable(),
});

/** Every key used by the runs of an experiment, sorted. */
export const ExperimentColumns = z.object({
  params: z.array(z.string()),
  metrics: z.array(z.string()),
  tags: z.array(z.string()),
});
export type ExperimentColumns = z.output<typeof ExperimentColumns>;

export const RunInfo = z.object({
  runId: z.string(),
  runName: z.string(),
  experimentId: z.string(),
  userId: z.string(),
  status: RunStatus,
  startTime: millis,
  endTime: millis.nullable(),
  parentRunId: z.string().nullable(),
  lifecycleStage: LifecycleStage,
  artifactUri: z.string(),
  /** Last heartbeat from the process that owns the run. */
  heartbeatAt: millis,
  /** True when the run was ended because its process stopped sending heartbeats. */
  crashed: z.boolean(),
  /** Seed recorded at start, null if none. */
  seed: z.number().nullable(),
});
export type RunInfo = z.output<typeof RunInfo>;

/** Per-(run, key) summary kept on write: the latest point (largest step) and min/max/count. */
export const MetricSummary = z.object({
  key: z.string(),
  /** Value at the largest step (the later-logged point on ties). */
  value: wireNumber,
  step: z.number(),
  timestamp: millis,
  /** min and max over non-NaN values, null when every value is NaN. */
  min: wireNumber.nullable(),
  max: wireNumber.nullable(),
  count: z.number(),
});
export type MetricSummary = z.output<typeof MetricSummary>;

export const DatasetRecord = z.object({
  name: z.string(),
  digest: z.string(),
  sourceType: z.string(),
  source: z.string(),
  size: z.number().nullable(),
  rows: z.number().nullable(),
  columns: z.number().nullable(),
  /** JSON text (column names and types) when known. */
  schema: z.string().nullable(),
  /** JSON text with any further facts (format …) when known. */
  profile: z.string().nullable(),
});
export type DatasetRecord = z.output<typeof DatasetRecord>;

export const RunDataset = DatasetRecord.extend({ context: z.string() });
export type RunDataset = z.output<typeof RunDataset>;

export const RunData = z.object({
  params: stringMap,
  /** Latest value per metric key. */
  metrics: z.record(z.string(), wireNumber),
  tags: stringMap,
});
export type RunData = z.output<typeof RunData>;

export const Run = z.object({
  info: RunInfo,
  data: RunData,
  /** One summary per metric key, sorted by key. */
  metricSummaries: z.array(MetricSummary),
  datasets: z.array(RunDataset),
  /** Code version captured at start (JSON-shaped), null when not captured. */
  code: jsonObject.nullable(),
  /** Environment captured at start (JSON-shaped), null when not captured. */
  environment: jsonObject.nullable(),
});
export type Run = z.output<typeof Run>;

export const SearchRunsResult = z.object({ runs: z.array(Run), nextPageToken: z.string().nullable() });
export type SearchRunsResult = z.output<typeof SearchRunsResult>;

export const ArtifactEntry = z.object({
  path: z.string(),
  sha256: z.string(),
  size: z.number(),
  createdTime: millis,
});
export type ArtifactEntry = z.output<typeof ArtifactEntry>;

export const ArtifactList = z.object({ artifacts: z.array(ArtifactEntry) });
export const RunCount = z.object({ count: z.number() });
export const Alive = z.object({ alive: z.boolean() });
export const Marked = z.object({ marked: z.number() });
export const BlobRef = z.object({ sha256: z.string(), size: z.number() });
export const Ok = z.object({ ok: z.boolean() });
export const RunLifecycle = z.object({ runId: z.string(), lifecycleStage: LifecycleStage });
/** A metric's points as JSON (the binary form is one metric chunk: see runs/metric-codec.ts). */
export const MetricHistory = z.object({
  key: z.string(),
  /** Points before downsampling. */
  total: z.number(),
  steps: z.array(z.number()),
  timestamps: z.array(millis),
  values: z.array(wireNumber),
});
export type MetricHistory = z.output<typeof MetricHistory>;
