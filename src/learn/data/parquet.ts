/**
 * Parquet in, through hyparquet. Flat files only (one leaf per top-level column).
 *
 * Types: integers, floats and decimals are number columns (64-bit integers are exact up to 2^53);
 * booleans are numbers 0/1; dates and timestamps are numbers of epoch milliseconds (UTC); strings
 * and enums are category columns.
 * Nulls are NaN or -1. A `schema` entry overrides the type: "category" turns numbers into their
 * text, "number" parses text the way the CSV reader does (an unparsable cell is an error).
 */
import { stat } from "node:fs/promises";
import type { ColumnData, FileMetaData, SchemaTree } from "hyparquet";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { SextantError } from "../../core/index.js";
import { CategoryBuilder, NumberBuilder, parseNumberCell } from "./builders.js";
import { type Column, type ColumnType, Table, unknownColumn } from "./table.js";

export interface ParquetReadOptions {
  /** Column types that override the file's; naming a column the file lacks is an error. */
  schema?: Record<string, ColumnType>;
  /** Read only these columns, in this order; naming a column the file lacks is an error. */
  columns?: string[];
}

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const PARSERS = {
  timestampFromMilliseconds: toNumber,
  timestampFromMicroseconds: (v: bigint) => (v === null || v === undefined ? null : Number(v) / 1000),
  timestampFromNanoseconds: (v: bigint) => (v === null || v === undefined ? null : Number(v) / 1e6),
  dateFromDays: (v: number) => (v === null || v === undefined ? null : v * 86_400_000),
};

/**
 * Reads a Parquet file into a Table.
 * @throws FILE_NOT_FOUND when the file is missing; INVALID_ARGUMENT when it is not Parquet, has
 *   nested columns, a `schema` "number" column holds text that is not a number, or `columns` or
 *   `schema` name a column the file lacks
 */
export async function readParquet(path: string, options: ParquetReadOptions = {}): Promise<Table> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a file");
  } catch (e) {
    throw new SextantError("FILE_NOT_FOUND", `no file at ${path}`, { file: path }, { cause: e });
  }
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${path} is not a readable Parquet file: ${(e as Error).message}`,
      { file: path },
      { cause: e },
    );
  }
  const tree = parquetSchema(metadata);
  const leaves = new Map<string, SchemaTree>();
  for (const child of tree.children) leaves.set(child.element.name, child);
  const names = [...leaves.keys()];
  for (const name of Object.keys(options.schema ?? {})) {
    if (!leaves.has(name)) throw unknownColumn(name, names, path);
  }
  const wanted = options.columns ?? names;
  for (const name of wanted) if (!leaves.has(name)) throw unknownColumn(name, names, path);
  for (const name of wanted) {
    if (leaves.get(name)!.children.length > 0) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `${path}: column "${name}" is nested; only flat columns are read`,
        {
          file: path,
          column: name,
        },
      );
    }
  }

  const numRows = Number(metadata.num_rows);
  const raw = new Map<string, unknown[]>(wanted.map((n) => [n, new Array<unknown>(numRows)]));
  try {
    await parquetRead({
      file,
      metadata,
      columns: wanted,
      parsers: PARSERS,
      onChunk: (chunk: ColumnData) => {
        const dest = raw.get(chunk.columnName);
        if (dest === undefined) return;
        const data = chunk.columnData as ArrayLike<unknown>;
        for (let i = 0; i < data.length; i++) {
          const r = chunk.rowStart + i;
          if (r < numRows) dest[r] = data[i];
        }
      },
    });
  } catch (e) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${path}: cannot read Parquet data: ${(e as Error).message}`,
      { file: path },
      { cause: e },
    );
  }

  return new Table(
    wanted.map((name) => {
      const leaf = leaves.get(name)!;
      const natural = naturalType(leaf);
      const type = options.schema?.[name] ?? natural;
      return [name, build(path, name, raw.get(name)!, type, natural)] as const;
    }),
  );
}

function naturalType(leaf: SchemaTree): ColumnType {
  const e = leaf.element;
  if (e.type === "BYTE_ARRAY" || e.type === "FIXED_LEN_BYTE_ARRAY") {
    if (e.converted_type === "DECIMAL" || e.logical_type?.type === "DECIMAL") return "number";
    return "category";
  }
  return "number";
}

function build(path: string, name: string, values: unknown[], type: ColumnType, natural: ColumnType): Column {
  if (type === "category") {
    const b = new CategoryBuilder();
    for (const v of values) b.push(v === null || v === undefined ? null : text(v));
    return b.finish();
  }
  const b = new NumberBuilder();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) b.push(Number.NaN);
    else if (typeof v === "number") b.push(v);
    else if (typeof v === "bigint") b.push(Number(v));
    else if (typeof v === "boolean") b.push(v ? 1 : 0);
    else if (v instanceof Date) b.push(v.getTime());
    else {
      const parsed = natural === "category" ? parseNumberCell(text(v)) : undefined;
      if (parsed === undefined) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `${path}: row ${i + 1}: column "${name}" is declared a number but has "${text(v).slice(0, 40)}"`,
          { file: path, row: i + 1, column: name, value: text(v) },
        );
      }
      b.push(parsed);
    }
  }
  return b.finish();
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof Date) return v.toISOString();
  return String(v);
}
