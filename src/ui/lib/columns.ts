/**
 * The runs table's column model and its URL form. Columns are attributes, params, latest metrics
 * and tags, identified as in the filter grammar ("metrics.f1", "params.lr", "attributes.status").
 * View state lives in the query string: filter, orderBy ("<column id> ASC|DESC"), cols (visible
 * columns in order; absent = defaults), pin (pinned columns), sel (selected run ids), group
 * (nested runs under parents; on unless "0"), open (expanded parents).
 */
import { identifier } from "./filter.js";
import { type ColumnKind, columnId, parseColumnId } from "./runValues.js";
import type { ExperimentColumns, RunColumnsRequest } from "./types.js";

export interface ColumnSpec {
  id: string;
  kind: ColumnKind;
  key: string;
  label: string;
  sortable: boolean;
  width: number;
}

export const ATTRIBUTE_COLUMNS: readonly ColumnSpec[] = [
  { id: "attributes.run_name", kind: "attribute", key: "run_name", label: "Run", sortable: true, width: 220 },
  { id: "attributes.status", kind: "attribute", key: "status", label: "Status", sortable: true, width: 96 },
  {
    id: "attributes.start_time",
    kind: "attribute",
    key: "start_time",
    label: "Started",
    sortable: true,
    width: 150,
  },
  {
    id: "attributes.duration",
    kind: "attribute",
    key: "duration",
    label: "Duration",
    sortable: false,
    width: 86,
  },
  { id: "attributes.user_id", kind: "attribute", key: "user_id", label: "User", sortable: true, width: 100 },
  {
    id: "attributes.end_time",
    kind: "attribute",
    key: "end_time",
    label: "Ended",
    sortable: true,
    width: 150,
  },
  { id: "attributes.run_id", kind: "attribute", key: "run_id", label: "Run ID", sortable: true, width: 120 },
];

const DEFAULT_ATTRIBUTES = [
  "attributes.run_name",
  "attributes.status",
  "attributes.start_time",
  "attributes.duration",
  "attributes.user_id",
];
export const DEFAULT_PINNED = ["attributes.run_name"];
/** How many params and metrics are shown before the user chooses. */
export const DEFAULT_PER_KIND = 8;

const WIDTH: Record<ColumnKind, number> = { attribute: 120, param: 110, metric: 110, tag: 120 };

/** The spec of any column id (unknown attributes and malformed ids → null). */
export function columnSpec(id: string): ColumnSpec | null {
  const attr = ATTRIBUTE_COLUMNS.find((c) => c.id === id);
  if (attr) return attr;
  const c = parseColumnId(id);
  if (!c || c.kind === "attribute") return null;
  return { id, kind: c.kind, key: c.key, label: c.key, sortable: true, width: WIDTH[c.kind] };
}

/** Every column the experiment offers: attributes, then params, metrics, tags. */
export function allColumns(keys: ExperimentColumns): ColumnSpec[] {
  return [
    ...ATTRIBUTE_COLUMNS,
    ...keys.params.map((k) => columnSpec(columnId("param", k))!),
    ...keys.metrics.map((k) => columnSpec(columnId("metric", k))!),
    ...keys.tags.map((k) => columnSpec(columnId("tag", k))!),
  ];
}

/** Columns shown before the user chooses: the main attributes, the first params and metrics. */
export function defaultVisible(keys: ExperimentColumns): string[] {
  return [
    ...DEFAULT_ATTRIBUTES,
    ...keys.params.slice(0, DEFAULT_PER_KIND).map((k) => columnId("param", k)),
    ...keys.metrics.slice(0, DEFAULT_PER_KIND).map((k) => columnId("metric", k)),
  ];
}

// ---- lists in one query parameter ----

/** Comma-joined, with "\" and "," escaped by a backslash. */
export function encodeList(items: readonly string[]): string {
  return items.map((s) => s.replaceAll("\\", "\\\\").replaceAll(",", "\\,")).join(",");
}

export function decodeList(text: string | null | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      cur += text[i + 1];
      i++;
    } else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.filter((s) => s !== "");
}

// ---- sort ----

export interface SortState {
  column: string;
  desc: boolean;
}

