/**
 * Input limits and name rules, the same as MLflow's so the native and MLflow-compatible APIs agree.
 */
import { SextantError } from "./errors.js";

export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  experimentNameLength: 500,
  runNameLength: 250,
  datasetNameLength: 500,
  artifactPathLength: 1000,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
} as const;

const NAME_CHARS = /^[/\w.\- :]*$/;
const RUN_ID = /^[0-9a-f]{32}$/;

/** True when `name`, read as a relative path, would resolve to some other name (or escape). */
export function pathNotUnique(name: string): boolean {
  if (name.length === 0 || name.startsWith("..")) return true;
  for (const seg of name.split("/")) {
    if (seg === "" || seg === "." || seg === "..") return true;
  }
  return false;
}

export type KeyKind = "param" | "metric" | "tag" | "experiment tag" | "dataset";

/** Validates a param, metric or tag key. @throws SextantError INVALID_NAME | LIMIT_EXCEEDED */
export function validateKey(kind: KeyKind, key: unknown): string {
  if (typeof key !== "string") {
    throw new SextantError("INVALID_NAME", `${kind} key must be a string, got ${typeof key}`, { kind, key });
  }
  if (!NAME_CHARS.test(key)) {
    throw new SextantError(
      "INVALID_NAME",
      `invalid ${kind} key '${key}': keys may only contain letters, digits, underscores, dashes, periods, spaces, colons and slashes`,
      { kind, key },
    );
  }
  if (pathNotUnique(key)) {
    throw new SextantError(
      "INVALID_NAME",
      `invalid ${kind} key '${key}': it must be a non-empty relative path without '.', '..' or empty segments`,
      { kind, key },
    );
  }
  if (key.length > LIMITS.keyLength) {
    throw new SextantError(
      "LIMIT_EXCEEDED",
      `${kind} key '${key.slice(0, 40)}…' has ${key.length} characters; the limit is ${LIMITS.keyLength}`,
      { kind, length: key.length, limit: LIMITS.keyLength },
    );
  }
  return key;
}

function checkLength(what: string, value: string, limit: number, details: Record<string, unknown>): string {
  if (value.length > limit) {
    throw new SextantError(
      "LIMIT_EXCEEDED",
      `${what} has ${value.length} characters; the limit is ${limit}`,
      {
        ...details,
        length: value.length,
        limit,
      },
    );
  }
  return value;
}

/** Turns a param value into its stored string form (numbers and booleans as written, objects as JSON). */
export function paramToString(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value === null || value === undefined) return String(value);
  return JSON.stringify(value);
}

export function validateParamValue(key: string, value: string): string {
  return checkLength(`value of param '${key}'`, value, LIMITS.paramValueLength, { key });
}

export function validateTagValue(key: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `value of tag '${key}' must be a string, got ${typeof value}`,
      { key },
    );
  }
  return checkLength(`value of tag '${key}'`, value, LIMITS.tagValueLength, { key });
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0) {
    throw new SextantError(
      "INVALID_NAME",
      `experiment name must be a non-empty string, got ${JSON.stringify(name)}`,
      {
        name,
      },
    );
  }
  return checkLength("experiment name", name, LIMITS.experimentNameLength, {});
}

export function validateRunName(name: unknown): string {
  if (typeof name !== "string") {
    throw new SextantError("INVALID_NAME", `run name must be a string, got ${typeof name}`, { name });
  }
  return checkLength("run name", name, LIMITS.runNameLength, {});
}

export function validateRunId(id: unknown): string {
  if (typeof id !== "string" || !RUN_ID.test(id)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `invalid run id ${JSON.stringify(id)}: expected 32 lowercase hex digits`,
      {
        runId: id,
      },
    );
  }
  return id;
}

/** Metric values are any IEEE double, NaN and ±Infinity included; booleans and strings are refused. */
export function validateMetric(key: string, value: unknown, step: unknown, timestamp: unknown): void {
  if (typeof value !== "number") {
    throw new SextantError(
      "INVALID_METRIC_VALUE",
      `metric '${key}' got a value of type ${typeof value} (${String(value).slice(0, 40)}); metric values are numbers`,
      { key },
    );
  }
  if (typeof step !== "number" || !Number.isSafeInteger(step)) {
    throw new SextantError(
      "INVALID_METRIC_VALUE",
      `metric '${key}' got step ${String(step)}; steps are integers`,
      {
        key,
      },
    );
  }
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new SextantError(
      "INVALID_METRIC_VALUE",
      `metric '${key}' got timestamp ${String(timestamp)}; timestamps are non-negative integer milliseconds`,
      { key },
    );
  }
}

/** Artifact paths are relative, '/'-separated, without '.', '..' or empty segments. */
export function validateArtifactPath(path: unknown): string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\\") || path.includes("\0")) {
    throw new SextantError("INVALID_NAME", `invalid artifact path ${JSON.stringify(path)}`, { path });
  }
  for (const seg of path.split("/")) {
    if (seg === "" || seg === "." || seg === "..") {
      throw new SextantError(
        "INVALID_NAME",
        `invalid artifact path '${path}': it must be relative, without '.', '..' or empty segments`,
        { path },
      );
    }
  }
  return checkLength("artifact path", path, LIMITS.artifactPathLength, {});
}
