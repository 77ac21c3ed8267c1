/**
 * Dataset identity for a run: a content digest of a local file or directory plus a light profile
 * (row count, columns and inferred column types) for tabular formats. CSV, TSV and JSONL are read
 * in one streaming pass that hashes and parses the same bytes, so files of any size are fine.
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { SextantError, sha256, sha256File } from "../../core/index.js";

export interface ColumnSchema {
  name: string;
  type: "integer" | "double" | "boolean" | "string" | "empty";
}

export interface DatasetProfile {
  source: string; // absolute path
  sourceType: "local-file" | "local-dir";
  digest: string; // sha256 hex of the bytes; for a directory, of the sorted "path\0sha256\n" lines
  size: number; // bytes (sum over files for a directory)
  format: "csv" | "tsv" | "jsonl" | "json" | "other" | "directory";
  rows: number | null;
  columns: number | null;
  schema: ColumnSchema[] | null;
}

/** Data rows / objects sampled for type inference. */
const SAMPLE_ROWS = 1000;
/** .json files above this are hashed but not parsed. */
const MAX_JSON_PARSE_BYTES = 64 * 1024 * 1024;
/** A sampled CSV cell or JSONL line longer than this is not kept in memory (see below). */
const MAX_SAMPLE_VALUE_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const DIR_HASH_CONCURRENCY = 8;

type Format = DatasetProfile["format"];
type ColumnType = ColumnSchema["type"];

export async function profileDataset(path: string): Promise<DatasetProfile> {
  const source = resolve(path);
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new SextantError(
        "FILE_NOT_FOUND",
        `dataset not found: ${source}`,
        { path: source },
        { cause: e },
      );
    }
    throw e;
  }

  if (st.isDirectory()) {
    const { digest, size } = await digestDirectory(source);
    return {
      source,
      sourceType: "local-dir",
      digest,
      size,
      format: "directory",
      rows: null,
      columns: null,
      schema: null,
    };
  }
  if (!st.isFile()) {
    throw new SextantError("INVALID_ARGUMENT", `dataset is neither a file nor a directory: ${source}`, {
      path: source,
    });
  }

  const format = formatOf(source);
  const base = { source, sourceType: "local-file" as const, format };
  switch (format) {
    case "csv":
    case "tsv": {
      const r = await profileDelimited(source, format === "csv" ? 0x2c : 0x09);
      return { ...base, ...r };
    }
    case "jsonl": {
      const r = await profileJsonLines(source);
      return { ...base, ...r };
    }
    case "json": {
      if (st.size <= MAX_JSON_PARSE_BYTES) {
        const bytes = await readFile(source);
        if (bytes.length <= MAX_JSON_PARSE_BYTES) {
          return { ...base, digest: sha256(bytes), size: bytes.length, ...profileJsonDocument(bytes) };
        }
      }
      const { sha256: digest, size } = await sha256File(source);
      return { ...base, digest, size, rows: null, columns: null, schema: null };
    }
    default: {
      const { sha256: digest, size } = await sha256File(source);
      return { ...base, digest, size, rows: null, columns: null, schema: null };
    }
  }
}

function formatOf(p: string): Format {
  switch (extname(p).toLowerCase()) {
    case ".csv":
      return "csv";
    case ".tsv":
      return "tsv";
    case ".jsonl":
    case ".ndjson":
      return "jsonl";
    case ".json":
      return "json";
    default:
      return "other";
  }
}

// ---------------------------------------------------------------------------------------------
// Directories

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Relative paths ("/"-separated) of all regular files under `root`; symlinks are not followed. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), childRel);
      else if (entry.isFile()) out.push(childRel);
    }
  };
  await walk(root, "");
  return out;
}

async function digestDirectory(root: string): Promise<{ digest: string; size: number }> {
  const files = await listFiles(root);
  const hashed = new Array<{ line: string; size: number }>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const rel = files[i] as string;
      const { sha256: h, size } = await sha256File(join(root, ...rel.split("/")));
      hashed[i] = { line: `${rel}\0${h}\n`, size };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DIR_HASH_CONCURRENCY, files.length) }, worker));
  hashed.sort((a, b) => compareBytes(a.line, b.line));
  const h = createHash("sha256");
  let size = 0;
  for (const { line, size: s } of hashed) {
    h.update(line, "utf8");
    size += s;
  }
  return { digest: h.digest("hex"), size };
}

// ---------------------------------------------------------------------------------------------
// Type inference

const INTEGER_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_DOUBLE_RE = /^[+-]?(?:inf|infinity|nan)$/i;
const BOOLEAN_RE = /^(?:true|false)$/i;

