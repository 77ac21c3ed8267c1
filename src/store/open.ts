/**
 * Picks the store for a tracking URI:
 *   (none)                  → $SEXTANT_TRACKING_URI, else ./.sextant (embedded)
 *   a path, or file:PATH    → embedded SQLite at PATH/sextant.db, artifacts in PATH/artifacts
 *   :memory:                → embedded SQLite in memory, artifacts in memory
 *   postgres://…            → PostgreSQL; artifacts at `artifactsUri` ($SEXTANT_ARTIFACTS_URI, else ./.sextant/artifacts)
 *   http(s)://host:port     → a Sextant server (artifacts go through it); with `mode` "auto" (the
 *                             default) writes fall back to an offline spool while it is unreachable
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SextantError } from "../core/errors.js";
import { type ArtifactStore, FsArtifactStore, MemoryArtifactStore } from "./artifacts.js";
import type { Store } from "./contract.js";
import { HttpArtifactStore, HttpStore } from "./http.js";
import { FailoverStore } from "./offline/index.js";
import { PostgresStore, SqliteStore } from "./sql-store.js";

export const DEFAULT_STORE_DIR = ".sextant";

export type RemoteMode = "auto" | "online" | "offline";

export interface OpenStoreOptions {
  /** Memory settings for an embedded SQLite store (see SqliteStoreOptions). */
  sqlite?: { cacheMb?: number; mmapMb?: number };
  /** For http(s) URIs: "auto" spools while the server is unreachable, "online" fails instead, "offline" always spools. */
  mode?: RemoteMode;
  /** API token for http(s) URIs (default $SEXTANT_TRACKING_TOKEN). */
  token?: string;
  /** Where offline writes are spooled (default ./.sextant/spool). */
  spoolDir?: string;
  /** Called when writes start going to the spool. */
  onOffline?: (spoolFile: string, cause: unknown) => void;
  /** How long an unreachable server is retried before a write gives up or spools (default 30 s). */
  retryForMs?: number;
  uri?: string;
  artifactsUri?: string;
  /** Working directory that relative paths resolve against (default process.cwd()). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  now?: number;
}

export interface OpenedStore {
  store: Store;
  artifacts: ArtifactStore;
  /** The URI that was opened, after defaults. */
  uri: string;
}

export function resolveTrackingUri(options: OpenStoreOptions = {}): string {
  const env = options.env ?? process.env;
  return options.uri ?? env.SEXTANT_TRACKING_URI ?? DEFAULT_STORE_DIR;
}

function artifactStoreFor(uri: string, cwd: string): ArtifactStore {
  if (uri === "memory:") return new MemoryArtifactStore();
  if (uri.startsWith("file:")) return new FsArtifactStore(fileURLToPath(uri));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new SextantError(
      "UNSUPPORTED_URI",
      `unsupported artifact store URI '${uri}': use a directory path or file:`,
      {
        uri,
      },
    );
  }
  return new FsArtifactStore(resolve(cwd, uri));
}

export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const uri = resolveTrackingUri(options);
  const now = options.now;
  if (uri === ":memory:") {
    return { store: await SqliteStore.open(":memory:", { now }), artifacts: new MemoryArtifactStore(), uri };
  }
  if (/^postgres(ql)?:\/\//i.test(uri)) {
    const artifactsUri =
      options.artifactsUri ?? env.SEXTANT_ARTIFACTS_URI ?? `${DEFAULT_STORE_DIR}/artifacts`;
    const artifacts = artifactStoreFor(artifactsUri, cwd);
    return { store: await PostgresStore.open(uri, { now }), artifacts, uri };
  }
  if (/^https?:\/\//i.test(uri)) {
    const http = new HttpStore(uri, { token: options.token, retryForMs: options.retryForMs });
    const remoteBlobs = new HttpArtifactStore(http.client);
    const mode = options.mode ?? "auto";
    if (mode === "online") return { store: http, artifacts: remoteBlobs, uri };
    const spoolDir = resolve(cwd, options.spoolDir ?? join(DEFAULT_STORE_DIR, "spool"));
    const offline = mode === "offline" || !(await HttpStore.reachable(uri));
    const store = new FailoverStore(http, spoolDir, { offline, onFailover: options.onOffline });
    return { store, artifacts: store.artifactsOver(remoteBlobs), uri };
  }
  let dir: string;
  if (uri.startsWith("file:"))
    dir = fileURLToPath(uri.startsWith("file://") ? uri : `file://${resolve(cwd, uri.slice(5))}`);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new SextantError(
      "UNSUPPORTED_URI",
      `unsupported store URI '${uri}': use a directory path, file:PATH, :memory: or postgres://`,
      { uri },
    );
  } else dir = resolve(cwd, uri);
  const artifacts = options.artifactsUri
    ? artifactStoreFor(options.artifactsUri, cwd)
    : new FsArtifactStore(resolve(dir, "artifacts"));
  return {
    store: await SqliteStore.open(resolve(dir, "sextant.db"), { now, ...options.sqlite }),
    artifacts,
    uri: dir,
  };
}
