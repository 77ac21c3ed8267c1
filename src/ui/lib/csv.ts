/**
 * The head of a CSV/TSV file for previews: RFC 4180 quoting (quoted fields may hold delimiters,
 * doubled quotes and newlines), CRLF or LF line ends. When the text was cut short, the last
 * (possibly partial) record is dropped.
 */

export interface CsvHead {
  header: string[];
  rows: string[][];
  /** More rows exist than were returned (or the text was cut). */
  truncated: boolean;
  /** Widest record, in fields. */
  width: number;
}

export function parseCsvHead(
  text: string,
  options: { delimiter?: string; maxRows?: number; textTruncated?: boolean } = {},
): CsvHead {
  const delim = options.delimiter ?? ",";
  const maxRows = options.maxRows ?? 50;
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let inQuotes = false;
  let i = 0;
  let complete = true;
  const limit = maxRows + 1; // header + rows
  let more = false;
  const endRecord = () => {
    record.push(field);
    field = "";
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      inQuotes = true;
      i++;
    } else if (c === delim) {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\r" || c === "\n") {
      endRecord();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      if (records.length >= limit) {
        more = i < text.length;
        break;
      }
    } else {
      field += c;
      i++;
    }
  }
  if (records.length < limit && (field !== "" || record.length > 0)) {
    // The text ended without a newline: a final record, unless the text was cut short.
    if (options.textTruncated || inQuotes) complete = false;
    else endRecord();
  }
  const truncated = more || !complete || (options.textTruncated ?? false);
  const [header = [], ...rows] = records;
  const width = records.reduce((w, r) => Math.max(w, r.length), 0);
  return { header, rows, truncated, width };
}

/** The delimiter for a file name: tab for .tsv/.tab, comma otherwise. */
export function delimiterFor(path: string): string {
  return /\.(tsv|tab)$/i.test(path) ? "\t" : ",";
}
