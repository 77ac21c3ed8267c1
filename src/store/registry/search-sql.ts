/**
 * Registered-model and model-version searches in SQL: the one filter grammar (search/) with the
 * registry's vocabularies, compiled to conditions over `registered_models AS m` (and
 * `model_versions AS v`). Tags are JSON objects in a column, read with each engine's JSON
 * operator. Paged by offset; the page token carries a fingerprint of the query.
 */
import { type RawBuilder, sql } from "kysely";
import { SextantError } from "../../core/index.js";
import type { Dialect } from "../engine/index.js";
import {
  booleanSql,
  type Comparison,
  compareSql,
  type Identifier,
  MODEL_VERSION_FILTER,
  pageOffset,
  parseFilter,
  parseOrderBy,
  queryFingerprint,
  REGISTERED_MODEL_FILTER,
} from "../search/index.js";
import type { RegistrySearchInput } from "./contract.js";

export const DEFAULT_REGISTRY_RESULTS = 1000;
export const MAX_REGISTRY_RESULTS = 200_000;
const MAX_ORDER_BY = 10;

type Kind = "model" | "version";

const COLUMNS: Record<Kind, Record<string, string>> = {
  model: {
    name: "m.name",
    creation_timestamp: "m.created_time",
    last_updated_timestamp: "m.updated_time",
  },
  version: {
    name: "m.name",
    version_number: "v.version",
    run_id: "v.run_id",
    source_path: "v.source",
    current_stage: "v.stage",
    creation_timestamp: "v.created_time",
    last_updated_timestamp: "v.updated_time",
  },
};

/** Ties are broken so pages never overlap: by name, then (versions) newest first. */
const TIEBREAK: Record<Kind, string[]> = { model: ["m.name ASC"], version: ["m.name ASC", "v.version DESC"] };

function column(kind: Kind, ident: Identifier, dialect: Dialect): RawBuilder<unknown> {
  if (ident.type === "tag") {
    const tags = kind === "model" ? "m.tags" : "v.tags";
    return dialect === "postgres"
      ? sql`(${sql.raw(tags)}::jsonb ->> ${ident.key})`
      : sql`json_extract(${sql.raw(tags)}, ${`$."${ident.key.replaceAll('"', '\\"')}"`})`;
  }
  const col = COLUMNS[kind][ident.key];
  if (col === undefined) {
    throw new SextantError("INVALID_FILTER", `unknown attribute '${ident.key}'`, {
      position: ident.pos,
      token: ident.key,
    });
  }
  return sql.raw(col);
}

export interface RegistrySearchPlan {
  /** `WHERE …`, or nothing. */
  where: RawBuilder<unknown>;
  order: RawBuilder<unknown>;
  limit: number;
  offset: number;
  fingerprint: string;
}

/** @throws INVALID_ARGUMENT, INVALID_FILTER, INVALID_ORDER_BY, INVALID_PAGE_TOKEN */
export function planRegistrySearch(
  kind: Kind,
  input: RegistrySearchInput,
  dialect: Dialect,
): RegistrySearchPlan {
  const limit = input.maxResults ?? DEFAULT_REGISTRY_RESULTS;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REGISTRY_RESULTS) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `maxResults must be an integer in 1..${MAX_REGISTRY_RESULTS}, got ${limit}`,
    );
  }
  const orderBy = input.orderBy ?? [];
  if (orderBy.length > MAX_ORDER_BY) {
    throw new SextantError("INVALID_ORDER_BY", `a search takes at most ${MAX_ORDER_BY} order_by clauses`);
  }
  const vocab = kind === "model" ? REGISTERED_MODEL_FILTER : MODEL_VERSION_FILTER;
  const expr = input.filter ? parseFilter(input.filter, vocab) : null;
  const leaf = (c: Comparison) => compareSql(column(kind, c.ident, dialect), c.op, c.value, dialect);
  const where = expr === null ? sql`` : sql`WHERE ${booleanSql(expr, leaf)}`;
  const order: RawBuilder<unknown>[] = [];
  const named = new Set<string>();
  for (const text of orderBy) {
    const o = parseOrderBy(text, vocab);
    const col = column(kind, o.ident, dialect);
    // absent tags sort last in either direction, as a metric does in a run search
    if (o.ident.type === "tag") order.push(sql`${col} IS NULL`);
    order.push(sql`${col} ${sql.raw(o.ascending ? "ASC" : "DESC")}`);
    if (o.ident.type === "attribute") named.add(COLUMNS[kind][o.ident.key]!);
  }
  for (const t of TIEBREAK[kind]) if (!named.has(t.split(" ")[0]!)) order.push(sql.raw(t));
  const fingerprint = queryFingerprint([kind, input.filter ?? "", orderBy]);
  return {
    where,
    order: sql.join(order),
    limit,
    offset: pageOffset(input.pageToken, fingerprint),
    fingerprint,
  };
}
