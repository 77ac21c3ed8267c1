/**
 * The registry's rules of change, as pure functions of a model's state (read under the model's
 * lock by RegistryStorage.change): which stage moves, alias moves and deletions are allowed, what
 * else moves with them, and the audit event that records it. The storage applies what they
 * return, in one transaction with the event; a rule that refuses throws, and nothing changes.
 */
import { SextantError } from "../core/index.js";
import {
  type AuditEvent,
  aliasNotFound,
  type ModelState,
  type RegistryChange,
  type Stage,
  versionNotFound,
} from "../store/index.js";

/** Stages that serve traffic: a version in them (or with an alias) is live. */
const LIVE: readonly Stage[] = ["Staging", "Production"];

function stageOf(state: ModelState, version: number): Stage {
  const stage = state.stages.get(version);
  if (stage === undefined) throw versionNotFound(state.name, version);
  return stage;
}

function aliasesOf(state: ModelState, version: number): string[] {
  return [...state.aliases].filter(([, v]) => v === version).map(([a]) => a);
}

/**
 * Moves `version` to `to`. With `archiveExisting`, the model's other versions in a live target
 * stage move to Archived in the same change (the event lists them in `displaced`).
 */
export function planTransition(
  state: ModelState,
  version: number,
  to: Stage,
  options: { archiveExisting?: boolean } = {},
): RegistryChange {
  const from = stageOf(state, version);
  const displaced: AuditEvent["displaced"] = [];
  if (options.archiveExisting && LIVE.includes(to)) {
    for (const [v, stage] of state.stages)
      if (v !== version && stage === to)
        displaced.push({ version: v, fromStage: stage, toStage: "Archived" });
  }
  return {
    edits: [
      ...displaced.map((d) => ({ kind: "stage" as const, version: d.version, stage: d.toStage })),
      { kind: "stage", version, stage: to },
    ],
    event: { action: "transition", version, fromStage: from, toStage: to, displaced },
  };
}

/**
 * Several stage moves as one audited step (a rollback): the first is the event's
 * version/from/to, the others its `displaced`.
 */
export function planStageMoves(
  state: ModelState,
  moves: ReadonlyArray<{ version: number; toStage: Stage }>,
  undoes: number | null,
): RegistryChange {
  if (moves.length === 0) throw new SextantError("INVALID_ARGUMENT", "no stage moves to apply");
  const done = moves.map((m) => ({
    version: m.version,
    fromStage: stageOf(state, m.version),
    toStage: m.toStage,
  }));
  const [first, ...rest] = done;
  return {
    edits: done.map((d) => ({ kind: "stage" as const, version: d.version, stage: d.toStage })),
    event: {
      action: "rollback",
      version: first!.version,
      fromStage: first!.fromStage,
      toStage: first!.toStage,
      displaced: rest,
      undoes,
    },
  };
}

/** Points `alias` at `version` (moving it if it pointed elsewhere). */
export function planSetAlias(
  state: ModelState,
  alias: string,
  version: number,
  options: { undoes?: number | null } = {},
): RegistryChange {
  stageOf(state, version);
  return {
    edits: [{ kind: "alias", alias, version }],
    event: {
      action: options.undoes === undefined ? "set_alias" : "rollback",
      version,
      alias,
      previousVersion: state.aliases.get(alias) ?? null,
      undoes: options.undoes ?? null,
    },
  };
}

/** Removes `alias`. @throws MODEL_ALIAS_NOT_FOUND */
export function planDeleteAlias(
  state: ModelState,
  alias: string,
  options: { undoes?: number | null } = {},
): RegistryChange {
  const prev = state.aliases.get(alias);
  if (prev === undefined) throw aliasNotFound(state.name, alias);
  return {
    edits: [{ kind: "alias", alias, version: null }],
    event: {
      action: options.undoes === undefined ? "delete_alias" : "rollback",
      version: null,
      alias,
      previousVersion: prev,
      undoes: options.undoes ?? null,
    },
  };
}

/** Deletes a version that is not live. @throws INVALID_STATE while it is in Staging/Production or aliased */
export function planDeleteVersion(state: ModelState, version: number): RegistryChange {
  const stage = stageOf(state, version);
  const aliases = aliasesOf(state, version);
  if (LIVE.includes(stage) || aliases.length > 0) {
    throw new SextantError(
      "INVALID_STATE",
      `version ${version} of '${state.name}' is live (${[stage, ...aliases.map((a) => `@${a}`)].join(", ")}): archive it and move its aliases first`,
      { name: state.name, version },
    );
  }
  return {
    edits: [{ kind: "delete-version", version }],
    event: { action: "delete_version", version, fromStage: stage },
  };
}

/** Deletes a model none of whose versions is live. @throws INVALID_STATE otherwise */
export function planDeleteModel(state: ModelState): RegistryChange {
  const live = [...state.stages].filter(([, s]) => LIVE.includes(s)).map(([v, s]) => `v${v} ${s}`);
  const aliases = [...state.aliases.keys()].map((a) => `@${a}`);
  if (live.length > 0 || aliases.length > 0) {
    throw new SextantError(
      "INVALID_STATE",
      `registered model '${state.name}' has live versions (${[...live, ...aliases].join(", ")}): archive them and delete the aliases first`,
      { name: state.name },
    );
  }
  return { edits: [{ kind: "delete-model" }], event: { action: "delete_model" } };
}
