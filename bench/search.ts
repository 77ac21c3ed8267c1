/**
 * search: 100,000 runs (10 params, 5 metrics, 3 tags each) in one experiment; the filter
 * `metrics.f1 > 0.5 and params.model = 'rf'` ordered by a metric, 100 results. Reports p50/p95
 * over repeated queries on SQLite (embedded) and PostgreSQL.
 *
 * The generated stores are kept between runs (in the temp dir) unless --fresh is given.
 * Options: --runs N, --reps N, --backend sqlite|postgres|both, --fresh
 */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Rng } from "../src/core/index.js";
import type { Store } from "../src/store/index.js";
import { PostgresStore, SqliteStore } from "../src/store/index.js";
import { ms, now, parseArgs, percentile, progress } from "./util.js";

const MODELS = ["rf", "gbdt", "logreg", "svm"];
const PG = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = 1_700_000_000_000;

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
export async function analyzeSearchTables(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  await client.query(`ANALYZE ${schema}.runs, ${schema}.params, ${schema}.tags, ${schema}.metric_summary`);
  await client.end();
}

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
): Promise<{ store: Store; exp: string }> {
  const ready = `bench-search-ready-${runs}`;
  if (kind === "sqlite") {
    const path = join(tmpdir(), `sx-bench-search-${runs}`, "sextant.db");
    if (fresh) rmSync(join(path, ".."), { recursive: true, force: true });
    const had = existsSync(path);
    const store = await SqliteStore.open(path);
    if (had && (await store.runs.getExperimentByName(ready))) {
      return { store, exp: (await store.runs.getExperimentByName("bench-search"))!.experimentId };
    }
    await store.close();
    rmSync(join(path, ".."), { recursive: true, force: true });
    const s2 = await SqliteStore.open(path);
    progress(`sqlite: generating ${runs} runs`);
    return { store: s2, exp: await populate(s2, runs, 1) };
  }
  const uri = `${PG}?schema=sx_bench_search_${runs}`;
  let store = await PostgresStore.open(uri);
  if (!fresh && (await store.runs.getExperimentByName(ready))) {
    return { store, exp: (await store.runs.getExperimentByName("bench-search"))!.experimentId };
  }
  await store.dropSchema();
  await store.close();
  store = await PostgresStore.open(uri);
  progress(`postgres: generating ${runs} runs`);
  const exp = await populate(store, runs, 8);
  await analyzeSearchTables(`sx_bench_search_${runs}`);
  return { store, exp };
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const runs = Number(a.runs ?? 100_000);
  const reps = Number(a.reps ?? 30);
  const backend = a.backend ?? "both";
  const fresh = a.fresh === "true";
  const result: Record<string, unknown> = { bench: "search", runs, reps, target: { sqliteP50Ms: 50 } };
  for (const kind of ["sqlite", "postgres"] as const) {
    if (backend !== "both" && backend !== kind) continue;
    const { store, exp } = await openPrepared(kind, runs, fresh);
    progress(`${kind}: measuring`);
    result[kind] = await measure(store, exp, reps);
    await store.close();
  }
  return result;
}
