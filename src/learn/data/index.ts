/**
 * The tabular data layer: a columnar {@link Table} the learners read through `featureMatrix`, and
 * readers and writers for CSV and Parquet files.
 */
import { extname } from "node:path";
import { type CsvReadOptions, readCsv } from "./csv.js";
import { readParquet } from "./parquet.js";
import type { ColumnType, Table } from "./table.js";

export { MISSING_NUMBER_TOKENS, NumberBuilder, parseNumberCell } from "./builders.js";
export {
  type CsvReadOptions,
  type CsvWriteOptions,
  csvChunks,
  DEFAULT_INFER_ROWS,
  readCsv,
  writeCsv,
} from "./csv.js";
export { type ParquetReadOptions, readParquet } from "./parquet.js";
export {
  type CategoryColumn,
  type Column,
  type ColumnInput,
  type ColumnType,
  closeMatches,
  encodeStrings,
  type Field,
  type NumberColumn,
  type Row,
  Table,
} from "./table.js";

export interface LoadOptions {
  /** Column types that override inference (CSV) or the file's own types (Parquet). */
  schema?: Record<string, ColumnType>;
  /** Read only these columns, in this order. */
  columns?: string[];
  /** CSV field delimiter (default "," — a tab for .tsv). */
  delimiter?: string;
  /** CSV rows used to infer column types (default 1000). */
  inferRows?: number;
}

/**
 * Loads a data file into a Table: `.parquet` through the Parquet reader, anything else (`.csv`,
 * `.tsv`, `.csv.gz`, …) through the CSV reader.
 * @throws FILE_NOT_FOUND when the file is missing; INVALID_ARGUMENT when it is malformed (the
 *   message names the file, the line or row, and the column)
 * @example const t = await loadTable("tunekeep.csv", { schema: { user_id: "category" } });
 */
export async function loadTable(path: string, options: LoadOptions = {}): Promise<Table> {
  if (extname(path).toLowerCase() === ".parquet") {
    return readParquet(path, { schema: options.schema, columns: options.columns });
  }
  const csv: CsvReadOptions = { ...options };
  return readCsv(path, csv);
}
