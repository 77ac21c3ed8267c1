/**
 * Experiment search: the one filter grammar with the experiments' vocabulary (name, creation_time,
 * last_update_time, experiment_id, tags.<key>; OR and parentheses), evaluated over the experiment
 * list (there are few experiments), sorted and paged by offset. The default order is MLflow's:
 * creation_time DESC, experiment_id ASC; experiment_id DESC breaks ties when the order does not
 * name it, as MLflow's SQL store does.
 */
import { SextantError } from "../../core/index.js";
import {
  EXPERIMENT_FILTER,
  encodeOffsetToken,
  type Identifier,
  matchesFilter,
  type OrderBy,
  pageOffset,
  parseFilter,
  parseOrderBy,
  queryFingerprint,
} from "../search/index.js";
import type { Experiment } from "./contract.js";

export const MAX_EXPERIMENT_RESULTS = 50_000;

export interface ExperimentSearchInput {
  filter?: string;
  orderBy?: string[];
  /** Default 1000, at most 50,000. */
  maxResults?: number;
  pageToken?: string | null;
}

function experimentValue(e: Experiment, ident: Identifier): string | number | undefined {
  if (ident.type === "tag") return Object.hasOwn(e.tags, ident.key) ? e.tags[ident.key] : undefined;
  switch (ident.key) {
    case "name":
      return e.name;
    case "experiment_id":
      return e.experimentId;
    case "creation_time":
      return e.creationTime;
    case "last_update_time":
      return e.lastUpdateTime;
  }
  return undefined;
}

/** How two experiments compare on one order clause (ids as numbers). */
function orderValue(e: Experiment, o: OrderBy): string | number | undefined {
  return o.ident.type === "attribute" && o.ident.key === "experiment_id"
    ? Number(e.experimentId)
    : experimentValue(e, o.ident);
}

/**
 * One page of `all` filtered, sorted and paged; `scope` (the view, for instance) is part of what
 * a page token is bound to. @throws INVALID_FILTER, INVALID_ORDER_BY, INVALID_PAGE_TOKEN, INVALID_ARGUMENT
 */
export function searchExperimentList(
  all: readonly Experiment[],
  input: ExperimentSearchInput,
  scope = "",
): { experiments: Experiment[]; nextPageToken: string | null } {
  const maxResults = input.maxResults ?? 1000;
  if (!Number.isSafeInteger(maxResults) || maxResults < 1 || maxResults > MAX_EXPERIMENT_RESULTS) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `Invalid value for request parameter max_results: it must be an integer in 1..${MAX_EXPERIMENT_RESULTS}, got ${maxResults}`,
    );
  }
  const expr = input.filter ? parseFilter(input.filter, EXPERIMENT_FILTER) : null;
  const orderBy = input.orderBy ?? [];
  const order = orderBy.map((o) => parseOrderBy(o, EXPERIMENT_FILTER));
  const byId = (ascending: boolean): OrderBy => ({
    ident: { type: "attribute", key: "experiment_id", pos: 0 },
    ascending,
  });
  if (order.length === 0)
    order.push({ ident: { type: "attribute", key: "creation_time", pos: 0 }, ascending: false }, byId(true));
  if (!order.some((o) => o.ident.type === "attribute" && o.ident.key === "experiment_id"))
    order.push(byId(false));
  const fingerprint = queryFingerprint(["experiments", input.filter ?? "", orderBy, scope]);
  const offset = pageOffset(input.pageToken, fingerprint);
  const hits = all.filter((e) => matchesFilter(expr, (ident) => experimentValue(e, ident)));
  hits.sort((a, b) => {
    for (const o of order) {
      const x = orderValue(a, o);
      const y = orderValue(b, o);
      if (x === y) continue;
      // experiments without the key (a tag) sort last either way
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * (o.ascending ? 1 : -1);
    }
    return 0;
  });
  const page = hits.slice(offset, offset + maxResults);
  return {
    experiments: page,
    nextPageToken:
      offset + maxResults < hits.length ? encodeOffsetToken(offset + maxResults, fingerprint) : null,
  };
}
