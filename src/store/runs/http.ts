/**
 * The runs aggregate over a Sextant server's native API (/api/v1): the SDK code is the same as
 * against an embedded store. Runs are created under a client-chosen id and metric batches carry
 * idempotency keys, so the transport's retries never apply a write twice; an experiment's creation
 * and a tag's deletion, which a second delivery would refuse, first look whether the lost attempt
 * took effect.
 */
import { randomUUID } from "node:crypto";
import * as api from "../../api/index.js";
import { newRunId, SextantError } from "../../core/index.js";
import type { HttpClient } from "../remote/index.js";
import type {
  ArtifactEntry,
  CountRunsInput,
  CreateExperimentInput,
  CreateRunInput,
  Experiment,
  ExperimentColumns,
  ExperimentSummary,
  HistoryQuery,
  LifecycleStage,
  LogBatchInput,
  Run,
  RunDataset,
  RunInfo,
  RunStore,
  SearchRunsInput,
  SearchRunsResult,
  UpdateRunInput,
  ViewType,
} from "./contract.js";
import { decodeSeries, type SeriesColumns } from "./metric-codec.js";
import { BATCH_CONTENT_TYPE, encodeBatch } from "./wire.js";

export class HttpRunStore implements RunStore {
  readonly client: HttpClient;

  constructor(client: HttpClient) {
    this.client = client;
  }

  createExperiment(input: CreateExperimentInput, _now: number): Promise<Experiment> {
    return this.client.request("/experiments", {
      method: "POST",
      json: input,
      shape: api.Experiment,
      settled: async () => {
        const made = await this.getExperimentByName(input.name);
        return made ? { value: made } : null;
      },
    });
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.client.request(`/experiments/${encodeURIComponent(experimentId)}`, { shape: api.Experiment });
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.client.request("/experiments/by-name", {
      query: { name },
      allow404: true,
      shape: api.Experiment.nullable(),
    });
  }

  async listExperiments(viewType: ViewType = "active"): Promise<ExperimentSummary[]> {
    return (
      await this.client.request("/experiments", {
        shape: api.ExperimentList,
        query: { view: viewType },
      })
    ).experiments;
  }

  async renameExperiment(experimentId: string, name: string, _now: number): Promise<void> {
    await this.client.request(`/experiments/${encodeURIComponent(experimentId)}`, {
      method: "PATCH",
      json: { name },
    });
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, _now: number): Promise<void> {
    const id = encodeURIComponent(experimentId);
    if (stage === "deleted") await this.client.request(`/experiments/${id}`, { method: "DELETE" });
    else await this.client.request(`/experiments/${id}/restore`, { method: "POST" });
  }

  async setExperimentTag(experimentId: string, key: string, value: string, _now: number): Promise<void> {
    await this.client.request(`/experiments/${encodeURIComponent(experimentId)}/tags`, {
      method: "PUT",
      json: { key, value },
    });
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    // The id is chosen here, so a retried create cannot make a second run.
    const runId = input.runId ?? newRunId();
    const { artifactUri: _server, ...rest } = input;
    try {
      return await this.client.request("/runs", {
        method: "POST",
        json: { ...rest, runId },
        shape: api.RunInfo,
      });
    } catch (e) {
      // a retry after a lost response: the first attempt made the run
      if (e instanceof SextantError && e.code === "INVALID_ARGUMENT" && /already exists/.test(e.message)) {
        const run = await this.getRun(runId);
        if (run.info.startTime === input.startTime && run.info.experimentId === input.experimentId)
          return run.info;
      }
      throw e;
    }
  }

  async getRun(runId: string): Promise<Run> {
    return this.client.request(`/runs/${encodeURIComponent(runId)}`, { shape: api.Run });
  }

  updateRun(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    return this.client.request(`/runs/${encodeURIComponent(runId)}`, {
      method: "PATCH",
      json: update,
      shape: api.RunInfo,
    });
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage, _now: number): Promise<void> {
    const id = encodeURIComponent(runId);
    if (stage === "deleted") await this.client.request(`/runs/${id}`, { method: "DELETE" });
    else await this.client.request(`/runs/${id}/restore`, { method: "POST" });
  }

  /** The server stamps the heartbeat with its own clock. */
  async heartbeat(runId: string, _now: number): Promise<boolean> {
    return (
      await this.client.request(`/runs/${encodeURIComponent(runId)}/heartbeat`, {
        shape: api.Alive,
        method: "POST",
      })
    ).alive;
  }

  async markCrashedRuns(staleBefore: number): Promise<number> {
    return (
      await this.client.request("/runs/mark-crashed", {
        shape: api.Marked,
        method: "POST",
        json: { staleBefore },
      })
    ).marked;
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const body = encodeBatch({ ...batch, idempotencyKey: batch.idempotencyKey ?? randomUUID() });
    await this.client.request(`/runs/${encodeURIComponent(runId)}/batch`, {
      method: "POST",
      body,
      contentType: BATCH_CONTENT_TYPE,
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.client.request<void>(`/runs/${encodeURIComponent(runId)}/tags/delete`, {
      method: "POST",
      json: { key },
      settled: async () => (key in (await this.getRun(runId)).data.tags ? null : { value: undefined }),
    });
  }

  async logInputs(runId: string, datasets: RunDataset[]): Promise<void> {
    await this.client.request(`/runs/${encodeURIComponent(runId)}/inputs`, {
      method: "POST",
      json: { datasets },
    });
  }

  async getMetricHistory(runId: string, key: string, query: HistoryQuery = {}): Promise<SeriesColumns> {
    const bytes = await this.client.request<Buffer>(`/runs/${encodeURIComponent(runId)}/metrics/history`, {
      query: { key, minStep: query.minStep, maxStep: query.maxStep, format: "binary" },
      binary: true,
    });
    return decodeSeries(bytes.length === 0 ? [] : [bytes]);
  }

  async searchRuns(input: SearchRunsInput): Promise<SearchRunsResult> {
    const res = await this.client.request("/runs/search", {
      method: "POST",
      json: input,
      shape: api.SearchRunsResult,
    });
    return { runs: res.runs, nextPageToken: res.nextPageToken ?? null };
  }

  async countRuns(input: CountRunsInput): Promise<number> {
    return (await this.client.request("/runs/count", { method: "POST", json: input, shape: api.RunCount }))
      .count;
  }

  listColumns(experimentId: string): Promise<ExperimentColumns> {
    return this.client.request(`/experiments/${encodeURIComponent(experimentId)}/columns`, {
      shape: api.ExperimentColumns,
    });
  }

  async recordArtifact(runId: string, entry: ArtifactEntry): Promise<void> {
    await this.client.request(`/runs/${encodeURIComponent(runId)}/artifacts`, {
      method: "POST",
      json: entry,
    });
  }

  async listArtifacts(runId: string, prefix = ""): Promise<ArtifactEntry[]> {
    const res = await this.client.request(`/runs/${encodeURIComponent(runId)}/artifacts`, {
      query: { prefix },
      shape: api.ArtifactList,
    });
    return res.artifacts;
  }

  async getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    const found = (await this.listArtifacts(runId, dir)).find((a) => a.path === path);
    if (!found)
      throw new SextantError("ARTIFACT_NOT_FOUND", `run ${runId} has no artifact '${path}'`, { runId, path });
    return found;
  }
}
