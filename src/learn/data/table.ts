/**
 * A columnar table: the form every dataset takes between the file readers and the learners.
 *
 * Two column kinds. A number column is a Float64Array where NaN marks a missing value (booleans
 * are numbers 0/1). A category column is dictionary-encoded: an Int32Array of codes into a
 * `dictionary` of strings, with -1 for a missing value. Tables are immutable values: every
 * transformation returns a new Table, and row subsets share the category dictionaries.
 */
import { SextantError } from "../../core/index.js";
import type { TableLike } from "../matrix.js";

export type ColumnType = "number" | "category";

export interface NumberColumn {
  readonly type: "number";
  /** One value per row; NaN is missing. */
  readonly values: Float64Array;
}

export interface CategoryColumn {
  readonly type: "category";
  /** One code per row, an index into `dictionary`; -1 is missing. */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type Column = NumberColumn | CategoryColumn;

export interface Field {
  name: string;
  type: ColumnType;
  /** True when the column holds at least one missing value. */
  nullable: boolean;
}

/** What `Table.fromColumns` accepts for one column. */
export type ColumnInput =
  | Column
  | Float64Array
  | ArrayLike<number>
  | readonly (number | boolean | null | undefined)[]
  | readonly (string | null | undefined)[];

/** A row as plain values, for tests and display: NaN and missing categories become null. */
export type Row = Record<string, number | string | null>;

export class Table implements TableLike {
  readonly numRows: number;
  readonly #names: readonly string[];
  readonly #columns: ReadonlyMap<string, Column>;
  #schema: Field[] | undefined;

