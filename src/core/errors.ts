/**
 * Typed errors with stable codes. Every code is declared once in {@link ERROR_CATALOG} with the
 * HTTP status and the MLflow `error_code` it maps to at the REST edge.
 */

export interface ErrorSpec {
  /** HTTP status the REST edge answers with. */
  readonly status: number;
  /** MLflow `error_code` for the MLflow-compatible API. */
  readonly mlflow: string;
  /** One line on when the code is raised. */
  readonly doc: string;
}

export const ERROR_CATALOG = {
  INVALID_ARGUMENT: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "An argument is missing or malformed.",
  },
  INVALID_NAME: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A key or name has forbidden characters or resolves to another path.",
  },
  LIMIT_EXCEEDED: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A key, value or batch is over its limit.",
  },
  INVALID_METRIC_VALUE: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A metric value, step or timestamp is not a number of the right kind.",
  },
  PARAM_CONFLICT: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A param was logged again with a different value; params are immutable.",
  },
  MALFORMED_REQUEST: { status: 400, mlflow: "MALFORMED_REQUEST", doc: "A request body does not parse." },
  REQUEST_TOO_LARGE: {
    status: 413,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A request body is over its size limit.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    mlflow: "BAD_REQUEST",
    doc: "A request body has a content type the route does not take.",
  },
  ENDPOINT_NOT_FOUND: {
    status: 404,
    mlflow: "ENDPOINT_NOT_FOUND",
    doc: "No route has that method and path.",
  },
  UNAUTHENTICATED: { status: 401, mlflow: "UNAUTHENTICATED", doc: "The request has no valid API token." },
  PERMISSION_DENIED: {
    status: 403,
    mlflow: "PERMISSION_DENIED",
    doc: "The token's scope does not allow the operation.",
  },
  OFFLINE: {
    status: 503,
    mlflow: "TEMPORARILY_UNAVAILABLE",
    doc: "The client is spooling offline; reads need the server (run `sextant sync` once it is back).",
  },
  INVALID_FILTER: { status: 400, mlflow: "INVALID_PARAMETER_VALUE", doc: "A search filter does not parse." },
  INVALID_ORDER_BY: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "An order-by clause does not parse.",
  },
  INVALID_PAGE_TOKEN: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A page token was not issued by us.",
  },
  INVALID_STATE: {
    status: 400,
    mlflow: "INVALID_STATE",
    doc: "The entity is in a state that forbids the operation.",
  },
  EXPERIMENT_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "No experiment has that id or name.",
  },
  EXPERIMENT_ALREADY_EXISTS: {
    status: 400,
    mlflow: "RESOURCE_ALREADY_EXISTS",
    doc: "An experiment with that name exists.",
  },
  STUDY_NOT_FOUND: { status: 404, mlflow: "RESOURCE_DOES_NOT_EXIST", doc: "No study has that id or name." },
  STUDY_ALREADY_EXISTS: {
    status: 400,
    mlflow: "RESOURCE_ALREADY_EXISTS",
    doc: "A study with that name exists.",
  },
  TRIAL_NOT_FOUND: { status: 404, mlflow: "RESOURCE_DOES_NOT_EXIST", doc: "No trial has that id." },
  TRIAL_PRUNED: {
    status: 400,
    mlflow: "INVALID_STATE",
    doc: "The objective stopped a trial early (thrown by TrialPruned).",
  },
  MODEL_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "No registered model has that name.",
  },
  MODEL_ALREADY_EXISTS: {
    status: 400,
    mlflow: "RESOURCE_ALREADY_EXISTS",
    doc: "A registered model with that name exists.",
  },
  MODEL_VERSION_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "The registered model has no such version.",
  },
  MODEL_ALIAS_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "The registered model has no such alias.",
  },
  POLICY_NOT_MET: {
    status: 409,
    mlflow: "INVALID_STATE",
    doc: "A promotion lacks the evidence its model's policy requires; details list every unmet condition.",
  },
  RUN_NOT_FOUND: { status: 404, mlflow: "RESOURCE_DOES_NOT_EXIST", doc: "No run has that id." },
  EVALUATION_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "No evaluation record has that id.",
  },
  EVALUATION_ALREADY_EXISTS: {
    status: 400,
    mlflow: "RESOURCE_ALREADY_EXISTS",
    doc: "An evaluation record with that id exists.",
  },
  TOKEN_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "No API token has that id.",
  },
  TOKEN_ALREADY_EXISTS: {
    status: 400,
    mlflow: "RESOURCE_ALREADY_EXISTS",
    doc: "An API token with that id exists.",
  },
  DATA_LEAKAGE: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A split leaks information from test to train (details.issues lists each finding).",
  },
  ARTIFACT_NOT_FOUND: { status: 404, mlflow: "RESOURCE_DOES_NOT_EXIST", doc: "No artifact at that path." },
  ARTIFACT_CORRUPT: {
    status: 500,
    mlflow: "DATA_LOSS",
    doc: "An artifact's bytes do not match the content hash it was stored under.",
  },
  FILE_NOT_FOUND: {
    status: 404,
    mlflow: "RESOURCE_DOES_NOT_EXIST",
    doc: "A local file named by the caller is missing.",
  },
  UNSUPPORTED_URI: {
    status: 400,
    mlflow: "INVALID_PARAMETER_VALUE",
    doc: "A store URI has an unknown scheme.",
  },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    mlflow: "INTERNAL_ERROR",
    doc: "The store was written by a newer Sextant; upgrade before opening it.",
  },
  STORE_UNAVAILABLE: {
    status: 503,
    mlflow: "TEMPORARILY_UNAVAILABLE",
    doc: "The store's database or server cannot be reached.",
  },
  STORE_CLOSED: { status: 500, mlflow: "INTERNAL_ERROR", doc: "The store was used after close()." },
  STORE_BUSY: {
    status: 503,
    mlflow: "TEMPORARILY_UNAVAILABLE",
    doc: "The store stayed locked by other writers beyond the busy timeout.",
  },
  INTERNAL: { status: 500, mlflow: "INTERNAL_ERROR", doc: "An unexpected failure." },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The one error type Sextant throws on purpose. `code` is stable; `message` is for humans. */
export class SextantError extends Error {
  override readonly name = "SextantError";
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** HTTP status for this error's code. */
  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isSextantError(e: unknown, code?: ErrorCode): e is SextantError {
  return e instanceof SextantError && (code === undefined || e.code === code);
}
