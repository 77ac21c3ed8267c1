/**
 * CSV in and out. Reading streams through csv-parse and builds typed columns directly; writing
 * streams formatted chunks with backpressure.
 *
 * Types: a column named in `schema` gets that type. Every other column is inferred from the first
 * `inferRows` data rows: it is a number column when each of its non-missing cells parses as a
 * number (or true/false), otherwise a category column. A later cell that breaks an inferred number
 * column re-types that column as a category (the file is read a second time with it as a
 * category, so no text is lost); the same cell in a column the schema declares a number is an
 * error naming the file, line and column.
 *
 * Missing values: an empty cell is missing in every column, and in number columns so are
 * NA, N/A, NaN, nan, null, NULL and None. In a category column those tokens are ordinary values.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { SextantError } from "../../core/index.js";
import { CategoryBuilder, NumberBuilder, parseNumberCell } from "./builders.js";
import { type Column, type ColumnType, Table, unknownColumn } from "./table.js";

export interface CsvReadOptions {
  /** Column types that override inference; naming a column the file lacks is an error. */
  schema?: Record<string, ColumnType>;
  /** Read only these columns, in this order; naming a column the file lacks is an error. */
  columns?: string[];
  /** Field delimiter (default "," — or a tab for .tsv files). */
  delimiter?: string;
  /** Data rows used to infer column types (default 1000). */
  inferRows?: number;
}

export const DEFAULT_INFER_ROWS = 1000;

/**
 * Reads a CSV file (optionally gzip-compressed, by a .gz extension) into a Table.
 * @throws FILE_NOT_FOUND when the file is missing; INVALID_ARGUMENT for an empty file, a file with a
 *   header and no rows, a row whose field count differs from the header's, a non-number in a column
 *   the schema declares a number, or an unknown column in `columns` or `schema`
 */
export async function readCsv(path: string, options: CsvReadOptions = {}): Promise<Table> {
  await checkFile(path);
  const first = await readPass(path, options, new Set());
  if (first.retyped.size === 0) return first.table!;
  const second = await readPass(path, options, first.retyped);
  return second.table!;
}

interface PassResult {
  table: Table | undefined;
  /** Inferred number columns that met a non-number after inference. */
  retyped: Set<string>;
}

type Slot =
  | { name: string; index: number; kind: "number"; explicit: boolean; b: NumberBuilder }
  | { name: string; index: number; kind: "category"; b: CategoryBuilder };

