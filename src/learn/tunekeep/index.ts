/**
 * TuneKeep, the synthetic churn dataset of the walkthrough: a generator that returns a Table, and
 * a writer that exports it as CSV next to its data dictionary.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Table } from "../data/index.js";
import { writeCsv } from "../data/index.js";
import { DATA_DICTIONARY } from "./dictionary.js";
import { generateTuneKeep, type TuneKeepOptions } from "./generate.js";

export { DATA_DICTIONARY } from "./dictionary.js";
export {
  generateTuneKeep,
  TUNEKEEP_COLUMNS,
  TUNEKEEP_FEATURES,
  TUNEKEEP_LABEL,
  TUNEKEEP_SEGMENTS,
  TUNEKEEP_TIME,
  type TuneKeepFeature,
  type TuneKeepOptions,
} from "./generate.js";

export interface TuneKeepExport {
  /** Path of the CSV, `DIR/tunekeep.csv`. */
  csv: string;
  /** Path of the data dictionary, `DIR/data-dictionary.md`. */
  dictionary: string;
  rows: number;
  users: number;
  /** Share of rows with churned = 1. */
  churnRate: number;
  bytes: number;
  table: Table;
}

/**
 * Generates TuneKeep and writes `DIR/tunekeep.csv` and `DIR/data-dictionary.md` (DIR is created
 * when missing).
 * @example await writeTuneKeep("data", { users: 50_000, months: 18, seed: 42 });
 */
export async function writeTuneKeep(dir: string, options: TuneKeepOptions = {}): Promise<TuneKeepExport> {
  const table = generateTuneKeep(options);
  await mkdir(dir, { recursive: true });
  const csv = join(dir, "tunekeep.csv");
  const dictionary = join(dir, "data-dictionary.md");
  await writeCsv(table, csv);
  await writeFile(dictionary, DATA_DICTIONARY);
  const churned = table.numbers("churned");
  let positives = 0;
  for (let i = 0; i < churned.length; i++) positives += churned[i]!;
  return {
    csv,
    dictionary,
    rows: table.numRows,
    users: new Set(table.numbers("user_id")).size,
    churnRate: table.numRows === 0 ? 0 : positives / table.numRows,
    bytes: (await stat(csv)).size,
    table,
  };
}