  /**
   * @param columns name → column, in column order; every column must have `numRows` values.
   * @throws INVALID_ARGUMENT when lengths differ, a code is outside its dictionary, or a name repeats
   */
  constructor(columns: Iterable<readonly [string, Column]>) {
    const map = new Map<string, Column>();
    let n = -1;
    for (const [name, col] of columns) {
      if (map.has(name)) throw new SextantError("INVALID_ARGUMENT", `column "${name}" appears twice`);
      const len = col.type === "number" ? col.values.length : col.codes.length;
      if (n === -1) n = len;
      else if (len !== n) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `column "${name}" has ${len} values; the table has ${n} rows`,
          { column: name },
        );
      }
      if (col.type === "category") checkCodes(name, col);
      map.set(name, col);
    }
    this.numRows = Math.max(n, 0);
    this.#names = [...map.keys()];
    this.#columns = map;
  }

  /**
   * Builds a table from plain arrays: numbers (null/undefined/NaN missing) and booleans become
   * number columns, strings (null/undefined missing) become category columns with a sorted
   * dictionary, and `Column` objects are taken as they are.
   * @example Table.fromColumns({ age: [31, null], plan: ["free", "paid"] })
   */
  static fromColumns(columns: Record<string, ColumnInput>): Table {
    return new Table(Object.entries(columns).map(([name, c]) => [name, toColumn(name, c)] as const));
  }

  get columnNames(): string[] {
    return [...this.#names];
  }

  get numColumns(): number {
    return this.#names.length;
  }

  /** Name, type and nullability of every column, in order (nullability is computed once). */
  get schema(): Field[] {
    if (this.#schema === undefined) {
      this.#schema = this.#names.map((name) => {
        const col = this.#columns.get(name)!;
        return { name, type: col.type, nullable: hasMissing(col) };
      });
    }
    return this.#schema.map((f) => ({ ...f }));
  }

  has(name: string): boolean {
    return this.#columns.has(name);
  }

  /** The column itself (shared, not copied: treat it as read-only). @throws INVALID_ARGUMENT for an unknown name, listing close matches */
  column(name: string): Column {
    const col = this.#columns.get(name);
    if (col === undefined) throw unknownColumn(name, this.#names);
    return col;
  }

  /** A number column's values. @throws INVALID_ARGUMENT when the column is unknown or a category */
  numbers(name: string): Float64Array {
    const col = this.column(name);
    if (col.type !== "number") {
      throw new SextantError("INVALID_ARGUMENT", `column "${name}" is a category, not a number column`, {
        column: name,
      });
    }
    return col.values;
  }

  /** A category column. @throws INVALID_ARGUMENT when the column is unknown or numeric */
  category(name: string): CategoryColumn {
    const col = this.column(name);
    if (col.type !== "category") {
      throw new SextantError("INVALID_ARGUMENT", `column "${name}" is a number column, not a category`, {
        column: name,
      });
    }
    return col;
  }

  /** The value of one cell: a number (NaN when missing) or a string (null when missing). */
  get(name: string, row: number): number | string | null {
    const col = this.column(name);
    if (col.type === "number") return col.values[row] ?? Number.NaN;
    const code = col.codes[row] ?? -1;
    return code < 0 ? null : (col.dictionary[code] ?? null);
  }

  /**
   * A time column as epoch milliseconds: number columns are taken to hold epoch ms already,
   * category columns are parsed with `Date.parse` (ISO dates such as 2025-01-01 are UTC midnight).
   * @throws INVALID_ARGUMENT when a category value is not a date
   */
  timestamps(name: string): Float64Array {
    const col = this.column(name);
    if (col.type === "number") return col.values;
    const parsed = col.dictionary.map((s) => {
      const t = Date.parse(s);
      if (Number.isNaN(t)) {
        throw new SextantError("INVALID_ARGUMENT", `column "${name}" has "${s}", which is not a date`, {
          column: name,
          value: s,
        });
      }
      return t;
    });
    const out = new Float64Array(this.numRows);
    for (let i = 0; i < out.length; i++) {
      const c = col.codes[i]!;
      out[i] = c < 0 ? Number.NaN : parsed[c]!;
    }
    return out;
  }

  /** The rows at `rowIndices`, in that order (repeats allowed); dictionaries are shared. */
  select(rowIndices: Uint32Array | readonly number[]): Table {
    const idx = rowIndices instanceof Uint32Array ? rowIndices : Uint32Array.from(rowIndices);
    for (let k = 0; k < idx.length; k++) {
      if (idx[k]! >= this.numRows) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `row index ${idx[k]} is out of range; the table has ${this.numRows} rows`,
        );
      }
    }
    return this.#map((col) => {
      if (col.type === "number") {
        const v = new Float64Array(idx.length);
        for (let k = 0; k < idx.length; k++) v[k] = col.values[idx[k]!]!;
        return { type: "number", values: v };
      }
      const c = new Int32Array(idx.length);
      for (let k = 0; k < idx.length; k++) c[k] = col.codes[idx[k]!]!;
      return { type: "category", codes: c, dictionary: col.dictionary };
    });
  }

  /** The rows for which `predicate(rowIndex)` is true, or whose mask entry is truthy. */
  filter(predicate: ((row: number) => boolean) | ArrayLike<number | boolean>): Table {
    const keep = new Uint32Array(this.numRows);
    let n = 0;
    if (typeof predicate === "function") {
      for (let i = 0; i < this.numRows; i++) if (predicate(i)) keep[n++] = i;
    } else {
      if (predicate.length !== this.numRows) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `the mask has ${predicate.length} entries; the table has ${this.numRows} rows`,
        );
      }
      for (let i = 0; i < this.numRows; i++) if (predicate[i]) keep[n++] = i;
    }
    return this.select(keep.subarray(0, n));
  }

  /** Rows [start, end) like Array.prototype.slice (negative indices count from the end). */
  slice(start = 0, end = this.numRows): Table {
    const s = clampIndex(start, this.numRows);
    const e = Math.max(s, clampIndex(end, this.numRows));
    return this.#map((col) =>
      col.type === "number"
        ? { type: "number", values: col.values.slice(s, e) }
        : { type: "category", codes: col.codes.slice(s, e), dictionary: col.dictionary },
    );
  }

  head(n = 5): Table {
    return this.slice(0, Math.max(0, n));
  }

  /** A table with `name` replaced (in place in the column order) or appended. */
  withColumn(name: string, column: ColumnInput): Table {
    const col = toColumn(name, column);
    const entries = this.#names.map((n) => [n, n === name ? col : this.#columns.get(n)!] as const);
    if (!this.#columns.has(name)) entries.push([name, col]);
    return new Table(entries);
  }

  /** A table without the named columns. @throws INVALID_ARGUMENT for an unknown name */
  drop(...names: string[]): Table {
    for (const n of names) this.column(n);
    const gone = new Set(names);
    return new Table(this.#names.filter((n) => !gone.has(n)).map((n) => [n, this.#columns.get(n)!] as const));
  }

  /** A table with only the named columns, in the order given. @throws INVALID_ARGUMENT for an unknown name */
  pick(...names: string[]): Table {
    return new Table(names.map((n) => [n, this.column(n)] as const));
  }

  /**
   * A category column re-encoded against another dictionary (for example the training table's),
   * so codes mean the same category in both tables; values the dictionary lacks become missing.
   */
  recode(name: string, dictionary: readonly string[]): Table {
    const col = this.category(name);
    const index = new Map(dictionary.map((s, i) => [s, i]));
    const mapping = col.dictionary.map((s) => index.get(s) ?? -1);
    const codes = new Int32Array(col.codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = col.codes[i]!;
      codes[i] = c < 0 ? -1 : mapping[c]!;
    }
    return this.withColumn(name, { type: "category", codes, dictionary: [...dictionary] });
  }

  /**
   * The named columns (all when omitted) as numbers for the learners: number columns as they are
   * (shared arrays: read-only), category columns as their codes with NaN for missing.
   */
  featureMatrix(names?: string[]): { columns: Float64Array[]; names: string[] } {
    const chosen = names ?? [...this.#names];
    const columns = chosen.map((n) => {
      const col = this.column(n);
      if (col.type === "number") return col.values;
      const v = new Float64Array(col.codes.length);
      for (let i = 0; i < v.length; i++) {
        const c = col.codes[i]!;
        v[i] = c < 0 ? Number.NaN : c;
      }
      return v;
    });
    return { columns, names: [...chosen] };
  }

  /** Every row as an object (for tests and small tables; a large table makes many objects). */
  toRows(): Row[] {
    const rows: Row[] = [];
    for (let i = 0; i < this.numRows; i++) {
      const r: Row = {};
      for (const n of this.#names) {
        const v = this.get(n, i);
        r[n] = typeof v === "number" && Number.isNaN(v) ? null : v;
      }
      rows.push(r);
    }
    return rows;
  }

  #map(fn: (col: Column) => Column): Table {
    return new Table(this.#names.map((n) => [n, fn(this.#columns.get(n)!)] as const));
  }
}

/** The error for an unknown column name, with the closest existing names. */
export function unknownColumn(name: string, available: readonly string[], where = "the table"): SextantError {
  const close = closeMatches(name, available);
  const hint = close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  const list = available.length <= 30 ? ` (columns: ${available.join(", ")})` : "";
  return new SextantError("INVALID_ARGUMENT", `unknown column "${name}" in ${where}${hint}${list}`, {
    column: name,
    suggestions: close,
    available: [...available],
  });
}

/** Up to three names within a small edit distance of `name` (case-insensitive), closest first. */
export function closeMatches(name: string, candidates: readonly string[]): string[] {
  const target = name.toLowerCase();
  const limit = Math.max(1, Math.floor(target.length / 3));
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    let d = editDistance(target, lc, limit);
    if (d > limit && target.length >= 3 && (lc.includes(target) || target.includes(lc))) d = limit;
    if (d <= limit) scored.push({ c, d });
  }
  scored.sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, 3).map((s) => s.c);
}

