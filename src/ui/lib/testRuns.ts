/** Test helper: a run with only the fields a test cares about. */
import type { Run, RunInfo } from "./types.js";

export function makeRun(
  runId: string,
  opts: {
    name?: string;
    params?: Record<string, string>;
    metrics?: Record<string, number>;
    tags?: Record<string, string>;
    info?: Partial<RunInfo>;
  } = {},
): Run {
  return {
    info: {
      runId,
      runName: opts.name ?? runId,
      experimentId: "1",
      userId: "ada",
      status: "FINISHED",
      startTime: 1000,
      endTime: 5000,
      parentRunId: null,
      lifecycleStage: "active",
      artifactUri: "",
      heartbeatAt: 0,
      crashed: false,
      seed: null,
      ...opts.info,
    },
    data: { params: opts.params ?? {}, metrics: opts.metrics ?? {}, tags: opts.tags ?? {} },
    metricSummaries: [],
    datasets: [],
    code: null,
    environment: null,
  };
}