async function readPass(path: string, options: CsvReadOptions, asCategory: Set<string>): Promise<PassResult> {
  const inferRows = Math.max(1, options.inferRows ?? DEFAULT_INFER_ROWS);
  const delimiter = options.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? "\t" : ",");
  let header: string[] | null = null;
  let picked: number[] = [];
  let slots: Slot[] | null = null;
  const pending: { line: number; cells: string[] }[] = [];
  const retyped = new Set<string>();

  const fail = (line: number, message: string, details: Record<string, unknown> = {}): never => {
    throw new SextantError("INVALID_ARGUMENT", `${path}: line ${line}: ${message}`, {
      file: path,
      line,
      ...details,
    });
  };

  const append = (line: number, cells: string[]): void => {
    for (const s of slots!) {
      const text = cells[s.index]!;
      if (s.kind === "category") {
        s.b.push(text);
        continue;
      }
      const v = parseNumberCell(text);
      if (v !== undefined) {
        s.b.push(v);
        continue;
      }
      if (s.explicit) {
        fail(line, `column "${s.name}" is declared a number but has "${clip(text)}"`, {
          column: s.name,
          value: text,
        });
      }
      retyped.add(s.name);
      s.b.push(Number.NaN);
    }
  };

  const startColumns = (): void => {
    slots = picked.map((index) => {
      const name = header![index]!;
      const declared = options.schema?.[name];
      const kind = asCategory.has(name) ? "category" : (declared ?? inferType(pending, index));
      return kind === "number"
        ? { name, index, kind, explicit: declared === "number", b: new NumberBuilder() }
        : { name, index, kind, b: new CategoryBuilder() };
    });
    for (const p of pending) append(p.line, p.cells);
    pending.length = 0;
  };

  const onRecord = (record: string[], line: number): void => {
    if (header === null) {
      header = record.map((h, j) => (h === "" ? `column_${j + 1}` : h));
      picked = pickColumns(path, header, options);
      return;
    }
    if (record.length !== header.length) {
      fail(line, `row has ${record.length} fields, the header has ${header.length}`, {
        fields: record.length,
        expected: header.length,
      });
    }
    if (slots === null) {
      pending.push({ line, cells: record });
      if (pending.length >= inferRows) startColumns();
      return;
    }
    append(line, record);
  };

  // Records are handled in 'data' events, which the parser emits synchronously as it pushes each
  // record in flowing mode, so `parser.info.lines` is the line the record ends on.
  const parser = parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: true });
  let source: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  if (/\.gz$/i.test(path)) source = source.pipe(createGunzip());
  try {
    await new Promise<void>((resolve, reject) => {
      const stop = (e: unknown) => {
        source.unpipe(parser);
        source.destroy();
        parser.destroy();
        reject(e);
      };
      source.on("error", stop);
      parser.on("error", stop);
      parser.on("end", resolve);
      parser.on("data", (record: string[]) => {
        try {
          onRecord(record, parser.info.lines);
        } catch (e) {
          stop(e);
        }
      });
      source.pipe(parser);
    });
  } catch (e) {
    if (e instanceof SextantError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${path}: ${err.lines !== undefined ? `line ${err.lines}: ` : ""}${err.message}`,
      { file: path, ...(err.lines !== undefined ? { line: err.lines } : {}) },
      { cause: e },
    );
  }

  if (header === null) {
    throw new SextantError("INVALID_ARGUMENT", `${path}: the file is empty`, { file: path });
  }
  if (slots === null) {
    if (pending.length === 0) {
      throw new SextantError("INVALID_ARGUMENT", `${path}: the file has a header but no rows`, {
        file: path,
      });
    }
    startColumns();
  }
  if (retyped.size > 0) return { table: undefined, retyped };
  const built = slots as unknown as Slot[];
  return {
    table: new Table(built.map((s) => [s.name, s.b.finish() as Column] as const)),
    retyped,
  };
}

/** Indices of the columns to read, checking `columns` and `schema` against the header. */
function pickColumns(path: string, header: string[], options: CsvReadOptions): number[] {
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `${path}: line 1: column "${h}" appears twice in the header`,
        {
          file: path,
          line: 1,
          column: h,
        },
      );
    }
    seen.add(h);
  }
  for (const name of Object.keys(options.schema ?? {})) {
    if (!seen.has(name)) throw unknownColumn(name, header, path);
    const t = options.schema![name];
    if (t !== "number" && t !== "category") {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `schema type for "${name}" is ${String(t)}; use "number" or "category"`,
        { column: name },
      );
    }
  }
  if (options.columns === undefined) return header.map((_, j) => j);
  return options.columns.map((name) => {
    const j = header.indexOf(name);
    if (j < 0) throw unknownColumn(name, header, path);
    return j;
  });
}

function inferType(rows: { cells: string[] }[], index: number): ColumnType {
  for (const r of rows) if (parseNumberCell(r.cells[index]!) === undefined) return "category";
  return "number";
}

async function checkFile(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if (!s.isFile()) {
      throw new SextantError("INVALID_ARGUMENT", `${path} is not a file`, { file: path });
    }
  } catch (e) {
    if (e instanceof SextantError) throw e;
    throw new SextantError("FILE_NOT_FOUND", `no file at ${path}`, { file: path }, { cause: e });
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export interface CsvWriteOptions {
  delimiter?: string;
}

/**
 * Writes a table as CSV: a header, then one line per row. Numbers are written in their shortest
 * exact form (NaN as an empty cell), categories as their text (missing as an empty cell), quoted
 * when they hold the delimiter, a quote, a line break or edge spaces.
 */
export async function writeCsv(table: Table, path: string, options: CsvWriteOptions = {}): Promise<void> {
  const delimiter = options.delimiter ?? ",";
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  try {
    for (const chunk of csvChunks(table, delimiter)) {
      if (!out.write(chunk)) await Promise.race([once(out, "drain"), done]);
    }
  } finally {
    out.end();
  }
  await done;
}

/** The CSV text of a table in chunks of 8,192 rows (joining arrays beats growing strings here). */
export function* csvChunks(table: Table, delimiter = ","): Generator<string> {
  const names = table.columnNames;
  const cols = names.map((n) => table.column(n));
  const dicts = cols.map((c) => (c.type === "category" ? c.dictionary.map((s) => quote(s, delimiter)) : []));
  yield `${names.map((n) => quote(n, delimiter)).join(delimiter)}\n`;
  const parts = new Array<string>(cols.length);
  const lines: string[] = [];
  for (let i = 0; i < table.numRows; i++) {
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      if (c.type === "number") {
        const v = c.values[i]!;
        parts[j] = Number.isNaN(v) ? "" : v === 0 ? "0" : String(v);
      } else {
        const code = c.codes[i]!;
        parts[j] = code < 0 ? "" : dicts[j]![code]!;
      }
    }
    lines.push(parts.join(delimiter));
    if (lines.length === 8192) {
      yield `${lines.join("\n")}\n`;
      lines.length = 0;
    }
  }
  if (lines.length > 0) yield `${lines.join("\n")}\n`;
}

function quote(s: string, delimiter: string): string {
  if (
    s.includes(delimiter) ||
    s.includes('"') ||
    s.includes("\n") ||
    s.includes("\r") ||
    (s.length > 0 && s.trim() !== s)
  ) {
    return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}
