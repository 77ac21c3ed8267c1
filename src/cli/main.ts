#!/usr/bin/env node
/**
 * The `sextant` command line: a thin layer over the SDK. `runCli(argv, io)` is the testable entry;
 * the process entry at the bottom only wires it to stdout/stderr and sets the exit code.
 */
import { readFileSync, realpathSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { SextantError } from "../core/index.js";
import { createToken, startServer } from "../server/index.js";
import {
  openStore,
  pendingSpoolFiles,
  type Run,
  syncSpool,
  type TokenScope,
  type TokenStore,
  type ViewType,
} from "../store/index.js";
import { profileDataset, Sextant } from "../tracking/index.js";
import { registerDatasetCommands } from "./datasets.js";
import { registerEvaluationCommands } from "./evaluations.js";
import { formatDuration, formatNumber, formatTime, keyValues, table, toJson } from "./format.js";
import { registerModelCommands } from "./models.js";
import { registerStudyCommands } from "./studies.js";

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

interface GlobalOptions {
  uri?: string;
}

/** The package's version, read from its package.json (two levels up from src/cli and dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function runStatus(r: Run): string {
  return r.info.crashed ? "CRASHED" : r.info.status;
}

function duration(r: Run): number | null {
  return r.info.endTime === null ? null : r.info.endTime - r.info.startTime;
}

/** Runs the CLI with `argv` (without the node and script entries); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const program = new Command("sextant")
    .description("Sextant: track, compare and reproduce model-development runs")
    .version(packageVersion(), "-V, --version", "print the version of sextant-ml")
    .option(
      "--uri <uri>",
      "store to use (directory, file:, :memory:, postgres://, http(s)://server, several servers comma-separated); default $SEXTANT_TRACKING_URI or ./.sextant",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    });

  const open = async (): Promise<Sextant> => {
    const g = program.opts<GlobalOptions>();
    const env = io.env ?? process.env;
    return Sextant.open({ uri: g.uri ?? env.SEXTANT_TRACKING_URI, cwd: io.cwd, capture: false });
  };
  const withClient = async <T>(fn: (sx: Sextant) => Promise<T>): Promise<T> => {
    const sx = await open();
    try {
      return await fn(sx);
    } finally {
      await sx.close();
    }
  };

  // ------------------------------------------------------------ experiments
  const experiments = program.command("experiments").description("experiments in the store");
  experiments
    .command("list")
    .description("list experiments with run counts and last activity")
    .addOption(
      new Option("--view <view>", "which experiments")
        .choices(["active", "deleted", "all"])
        .default("active"),
    )
    .option("-f, --filter <filter>", `e.g. "name LIKE 'churn%' OR tags.team = 'retention'"`)
    .option("-o, --order-by <clause>", `e.g. "name ASC" (repeatable; default: newest first)`, collect, [])
    .option("--json", "machine-readable output")
    .action(async (o: { view: ViewType; filter?: string; orderBy: string[]; json?: boolean }) => {
      await withClient(async (sx) => {
        const list =
          o.filter === undefined && o.orderBy.length === 0
            ? await sx.listExperiments(o.view)
            : (
                await sx.searchExperiments({
                  viewType: o.view,
                  ...(o.filter === undefined ? {} : { filter: o.filter }),
                  orderBy: o.orderBy,
                  maxResults: 50_000,
                })
              ).experiments;
        if (o.json) return io.out(toJson(list));
        io.out(
          table(
            ["id", "name", "runs", "last run", "stage"],
            list.map((e) => [
              e.experimentId,
              e.name,
              String(e.runCount),
              formatTime(e.lastRunStartTime),
              e.lifecycleStage,
            ]),
          ),
        );
      });
    });

  // ------------------------------------------------------------ runs
  const runs = program.command("runs").description("runs: list, show, compare, metric history");
  runs
    .command("list")
    .description("search runs with the MLflow filter grammar")
    .option(
      "-e, --experiment <name>",
      "experiment name (repeatable; default: every active experiment)",
      collect,
      [],
    )
    .option("-f, --filter <filter>", `e.g. "metrics.f1 > 0.5 and params.model = 'rf'"`)
    .option("-o, --order-by <clause>", `e.g. "metrics.f1 DESC" (repeatable)`, collect, [])
    .option("-n, --max-results <n>", "page size", (v) => Number.parseInt(v, 10), 100)
    .option("--page-token <token>", "continue a previous listing")
    .addOption(
      new Option("--view <view>", "which runs").choices(["active", "deleted", "all"]).default("active"),
    )
    .option("--json", "machine-readable output")
    .action(
      async (o: {
        experiment: string[];
        filter?: string;
        orderBy: string[];
        maxResults: number;
        pageToken?: string;
        view: ViewType;
        json?: boolean;
      }) => {
        await withClient(async (sx) => {
          const experimentIds =
            o.experiment.length > 0
              ? await Promise.all(
                  o.experiment.map(async (n) => (await sx.getExperimentByName(n)).experimentId),
                )
              : (await sx.listExperiments()).map((e) => e.experimentId);
          const res = await sx.searchRuns({
            experimentIds,
            filter: o.filter,
            orderBy: o.orderBy,
            maxResults: o.maxResults,
            pageToken: o.pageToken,
            viewType: o.view,
          });
          if (o.json) return io.out(toJson(res));
          const metricKeys = firstKeys(
            res.runs.map((r) => Object.keys(r.data.metrics)),
            6,
          );
          const paramKeys = firstKeys(
            res.runs.map((r) => Object.keys(r.data.params)),
            4,
          );
          io.out(
            table(
              [
                "run id",
                "name",
                "status",
                "started",
                "duration",
                ...paramKeys.map((k) => `params.${k}`),
                ...metricKeys.map((k) => `metrics.${k}`),
              ],
              res.runs.map((r) => [
                r.info.runId,
                (r.info.parentRunId ? "└ " : "") + r.info.runName,
                runStatus(r),
                formatTime(r.info.startTime),
                formatDuration(duration(r)),
                ...paramKeys.map((k) => clip(r.data.params[k] ?? "", 32)),
                ...metricKeys.map((k) => formatNumber(r.data.metrics[k])),
              ]),
            ),
          );
          io.out(
            `${res.runs.length} run(s)${res.nextPageToken ? `; more with --page-token ${res.nextPageToken}` : ""}`,
          );
        });
      },
    );

  runs
    .command("show <runId>")
    .description("one run: params, metrics, tags, datasets, code, environment, artifacts")
    .option("--json", "machine-readable output")
    .action(async (runId: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const run = await sx.getRun(runId);
        const artifacts = await sx.listArtifacts(runId);
        if (o.json) return io.out(toJson({ ...run, artifacts }));
        io.out(renderRun(run, artifacts));
      });
    });

  runs
    .command("compare <runIds...>")
    .description("params and metrics of runs side by side; rows that differ are marked *")
    .option("--json", "machine-readable output")
    .action(async (runIds: string[], o: { json?: boolean }) => {
      if (runIds.length < 2) throw new SextantError("INVALID_ARGUMENT", "compare needs at least two run ids");
      await withClient(async (sx) => {
        const list = await Promise.all(runIds.map((id) => sx.getRun(id)));
        const cmp = compareRuns(list);
        if (o.json) return io.out(toJson(cmp));
        const head = ["", "key", ...list.map((r) => `${r.info.runName || r.info.runId.slice(0, 8)}`)];
        const rows = cmp.rows.map((row) => [
          row.differs ? "*" : "",
          row.key,
          ...row.values.map((v) => v ?? "—"),
        ]);
        io.out(table(head, rows));
        io.out(`${cmp.rows.filter((r) => r.differs).length} of ${cmp.rows.length} rows differ`);
      });
    });

  runs
    .command("history <runId> <key>")
    .description("every point of one metric, in step order")
    .option("--json", "machine-readable output")
    .action(async (runId: string, key: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const points = await sx.getMetricHistory(runId, key);
        if (o.json) return io.out(toJson(points));
        io.out(
          table(
            ["step", "timestamp", key],
            points.map((p) => [String(p.step), formatTime(p.timestamp), formatNumber(p.value)]),
          ),
        );
        io.out(`${points.length} point(s)`);
      });
    });

  // ------------------------------------------------------------ data
  const data = program.command("data").description("datasets");
  data
    .command("hash <path>")
    .description("content hash (sha256), size, rows, columns and schema of a file or directory")
    .option("--json", "machine-readable output")
    .action(async (path: string, o: { json?: boolean }) => {
      const p = await profileDataset(resolve(io.cwd ?? process.cwd(), path));
      if (o.json) return io.out(toJson(p));
      io.out(
        keyValues([
          ["sha256", p.digest],
          ["source", p.source],
          ["format", p.format],
          ["size", `${p.size} bytes`],
          ["rows", p.rows === null ? "" : String(p.rows)],
          ["columns", p.columns === null ? "" : String(p.columns)],
          ["schema", p.schema ? p.schema.map((c) => `${c.name}:${c.type}`).join(", ") : ""],
        ]),
      );
    });

  // ------------------------------------------------------------ server, ui
  interface ServeOptions {
    host: string;
    port: number;
    store?: string;
    artifacts?: string;
    s3Endpoint?: string;
    auth?: boolean;
    insecure?: boolean;
    logLevel: string;
  }
  /** Serves until SIGINT/SIGTERM, then shuts down gracefully. */
  const serve = async (o: ServeOptions, announce: (url: string, kind: string) => void) => {
    const g = program.opts<GlobalOptions>();
    const env = io.env ?? process.env;
    const server = await startServer({
      host: o.host,
      port: o.port,
      storeUri: o.store ?? g.uri ?? env.SEXTANT_TRACKING_URI,
      artifactsUri: o.artifacts,
      s3Endpoint: o.s3Endpoint,
      auth: o.auth,
      insecure: o.insecure,
      logLevel: o.logLevel,
      cwd: io.cwd,
    });
    announce(server.url, server.store.kind);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        io.err("shutting down: finishing requests in flight");
        server.close().then(
          () => {
            io.err("stopped");
            resolve();
          },
          (e: unknown) => {
            io.err(`stopped with an error: ${(e as Error).message}`);
            resolve();
          },
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  };
  const serverOptions = (cmd: Command, port: number, logLevel: string) =>
    cmd
      .option("--host <host>", "address to bind", "127.0.0.1")
      .option("--port <port>", "port to bind (0: any free port)", (v) => Number.parseInt(v, 10), port)
      .option("--store <uri>", "store to serve (default: --uri, $SEXTANT_TRACKING_URI or ./.sextant)")
      .option("--artifacts <uri>", "where blobs go: a directory, file:PATH or s3://bucket/prefix")
      .option(
        "--s3-endpoint <url>",
        "S3-protocol server for s3:// artifacts (default $AWS_ENDPOINT_URL_S3, else AWS)",
      )
      .option("--auth", "require API tokens (see `sextant tokens create`)")
      .option("--insecure", "allow a non-loopback address without --auth")
      .option("--log-level <level>", "pino log level", logLevel);

  serverOptions(
    program
      .command("server")
      .description("serve the store over HTTP: native API, MLflow-compatible API, web UI"),
    5000,
    "info",
  ).action(async (o: ServeOptions) => {
    await serve(o, (url, kind) =>
      io.err(
        `Sextant server on ${url} (store: ${kind}, auth: ${o.auth ? "tokens" : "off"}); Ctrl-C stops it`,
      ),
    );
  });

  serverOptions(
    program.command("ui").description("open the dashboards on a store (the embedded one by default)"),
    5000,
    "warn",
  ).action(async (o: ServeOptions) => {
    await serve(o, (url) => {
      io.out(`${url}/`);
      io.err(`Sextant UI on ${url}/ — open it in a browser; Ctrl-C stops it`);
    });
  });

  // ------------------------------------------------------------ tokens
  const tokens = program.command("tokens").description("API tokens for `sextant server --auth`");
  const withTokenStore = async <T>(fn: (store: TokenStore) => Promise<T>): Promise<T> => {
    const g = program.opts<GlobalOptions>();
    const env = io.env ?? process.env;
    // over a server (http://…, with an admin token) or on the database the server uses
    const { store } = await openStore({
      uri: g.uri ?? env.SEXTANT_TRACKING_URI,
      cwd: io.cwd,
      env,
      token: env.SEXTANT_TRACKING_TOKEN,
      mode: "online",
    });
    try {
      return await fn(store.tokens);
    } finally {
      await store.close();
    }
  };
  tokens
    .command("create")
    .description("make a token; it is printed once and only its hash is stored")
    .addOption(
      new Option("--scope <scope>", "what it may do")
        .choices(["read", "write", "promote", "admin"])
        .makeOptionMandatory(),
    )
    .option("--name <name>", "who or what uses it (shown in audit trails)", "token")
    .option("--json", "machine-readable output")
    .action(async (o: { scope: TokenScope; name: string; json?: boolean }) => {
      await withTokenStore(async (store) => {
        const { token, record } = await createToken(store, { name: o.name, scope: o.scope, now: Date.now() });
        if (o.json)
          return io.out(toJson({ token, id: record.tokenId, name: record.name, scope: record.scope }));
        io.out(token);
        io.err(
          `token ${record.tokenId} (${record.name}, ${record.scope}): keep it now, it cannot be shown again`,
        );
      });
    });
  tokens
    .command("list")
    .description("tokens with their scope and state (never their secret)")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      await withTokenStore(async (store) => {
        const list = (await store.list()).map(({ secretSha256: _hidden, ...t }) => t);
        if (o.json) return io.out(toJson(list));
        io.out(
          table(
            ["id", "name", "scope", "created", "revoked"],
            list.map((t) => [
              t.tokenId,
              t.name,
              t.scope,
              formatTime(t.createdTime),
              formatTime(t.revokedTime),
            ]),
          ),
        );
      });
    });
  tokens
    .command("revoke <id>")
    .description("revoke a token (servers stop accepting it within 5 s)")
    .action(async (id: string) => {
      await withTokenStore((store) => store.revoke(id, Date.now()));
      io.err(`token ${id} revoked`);
    });

  // ------------------------------------------------------------ sync
  program
    .command("sync")
    .description("upload writes spooled while the server was unreachable, exactly once")
    .option("--spool <dir>", "spool directory", join(".sextant", "spool"))
    .option("--json", "machine-readable output")
    .action(async (o: { spool: string; json?: boolean }) => {
      const g = program.opts<GlobalOptions>();
      const env = io.env ?? process.env;
      const dir = resolve(io.cwd ?? process.cwd(), o.spool);
      const pending = pendingSpoolFiles(dir);
      if (pending.length === 0) {
        if (o.json) return io.out(toJson({ files: 0, applied: 0, skipped: 0 }));
        return io.out(`nothing to sync in ${dir}`);
      }
      const uri = g.uri ?? env.SEXTANT_TRACKING_URI;
      const { store, artifacts } = await openStore({ uri, cwd: io.cwd, mode: "online" });
      try {
        const report = await syncSpool(dir, store, artifacts, {
          onProgress: (done, total, file) => {
            if (done === total || done % 100 === 0) io.err(`${basename(file)}: ${done}/${total}`);
          },
        });
        if (o.json) return io.out(toJson(report));
        io.out(
          `synced ${report.applied} operation(s) from ${report.files} spool file(s)${report.skipped ? ` (${report.skipped} already applied earlier)` : ""}`,
        );
      } finally {
        await store.close();
      }
    });

  registerDatasetCommands(program, io);
  registerStudyCommands(program, io);
  registerModelCommands(program, io, withClient);
  registerEvaluationCommands(program, io, withClient);

  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof SextantError) {
      io.err(`error [${e.code}]: ${e.message}`);
      return 1;
    }
    io.err(`error: ${(e as Error).stack ?? String(e)}`);
    return 2;
  }
}

