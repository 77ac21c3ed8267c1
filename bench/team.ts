/**
 * team: a team's deployment — `sextant server` processes on one PostgreSQL store — measured two
 * servers against one in the same run, and the TPE trial overhead through a server next to
 * Optuna's RDB storage (bench/hpo_optuna.py, in the same run).
 *  - ingest: --clients (4) SDK clients at once, each logging --runs-per-client (2) runs of --keys
 *    (20) metrics × --steps (5000) steps, all through one server, then split between two;
 *    points/s and the ratio two/one. After a warm-up through both, --rounds (3) rounds of each,
 *    alternating (one, two, one, …), so drift on a shared machine falls on both; the median round
 *    counts.
 *  - search: the search bench's query (`metrics.f1 > 0.5 and params.model = 'rf'` ordered by
 *    metrics.f1, 100 results) over --runs (20,000) runs through the native route
 *    /api/v1/runs/search, --queries (600) queries from --concurrency (8) clients at once, through
 *    one server and through two; p50/p95 ms and queries/s. For reference, the same query from one
 *    client straight on the store (no server), as the search bench measures it.
 *  - tpe: ask + 5 suggests + tell on bench/hpo.ts's free objective over its 5-parameter mixed
 *    space, TPE (seed 0), with the study storage over HTTP through one server: mean and median
 *    ms/trial (and the client's CPU ms) over trials 901–1000 of --trials (1000); target ≤ 10 ms.
 *    Optuna's TPE on its RDB storage over the same PostgreSQL (a schema of its own) when Debian's
 *    python3-psycopg2 is installed, else over a temporary SQLite file (`optuna.storage` says which).
 * On one machine the clients, both servers and PostgreSQL share its cores: two servers can only
 * gain what one server process leaves idle, so each phase reports `cpuBusy`, the share of the
 * machine's cores busy while it ran (1: all of them). Options also: --sections ingest,search,tpe
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { HttpStore, PostgresStore } from "../src/store/index.js";
import { median, runOptuna, sextantOverhead, summarize } from "./hpo.js";
import { sdkIngest } from "./http-ingest.js";
import { populate, QUERIES } from "./search.js";
import { type BenchServer, startBenchServer } from "./server-proc.js";
import { ms, now, parseArgs, percentile, progress, tempDir } from "./util.js";

const PG = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const SECTIONS = ["ingest", "search", "tpe"] as const;

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The machine's CPU time so far (all cores, /proc/stat ticks): busy and in all. */
function cpuTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((x, y) => x + y, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

/** `fn`'s answer and the share of the machine's cores that were busy while it ran (1 = all of them). */
async function withCpu<T>(fn: () => Promise<T>): Promise<{ value: T; cpuBusy: number }> {
  const c0 = cpuTicks();
  const value = await fn();
  const c1 = cpuTicks();
  return { value, cpuBusy: round((c1.busy - c0.busy) / Math.max(1, c1.total - c0.total), 3) };
}

/** Every client at once, client i through `urls[i % urls.length]`; points/s over the wall time. */
async function ingestRound(
  urls: string[],
  clients: number,
  runs: number,
  keys: number,
  steps: number,
): Promise<number> {
  const t0 = now();
  const done = await Promise.all(
    Array.from({ length: clients }, (_, i) => sdkIngest(urls[i % urls.length]!, runs, keys, steps)),
  );
  const points = done.reduce((a, d) => a + d.points, 0);
  return Math.round(points / (ms(t0) / 1000));
}

async function ingest(one: string[], two: string[], a: Record<string, string>) {
  const clients = Number(a.clients ?? 4);
  const runs = Number(a["runs-per-client"] ?? 2);
  const keys = Number(a.keys ?? 20);
  const steps = Number(a.steps ?? 5000);
  const rounds = Number(a.rounds ?? 3);
  const oneServer: Array<{ value: number; cpuBusy: number }> = [];
  const twoServers: Array<{ value: number; cpuBusy: number }> = [];
  progress("ingest: warming up both servers");
  await ingestRound(two, clients, 1, keys, 1000);
  for (let r = 0; r < rounds; r++) {
    progress(`ingest round ${r + 1}/${rounds}: ${clients} clients through one server`);
    oneServer.push(await withCpu(() => ingestRound(one, clients, runs, keys, steps)));
    progress(`ingest round ${r + 1}/${rounds}: ${clients} clients split between two servers`);
    twoServers.push(await withCpu(() => ingestRound(two, clients, runs, keys, steps)));
  }
  const summary = (rs: typeof oneServer) => ({
    pointsPerSec: Math.round(median(rs.map((r) => r.value))),
    rounds: rs.map((r) => r.value),
    cpuBusy: median(rs.map((r) => r.cpuBusy)),
  });
  const s1 = summary(oneServer);
  const s2 = summary(twoServers);
  return {
    clients,
    pointsPerRound: clients * runs * keys * steps,
    cores: availableParallelism(),
    oneServer: s1,
    twoServers: s2,
    ratio: round(s2.pointsPerSec / s1.pointsPerSec, 3),
  };
}

/** `queries` searches from `concurrency` clients at once, client i through `urls[i % urls.length]`. */
async function searchLoad(urls: string[], experimentId: string, queries: number, concurrency: number) {
  const q = QUERIES.filterOrderBySameMetric!;
  const clients = Array.from({ length: concurrency }, (_, i) => new HttpStore(urls[i % urls.length]!));
  const input = { experimentIds: [experimentId], filter: q.filter, orderBy: q.orderBy, maxResults: 100 };
  // warm-up: every client's connection and every server's statement cache
  await Promise.all(clients.map((c) => c.runs.searchRuns(input)));
  const times: number[] = [];
  let next = 0;
  let results = 0;
  const t0 = now();
  await Promise.all(
    clients.map(async (c) => {
      while (next++ < queries) {
        const t = now();
        results = (await c.runs.searchRuns(input)).runs.length;
        times.push(ms(t));
      }
    }),
  );
  const wall = ms(t0);
  times.sort((x, y) => x - y);
  return {
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    queriesPerSec: round(queries / (wall / 1000), 1),
    results,
  };
}

async function search(one: string[], two: string[], schema: string, a: Record<string, string>) {
  const runs = Number(a.runs ?? 20_000);
  const queries = Number(a.queries ?? 600);
  const concurrency = Number(a.concurrency ?? 8);
  const store = await PostgresStore.open(`${PG}?schema=${schema}`);
  let experimentId: string;
  const direct: number[] = [];
  try {
    progress(`search: generating ${runs} runs`);
    experimentId = await populate(store, runs, 8);
    await store.database.analyzed(); // the store keeps its planner statistics itself
    const q = QUERIES.filterOrderBySameMetric!;
    for (let i = 0; i < 33; i++) {
      const t = now();
      await store.runs.searchRuns({ experimentIds: [experimentId], ...q, maxResults: 100 });
      if (i >= 3) direct.push(ms(t));
    }
  } finally {
    await store.close();
  }
  direct.sort((x, y) => x - y);
  progress(`search: ${queries} queries from ${concurrency} clients through one server`);
  const a1 = await withCpu(() => searchLoad(one, experimentId, queries, concurrency));
  const oneServer = { ...a1.value, cpuBusy: a1.cpuBusy };
  progress(`search: ${queries} queries from ${concurrency} clients split between two servers`);
  const a2 = await withCpu(() => searchLoad(two, experimentId, queries, concurrency));
  const twoServers = { ...a2.value, cpuBusy: a2.cpuBusy };
  return {
    runs,
    queries,
    concurrency,
    query: QUERIES.filterOrderBySameMetric,
    directOneClient: { p50: round(percentile(direct, 50)), p95: round(percentile(direct, 95)) },
    oneServer,
    twoServers,
    p50Ratio: round(twoServers.p50 / oneServer.p50, 3),
    throughputRatio: round(twoServers.queriesPerSec / oneServer.queriesPerSec, 3),
  };
}

async function tpe(url: string, a: Record<string, string>) {
  const trials = Number(a.trials ?? 1000);
  const from = Math.max(1, trials - 99);
  progress(`tpe: ${trials} trials through ${url}`);
  const http = new HttpStore(url);
  const ours = summarize(await sextantOverhead(http.studies, trials), from, trials);
  const psycopg2 = spawnSync("/usr/bin/python3", ["-c", "import psycopg2"]).status === 0;
  const storage = psycopg2 ? "postgres" : "sqlite";
  progress(`tpe: optuna, ${trials} trials on its RDB storage (${storage})`);
  const o = (await runOptuna(["overhead", "--trials", String(trials), "--storage", storage, "--pg", PG])
    .result) as {
    optuna: string;
    ms_per_trial: number[];
    cpu_ms_per_trial: number[];
  };
  const theirs = summarize({ wall: o.ms_per_trial, cpu: o.cpu_ms_per_trial }, from, trials);
  return {
    trials,
    window: [from, trials],
    note: "ms/trial over the window: mean and median wall time, mean CPU time of the client process",
    sextant: { storage: "HTTP study storage through one sextant server on PostgreSQL", ...ours },
    optuna: {
      version: o.optuna,
      storage: psycopg2 ? "RDBStorage on PostgreSQL (psycopg2)" : "RDBStorage on SQLite",
      ...theirs,
    },
    speedup: round(theirs.mean / ours.mean, 3),
  };
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const sections = (a.sections ?? SECTIONS.join(",")).split(",");
  const schema = `sx_bench_team_${randomBytes(5).toString("hex")}`;
  const dir = tempDir("team");
  const store = `${PG}?schema=${schema}`;
  const servers: BenchServer[] = [];
  try {
    // one after the other: the first lays out the fresh schema
    for (let i = 0; i < 2; i++) servers.push(await startBenchServer(store, ["--artifacts", dir]));
    const one = [servers[0]!.url];
    const two = servers.map((s) => s.url);
    const out: Record<string, unknown> = { bench: "team", store: "postgres", servers: two.length };
    if (sections.includes("ingest")) out.ingest = await ingest(one, two, a);
    if (sections.includes("search")) out.search = await search(one, two, schema, a);
    if (sections.includes("tpe")) out.tpe = await tpe(one[0]!, a);
    const tpeOut = out.tpe as { sextant: { mean: number } } | undefined;
    out.targets = { ...(tpeOut ? { tpeLast100MsPerTrialLe10: tpeOut.sextant.mean <= 10 } : {}) };
    return out;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    const s = await PostgresStore.open(store);
    await s.dropSchema();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
