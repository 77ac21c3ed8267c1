/**
 * Translates a parsed filter and order-by into SQL fragments over `runs AS r`, shared by the
 * SQLite and PostgreSQL stores. Values are always bound parameters, keys too.
 */
import { type RawBuilder, sql } from "kysely";
import { SextantError } from "../../core/index.js";
import type { Dialect } from "../engine/index.js";
import {
  booleanSql,
  type Comparison,
  compareSql,
  type Expr,
  type Identifier,
  type OrderBy,
} from "../search/index.js";

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: "r.run_id",
  run_name: "r.run_name",
  status: "r.status",
  user_id: "r.user_id",
  artifact_uri: "r.artifact_uri",
  experiment_id: "r.experiment_id",
  parent_run_id: "r.parent_run_id",
  lifecycle_stage: "r.lifecycle_stage",
  start_time: "r.start_time",
  end_time: "r.end_time",
};

function attributeColumn(ident: Identifier, dialect: Dialect): RawBuilder<unknown> {
  const col = ATTRIBUTE_COLUMNS[ident.key];
  if (col === undefined) {
    throw new SextantError("INVALID_FILTER", `unknown attribute '${ident.key}'`, {
      position: ident.pos,
      token: ident.key,
    });
  }
  // experiment ids are integers in the table and strings in the API
  if (ident.key === "experiment_id")
    return dialect === "postgres" ? sql.raw(`${col}::text`) : sql.raw(`CAST(${col} AS TEXT)`);
  return sql.raw(col);
}

const KV_TABLES = { metric: "metric_summary", param: "params", tag: "tags" } as const;

function comparisonSql(c: Comparison, dialect: Dialect): RawBuilder<unknown> {
  const { ident, op, value } = c;
  if (ident.type === "attribute") return compareSql(attributeColumn(ident, dialect), op, value, dialect);
  if (ident.type === "dataset") {
    const col = ident.key === "context" ? sql.raw("ri.context") : sql.raw(`d.${ident.key}`);
    const inner = sql`SELECT 1 FROM run_inputs ri JOIN datasets d ON d.dataset_id = ri.dataset_id WHERE ri.run_id = r.run_id`;
    if (op === "IS NULL") return sql`NOT EXISTS (${inner})`;
    if (op === "IS NOT NULL") return sql`EXISTS (${inner})`;
    return sql`EXISTS (${inner} AND ${compareSql(col, op, value, dialect)})`;
  }
  const table = sql.raw(KV_TABLES[ident.type]);
  const col = sql.raw(ident.type === "metric" ? "x.last_value" : "x.value");
  const exists = sql`SELECT 1 FROM ${table} x WHERE x.run_id = r.run_id AND x.key = ${ident.key}`;
  if (op === "IS NULL") return sql`NOT EXISTS (${exists})`;
  if (op === "IS NOT NULL") return sql`EXISTS (${exists})`;
  return sql`EXISTS (${exists} AND ${compareSql(col, op, value, dialect)})`;
}

/** A boolean SQL expression for `expr`, correlated to `runs AS r`. */
export function filterSql(expr: Expr, dialect: Dialect): RawBuilder<unknown> {
  return booleanSql(expr, (c) => comparisonSql(c, dialect));
}

/** One SQL query of a search: joins, conditions and ORDER BY over `runs AS r`. */
export interface SearchPhase {
  joins: RawBuilder<unknown>[];
  where: RawBuilder<unknown>[];
  order: RawBuilder<unknown>[];
  /** The first sort key's value, when it is a metric, param or tag. */
  orderValue?: RawBuilder<unknown>;
  /**
   * A cheaper form of this phase for when the filter matches many runs: the planner tends to start
   * from the filter's index and sort everything that matches, while walking the sort key's index
   * and stopping after one page would read far less. `phase(budget)` only considers the first
   * `budget` rows of the sort key in order; its page is exact when the page's last sort value lies
   * strictly beyond the boundary value, the budget-th one (`boundary(budget)`), or when there is
   * no boundary (fewer rows than the budget).
   */
  bounded?: {
    ascending: boolean;
    phase(budget: number): SearchPhase;
    boundary(budget: number): RawBuilder<{ v: number | string }>;
  };
}

function kvColumn(type: "metric" | "param" | "tag", alias: string): RawBuilder<unknown> {
  return sql.raw(type === "metric" ? `${alias}.last_value` : `${alias}.value`);
}

function isKv(type: string): type is "metric" | "param" | "tag" {
  return type === "metric" || type === "param" || type === "tag";
}

/**
 * Plans a search as one or two SQL queries whose results, concatenated, are the ordered answer.
 *
 * Top-level AND terms on a metric, param or tag become INNER JOINs on the (run, key) primary key,
 * so the planner can start from whichever index is most selective. When the first order-by key is
 * a metric, param or tag, phase one joins it and walks its (key, value) index in order — with a
 * LIMIT that reads only about as many rows as the page needs — and phase two lists the runs that
 * lack the key (or whose latest value is NaN), which sort last. Ties fall back to the newest
 * start time, then the run id.
 */
