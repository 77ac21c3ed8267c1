/** The native API, mounted at /api/v1. */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";
import { artifactRoutes } from "./artifacts.js";
import { experimentRoutes } from "./experiments.js";
import { runRoutes } from "./runs.js";

export function nativeRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    await app.register(experimentRoutes(ctx));
    await app.register(runRoutes(ctx));
    await app.register(artifactRoutes(ctx));
  };
}
