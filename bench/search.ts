/**
 * search: runs created through the SDK one after another, then searches over 100,000 runs.
 *
 * (a) Runs per second through the SDK, sequentially, on a fresh store: `sx.withRun` with 10
 *     params, 5 metrics and 3 tags (start, logParams, logMetrics, setTags, end), `--sdk-runs`
 *     of them (2,000) after 200 not timed. Target on PostgreSQL: ≥ 500 runs/s. On PostgreSQL also
 *     with `synchronous_commit=on` in the URI: run writes that wait for the disk (see PostgresOptions).
 * (b) 100,000 runs (10 params, 5 metrics, 3 tags each) in one experiment, filled through the
 *     store (`runs.createRun` / `logBatch`, 8 at a time on PostgreSQL); the filter
 *     `metrics.f1 > 0.5 and params.model = 'rf'` ordered by a metric, 100 results; p50/p95 over
 *     repeated queries. Nothing here runs ANALYZE: on PostgreSQL the store analyses its tables
 *     itself as they grow (the bench waits for the analyses it started). Target: p50 ≤ 50 ms.
 *
 * The generated search stores are kept between runs (temp dir; schema sx_bench_search_N) unless
 * --fresh is given. Options: --runs N, --reps N, --sdk-runs N, --backend sqlite|postgres|both, --fresh
 */
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Rng } from "../src/core/index.js";
import type { Store } from "../src/store/index.js";
import { PostgresStore, SqliteStore } from "../src/store/index.js";
import { Sextant } from "../src/tracking/index.js";
import { ms, now, parseArgs, percentile, progress, tempDir } from "./util.js";

const MODELS = ["rf", "gbdt", "logreg", "svm"];
const PG = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = 1_700_000_000_000;
const TARGET = { postgresRunsPerSec: 500, searchP50Ms: 50 };
/** Runs not timed before the SDK's rate is measured (connections, the JIT, prepared statements). */
const WARM_UP = 200;

