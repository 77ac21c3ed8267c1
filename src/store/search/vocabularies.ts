/**
 * What the one filter grammar may name, per subject: which `prefix.` words exist, which bare keys
 * are attributes and what their values compare as. The grammar, the lexer and the error messages
 * are the same for all of them (parser.ts).
 *
 * - runs: MLflow's run search (metrics., params., tags., attributes., datasets.)
 * - experiments: MLflow's experiment search (name, creation_time, last_update_time, tags.)
 * - registered models: MLflow's registered-model search (name, tags.), plus the times
 * - model versions: MLflow's model-version search (name, run_id, version_number, source_path,
 *   tags.), plus current_stage and the times
 */
import { ATTRIBUTE_KEYS, type Comparator, DATASET_KEYS, type EntityType, type Identifier } from "./ast.js";

export type ValueType = "number" | "string";

/** What one kind of identifier may be compared with. */
export interface Rule {
  /** How messages name the identifier: "metric", "param", "attribute 'status'". */
  readonly what: string;
  readonly ops: readonly Comparator[];
  readonly value: ValueType;
}

export const NUMERIC_OPS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"];
export const STRING_OPS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
export const NULLABLE_STRING_OPS: readonly Comparator[] = [...STRING_OPS, "IS NULL", "IS NOT NULL"];

const PREFIX_WORDS: Readonly<Record<EntityType, readonly string[]>> = {
  metric: ["metrics", "metric"],
  param: ["params", "param", "parameters", "parameter"],
  tag: ["tags", "tag"],
  attribute: ["attributes", "attribute", "attr"],
  dataset: ["datasets", "dataset"],
};

export interface VocabularySpec {
  subject: string;
  /** The prefixed entities it knows besides attributes. */
  entities: ReadonlyArray<Exclude<EntityType, "attribute">>;
  /** Further prefix words for attributes (runs also take `run.`). */
  attributePrefixes?: readonly string[];
  attributes: Readonly<Record<string, ValueType>>;
  attributeAliases?: Readonly<Record<string, string>>;
  /** Attributes that are never null (their comparisons leave out IS NULL). */
  required?: readonly string[];
  /** Identifiers an error message offers as examples. */
  examples: string;
}

export class Vocabulary {
  readonly subject: string;
  readonly prefixes: ReadonlyMap<string, EntityType>;
  readonly attributes: Readonly<Record<string, ValueType>>;
  readonly attributeAliases: ReadonlyMap<string, string>;
  readonly datasetKeys: readonly string[];
  readonly examples: string;
  readonly #required: ReadonlySet<string>;

  constructor(spec: VocabularySpec) {
    this.subject = spec.subject;
    const prefixes = new Map<string, EntityType>();
    for (const w of [...PREFIX_WORDS.attribute, ...(spec.attributePrefixes ?? [])])
      prefixes.set(w, "attribute");
    for (const e of spec.entities) for (const w of PREFIX_WORDS[e]) prefixes.set(w, e);
    this.prefixes = prefixes;
    this.attributes = spec.attributes;
    this.attributeAliases = new Map(Object.entries(spec.attributeAliases ?? {}));
    this.datasetKeys = spec.entities.includes("dataset") ? DATASET_KEYS : [];
    this.examples = spec.examples;
    this.#required = new Set(spec.required ?? []);
  }

  /** The canonical `prefix.` of an entity, for messages. */
  prefixOf(type: EntityType): string {
    return `${PREFIX_WORDS[type][0]}.`;
  }

  /** What `ident` may be compared with. */
  ruleFor(ident: Identifier): Rule {
    switch (ident.type) {
      case "metric":
        return { what: "metric", ops: NUMERIC_OPS, value: "number" };
      case "param":
        return { what: "param", ops: NULLABLE_STRING_OPS, value: "string" };
      case "tag":
        return { what: "tag", ops: NULLABLE_STRING_OPS, value: "string" };
      case "dataset":
        return { what: "dataset", ops: STRING_OPS, value: "string" };
      case "attribute": {
        const type = this.attributes[ident.key] ?? "string";
        const what = `attribute '${ident.key}'`;
        const nullable = !this.#required.has(ident.key);
        if (type === "number")
          return { what, ops: nullable ? NUMERIC_OPS : NUMERIC_OPS.slice(0, 6), value: "number" };
        return { what, ops: nullable ? NULLABLE_STRING_OPS : STRING_OPS, value: "string" };
      }
    }
  }
}

export const RUN_FILTER = new Vocabulary({
  subject: "run",
  entities: ["metric", "param", "tag", "dataset"],
  attributePrefixes: ["run"],
  attributes: ATTRIBUTE_KEYS,
  attributeAliases: { created: "start_time" },
  examples: "metrics.loss, params.lr, tags.team, attributes.status or datasets.name",
});

export const EXPERIMENT_FILTER = new Vocabulary({
  subject: "experiment",
  entities: ["tag"],
  attributes: {
    name: "string",
    experiment_id: "string",
    creation_time: "number",
    last_update_time: "number",
  },
  required: ["name", "experiment_id", "creation_time", "last_update_time"],
  examples: "name, creation_time, last_update_time or tags.<key>",
});

export const REGISTERED_MODEL_FILTER = new Vocabulary({
  subject: "registered model",
  entities: ["tag"],
  attributes: { name: "string", creation_timestamp: "number", last_updated_timestamp: "number" },
  attributeAliases: { timestamp: "last_updated_timestamp" },
  required: ["name", "creation_timestamp", "last_updated_timestamp"],
  examples: "name, last_updated_timestamp or tags.<key>",
});

export const MODEL_VERSION_FILTER = new Vocabulary({
  subject: "model version",
  entities: ["tag"],
  attributes: {
    name: "string",
    version_number: "number",
    run_id: "string",
    source_path: "string",
    current_stage: "string",
    creation_timestamp: "number",
    last_updated_timestamp: "number",
  },
  attributeAliases: { timestamp: "last_updated_timestamp", source: "source_path" },
  required: [
    "name",
    "version_number",
    "source_path",
    "current_stage",
    "creation_timestamp",
    "last_updated_timestamp",
  ],
  examples: "name, run_id, version_number, source_path, current_stage or tags.<key>",
});
