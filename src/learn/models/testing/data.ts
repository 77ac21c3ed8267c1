/**
 * Test helpers: CSV fixtures, a minimal TableLike, ROC AUC, and the oracle runner.
 * (Not part of the build: tsconfig excludes `testing/` directories.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TableLike } from "../../matrix.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures");
export const ORACLES = join(ROOT, "test", "oracles");

export interface Dataset {
  names: string[];
  /** Column-major features. */
  columns: Float64Array[];
  y: Uint8Array;
  nRows: number;
}

/** Reads a numeric CSV whose last column is the 0/1 target (empty or "nan" cells are NaN). */
export function readCsv(path: string): Dataset {
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const header = lines[0]!.trim().split(",");
  const names = header.slice(0, -1);
  const rows = lines.slice(1).filter((l) => l.length > 0);
  const n = rows.length;
  const columns = names.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const cells = rows[i]!.split(",");
    for (let j = 0; j < names.length; j++) {
      const c = cells[j]!;
      columns[j]![i] = c === "" || c === "nan" ? Number.NaN : Number(c);
    }
    y[i] = Number(cells[names.length]);
  }
  return { names, columns, y, nRows: n };
}

/** The dataset as row arrays. */
export function rows(d: Dataset): Float64Array[] {
  return Array.from({ length: d.nRows }, (_, i) => Float64Array.from(d.columns, (c) => c[i]!));
}

/** A minimal table over named columns: featureMatrix selects by name, in the order asked. */
export function table(columns: Float64Array[], names: string[]): TableLike {
  return {
    numRows: columns[0]?.length ?? 0,
    featureMatrix(pick?: string[]) {
      const want = pick ?? names;
      return {
        names: [...want],
        columns: want.map((n) => {
          const j = names.indexOf(n);
          if (j < 0) throw new Error(`no column ${n}`);
          return columns[j]!;
        }),
      };
    },
  };
}

/** ROC AUC (ties counting half): the rank metrics' one implementation. */
export { rocAuc } from "../../../core/index.js";

const PY = "/usr/bin/python3";

/**
 * Whether the system Python has scikit-learn (the oracles need it; CI has none). Setting
 * SEXTANT_ORACLES=off makes it answer false, to check the skip path.
 */
export function hasSklearn(): boolean {
  if (process.env.SEXTANT_ORACLES === "off" || !existsSync(PY)) return false;
  return spawnSync(PY, ["-c", "import sklearn"], { stdio: "ignore" }).status === 0;
}

/** Runs an oracle script and parses the JSON it prints. */
export function runOracle(script: string, args: string[]): unknown {
  const out = execFileSync(PY, [join(ORACLES, script), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(out);
}
