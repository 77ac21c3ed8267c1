/**
 * MLflow's experiment search, done in memory over the store's experiment list (there are few
 * experiments). The grammar is MLflow's SearchExperimentsUtils (mlflow/utils/search_utils.py):
 *
 *   filter     := comparison ("AND" comparison)*
 *   comparison := attribute op value | "tags." key op 'string'
 *   attribute  := [("attribute" | "attributes" | "attr") "."] (name | creation_time | last_update_time)
 *   name, tags: = != LIKE ILIKE against a quoted string; times: = != < <= > >= against a number
 *   order_by   := [attribute "."] (name | experiment_id | creation_time | last_update_time) [ASC | DESC]
 *
 * Keys with special characters are quoted after the dot: tags."extra-key" or tags.`extra-key`.
 * The default order is creation_time DESC, experiment_id ASC; experiment_id DESC breaks ties when
 * the order does not name it, as MLflow's SQL store does.
 */

import { SextantError } from "../../core/errors.js";
import { sha256 } from "../../core/hash.js";
import type { Experiment } from "../../store/index.js";
import { decodeOffsetToken, encodeOffsetToken, type Token, tokenizeFilter } from "../../store/index.js";

type Op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE";
type Attribute = "name" | "creation_time" | "last_update_time";
type OrderKey = Attribute | "experiment_id";

export type ExperimentCondition =
  | { kind: "name"; op: Op; value: string }
  | { kind: "time"; key: "creation_time" | "last_update_time"; op: Op; value: number }
  | { kind: "tag"; key: string; op: Op; value: string };

export interface ExperimentOrder {
  key: OrderKey;
  ascending: boolean;
}

const ATTRIBUTE_PREFIXES = new Set(["attribute", "attributes", "attr"]);
const TAG_PREFIXES = new Set(["tag", "tags"]);
const STRING_OPS: readonly Op[] = ["=", "!=", "LIKE", "ILIKE"];
const NUMERIC_OPS: readonly Op[] = ["=", "!=", "<", "<=", ">", ">="];
const SYMBOLS: ReadonlyMap<string, Op> = new Map([
  ["=", "="],
  ["!=", "!="],
  ["<>", "!="],
  ["<", "<"],
  ["<=", "<="],
  [">", ">"],
  [">=", ">="],
]);
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const MAX_EXPERIMENT_RESULTS = 50_000;
const DEFAULT_ORDER: ExperimentOrder[] = [
  { key: "creation_time", ascending: false },
  { key: "experiment_id", ascending: true },
];

/** Token cursor with errors that name the position, like the run filter's. */
class Cursor {
  #i = 0;
  constructor(
    readonly text: string,
    readonly tokens: Token[],
    readonly code: "INVALID_FILTER" | "INVALID_ORDER_BY",
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.#i];
  }