export function planSearch(filter: Expr | null, orderBy: OrderBy[], dialect: Dialect): SearchPhase[] {
  const joins: RawBuilder<unknown>[] = [];
  const where: RawBuilder<unknown>[] = [];
  /** alias of the INNER JOIN for a key, by "type\0key" */
  const joined = new Map<string, string>();
  const terms = filter === null ? [] : filter.kind === "and" ? filter.terms : [filter];
  for (const t of terms) {
    if (t.kind === "cmp" && isKv(t.ident.type) && t.op !== "IS NULL" && t.op !== "IS NOT NULL") {
      const id = `${t.ident.type}\0${t.ident.key}`;
      let alias = joined.get(id);
      if (alias === undefined) {
        alias = `f${joined.size}`;
        joined.set(id, alias);
        const table = sql.raw(KV_TABLES[t.ident.type]);
        const a = sql.raw(alias);
        joins.push(sql`JOIN ${table} ${a} ON ${a}.run_id = r.run_id AND ${a}.key = ${t.ident.key}`);
      }
      where.push(compareSql(kvColumn(t.ident.type, alias), t.op, t.value, dialect));
    } else {
      where.push(filterSql(t, dialect));
    }
  }

  const orderTerms = (
    list: OrderBy[],
    offset: number,
    extraJoins: RawBuilder<unknown>[],
  ): RawBuilder<unknown>[] => {
    const out: RawBuilder<unknown>[] = [];
    list.forEach((o, j) => {
      const dir = sql.raw(o.ascending ? "ASC NULLS LAST" : "DESC NULLS LAST");
      const { ident } = o;
      if (ident.type === "attribute") {
        out.push(sql`${attributeColumn(ident, dialect)} ${dir}`);
        return;
      }
      if (ident.type === "dataset") {
        throw new SextantError("INVALID_ORDER_BY", "runs cannot be ordered by a dataset field", {
          position: ident.pos,
          token: ident.key,
        });
      }
      let alias = joined.get(`${ident.type}\0${ident.key}`);
      if (alias === undefined) {
        alias = `o${offset + j}`;
        const table = sql.raw(KV_TABLES[ident.type]);
        const a = sql.raw(alias);
        extraJoins.push(sql`LEFT JOIN ${table} ${a} ON ${a}.run_id = r.run_id AND ${a}.key = ${ident.key}`);
      }
      out.push(sql`${kvColumn(ident.type, alias)} ${dir}`);
    });
    const keys = new Set(list.filter((o) => o.ident.type === "attribute").map((o) => o.ident.key));
    if (!keys.has("start_time")) out.push(sql.raw("r.start_time DESC"));
    if (!keys.has("run_id")) out.push(sql.raw("r.run_id ASC"));
    return out;
  };

  const first = orderBy[0];
  if (first === undefined || !isKv(first.ident.type)) {
    const extra: RawBuilder<unknown>[] = [];
    const order = orderTerms(orderBy, 0, extra);
    return [{ joins: [...joins, ...extra], where, order }];
  }
  const { type, key } = first.ident;
  const table = sql.raw(KV_TABLES[type]);
  const existing = joined.get(`${type}\0${key}`);
  const alias = existing ?? "o0";
  const col = kvColumn(type, alias);
  const valueCol = sql.raw(type === "metric" ? "last_value" : "value");
  const dir = sql.raw(first.ascending ? "ASC" : "DESC");
  const extraA: RawBuilder<unknown>[] = [];
  const orderA = [sql`${col} ${dir}`, ...orderTerms(orderBy.slice(1), 1, extraA)];
  const keyJoin = (source: RawBuilder<unknown>) =>
    sql`JOIN ${source} ${sql.raw(alias)} ON ${sql.raw(alias)}.run_id = r.run_id AND ${sql.raw(alias)}.key = ${key}`;
  const phaseA: SearchPhase = {
    joins: [...joins, ...(existing ? [] : [keyJoin(table)]), ...extraA],
    where: [...where, sql`${col} IS NOT NULL`],
    order: orderA,
    orderValue: col,
  };
  // Numbers only: the boundary test compares values in JS, which agrees with SQL for doubles but
  // not with every database collation for strings.
  if (!existing && type === "metric") {
    // Only the first `budget` rows of the key in sort order: exact whenever the page ends before
    // the boundary value (see SearchPhase.bounded).
    const candidates = (budget: number) =>
      sql`(SELECT run_id, key, ${valueCol} FROM ${table} WHERE key = ${key} AND ${valueCol} IS NOT NULL ORDER BY ${valueCol} ${dir} LIMIT ${budget})`;
    phaseA.bounded = {
      ascending: first.ascending,
      phase: (budget) => ({
        ...phaseA,
        joins: [...joins, keyJoin(candidates(budget)), ...extraA],
        bounded: undefined,
      }),
      boundary: (budget) =>
        sql<{
          v: number | string;
        }>`SELECT ${valueCol} AS v FROM ${table} WHERE key = ${key} AND ${valueCol} IS NOT NULL ORDER BY ${valueCol} ${dir} LIMIT 1 OFFSET ${budget - 1}`,
    };
  }
  // A filter term already requires a non-null value for this key: nothing can sort after phase one.
  if (existing) return [phaseA];
  const extraB: RawBuilder<unknown>[] = [];
  const phaseB: SearchPhase = {
    joins: [...joins],
    where: [
      ...where,
      sql`NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.run_id = r.run_id AND x.key = ${key} AND ${kvColumn(type, "x")} IS NOT NULL)`,
    ],
    order: orderTerms(orderBy.slice(1), 1, extraB),
  };
  phaseB.joins.push(...extraB);
  return [phaseA, phaseB];
}