/** A cell shortened to `n` characters, marked with an ellipsis when cut. */
function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The most common keys across runs, up to `n`, in first-seen order. */
function firstKeys(lists: string[][], n: number): string[] {
  const count = new Map<string, number>();
  for (const l of lists) for (const k of l) count.set(k, (count.get(k) ?? 0) + 1);
  return [...count.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k]) => k)
    .sort();
}

export interface CompareRow {
  key: string;
  values: Array<string | null>;
  differs: boolean;
}

/** Params, then latest metrics, of several runs aligned by key; `differs` when any two disagree. */
export function compareRuns(runs: Run[]): { runIds: string[]; rows: CompareRow[] } {
  const rows: CompareRow[] = [];
  const section = (prefix: string, pick: (r: Run) => Record<string, string | number>) => {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
    for (const k of keys) {
      const values = runs.map((r) => {
        const v = pick(r)[k];
        return v === undefined ? null : typeof v === "number" ? formatNumber(v) : v;
      });
      rows.push({ key: `${prefix}.${k}`, values, differs: new Set(values).size > 1 });
    }
  };
  section("params", (r) => r.data.params);
  section("metrics", (r) => r.data.metrics);
  section("tags", (r) => r.data.tags);
  return { runIds: runs.map((r) => r.info.runId), rows };
}