  next(): Token | undefined {
    return this.tokens[this.#i++];
  }

  fail(tok: Token | undefined, message: string): never {
    const label = this.code === "INVALID_FILTER" ? "filter" : "order_by";
    const pos = tok?.pos ?? this.text.length;
    const near = tok ? `'${tok.raw.slice(0, 40)}'` : "end of input";
    throw new SextantError(this.code, `invalid ${label} at position ${pos} near ${near}: ${message}`, {
      position: pos,
      token: tok?.raw ?? "",
    });
  }

  /** An identifier: [prefix "."] key, the key optionally quoted right after the dot. */
  identifier(): { type: "attribute" | "tag"; key: string; tok: Token } {
    const tok = this.next();
    if (tok?.kind !== "word")
      this.fail(tok, "expected an identifier such as name, creation_time or tags.<key>");
    const dot = tok.raw.indexOf(".");
    if (dot === -1) return { type: "attribute", key: tok.raw, tok };
    const prefix = tok.raw.slice(0, dot).toLowerCase();
    let key = tok.raw.slice(dot + 1);
    if (key === "") {
      const quoted = this.peek();
      if (
        (quoted?.kind !== "dquoted" && quoted?.kind !== "backtick") ||
        quoted.pos !== tok.pos + tok.raw.length
      ) {
        this.fail(quoted, `expected a key right after '${tok.raw}'`);
      }
      this.next();
      key = quoted.value;
    }
    if (key === "") this.fail(tok, "a key must not be empty");
    if (ATTRIBUTE_PREFIXES.has(prefix)) return { type: "attribute", key, tok };
    if (TAG_PREFIXES.has(prefix)) return { type: "tag", key, tok };
    return this.fail(
      tok,
      `unknown entity '${tok.raw.slice(0, dot)}'; experiments are searched by attributes and tags`,
    );
  }
}

function isKeyword(tok: Token | undefined, word: string): boolean {
  return tok?.kind === "word" && tok.raw.toUpperCase() === word;
}

/** Parses an experiment filter; empty text is no condition. @throws SextantError INVALID_FILTER */
export function parseExperimentFilter(text: string): ExperimentCondition[] {
  const c: Cursor = new Cursor(text, tokenizeFilter(text), "INVALID_FILTER");
  const out: ExperimentCondition[] = [];
  if (c.peek() === undefined) return out;
  for (;;) {
    const ident = c.identifier();
    const opTok = c.next();
    const op =
      opTok?.kind === "op"
        ? SYMBOLS.get(opTok.raw)
        : isKeyword(opTok, "LIKE")
          ? "LIKE"
          : isKeyword(opTok, "ILIKE")
            ? "ILIKE"
            : undefined;
    if (op === undefined) c.fail(opTok, "expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE)");
    const valueTok = c.next();
    if (ident.type === "tag" || ident.key === "name") {
      if (!STRING_OPS.includes(op))
        c.fail(opTok, `${ident.type === "tag" ? "tag" : "name"} comparisons allow only =, !=, LIKE, ILIKE`);
      if (valueTok?.kind !== "string" && valueTok?.kind !== "dquoted")
        c.fail(valueTok, "expected a quoted string such as 'value'");
      if ((op === "LIKE" || op === "ILIKE") && valueTok.value.length > MAX_LIKE_PATTERN) {
        c.fail(valueTok, `LIKE patterns are limited to ${MAX_LIKE_PATTERN} characters`);
      }
      out.push(
        ident.type === "tag"
          ? { kind: "tag", key: ident.key, op, value: valueTok.value }
          : { kind: "name", op, value: valueTok.value },
      );
    } else if (ident.key === "creation_time" || ident.key === "last_update_time") {
      if (!NUMERIC_OPS.includes(op)) c.fail(opTok, `${ident.key} comparisons allow only =, !=, <, <=, >, >=`);
      if (valueTok?.kind !== "word" || !NUMBER.test(valueTok.raw)) c.fail(valueTok, "expected a number");
      out.push({ kind: "time", key: ident.key, op, value: Number(valueTok.raw) });
    } else {
      c.fail(
        ident.tok,
        `unknown attribute '${ident.key}'; valid attributes are name, creation_time, last_update_time`,
      );
    }
    const sep = c.next();
    if (sep === undefined) return out;
    if (!isKeyword(sep, "AND")) c.fail(sep, "expected AND or end of input");
  }
}

/** Parses one order_by clause. @throws SextantError INVALID_ORDER_BY */
export function parseExperimentOrderBy(text: string): ExperimentOrder {
  let tokens: Token[];
  try {
    tokens = tokenizeFilter(text);
  } catch (e) {
    const details = e instanceof SextantError ? { ...e.details } : {};
    throw new SextantError("INVALID_ORDER_BY", `invalid order_by '${text.slice(0, 80)}'`, details);
  }
  const c: Cursor = new Cursor(text, tokens, "INVALID_ORDER_BY");
  const ident = c.identifier();
  const key = ident.key;
  if (
    ident.type !== "attribute" ||
    !["name", "experiment_id", "creation_time", "last_update_time"].includes(key)
  ) {
    c.fail(ident.tok, "experiments can be ordered by name, experiment_id, creation_time or last_update_time");
  }
  const dir = c.next();
  if (dir !== undefined && !isKeyword(dir, "ASC") && !isKeyword(dir, "DESC"))
    c.fail(dir, "expected ASC or DESC");
  if (c.peek() !== undefined) c.fail(c.peek(), "expected end of input after the sort direction");
  return { key: key as OrderKey, ascending: !isKeyword(dir, "DESC") };
}

/** Longest LIKE pattern, as SQLite's default SQLITE_MAX_LIKE_PATTERN_LENGTH. */
const MAX_LIKE_PATTERN = 50_000;

/**
 * SQL LIKE with MLflow's wildcards (% any run, _ one character) and no escape character, by the
 * two-pointer wildcard match (backtracking only to the last %), so no pattern costs more than
 * text × pattern steps.
 */
export function likeMatch(text: string, pattern: string, ignoreCase: boolean): boolean {
  const t = [...(ignoreCase ? text.toLowerCase() : text)];
  const p = [...(ignoreCase ? pattern.toLowerCase() : pattern)];
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === "%") {
      star = pi++;
      mark = ti;
    } else if (pc !== undefined && (pc === "_" || pc === t[ti])) {
      ti++;
      pi++;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === "%") pi++;
  return pi === p.length;
}

