/** The native API's request shapes (bodies, params, query strings), shared by its route modules and clients. */
import { z } from "zod";
import { stringMap, wireNumberIn } from "./common.js";

export const experimentId = z.string().regex(/^\d{1,15}$/, "an experiment id is a decimal number");
export const runId = z.string().regex(/^[0-9a-f]{32}$/, "a run id is 32 lowercase hex digits");
export const viewType = z.enum(["active", "deleted", "all"]);
export const keyValues = z.array(z.strictObject({ key: z.string(), value: z.string() }));

export const createExperimentBody = z.strictObject({
  name: z.string(),
  artifactLocation: z.string().optional(),
  tags: stringMap.optional(),
});

export const createRunBody = z.strictObject({
  experimentId,
  runName: z.string().optional(),
  userId: z.string().optional(),
  startTime: z.number().int().nonnegative(),
  parentRunId: runId.nullable().optional(),
  tags: stringMap.optional(),
  seed: z.number().int().nullable().optional(),
  code: z.record(z.string(), z.unknown()).nullable().optional(),
  environment: z.record(z.string(), z.unknown()).nullable().optional(),
  runId: runId.optional(),
});

export const updateRunBody = z.strictObject({
  status: z.enum(["RUNNING", "FINISHED", "FAILED", "KILLED"]).optional(),
  endTime: z.number().int().nonnegative().nullable().optional(),
  runName: z.string().optional(),
});

/** A JSON metric batch: one entry per series, columns of equal length. */
export const jsonBatchBody = z.strictObject({
  idempotencyKey: z.string().optional(),
  heartbeat: z.boolean().optional(),
  params: keyValues.optional(),
  tags: keyValues.optional(),
  metrics: z
    .array(
      z.strictObject({
        key: z.string(),
        steps: z.array(z.number().int()),
        timestamps: z.array(z.number().int().nonnegative()),
        values: z.array(wireNumberIn),
      }),
    )
    .optional(),
});

export const datasetInput = z.strictObject({
  name: z.string(),
  digest: z.string(),
  sourceType: z.string(),
  source: z.string(),
  size: z.number().int().nullable(),
  rows: z.number().int().nullable(),
  columns: z.number().int().nullable(),
  schema: z.string().nullable(),
  profile: z.string().nullable(),
  context: z.string(),
});

export const runColumns = z.strictObject({
  params: z.array(z.string()).optional(),
  metrics: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
});

export const countRunsBody = z.strictObject({
  experimentIds: z.array(experimentId),
  filter: z.string().optional(),
  viewType: viewType.optional(),
});

export const searchRunsBody = z.strictObject({
  columns: runColumns.optional(),
  experimentIds: z.array(experimentId),
  filter: z.string().optional(),
  orderBy: z.array(z.string()).optional(),
  maxResults: z.number().int().optional(),
  pageToken: z.string().nullable().optional(),
  viewType: viewType.optional(),
});

export const historyQuery = z.strictObject({
  minStep: z.coerce.number().int().optional(),
  maxStep: z.coerce.number().int().optional(),
  maxPoints: z.coerce.number().int().min(4).optional(),
  format: z.enum(["json", "binary"]).optional(),
});

export const sha256Param = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 is 64 lowercase hex digits");

export const modelName = z.string().min(1, "a model name is not empty");
export const versionParam = z.string().regex(/^[1-9]\d{0,14}$/, "a model version is a positive integer");
export const versionValue = z.union([z.number().int().positive(), versionParam]).transform((v) => Number(v));
export const evidence = z.array(
  z.strictObject({ kind: z.string().min(1), id: z.string().min(1), summary: z.unknown().optional() }),
);
export const registrySearchBody = z.strictObject({
  filter: z.string().optional(),
  orderBy: z.array(z.string()).max(10).optional(),
  maxResults: z.number().int().positive().optional(),
  pageToken: z.string().nullable().optional(),
});