/** Levenshtein distance, or `limit + 1` once it is certain to exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

function clampIndex(i: number, n: number): number {
  const k = Math.trunc(i);
  return k < 0 ? Math.max(0, n + k) : Math.min(k, n);
}

function hasMissing(col: Column): boolean {
  if (col.type === "number") {
    for (let i = 0; i < col.values.length; i++) if (Number.isNaN(col.values[i]!)) return true;
    return false;
  }
  for (let i = 0; i < col.codes.length; i++) if (col.codes[i]! < 0) return true;
  return false;
}

function checkCodes(name: string, col: CategoryColumn): void {
  const size = col.dictionary.length;
  for (let i = 0; i < col.codes.length; i++) {
    const c = col.codes[i]!;
    if (c < -1 || c >= size) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `column "${name}" has code ${c} at row ${i}; its dictionary has ${size} entries`,
        { column: name, row: i },
      );
    }
  }
}

function isColumn(x: unknown): x is Column {
  if (typeof x !== "object" || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return (
    (t === "number" && (x as NumberColumn).values instanceof Float64Array) ||
    (t === "category" && (x as CategoryColumn).codes instanceof Int32Array)
  );
}

/** Converts one `ColumnInput` to a column. @throws INVALID_ARGUMENT on mixed or unsupported values */
export function toColumn(name: string, input: ColumnInput): Column {
  if (isColumn(input)) return input;
  if (input instanceof Float64Array) return { type: "number", values: input };
  const xs = input as ArrayLike<unknown>;
  let sawString = false;
  let sawNumber = false;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v === "string") sawString = true;
    else if (typeof v === "number" || typeof v === "boolean") sawNumber = true;
    else if (v !== null && v !== undefined) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `column "${name}" has a ${typeof v} at row ${i}; columns hold numbers, booleans or strings`,
        { column: name, row: i },
      );
    }
  }
  if (sawString && sawNumber) {
    throw new SextantError("INVALID_ARGUMENT", `column "${name}" mixes strings with numbers`, {
      column: name,
    });
  }
  if (sawString) return encodeStrings(xs as ArrayLike<string | null | undefined>);
  const values = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number | boolean | null | undefined;
    values[i] = v === null || v === undefined ? Number.NaN : Number(v);
  }
  return { type: "number", values };
}

/** Dictionary-encodes strings with a sorted dictionary (null/undefined → -1). */
export function encodeStrings(xs: ArrayLike<string | null | undefined>): CategoryColumn {
  const seen = new Set<string>();
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v !== null && v !== undefined) seen.add(v);
  }
  const dictionary = [...seen].sort(compareStrings);
  const index = new Map(dictionary.map((s, i) => [s, i]));
  const codes = new Int32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    codes[i] = v === null || v === undefined ? -1 : index.get(v)!;
  }
  return { type: "category", codes, dictionary };
}

/** Code-unit order, the same everywhere (no locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