/** One comparison of MLflow's filter grammar (LIKE and ILIKE on the values' text). */
export function compareValues(actual: string | number, op: Op, expected: string | number): boolean {
  switch (op) {
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "LIKE":
    case "ILIKE":
      return likeMatch(String(actual), String(expected), op === "ILIKE");
  }
}

function matches(e: Experiment, c: ExperimentCondition): boolean {
  if (c.kind === "name") return compareValues(e.name, c.op, c.value);
  if (c.kind === "time")
    return compareValues(c.key === "creation_time" ? e.creationTime : e.lastUpdateTime, c.op, c.value);
  const value = Object.hasOwn(e.tags, c.key) ? e.tags[c.key] : undefined;
  return value !== undefined && compareValues(value, c.op, c.value);
}

function orderValue(e: Experiment, key: OrderKey): string | number {
  switch (key) {
    case "name":
      return e.name;
    case "experiment_id":
      return Number(e.experimentId);
    case "creation_time":
      return e.creationTime;
    case "last_update_time":
      return e.lastUpdateTime;
  }
}

export interface ExperimentSearch {
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken: string | undefined;
  /** For the page token: which view the experiments came from. */
  view: string;
}

/** One page of `all` filtered, sorted and paged. @throws INVALID_FILTER, INVALID_ORDER_BY, INVALID_PAGE_TOKEN, INVALID_ARGUMENT */
export function searchExperiments(
  all: Experiment[],
  q: ExperimentSearch,
): { experiments: Experiment[]; nextPageToken: string | null } {
  if (!Number.isSafeInteger(q.maxResults) || q.maxResults < 1 || q.maxResults > MAX_EXPERIMENT_RESULTS) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Invalid value for request parameter max_results: it must be an integer in 1..${MAX_EXPERIMENT_RESULTS}, got ${q.maxResults}`,
    );
  }
  const conditions = parseExperimentFilter(q.filter);
  const order = q.orderBy.length > 0 ? q.orderBy.map(parseExperimentOrderBy) : [...DEFAULT_ORDER];
  if (!order.some((o) => o.key === "experiment_id")) order.push({ key: "experiment_id", ascending: false });
  const fingerprint = sha256(JSON.stringify(["experiments", q.filter, q.orderBy, q.view])).slice(0, 12);
  let offset = 0;
  if (q.pageToken) {
    const decoded = decodeOffsetToken(q.pageToken, fingerprint);
    if (decoded === null) {
      throw new SextantError(
        "INVALID_PAGE_TOKEN",
        "the page token is malformed or belongs to a different search (same filter, order_by and view_type are needed)",
        { pageToken: q.pageToken.slice(0, 200) },
      );
    }
    offset = decoded;
  }
  const hits = all.filter((e) => conditions.every((c) => matches(e, c)));
  hits.sort((a, b) => {
    for (const o of order) {
      const x = orderValue(a, o.key);
      const y = orderValue(b, o.key);
      if (x !== y) return (x < y ? -1 : 1) * (o.ascending ? 1 : -1);
    }
    return 0;
  });
  const page = hits.slice(offset, offset + q.maxResults);
  const next =
    offset + q.maxResults < hits.length ? encodeOffsetToken(offset + q.maxResults, fingerprint) : null;
  return { experiments: page, nextPageToken: next };
}
