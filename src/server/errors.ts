/**
 * One error shape for every route, native and MLflow-compatible:
 *   { "error_code": <MLflow code>, "message": …, "code": <Sextant code>, "details": {…} }
 * MLflow clients read error_code and message; the Sextant client rebuilds the SextantError from code.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ERROR_CATALOG, type ErrorCode, SextantError } from "../core/index.js";

export interface ErrorBody {
  error_code: string;
  message: string;
  code: ErrorCode;
  details: Record<string, unknown>;
}

export function errorBody(e: SextantError): ErrorBody {
  return {
    error_code: ERROR_CATALOG[e.code].mlflow,
    message: e.message,
    code: e.code,
    details: { ...e.details },
  };
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_REQUEST",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "MALFORMED_REQUEST",
  FST_ERR_CTP_BODY_TOO_LARGE: "REQUEST_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_TYPE: "UNSUPPORTED_MEDIA_TYPE",
};

/** Any error a route can raise, as a SextantError. */
export function asSextantError(err: unknown): SextantError {
  if (err instanceof SextantError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: v.instancePath || "/", message: v.message }));
    const first = issues[0];
    return new SextantError(
      "INVALID_ARGUMENT",
      `invalid request ${err.validationContext ?? "input"}: ${first ? `${first.path}: ${first.message}` : "schema mismatch"}`,
      { issues },
    );
  }
  const fe = err as FastifyError;
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new SextantError(mapped, fe.message);
  if (fe?.statusCode === 400 && fe.code?.startsWith("FST_"))
    return new SextantError("MALFORMED_REQUEST", fe.message);
  return new SextantError("INTERNAL", "internal error", {}, { cause: err });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = asSextantError(err);
    if (e.code === "INTERNAL") request.log.error({ err }, "unhandled error");
    reply.code(e.status).send(errorBody(e));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new SextantError(
      "ENDPOINT_NOT_FOUND",
      `no route for ${request.method} ${request.url.split("?")[0]}`,
    );
    reply.code(e.status).send(errorBody(e));
  });
}
