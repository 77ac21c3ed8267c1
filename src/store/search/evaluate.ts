/**
 * The filter grammar evaluated in memory, over subjects that are few enough to filter without SQL
 * (experiments): the same AST as the SQL searches, with the same meaning — a comparison with a
 * missing value is false (IS NULL is true), LIKE is case-sensitive and ILIKE is not, `%` and `_`
 * are the only wildcards.
 */
import type { Comparison, Expr, Identifier } from "./ast.js";

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

/** The value of an identifier for one subject; undefined or null when it has none. */
export type Lookup = (ident: Identifier) => string | number | null | undefined;

function compare(c: Comparison, actual: string | number | null | undefined): boolean {
  if (c.op === "IS NULL") return actual === null || actual === undefined;
  if (c.op === "IS NOT NULL") return actual !== null && actual !== undefined;
  if (actual === null || actual === undefined) return false;
  const v = c.value;
  switch (c.op) {
    case "=":
      return actual === v;
    case "!=":
      return actual !== v;
    case "<":
      return v !== null && actual < (v as number | string);
    case "<=":
      return v !== null && actual <= (v as number | string);
    case ">":
      return v !== null && actual > (v as number | string);
    case ">=":
      return v !== null && actual >= (v as number | string);
    case "LIKE":
    case "ILIKE":
      return likeMatch(String(actual), String(v), c.op === "ILIKE");
    case "IN":
      return Array.isArray(v) && v.includes(actual);
    case "NOT IN":
      return Array.isArray(v) && !v.includes(actual);
  }
}

/** Whether a subject whose values `lookup` gives matches `expr` (null matches everything). */
export function matchesFilter(expr: Expr | null, lookup: Lookup): boolean {
  if (expr === null) return true;
  switch (expr.kind) {
    case "cmp":
      return compare(expr, lookup(expr.ident));
    case "and":
      return expr.terms.every((t) => matchesFilter(t, lookup));
    case "or":
      return expr.terms.some((t) => matchesFilter(t, lookup));
  }
}
