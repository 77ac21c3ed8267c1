/**
 * The HTTP server: native API under /api/v1, MLflow-compatible API under /api/2.0/mlflow and
 * /api/2.0/mlflow-artifacts. `buildServer` returns the Fastify instance without listening, so
 * tests drive it with inject(); `startServer` (server/start.ts) binds it.
 */
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import { wireReplacer } from "../api/index.js";
import { type Clock, SextantError, systemClock } from "../core/index.js";
import type { ArtifactStore, DatabaseStore } from "../store/index.js";
import { Authenticator, allows, type Identity } from "./auth.js";
import type { ServerContext } from "./context.js";
import { asSextantError, errorBody, installErrorHandling } from "./errors.js";
import { mlflowRoutes } from "./mlflow/index.js";
import { nativeRoutes } from "./native/index.js";
import { jsonSerializerCompiler, openApiTransform } from "./openapi.js";
import { defaultUiDir, uiRoutes } from "./ui.js";

export const VERSION = "0.1.0";

export interface ServerOptions {
  store: DatabaseStore;
  artifacts: ArtifactStore;
  clock?: Clock;
  /** Require API tokens (the store must keep tokens). */
  auth?: boolean;
  /** A RUNNING run silent this long is ended as crashed (default 60 s). */
  crashAfterMs?: number;
  /** Fastify/pino logger settings (default: off). */
  logger?: FastifyServerOptions["logger"];
  /** Largest artifact upload (default 5 GiB). */
  maxArtifactBytes?: number;
  /** Largest JSON request body (default 16 MiB; MLflow's log-batch keeps its own 1 MB limit). */
  bodyLimit?: number;
  /** The built web UI to serve at `/` (default: this package's dist/ui); false serves none. */
  uiDir?: string | false;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 16 * 2 ** 20,
    // One line per request would dominate the log (and the CPU) under metric ingest.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Errors Fastify raises before routing (a malformed URL, say) get the same body as the rest.
    frameworkErrors: (error, _request, reply) => {
      const mapped = asSextantError(error);
      const e = mapped.code === "INTERNAL" ? new SextantError("MALFORMED_REQUEST", error.message) : mapped;
      (reply as unknown as { code(n: number): { send(b: unknown): void } }).code(e.status).send(errorBody(e));
    },
    forceCloseConnections: "idle",
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  app.setReplySerializer((payload) => JSON.stringify(payload, wireReplacer));
  installErrorHandling(app);

  let authenticator: Authenticator | null = null;
  if (options.auth) {
    authenticator = new Authenticator(options.store.tokens, clock);
  }
  const open: Identity = { name: null, scope: "admin" };
  app.decorateRequest("identity", null as unknown as Identity);
  app.addHook("onRequest", async (request) => {
    if (!authenticator) {
      request.identity = open;
      return;
    }
    const need = request.routeOptions.config?.scope ?? "read";
    const identity = await authenticator.identify(request.headers.authorization);
    request.identity = identity;
    if (!allows(identity.scope, need)) {
      throw new SextantError(
        "PERMISSION_DENIED",
        `this needs a token with '${need}' scope; '${identity.name}' has '${identity.scope}'`,
        { need, have: identity.scope },
      );
    }
  });

  const crashAfter = options.crashAfterMs ?? 60_000;
  const ctx: ServerContext = {
    store: options.store,
    artifacts: options.artifacts,
    clock,
    sweepCrashed: async () => {
      await options.store.runs.markCrashedRuns(clock.now() - crashAfter);
    },
    maxArtifactBytes: options.maxArtifactBytes ?? 5 * 2 ** 30,
  };

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Sextant", description: "Sextant's native REST API", version: VERSION },
    },
    transform: openApiTransform,
    hideUntagged: false,
  });
  await app.register(nativeRoutes(ctx), { prefix: "/api/v1" });
  await app.register(mlflowRoutes(ctx), { prefix: "/api/2.0" });
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/health", { schema: { hide: true } }, async () => ({
    status: "ok",
    version: VERSION,
    store: options.store.kind,
  }));
  if (options.uiDir !== false) await app.register(uiRoutes(options.uiDir ?? defaultUiDir()));
  return app;
}
