/**
 * The MLflow-compatible API, mounted at /api/2.0 (mlflow/… and mlflow-artifacts/…), so the
 * unmodified Python client logs here with MLFLOW_TRACKING_URI=http://host:port. The contract is
 * MLflow's REST API (mlflow/protos/service.proto, mlflow/server/handlers.py); every error answers
 * with MLflow's error_code and HTTP status (see errors.ts).
 */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";
import { artifactRoutes } from "./artifacts.js";
import { installMlflowErrors } from "./errors.js";
import { experimentRoutes } from "./experiments.js";
import { loggingRoutes } from "./logging.js";
import { registryRoutes } from "./registry.js";
import { runRoutes } from "./runs.js";

export function mlflowRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    installMlflowErrors(app);
    await app.register(experimentRoutes(ctx));
    await app.register(runRoutes(ctx));
    await app.register(loggingRoutes(ctx));
    await app.register(artifactRoutes(ctx));
    await app.register(registryRoutes(ctx));
  };
}
