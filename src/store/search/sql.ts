/**
 * SQL for the filter grammar's comparisons and boolean structure, shared by every subject's
 * search (runs, registered models, model versions) on SQLite and PostgreSQL. Values are always
 * bound parameters. LIKE is case-sensitive on both engines (SQLite gets a GLOB pattern), ILIKE
 * case-insensitive.
 */
import { type RawBuilder, sql } from "kysely";
import type { Comparison, Expr } from "./ast.js";

type Value = Comparison["value"];
type Dialect = "sqlite" | "postgres";

/** MLflow LIKE patterns (%, _) as a SQLite GLOB pattern, which is case-sensitive as LIKE is elsewhere. */
export function likeToGlob(pattern: string): string {
  let out = "";
  for (const ch of pattern) {
    if (ch === "%") out += "*";
    else if (ch === "_") out += "?";
    else if (ch === "*" || ch === "?" || ch === "[") out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

export function compareSql(
  col: RawBuilder<unknown>,
  op: Comparison["op"],
  value: Value,
  dialect: Dialect,
): RawBuilder<unknown> {
  switch (op) {
    case "=":
      return sql`${col} = ${value}`;
    case "!=":
      return sql`${col} <> ${value}`;
    case "<":
      return sql`${col} < ${value}`;
    case "<=":
      return sql`${col} <= ${value}`;
    case ">":
      return sql`${col} > ${value}`;
    case ">=":
      return sql`${col} >= ${value}`;
    case "LIKE":
      return dialect === "sqlite"
        ? sql`${col} GLOB ${likeToGlob(String(value))}`
        : sql`${col} LIKE ${String(value)} ESCAPE ''`;
    case "ILIKE":
      return dialect === "sqlite"
        ? sql`${col} LIKE ${String(value)}`
        : sql`${col} ILIKE ${String(value)} ESCAPE ''`;
    case "IN":
    case "NOT IN": {
      const list = Array.isArray(value) ? value : [value];
      const joined = sql.join(list.map((v) => sql`${v}`));
      return op === "IN" ? sql`${col} IN (${joined})` : sql`${col} NOT IN (${joined})`;
    }
    case "IS NULL":
      return sql`${col} IS NULL`;
    case "IS NOT NULL":
      return sql`${col} IS NOT NULL`;
  }
}

/** The AND/OR structure of `expr` in SQL, each comparison given by `leaf`. */
export function booleanSql(expr: Expr, leaf: (c: Comparison) => RawBuilder<unknown>): RawBuilder<unknown> {
  switch (expr.kind) {
    case "cmp":
      return leaf(expr);
    case "and":
      return sql`(${sql.join(
        expr.terms.map((t) => booleanSql(t, leaf)),
        sql` AND `,
      )})`;
    case "or":
      return sql`(${sql.join(
        expr.terms.map((t) => booleanSql(t, leaf)),
        sql` OR `,
      )})`;
  }
}
