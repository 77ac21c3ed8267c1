/** The native API, mounted at /api/v1. */
import type { FastifyInstance } from "fastify";
import type { ServerContext } from "../context.js";
import { artifactRoutes } from "./artifacts.js";
import { evaluationRoutes } from "./evaluations.js";
import { experimentRoutes } from "./experiments.js";
import { hpoRoutes } from "./hpo.js";
import { modelRoutes } from "./models.js";
import { modelWriteRoutes } from "./models-write.js";
import { runRoutes } from "./runs.js";
import { studyRoutes } from "./studies.js";
import { tokenRoutes } from "./tokens.js";

export function nativeRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    await app.register(experimentRoutes(ctx));
    await app.register(runRoutes(ctx));
    await app.register(artifactRoutes(ctx));
    await app.register(evaluationRoutes(ctx));
    await app.register(studyRoutes(ctx));
    await app.register(hpoRoutes(ctx));
    await app.register(tokenRoutes(ctx));
    await app.register(modelRoutes(ctx));
    await app.register(modelWriteRoutes(ctx));
  };
}
