/**
 * The search grammar's syntax tree. The grammar is MLflow's run-search filter
 * (`metrics.f1 > 0.5 and params.model = 'rf'`) plus OR and parentheses.
 */

export type EntityType = "metric" | "param" | "tag" | "attribute" | "dataset";

/** Attribute keys a filter or order-by may name, with the type their values compare as. */
export const ATTRIBUTE_KEYS = {
  run_id: "string",
  run_name: "string",
  status: "string",
  user_id: "string",
  artifact_uri: "string",
  experiment_id: "string",
  parent_run_id: "string",
  lifecycle_stage: "string",
  start_time: "number",
  end_time: "number",
} as const;
export type AttributeKey = keyof typeof ATTRIBUTE_KEYS;

/** Dataset keys a filter may name (all strings). */
export const DATASET_KEYS = ["name", "digest", "context"] as const;
export type DatasetKey = (typeof DATASET_KEYS)[number];

export interface Identifier {
  type: EntityType;
  /** For attributes, the canonical key (`created` → `start_time`). */
  key: string;
  /** 0-based offset of the identifier in the source text. */
  pos: number;
}

export type Comparator =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "LIKE"
  | "ILIKE"
  | "IN"
  | "NOT IN"
  | "IS NULL"
  | "IS NOT NULL";

export interface Comparison {
  kind: "cmp";
  ident: Identifier;
  op: Comparator;
  /** number for numeric comparisons, string for string ones, a list for IN / NOT IN, null for IS [NOT] NULL. */
  value: number | string | Array<string | number> | null;
  pos: number;
}

export interface Conjunction {
  kind: "and";
  terms: Expr[];
}

export interface Disjunction {
  kind: "or";
  terms: Expr[];
}

export type Expr = Comparison | Conjunction | Disjunction;

export interface OrderBy {
  ident: Identifier;
  ascending: boolean;
}