/** Runs per second through the SDK, one run after another, on a fresh store of `kind`. */
async function sdkRate(kind: "sqlite" | "postgres", runs: number, query = ""): Promise<number> {
  const dir = tempDir("search-sdk");
  const schema = `sx_bench_sdk_${randomBytes(4).toString("hex")}`;
  const uri = kind === "sqlite" ? join(dir, "store") : `${PG}?schema=${schema}${query}`;
  const sx = await Sextant.open({ uri, artifactsUri: join(dir, "artifacts"), capture: false });
  const rng = new Rng(11);
  const one = (i: number) =>
    sx.withRun({ name: `run-${i}` }, async (run) => {
      const params: Record<string, string> = { model: MODELS[rng.int(0, 3)]! };
      for (let k = 0; k < 9; k++) params[`p${k}`] = String(rng.int(0, 1000));
      await run.logParams(params);
      run.logMetrics({
        f1: rng.random(),
        precision: rng.random(),
        recall: rng.random(),
        auc: rng.random(),
        loss: rng.random(),
      });
      await run.setTags({ team: `team-${i % 7}`, stage: i % 2 ? "dev" : "prod", owner: `u${i % 31}` });
    });
  try {
    await sx.setExperiment("bench-sdk");
    for (let i = 0; i < WARM_UP; i++) await one(i);
    const t0 = now();
    for (let i = 0; i < runs; i++) await one(WARM_UP + i);
    return Math.round(runs / (ms(t0) / 1000));
  } finally {
    const store = sx.store;
    await sx.close();
    if (store instanceof PostgresStore) {
      const again = await PostgresStore.open(uri, { analyze: false });
      await again.dropSchema();
      await again.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `runs` runs (10 params, 5 metrics, 3 tags each) in the experiment "bench-search"; returns its id. */
export async function populate(store: Store, runs: number, concurrency: number): Promise<string> {
  const exp = await store.runs.createExperiment({ name: "bench-search" }, T0);
  const rng = new Rng(7);
  let next = 0;
  const t0 = now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= runs) return;
      const { runId } = await store.runs.createRun({
        experimentId: exp.experimentId,
        runName: `run-${i}`,
        userId: "bench",
        startTime: T0 + i * 1000,
        artifactUri: "x",
        tags: { team: `team-${i % 7}`, stage: i % 2 ? "dev" : "prod", owner: `u${i % 31}` },
      });
      const params = [
        { key: "model", value: MODELS[rng.int(0, 3)]! },
        ...Array.from({ length: 9 }, (_, k) => ({ key: `p${k}`, value: String(rng.int(0, 1000)) })),
      ];
      const metrics = ["f1", "precision", "recall", "auc", "loss"].map((key) => ({
        key,
        steps: Float64Array.of(0),
        timestamps: Float64Array.of(T0 + i),
        values: Float64Array.of(rng.random()),
      }));
      await store.runs.logBatch(runId, { params, metrics });
      if (i % 10_000 === 0 && i > 0) progress(`  ${i} runs (${(ms(t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await store.runs.createExperiment({ name: `bench-search-ready-${runs}` }, T0);
  return exp.experimentId;
}

/** The queries measured, each with maxResults 100. */
export const QUERIES: Record<string, { filter: string; orderBy: string[] }> = {
  filterOrderBySameMetric: {
    filter: "metrics.f1 > 0.5 and params.model = 'rf'",
    orderBy: ["metrics.f1 DESC"],
  },
  filterOrderByOtherMetric: {
    filter: "metrics.f1 > 0.5 and params.model = 'rf'",
    orderBy: ["metrics.auc DESC"],
  },
  noFilterOrderByMetric: { filter: "", orderBy: ["metrics.loss ASC"] },
};

/**
 * A long-lived database has planner statistics (autovacuum analyzes); a freshly filled one does
 * not until it is analyzed.
 */
async function measure(store: Store, experimentId: string, reps: number) {
  const out: Record<string, { p50: number; p95: number; results: number }> = {};
  for (const [name, q] of Object.entries(QUERIES)) {
    const times: number[] = [];
    let results = 0;
    for (let i = 0; i < reps + 3; i++) {
      const t0 = now();
      const res = await store.runs.searchRuns({
        experimentIds: [experimentId],
        filter: q.filter,
        orderBy: q.orderBy,
        maxResults: 100,
      });
      const t = ms(t0);
      if (i >= 3) times.push(t);
      results = res.runs.length;
    }
    times.sort((a, b) => a - b);
    out[name] = { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), results };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function openPrepared(
  kind: "sqlite" | "postgres",
  runs: number,
  fresh: boolean,
): Promise<{ store: Store; exp: string; fillSeconds: number | null }> {
  const ready = `bench-search-ready-${runs}`;
  if (kind === "sqlite") {
    const path = join(tmpdir(), `sx-bench-search-${runs}`, "sextant.db");
    if (fresh) rmSync(join(path, ".."), { recursive: true, force: true });
    const had = existsSync(path);
    const store = await SqliteStore.open(path);
    if (had && (await store.runs.getExperimentByName(ready))) {
      const exp = (await store.runs.getExperimentByName("bench-search"))!.experimentId;
      return { store, exp, fillSeconds: null };
    }
    await store.close();
    rmSync(join(path, ".."), { recursive: true, force: true });
    const s2 = await SqliteStore.open(path);
    progress(`sqlite: generating ${runs} runs`);
    const t0 = now();
    const exp = await populate(s2, runs, 1);
    return { store: s2, exp, fillSeconds: round(ms(t0) / 1000) };
  }
  const uri = `${PG}?schema=sx_bench_search_${runs}`;
  let store = await PostgresStore.open(uri);
  if (!fresh && (await store.runs.getExperimentByName(ready))) {
    // a store filled before: whatever it needs analysed on open, the store does itself
    await store.database.analyzed();
    const exp = (await store.runs.getExperimentByName("bench-search"))!.experimentId;
    return { store, exp, fillSeconds: null };
  }
  await store.dropSchema();
  await store.close();
  store = await PostgresStore.open(uri);
  progress(`postgres: generating ${runs} runs (the store analyses as the tables grow)`);
  const t0 = now();
  const exp = await populate(store, runs, 8);
  await store.database.analyzed();
  return { store, exp, fillSeconds: round(ms(t0) / 1000) };
}

/** When the search tables were last analysed, and whether autovacuum could have done it. */
async function analysisReport(schema: string) {
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  try {
    const autovacuum = (await client.query("SHOW autovacuum")).rows[0].autovacuum as string;
    const { rows } = await client.query(
      `SELECT relname, last_analyze IS NOT NULL AS analysed, last_autoanalyze IS NOT NULL AS autoanalysed,
         n_mod_since_analyze::float8 AS modified, n_live_tup::float8 AS live
       FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('runs', 'params', 'tags', 'metric_summary')
       ORDER BY relname`,
      [schema],
    );
    return { autovacuum, tables: rows };
  } finally {
    await client.end();
  }
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const runs = Number(a.runs ?? 100_000);
  const reps = Number(a.reps ?? 30);
  const sdkRuns = Number(a["sdk-runs"] ?? 2000);
  const backend = a.backend ?? "both";
  const fresh = a.fresh === "true";
  const result: Record<string, unknown> = { bench: "search", runs, reps, sdkRuns, target: TARGET };
  const met: Record<string, boolean> = {};
  for (const kind of ["sqlite", "postgres"] as const) {
    if (backend !== "both" && backend !== kind) continue;
    progress(`${kind}: ${sdkRuns} runs through the SDK, one after another`);
    const sdkRunsPerSec = await sdkRate(kind, sdkRuns);
    const durable =
      kind === "postgres"
        ? { sdkRunsPerSecSynchronousCommit: await sdkRate(kind, sdkRuns, "&synchronous_commit=on") }
        : {};
    const { store, exp, fillSeconds } = await openPrepared(kind, runs, fresh);
    progress(`${kind}: measuring`);
    const search = await measure(store, exp, reps);
    const out: Record<string, unknown> = { sdkRunsPerSec, ...durable, fillSeconds, ...search };
    if (store instanceof PostgresStore) out.statistics = await analysisReport(store.schema);
    await store.close();
    result[kind] = out;
    if (kind === "postgres") met.postgresRunsPerSec = sdkRunsPerSec >= TARGET.postgresRunsPerSec;
    met[`${kind}SearchP50`] = search.filterOrderBySameMetric!.p50 <= TARGET.searchP50Ms;
  }
  result.met = met;
  return result;
}