/** "metrics.f1 DESC" → { column: "metrics.f1", desc: true }; a missing direction means ASC. */
export function parseSort(text: string | null | undefined): SortState | null {
  const t = text?.trim();
  if (!t) return null;
  const m = /^(.*\S)\s+(ASC|DESC)$/i.exec(t);
  const column = m ? m[1]! : t;
  if (!columnSpec(column)?.sortable) return null;
  return { column, desc: m ? m[2]!.toUpperCase() === "DESC" : false };
}

export function formatSort(s: SortState): string {
  return `${s.column} ${s.desc ? "DESC" : "ASC"}`;
}

/** The server's orderBy clause for a sort: keys quoted as the grammar needs. */
export function orderByClause(s: SortState): string {
  const c = parseColumnId(s.column);
  if (!c) throw new Error(`not a column: ${s.column}`);
  return `${identifier(c.kind, c.key)} ${s.desc ? "DESC" : "ASC"}`;
}

/** Clicking a header: unsorted or another column → that column, metrics and times descending first; same column → flipped. */
export function nextSort(current: SortState | null, column: string): SortState {
  if (current && current.column === column) return { column, desc: !current.desc };
  const c = parseColumnId(column);
  const descFirst =
    c?.kind === "metric" || column === "attributes.start_time" || column === "attributes.end_time";
  return { column, desc: descFirst };
}

// ---- the whole view ----

export interface RunsViewState {
  filter: string;
  sort: SortState | null;
  /** Visible columns in order; null = defaults. */
  cols: string[] | null;
  /** Pinned columns; null = defaults. */
  pin: string[] | null;
  sel: string[];
  group: boolean;
  open: string[];
}

export function parseRunsView(q: URLSearchParams): RunsViewState {
  return {
    filter: q.get("filter") ?? "",
    sort: parseSort(q.get("orderBy")),
    cols: q.has("cols") ? decodeList(q.get("cols")) : null,
    pin: q.has("pin") ? decodeList(q.get("pin")) : null,
    sel: decodeList(q.get("sel")),
    group: q.get("group") !== "0",
    open: decodeList(q.get("open")),
  };
}

/** The query string of a view; defaults are left out so URLs stay short. */
export function serializeRunsView(s: RunsViewState): URLSearchParams {
  const q = new URLSearchParams();
  if (s.filter.trim() !== "") q.set("filter", s.filter);
  if (s.sort) q.set("orderBy", formatSort(s.sort));
  if (s.cols !== null) q.set("cols", encodeList(s.cols));
  if (s.pin !== null) q.set("pin", encodeList(s.pin));
  if (s.sel.length > 0) q.set("sel", encodeList(s.sel));
  if (!s.group) q.set("group", "0");
  if (s.open.length > 0) q.set("open", encodeList(s.open));
  return q;
}

export interface ResolvedColumns {
  /** Pinned columns first (in pin order), then the rest in visible order. */
  columns: ColumnSpec[];
  pinnedCount: number;
}

/**
 * The columns to draw. Malformed ids (a hand-edited URL) are dropped; the sort column is shown even
 * when hidden; pinned columns are shown and come first.
 */
export function resolveColumns(s: RunsViewState, keys: ExperimentColumns): ResolvedColumns {
  const valid = (id: string) => columnSpec(id) !== null;
  const visible = (s.cols ?? defaultVisible(keys)).filter(valid);
  const pinned = unique((s.pin ?? DEFAULT_PINNED).filter(valid));
  const ordered = unique([...pinned, ...visible]);
  if (s.sort && !ordered.includes(s.sort.column)) ordered.push(s.sort.column);
  return { columns: ordered.map((id) => columnSpec(id)!), pinnedCount: pinned.length };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** The `columns` of a search: only the keys of the columns drawn (an empty list where none are). */
export function requestedColumns(columns: readonly ColumnSpec[]): Required<RunColumnsRequest> {
  const out: Required<RunColumnsRequest> = { params: [], metrics: [], tags: [] };
  for (const c of columns) {
    if (c.kind === "param") out.params.push(c.key);
    else if (c.kind === "metric") out.metrics.push(c.key);
    else if (c.kind === "tag") out.tags.push(c.key);
  }
  return out;
}

/** Toggles a column's visibility, starting from the resolved list when the URL had none. */
export function toggleColumn(current: readonly string[], id: string, on: boolean): string[] {
  const has = current.includes(id);
  if (on && !has) return [...current, id];
  if (!on && has) return current.filter((c) => c !== id);
  return current.slice();
}
