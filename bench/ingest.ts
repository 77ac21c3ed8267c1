/**
 * ingest: R runs × K metric keys × S steps logged through the SDK into a fresh embedded store.
 * Reports sustained points/s (first logMetrics call to the last run's end) and peak RSS, and, side
 * by side, the same points written row-per-point into SQLite the way MLflow's SQL store lays out
 * its `metrics` table (prepared INSERTs in 10k-row transactions): the layout we replaced.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Sextant } from "../src/index.js";
import { ms, now, parseArgs, peakRssMb, progress, tempDir } from "./util.js";

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const runs = Number(a.runs ?? 10);
  const keys = Number(a.keys ?? 50);
  const steps = Number(a.steps ?? 10_000);
  const points = runs * keys * steps;
  const names = Array.from({ length: keys }, (_, i) => `metric_${i}`);

  const dir = tempDir("ingest");
  const sx = await Sextant.open({ uri: dir, capture: false });
  await sx.setExperiment("bench-ingest");
  progress(`ingest: ${runs} runs × ${keys} keys × ${steps} steps = ${points} points into ${dir}`);
  const row: Record<string, number> = {};
  const t0 = now();
  for (let r = 0; r < runs; r++) {
    const run = await sx.startRun({ name: `run-${r}` });
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < keys; k++) row[names[k]!] = Math.sin(s * 0.001 + k) + r;
      run.logMetrics(row, { step: s });
    }
    await run.end();
  }
  const sextantMs = ms(t0);
  const rss = peakRssMb();
  // check: everything is there
  const check = await sx.searchRuns({ maxResults: runs });
  const stored = check.runs.reduce((acc, r) => acc + r.metricSummaries.reduce((x, m) => x + m.count, 0), 0);
  await sx.close();
  if (stored !== points) throw new Error(`stored ${stored} points, expected ${points}`);
  rmSync(dir, { recursive: true, force: true });

  // The same points, one row each, MLflow's metrics table layout.
  const baseRuns = Number(a.baselineRuns ?? 2);
  const bdir = tempDir("ingest-rows");
  const db = new Database(join(bdir, "rows.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`CREATE TABLE metrics (key TEXT NOT NULL, value REAL NOT NULL, timestamp INTEGER NOT NULL, run_uuid TEXT NOT NULL,
    step INTEGER NOT NULL, is_nan INTEGER NOT NULL, PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan))`);
  const ins = db.prepare("INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?, 0)");
  const tx = db.transaction((rows: Array<[string, number, number, string, number]>) => {
    for (const r of rows) ins.run(r);
  });
  progress(`baseline: ${baseRuns} runs row-per-point`);
  const t1 = now();
  let batch: Array<[string, number, number, string, number]> = [];
  for (let r = 0; r < baseRuns; r++) {
    const runId = `run${r}`.padEnd(32, "0");
    for (let s = 0; s < steps; s++) {
      const ts = Date.now();
      for (let k = 0; k < keys; k++) {
        batch.push([names[k]!, Math.sin(s * 0.001 + k) + r, ts, runId, s]);
        if (batch.length === 10_000) {
          tx(batch);
          batch = [];
        }
      }
    }
  }
  tx(batch);
  const rowsMs = ms(t1);
  db.close();
  rmSync(bdir, { recursive: true, force: true });
  const basePoints = baseRuns * keys * steps;

  const sextantRate = points / (sextantMs / 1000);
  const rowsRate = basePoints / (rowsMs / 1000);
  return {
    bench: "ingest",
    runs,
    keys,
    steps,
    points,
    sextant: { ms: Math.round(sextantMs), pointsPerSec: Math.round(sextantRate), peakRssMb: rss },
    rowPerPointSqlite: { points: basePoints, ms: Math.round(rowsMs), pointsPerSec: Math.round(rowsRate) },
    ratio: Number((sextantRate / rowsRate).toFixed(2)),
    targets: { pointsPerSec: 3_000_000, peakRssMb: 500 },
  };
}
