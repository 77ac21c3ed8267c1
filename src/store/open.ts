/**
 * Picks the store for a tracking URI:
 *   (none)                  → $SEXTANT_TRACKING_URI, else ./.sextant (embedded)
 *   a path, or file:PATH    → embedded SQLite at PATH/sextant.db, artifacts in PATH/artifacts
 *   :memory:                → embedded SQLite in memory, artifacts in memory
 *   postgres://…            → PostgreSQL; artifacts at `artifactsUri` ($SEXTANT_ARTIFACTS_URI, else ./.sextant/artifacts)
 *   http(s)://host:port     → a Sextant server (artifacts go through it); with `mode` "auto" (the
 *                             default) writes fall back to an offline spool while it is unreachable
 *   http://a:5000,http://b:5000
 *                           → several servers of one store: requests go to one, and move on to the
 *                             next when it fails (see HttpClient); the spool takes writes only
 *                             while every one of them stays unreachable
 *
 * An artifacts URI is a directory path, file:PATH, memory: or s3://bucket/prefix (an S3 bucket, or
 * any S3-protocol server at `s3Endpoint`; see S3ArtifactStore for the AWS_* variables it reads).
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SextantError } from "../core/index.js";
import {
  type ArtifactStore,
  FsArtifactStore,
  HttpArtifactStore,
  MemoryArtifactStore,
  S3ArtifactStore,
} from "./artifacts/index.js";
import type { Store } from "./contract.js";
import { HttpStore } from "./http.js";
import { FailoverStore } from "./offline/index.js";
import { PostgresStore, SqliteStore } from "./sql-store.js";

export const DEFAULT_STORE_DIR = ".sextant";

export type RemoteMode = "auto" | "online" | "offline";

export interface OpenStoreOptions {
  /** Memory settings for an embedded SQLite store (see SqliteStoreOptions). */
  sqlite?: { cacheMb?: number; mmapMb?: number };
  /** For http(s) URIs: "auto" spools while the servers are unreachable, "online" fails instead, "offline" always spools. */
  mode?: RemoteMode;
  /** API token for http(s) URIs (default $SEXTANT_TRACKING_TOKEN). */
  token?: string;
  /** Where offline writes are spooled (default ./.sextant/spool). */
  spoolDir?: string;
  /** Called when writes start going to the spool. */
  onOffline?: (spoolFile: string, cause: unknown) => void;
  /** How long unreachable servers are retried before a write gives up or spools (default 30 s). */
  retryForMs?: number;
  /** The tracking URI (see above; default $SEXTANT_TRACKING_URI, else ./.sextant). */
  uri?: string;
  artifactsUri?: string;
  /** The S3-protocol server for an s3:// artifacts URI (default $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS). */
  s3Endpoint?: string;
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

function artifactStoreFor(uri: string, cwd: string, options: OpenStoreOptions): ArtifactStore {
  if (uri === "memory:") return new MemoryArtifactStore();
  if (uri.startsWith("file:")) return new FsArtifactStore(fileURLToPath(uri));
  if (/^s3:\/\//i.test(uri)) {
    return S3ArtifactStore.fromUri(uri, {
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      env: options.env ?? process.env,
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new SextantError(
      "UNSUPPORTED_URI",
      `unsupported artifact store URI '${uri}': use a directory path, file: or s3://bucket/prefix`,
      { uri },
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
    const artifacts = artifactStoreFor(artifactsUri, cwd, options);
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
    ? artifactStoreFor(options.artifactsUri, cwd, options)
    : new FsArtifactStore(resolve(dir, "artifacts"));
  return {
    store: await SqliteStore.open(resolve(dir, "sextant.db"), { now, ...options.sqlite }),
    artifacts,
    uri: dir,
  };
}
