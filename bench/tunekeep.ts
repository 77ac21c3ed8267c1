/**
 * TuneKeep generation and the CSV path: generate the default dataset (50,000 users × 18 months),
 * write it as CSV, load it back with `loadTable`, and (when Debian's python3-pandas is installed)
 * time pandas.read_csv on the same file as the peer.
 *
 *   npm run bench -- tunekeep [--users 50000] [--months 18] [--seed 42] [--repeat 3]
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateTuneKeep, loadTable, writeCsv } from "../src/learn/index.js";
import { ms, now, parseArgs, tempDir } from "./util.js";

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const users = Number(a.users ?? 50_000);
  const months = Number(a.months ?? 18);
  const seed = Number(a.seed ?? 42);
  const repeat = Math.max(1, Number(a.repeat ?? 3));
  const dir = tempDir("tunekeep");
  try {
    const generateMs: number[] = [];
    let table = generateTuneKeep({ users, months, seed });
    for (let r = 0; r < repeat; r++) {
      const t0 = now();
      table = generateTuneKeep({ users, months, seed });
      generateMs.push(ms(t0));
      process.stderr.write(`generate ${r + 1}/${repeat}: ${generateMs[r]!.toFixed(0)} ms\n`);
    }
    const csv = join(dir, "tunekeep.csv");
    let t0 = now();
    await writeCsv(table, csv);
    const writeMs = ms(t0);
    t0 = now();
    const loaded = await loadTable(csv);
    const loadMs = ms(t0);
    const pandasMs = pandasReadCsv(csv);
    generateMs.sort((x, y) => x - y);
    return {
      bench: "tunekeep",
      users,
      months,
      seed,
      rows: table.numRows,
      columns: table.numColumns,
      generate_ms_min: Math.round(generateMs[0]!),
      generate_ms_median: Math.round(generateMs[Math.floor(generateMs.length / 2)]!),
      csv_bytes: statSync(csv).size,
      write_csv_ms: Math.round(writeMs),
      load_csv_ms: Math.round(loadMs),
      load_csv_rows: loaded.numRows,
      pandas_read_csv_ms: pandasMs === null ? null : Math.round(pandasMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pandas.read_csv on the file, timed inside Python; null when pandas is not installed. */
function pandasReadCsv(path: string): number | null {
  const python = "/usr/bin/python3";
  if (!existsSync(python)) return null;
  const code =
    "import sys, time\nimport pandas as pd\nt = time.perf_counter()\npd.read_csv(sys.argv[1])\nprint((time.perf_counter() - t) * 1000)";
  const r = spawnSync(python, ["-c", code, path], { encoding: "utf8" });
  if (r.status !== 0) return null;
  const v = Number(r.stdout.trim());
  return Number.isFinite(v) ? v : null;
}