/** Accumulates which types every non-empty value of a column fits. */
class TypeAccumulator {
  private seen = false;
  private integer = true;
  private double = true;
  private boolean = true;

  /** A text cell; surrounding whitespace is ignored and blank cells are skipped. */
  addText(raw: string): void {
    const v = raw.trim();
    if (v === "") return;
    this.seen = true;
    if (this.integer && !INTEGER_RE.test(v)) this.integer = false;
    if (this.double && !DOUBLE_RE.test(v) && !SPECIAL_DOUBLE_RE.test(v)) this.double = false;
    if (this.boolean && !BOOLEAN_RE.test(v)) this.boolean = false;
  }

  /** A cell known only to be non-empty and not a number or boolean (e.g. an oversized one). */
  addOpaque(): void {
    this.seen = true;
    this.integer = this.double = this.boolean = false;
  }

  /** A JSON value; null is treated as a missing value, like an empty CSV cell. */
  addJson(v: unknown): void {
    if (v === null || v === undefined) return;
    this.seen = true;
    if (typeof v === "number") {
      this.boolean = false;
      if (!Number.isInteger(v)) this.integer = false;
    } else if (typeof v === "boolean") {
      this.integer = this.double = false;
    } else {
      this.addOpaque();
    }
  }

  result(): ColumnType {
    if (!this.seen) return "empty";
    if (this.integer) return "integer";
    if (this.double) return "double";
    if (this.boolean) return "boolean";
    return "string";
  }
}

// ---------------------------------------------------------------------------------------------
// CSV / TSV

/** A growable byte buffer that stops storing past a cap (remembering that it overflowed). */
class ByteBuilder {
  private buf = Buffer.allocUnsafe(256);
  length = 0;
  overflowed = false;

  constructor(private readonly cap: number) {}

