/**
 * Size limits of one run search, checked before any SQL is built. They sit below the SQL engines'
 * own limits (SQLite: 32,766 bound values, 64 tables in a join; parser recursion), so an oversized
 * search is a typed 400 rather than a failed query.
 */
import { SextantError } from "../../core/index.js";
import { type Token, tokenizeFilter } from "./parser.js";

export const RUN_SEARCH_LIMITS = {
  experimentIds: 10_000,
  filterTokens: 10_000,
  comparisons: 40,
  nesting: 100,
  orderBy: 10,
} as const;

function tooLarge(
  code: "INVALID_ARGUMENT" | "INVALID_FILTER" | "INVALID_ORDER_BY",
  message: string,
): SextantError {
  return new SextantError(code, message, { limits: RUN_SEARCH_LIMITS });
}

/** @throws INVALID_ARGUMENT, INVALID_FILTER, INVALID_ORDER_BY when a search is over RUN_SEARCH_LIMITS */
export function checkSearchSize(
  experimentIds: string[],
  filter: string | undefined,
  orderBy: string[],
): void {
  const L = RUN_SEARCH_LIMITS;
  if (experimentIds.length > L.experimentIds) {
    throw tooLarge(
      "INVALID_ARGUMENT",
      `a search covers at most ${L.experimentIds} experiments, got ${experimentIds.length}`,
    );
  }
  if (orderBy.length > L.orderBy) {
    throw tooLarge(
      "INVALID_ORDER_BY",
      `a search takes at most ${L.orderBy} order_by clauses, got ${orderBy.length}`,
    );
  }
  if (!filter) return;
  let tokens: Token[];
  try {
    tokens = tokenizeFilter(filter);
  } catch {
    return; // the store reports the syntax error
  }
  if (tokens.length > L.filterTokens) {
    throw tooLarge("INVALID_FILTER", `a filter has at most ${L.filterTokens} tokens, got ${tokens.length}`);
  }
  let depth = 0;
  let comparisons = 0;
  for (const t of tokens) {
    if (t.kind === "(" && ++depth > L.nesting) {
      throw tooLarge("INVALID_FILTER", `a filter nests parentheses at most ${L.nesting} deep`);
    }
    if (t.kind === ")") depth--;
    const word = t.kind === "word" ? t.raw.toUpperCase() : "";
    if (t.kind === "op" || word === "LIKE" || word === "ILIKE" || word === "IN" || word === "IS")
      comparisons++;
  }
  if (comparisons > L.comparisons) {
    throw tooLarge("INVALID_FILTER", `a filter has at most ${L.comparisons} comparisons, got ${comparisons}`);
  }
}
