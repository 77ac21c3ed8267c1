/**
 * `sextant server`: opens the store, builds the app, binds it, and shuts down gracefully (in-flight
 * requests finish, then the store closes) on SIGINT/SIGTERM.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../core/index.js";
import { SextantError } from "../core/index.js";
import type { Store } from "../store/index.js";
import { isDatabaseStore, openStore } from "../store/index.js";
import { buildServer } from "./app.js";

/** How long a stopping server waits for the requests in flight. */
const SHUTDOWN_GRACE_MS = 15_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export interface StartServerOptions {
  host?: string;
  port?: number;
  /** Store URI (directory, file:, :memory:, postgres://); default $SEXTANT_TRACKING_URI or ./.sextant. */
  storeUri?: string;
  /** Where blobs go: a directory, file:PATH or s3://bucket/prefix (default: beside the store). */
  artifactsUri?: string;
  /** The S3-protocol server for an s3:// artifacts URI (default $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS). */
  s3Endpoint?: string;
  /** Require API tokens. */
  auth?: boolean;
  /** Allow a non-loopback address without --auth. */
  insecure?: boolean;
  /** pino level (default "info"); false turns logging off. */
  logLevel?: string | false;
  clock?: Clock;
  crashAfterMs?: number;
  cwd?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Stops accepting requests, lets in-flight ones finish, then closes the store. */
  close(): Promise<void>;
}

/** Refuses to expose an unauthenticated server beyond this machine unless told to. */
export function checkBinding(host: string, auth: boolean, insecure: boolean): void {
  if (LOOPBACK.has(host) || auth || insecure) return;
  throw new SextantError(
    "INVALID_ARGUMENT",
    `refusing to serve on ${host} without authentication: add --auth (and create tokens with \`sextant tokens create\`), or --insecure to accept the risk`,
    { host },
  );
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 5000;
  checkBinding(host, options.auth ?? false, options.insecure ?? false);
  // A long-running server keeps its memory bounded: a smaller page cache than a notebook's
  // embedded store, and no file map (mapped pages count toward its resident size as the file grows).
  const opened = await openStore({
    uri: options.storeUri,
    artifactsUri: options.artifactsUri,
    s3Endpoint: options.s3Endpoint,
    cwd: options.cwd,
    now: options.clock?.now(),
    sqlite: { cacheMb: 32, mmapMb: 0 },
  });
  if (!isDatabaseStore(opened.store)) {
    await opened.store.close();
    throw new SextantError(
      "UNSUPPORTED_URI",
      "a server needs a database store (a directory, file:, :memory: or postgres://), not another server",
    );
  }
  const level = options.logLevel ?? "info";
  let app: FastifyInstance;
  let inFlight = 0;
  try {
    app = await buildServer({
      store: opened.store,
      artifacts: opened.artifacts,
      auth: options.auth,
      clock: options.clock,
      crashAfterMs: options.crashAfterMs,
      logger: level === false ? false : { level },
    });
    app.addHook("onRequest", async () => {
      inFlight++;
    });
    app.addHook("onResponse", async () => {
      inFlight--;
    });
    app.addHook("onRequestAbort", async (_request) => {
      inFlight--;
    });
    await app.listen({ host, port });
  } catch (e) {
    await opened.store.close();
    throw e;
  }
  const address = app.server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const url = `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | null = null;
  return {
    app,
    store: opened.store,
    url,
    close: () => {
      closing ??= (async () => {
        // Stop accepting, let the requests in flight finish (up to a deadline), then drop the
        // keep-alive connections that are left so the close can complete.
        const closed = app.close();
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        app.server.closeAllConnections();
        await closed;
        await opened.store.close();
      })();
      return closing;
    },
  };
}