  push(byte: number): void {
    if (this.length >= this.cap) {
      this.overflowed = true;
      return;
    }
    if (this.length === this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, this.cap));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }

  pushRange(src: Buffer, start: number, end: number): void {
    for (let i = start; i < end; i++) this.push(src[i] as number);
  }

  text(): string {
    return this.buf.toString("utf8", 0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.overflowed = false;
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

// Parser states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // a quote seen inside a quoted field: closing, or first of a doubled pair

interface DelimitedProfile {
  digest: string;
  size: number;
  rows: number;
  columns: number;
  schema: ColumnSchema[];
}

/**
 * One streaming pass over a CSV/TSV file: hash, count rows, and collect the header plus up to
 * {@link SAMPLE_ROWS} data rows for type inference. RFC 4180 quoting; LF, CRLF (and lone CR) end
 * rows outside quotes; blank lines are skipped. Lenient on malformed input: a quote inside an
 * unquoted field is literal, text after a closing quote is appended, an unterminated quoted field
 * runs to end of file.
 */
async function profileDelimited(path: string, delimiter: number): Promise<DelimitedProfile> {
  const hash = createHash("sha256");
  let size = 0;

  let state: number = FIELD_START;
  let lineEmpty = true; // no byte of the current row seen yet
  let totalRows = 0; // non-blank rows, header included
  let header: string[] | null = null;
  let accumulators: TypeAccumulator[] = [];

  // Field capture for the header and the sampled rows.
  let capturing = true;
  const field = new ByteBuilder(MAX_SAMPLE_VALUE_BYTES);
  let fieldIndex = 0;
  let rowFields: string[] = [];

  const endField = (): void => {
    if (capturing) {
      if (header === null) {
        rowFields.push(field.text());
      } else if (fieldIndex < accumulators.length) {
        const acc = accumulators[fieldIndex] as TypeAccumulator;
        if (field.overflowed) acc.addOpaque();
        else acc.addText(field.text());
      }
      field.reset();
    }
    fieldIndex++;
  };

  const endRow = (): void => {
    endField();
    totalRows++;
    if (capturing) {
      if (header === null) {
        header = rowFields;
        rowFields = [];
        accumulators = header.map(() => new TypeAccumulator());
      }
      if (totalRows > SAMPLE_ROWS) capturing = false; // header + SAMPLE_ROWS data rows seen
    }
    fieldIndex = 0;
    lineEmpty = true;
    state = FIELD_START;
  };

  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
    let i = 0;
    if (first) {
      first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3; // UTF-8 BOM
    }
    const n = buf.length;
    for (; i < n; i++) {
      const b = buf[i] as number;
      switch (state) {
        case FIELD_START:
          if (b === LF || b === CR) {
            if (!lineEmpty) endRow();
          } else {
            lineEmpty = false;
            if (b === QUOTE) state = QUOTED;
            else if (b === delimiter) endField();
            else {
              if (capturing) field.push(b);
              state = UNQUOTED;
            }
          }
          break;
        case UNQUOTED:
          if (b === delimiter) {
            endField();
            state = FIELD_START;
          } else if (b === LF || b === CR) endRow();
          else if (capturing) field.push(b);
          break;
        case QUOTED: {
          // Skip ahead to the next quote: everything before it is field content.
          const q = buf.indexOf(QUOTE, i);
          const end = q < 0 ? n : q;
          if (capturing) field.pushRange(buf, i, end);
          i = end;
          if (q >= 0) state = QUOTE_IN_QUOTED;
          break;
        }
        case QUOTE_IN_QUOTED:
          if (b === QUOTE) {
            if (capturing) field.push(QUOTE);
            state = QUOTED;
          } else if (b === delimiter) {
            endField();
            state = FIELD_START;
          } else if (b === LF || b === CR) endRow();
          else {
            if (capturing) field.push(b);
            state = UNQUOTED;
          }
          break;
      }
    }
  }
  if (!lineEmpty) endRow();

  const headerNames: string[] = header ?? [];
  return {
    digest: hash.digest("hex"),
    size,
    rows: Math.max(0, totalRows - 1),
    columns: headerNames.length,
    schema: headerNames.map((name, k) => ({ name, type: (accumulators[k] as TypeAccumulator).result() })),
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Lines and JSON

/** Union of keys (first-seen order) of the objects with their inferred types. */
class ObjectSchema {
  private readonly columns = new Map<string, TypeAccumulator>();
  objects = 0;

  add(v: unknown): void {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return;
    this.objects++;
    for (const [k, value] of Object.entries(v)) {
      let acc = this.columns.get(k);
      if (acc === undefined) {
        acc = new TypeAccumulator();
        this.columns.set(k, acc);
      }
      acc.addJson(value);
    }
  }

  /** null when no object was seen (e.g. a file of bare numbers). */
  result(): ColumnSchema[] | null {
    if (this.objects === 0) return null;
    return [...this.columns].map(([name, acc]) => ({ name, type: acc.result() }));
  }
}

function isJsonWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LF || b === CR;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type JsonLinesProfile = Pick<DatasetProfile, "digest" | "size" | "columns" | "schema"> & { rows: number };

/**
 * One streaming pass over a JSONL file: hash, count lines with non-whitespace content, and parse
 * the first {@link SAMPLE_ROWS} such lines for the schema (lines that are not valid JSON objects
 * count as rows but add no columns).
 */
async function profileJsonLines(path: string): Promise<JsonLinesProfile> {
  const hash = createHash("sha256");
  let size = 0;
  let rows = 0;
  let hasContent = false;
  const line = new ByteBuilder(MAX_SAMPLE_VALUE_BYTES);
  const schema = new ObjectSchema();
  let sampled = 0;

  const endLine = (): void => {
    if (hasContent) {
      rows++;
      if (sampled < SAMPLE_ROWS) {
        sampled++;
        if (!line.overflowed) schema.add(parseJsonOrUndefined(line.text()));
      }
    }
    line.reset();
    hasContent = false;
  };

  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
    let start = 0;
    if (first) {
      first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
    while (start < buf.length) {
      const nl = buf.indexOf(LF, start);
      const end = nl < 0 ? buf.length : nl;
      if (!hasContent) {
        for (let i = start; i < end; i++) {
          if (!isJsonWhitespace(buf[i] as number)) {
            hasContent = true;
            break;
          }
        }
      }
      if (sampled < SAMPLE_ROWS) line.pushRange(buf, start, end);
      if (nl < 0) break;
      endLine();
      start = nl + 1;
    }
  }
  endLine();

  const s = schema.result();
  return { digest: hash.digest("hex"), size, rows, columns: s?.length ?? null, schema: s };
}

/** rows/columns/schema of a whole .json document: only a top-level array has rows. */
function profileJsonDocument(bytes: Buffer): Pick<DatasetProfile, "rows" | "columns" | "schema"> {
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const doc = parseJsonOrUndefined(text);
  if (!Array.isArray(doc)) return { rows: null, columns: null, schema: null };
  const schema = new ObjectSchema();
  for (const item of doc.slice(0, SAMPLE_ROWS)) schema.add(item);
  const s = schema.result();
  return { rows: doc.length, columns: s?.length ?? null, schema: s };
}
