/**
 * Errors on the MLflow-compatible API. The body is the server's one shape
 * ({error_code, message, code, details}); what differs is the HTTP status, which follows MLflow's
 * table from `error_code` to status (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS), because the
 * Python client reads both: it retries 429/500/502/503/504 and rebuilds the exception from
 * `error_code`.
 *
 * One code is re-labelled: the store's INVALID_STATE (writing to a deleted run or experiment,
 * deleting the Default experiment) is what MLflow's own stores report as INVALID_PARAMETER_VALUE
 * ("The run … must be in the 'active' state"); MLflow's table sends INVALID_STATE as a 500, which
 * the client would retry for minutes.
 */
import type { FastifyInstance } from "fastify";
import { ERROR_CATALOG, type SextantError } from "../../core/index.js";
import { asSextantError, type ErrorBody } from "../errors.js";

/** MLflow's status for each error_code it lists; codes it does not list keep our catalog's status. */
export const MLFLOW_HTTP_STATUS: Readonly<Record<string, number>> = {
  INTERNAL_ERROR: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  CUSTOMER_UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
};

/** The MLflow error_code and HTTP status an error answers with on this API. */
export function mlflowErrorCode(e: SextantError): { errorCode: string; status: number } {
  const errorCode = e.code === "INVALID_STATE" ? "INVALID_PARAMETER_VALUE" : ERROR_CATALOG[e.code].mlflow;
  return { errorCode, status: MLFLOW_HTTP_STATUS[errorCode] ?? e.status };
}

export function mlflowErrorBody(e: SextantError): ErrorBody {
  return {
    error_code: mlflowErrorCode(e).errorCode,
    message: e.message,
    code: e.code,
    details: { ...e.details },
  };
}

/** Sets the MLflow error handler on the plugin instance (Fastify scopes it to the plugin's routes). */
export function installMlflowErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = asSextantError(err);
    if (e.code === "INTERNAL") request.log.error({ err }, "unhandled error");
    reply.code(mlflowErrorCode(e).status).send(mlflowErrorBody(e));
  });
}
