/** The MLflow-compatible API, mounted at /api/2.0 (mlflow/… and mlflow-artifacts/…). */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";

export function mlflowRoutes(_ctx: ServerContext) {
  return async (_app: FastifyInstance) => {};
}
