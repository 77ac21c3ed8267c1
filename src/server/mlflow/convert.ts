/**
 * Sextant ⇄ MLflow shapes. Responses follow protobuf's JSON mapping as MLflow's server writes it
 * (mlflow/utils/proto_json_utils.py message_to_json): snake_case names, int64 as JSON numbers,
 * unset optional fields and empty repeated fields left out, message fields (run.data, run.inputs)
 * present even when empty. Non-finite metric values become "NaN" / "Infinity" / "-Infinity" in
 * the app's reply serializer.
 *
 * The run name and parent are columns here and tags in MLflow: responses show them as the
 * `mlflow.runName` and `mlflow.parentRunId` tags too, so create, get and search agree.
 */

import type { Experiment, Run, RunDataset, RunInfo } from "../../store/index.js";
import { type Token, tokenizeFilter } from "../../store/index.js";

export const RUN_NAME_TAG = "mlflow.runName";
export const PARENT_RUN_TAG = "mlflow.parentRunId";
export const LOGGED_MODELS_TAG = "mlflow.log-model.history";
export const DATASET_CONTEXT_TAG = "mlflow.data.context";
/**
 * The context stored for a dataset input logged without one: the store needs a context, MLflow
 * does not. It is left out of MLflow responses, so such inputs read back as they were logged.
 */
export const NO_CONTEXT = "unspecified";

export interface KeyValue {
  key: string;
  value: string;
}

/** A string map as MLflow's repeated {key, value}, sorted by key. */
export function keyValues(map: Readonly<Record<string, string>>): KeyValue[] {
  return Object.keys(map)
    .sort()
    .map((key) => ({ key, value: map[key]! }));
}

/** `{ [name]: list }` when the list has items, else nothing (proto JSON leaves empty repeated fields out). */
function repeated<T>(name: string, list: T[]): Record<string, T[]> {
  return list.length > 0 ? { [name]: list } : {};
}

export function experimentToMlflow(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    ...repeated("tags", keyValues(e.tags)),
  };
}

export function runInfoToMlflow(info: RunInfo) {
  return {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    ...(info.endTime === null ? {} : { end_time: info.endTime }),
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  };
}

function datasetInputToMlflow(d: RunDataset) {
  return {
    ...repeated("tags", d.context === NO_CONTEXT ? [] : [{ key: DATASET_CONTEXT_TAG, value: d.context }]),
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      ...(d.schema === null ? {} : { schema: d.schema }),
      ...(d.profile === null ? {} : { profile: d.profile }),
    },
  };
}

export function runToMlflow(run: Run) {
  const tags: Record<string, string> = { ...run.data.tags, [RUN_NAME_TAG]: run.info.runName };
  if (run.info.parentRunId !== null) tags[PARENT_RUN_TAG] = run.info.parentRunId;
  const metrics = run.metricSummaries.map((m) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
  }));
  return {
    info: runInfoToMlflow(run.info),
    data: {
      ...repeated("metrics", metrics),
      ...repeated("params", keyValues(run.data.params)),
      ...repeated("tags", keyValues(tags)),
    },
    inputs: { ...repeated("dataset_inputs", run.datasets.map(datasetInputToMlflow)) },
  };
}

/**
 * Rewrites references to the `mlflow.runName` tag in a run filter or order-by clause
 * (`tags.mlflow.runName`, `tags."mlflow.runName"`, tags.`mlflow.runName`) as the run_name
 * attribute, which is where the name lives. Text that does not tokenize is returned unchanged, so
 * the search reports its error.
 */
export function runNameTagAsAttribute(text: string): string {
  let tokens: Token[];
  try {
    tokens = tokenizeFilter(text);
  } catch {
    return text;
  }
  let out = "";
  let copied = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const dot = tok.raw.indexOf(".");
    if (tok.kind !== "word" || dot === -1) continue;
    const prefix = tok.raw.slice(0, dot).toLowerCase();
    if (prefix !== "tags" && prefix !== "tag") continue;
    let key = tok.raw.slice(dot + 1);
    let end = tok.pos + tok.raw.length;
    if (key === "") {
      const quoted = tokens[i + 1];
      if (!quoted || (quoted.kind !== "dquoted" && quoted.kind !== "backtick") || quoted.pos !== end)
        continue;
      key = quoted.value;
      end = quoted.pos + quoted.raw.length;
      i++;
    }
    if (key !== RUN_NAME_TAG) continue;
    out += `${text.slice(copied, tok.pos)}attributes.run_name`;
    copied = end;
  }
  return out + text.slice(copied);
}

/** `s` without trailing slashes (a loop, not a regex, so long runs of slashes cost linear time). */
export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(0, end);
}