function renderRun(run: Run, artifacts: Array<{ path: string; size: number; sha256: string }>): string {
  const i = run.info;
  const parts: string[] = [];
  parts.push(
    keyValues([
      ["run id", i.runId],
      ["name", i.runName],
      ["experiment", i.experimentId],
      ["status", runStatus(run) + (i.lifecycleStage === "deleted" ? " (deleted)" : "")],
      ["started", formatTime(i.startTime)],
      ["ended", formatTime(i.endTime)],
      ["duration", formatDuration(duration(run))],
      ["parent", i.parentRunId ?? ""],
      ["user", i.userId],
      ["seed", i.seed === null ? "" : String(i.seed)],
    ]),
  );
  const section = (title: string, body: string) => parts.push(`\n${title}\n${body}`);
  const kv = (o: Record<string, string>) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
  if (Object.keys(run.data.params).length) section("params", keyValues(kv(run.data.params)));
  if (run.metricSummaries.length) {
    section(
      "metrics",
      table(
        ["key", "last", "step", "min", "max", "points"],
        run.metricSummaries.map((m) => [
          m.key,
          formatNumber(m.value),
          String(m.step),
          formatNumber(m.min),
          formatNumber(m.max),
          String(m.count),
        ]),
      ),
    );
  }
  if (Object.keys(run.data.tags).length) section("tags", keyValues(kv(run.data.tags)));
  if (run.datasets.length) {
    section(
      "datasets",
      table(
        ["name", "context", "sha256", "rows", "columns", "source"],
        run.datasets.map((d) => [
          d.name,
          d.context,
          d.digest.slice(0, 16),
          String(d.rows ?? ""),
          String(d.columns ?? ""),
          d.source,
        ]),
      ),
    );
  }
  if (run.code) {
    const c = run.code as Record<string, unknown>;
    const pairs: Array<[string, string]> = [];
    if (c.commit !== undefined) pairs.push(["commit", `${String(c.commit)}${c.dirty ? " (dirty)" : ""}`]);
    if (c.branch) pairs.push(["branch", String(c.branch)]);
    if (c.diffArtifact) pairs.push(["diff", String(c.diffArtifact)]);
    if (Array.isArray(c.command)) pairs.push(["command", c.command.join(" ")]);
    if (c.cwd) pairs.push(["cwd", String(c.cwd)]);
    if (pairs.length) section("code", keyValues(pairs));
  }
  if (run.environment) {
    const e = run.environment as Record<string, unknown>;
    const lock = e.lockfile as { path: string; sha256: string } | null;
    section(
      "environment",
      keyValues([
        ["node", String(e.node)],
        ["os", `${String(e.platform)} ${String(e.osRelease)} ${String(e.arch)}`],
        ["cpu", `${String(e.cpuModel)} ×${String(e.cpuCount)}`],
        ["memory", `${String(e.totalMemoryMb)} MB`],
        ["lockfile", lock ? `${lock.path} sha256:${lock.sha256.slice(0, 16)}` : ""],
        [
          "gpus",
          Array.isArray(e.gpus) ? (e.gpus as Array<{ name: string }>).map((g) => g.name).join(", ") : "",
        ],
      ]),
    );
  }
  if (artifacts.length) {
    section(
      "artifacts",
      table(
        ["path", "size", "sha256"],
        artifacts.map((a) => [a.path, String(a.size), a.sha256.slice(0, 16)]),
      ),
    );
  }
  return parts.join("\n");
}

function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
