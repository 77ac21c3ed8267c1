/** Building search-grammar text: quoting keys and strings, combining conditions, mapping error positions back. */
import { type ColumnKind, KIND_PREFIX } from "./runValues.js";

const PLAIN_KEY = /^[A-Za-z0-9_.\-/:]+$/;

/** A key as the filter grammar spells it: bare when it is a plain word, else in backticks (a backtick doubled). */
export function quoteKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : `\`${key.replaceAll("`", "``")}\``;
}

/** An identifier such as metrics.f1 or params.`learning rate`. */
export function identifier(kind: ColumnKind, key: string): string {
  return `${KIND_PREFIX[kind]}.${quoteKey(key)}`;
}

/** A string literal in single quotes (a quote doubled). */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Text a user-written filter is wrapped in when a condition is added after it. */
const OPEN = "(";

/**
 * The user's filter AND extra conditions. The user's text is parenthesised (so its ORs keep
 * their meaning) and comes first, so an error position in it is off by exactly one.
 */
export function combineFilter(user: string, ...extra: string[]): string {
  const u = user.trim();
  const parts = extra.filter((e) => e.trim() !== "");
  if (parts.length === 0) return u;
  if (u === "") return parts.join(" and ");
  return `${OPEN}${user}) and ${parts.join(" and ")}`;
}

/**
 * Maps an INVALID_FILTER error from a combined filter back to the user's text: the position
 * (clamped to the text) and the "at position N" in the message.
 */
export function relocateFilterError(
  message: string,
  position: number,
  user: string,
  combined: boolean,
): { message: string; position: number } {
  const offset = combined && user.trim() !== "" ? OPEN.length : 0;
  const p = Math.min(Math.max(position - offset, 0), user.length);
  return { message: message.replace(/at position \d+/, `at position ${p}`), position: p };
}

/** The condition selecting top-level runs. */
export const TOP_LEVEL = "attributes.parent_run_id IS NULL";

/** The condition selecting the children of one run. */
export function childrenOf(runId: string): string {
  return `attributes.parent_run_id = ${quoteString(runId)}`;
}

/** The condition selecting the children of any of these runs. */
export function childrenOfAny(runIds: readonly string[]): string {
  return `attributes.parent_run_id IN (${runIds.map(quoteString).join(", ")})`;
}
