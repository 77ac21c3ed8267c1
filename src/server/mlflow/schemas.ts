/**
 * zod pieces for MLflow's request messages (mlflow/protos/service.proto), read the way protobuf's
 * JSON mapping reads them: int64 fields take a number or a decimal string, doubles take a number
 * or "NaN" / "Infinity" / "-Infinity", enums take their name or their number. Objects are strict:
 * a field the message does not declare is a 400, so every documented field (deprecated ones such
 * as run_uuid included) is listed.
 */
import { z } from "zod";
import { wireNumber } from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import type { RunStatus, ViewType } from "../../store/index.js";

/**
 * A request body as MLflow's handlers take it: no body (or null) is an empty message, and a body
 * that is a JSON string is decoded once more (older clients double-encode).
 */
export function message<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => {
    if (v === undefined || v === null) return {};
    if (typeof v === "string") {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }
    return v;
  }, schema);
}

/** A string field the handler requires: absent and "" are both missing, as in MLflow. */
export function required(name: string) {
  const missing = `Missing value for required parameter '${name}'`;
  return z
    .string({ error: (iss) => (iss.input === undefined ? missing : `parameter '${name}' must be a string`) })
    .min(1, missing);
}

const INTEGER = /^-?\d+$/;

/** An int64 field: a JSON integer or a decimal string (query strings are always strings). */
export const int64 = z
  .union([z.number(), z.string().regex(INTEGER, "expected an integer")])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n), "expected an integer");

/** A double field: a number, or one of the spelled-out non-finite values. */
export const double = wireNumber;

const VIEW_TYPES: Readonly<Record<string, ViewType>> = {
  ACTIVE_ONLY: "active",
  DELETED_ONLY: "deleted",
  ALL: "all",
  "1": "active",
  "2": "deleted",
  "3": "all",
};

/** ViewType enum: ACTIVE_ONLY (1), DELETED_ONLY (2), ALL (3). */
export const viewType = z
  .union([z.string(), z.number()])
  .refine((v) => Object.hasOwn(VIEW_TYPES, String(v)), "expected ACTIVE_ONLY, DELETED_ONLY or ALL")
  .transform((v) => VIEW_TYPES[String(v)]!);

const STATUSES: Readonly<Record<string, RunStatus | "SCHEDULED">> = {
  RUNNING: "RUNNING",
  SCHEDULED: "SCHEDULED",
  FINISHED: "FINISHED",
  FAILED: "FAILED",
  KILLED: "KILLED",
  "1": "RUNNING",
  "2": "SCHEDULED",
  "3": "FINISHED",
  "4": "FAILED",
  "5": "KILLED",
};

/** RunStatus enum. SCHEDULED exists in MLflow's enum but Sextant runs are never scheduled. */
export const runStatus = z
  .union([z.string(), z.number()])
  .refine((v) => Object.hasOwn(STATUSES, String(v)), "expected RUNNING, FINISHED, FAILED or KILLED")
  .refine((v) => STATUSES[String(v)] !== "SCHEDULED", "status SCHEDULED is not supported")
  .transform((v) => STATUSES[String(v)] as RunStatus);

/** Most tags one create request carries (MLflow's log-batch bound on entries per request). */
export const MAX_CREATE_TAGS = 1000;

/** RunTag / ExperimentTag / Param: the value defaults to "" as an unset proto string does. */
export const keyValue = z.strictObject({ key: required("key"), value: z.string().optional() });

/** The tags of a create request. */
export const createTags = z
  .array(keyValue)
  .max(MAX_CREATE_TAGS, `at most ${MAX_CREATE_TAGS} tags per request`);

/** A repeated string field; GET query strings give one value as a plain string. */
export const repeatedString = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (typeof v === "string" ? [v] : v));

/** run_id with its deprecated alias run_uuid. */
export const runIdFields = { run_id: z.string().optional(), run_uuid: z.string().optional() };

/** The run a request names: run_id, else the deprecated run_uuid. @throws INVALID_ARGUMENT when neither is given */
export function runIdOf(m: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  const id = m.run_id || m.run_uuid;
  if (!id) throw new SextantError("INVALID_ARGUMENT", "Missing value for required parameter 'run_id'");
  return id;
}

/** Every MLflow route: kept out of the native OpenAPI document. */
export const hidden = { hide: true } as const;
