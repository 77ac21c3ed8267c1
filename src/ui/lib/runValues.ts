/** Reading one column of a run (attribute, param, metric or tag) by its column id. */
import { displayStatus } from "./format.js";
import type { Run } from "./types.js";

export type ColumnKind = "attribute" | "param" | "metric" | "tag";

export const KIND_PREFIX: Record<ColumnKind, string> = {
  attribute: "attributes",
  param: "params",
  metric: "metrics",
  tag: "tags",
};

const PREFIX_KIND: Record<string, ColumnKind> = {
  attributes: "attribute",
  params: "param",
  metrics: "metric",
  tags: "tag",
};

/** Column id of a key: "metrics.f1", "params.lr", "tags.team", "attributes.start_time". */
export function columnId(kind: ColumnKind, key: string): string {
  return `${KIND_PREFIX[kind]}.${key}`;
}

/** The kind and key of a column id (split at the first dot); null when the prefix is unknown. */
export function parseColumnId(id: string): { kind: ColumnKind; key: string } | null {
  const dot = id.indexOf(".");
  if (dot <= 0 || dot === id.length - 1) return null;
  const kind = PREFIX_KIND[id.slice(0, dot)];
  if (!kind) return null;
  return { kind, key: id.slice(dot + 1) };
}

/** A run's value in a column: numbers for metrics and numeric attributes, strings otherwise, null when absent. */
export function runValue(run: Run, id: string, now: number = Date.now()): number | string | null {
  const c = parseColumnId(id);
  if (!c) return null;
  switch (c.kind) {
    case "param":
      return run.data.params[c.key] ?? null;
    case "tag":
      return run.data.tags[c.key] ?? null;
    case "metric": {
      const v = run.data.metrics[c.key];
      return v === undefined ? null : v;
    }
    case "attribute":
      return attributeValue(run, c.key, now);
  }
}

function attributeValue(run: Run, key: string, now: number): number | string | null {
  const i = run.info;
  switch (key) {
    case "run_name":
      return i.runName;
    case "run_id":
      return i.runId;
    case "status":
      return displayStatus(i.status, i.crashed);
    case "user_id":
      return i.userId;
    case "start_time":
      return i.startTime;
    case "end_time":
      return i.endTime;
    case "duration":
      return i.endTime !== null ? i.endTime - i.startTime : i.status === "RUNNING" ? now - i.startTime : null;
    case "seed":
      return i.seed;
    case "parent_run_id":
      return i.parentRunId;
    default:
      return null;
  }
}

/** Whether a string reads as a finite number ("0.1", "1e-3", " 5 "); empty strings do not. */
export function isNumericString(s: string): boolean {
  if (s.trim() === "") return false;
  return Number.isFinite(Number(s));
}

/** Compares strings the way people expect for mixed names and numbers ("run-2" < "run-10"). */
export const naturalCompare = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" }).compare;
