/**
 * Rollback as undo over the audit trail. Every change to the Production stage (or to an alias) is
 * a step on a stack; a rollback undoes the newest step not undone yet, so rolling back twice after
 * v1 → v2 → v3 returns to v1, and the trail says which event each rollback undid.
 */
import { SextantError } from "../core/index.js";
import type { AuditEvent, Stage } from "../store/index.js";

export type RollbackPlan =
  | { kind: "stage"; undoes: number; moves: Array<{ version: number; toStage: Stage }> }
  | { kind: "alias"; undoes: number; alias: string; version: number | null };

function touchesStage(e: AuditEvent, stage: Stage): boolean {
  if (e.action !== "transition" && e.action !== "rollback") return false;
  if (e.alias !== null) return false;
  const moves = [{ version: e.version, fromStage: e.fromStage, toStage: e.toStage }, ...e.displaced];
  return moves.some((m) => m.fromStage !== m.toStage && (m.fromStage === stage || m.toStage === stage));
}

/** The steps still in effect, oldest first: each rollback removes the step it undid. */
function liveSteps(events: readonly AuditEvent[], belongs: (e: AuditEvent) => boolean): AuditEvent[] {
  const stack: AuditEvent[] = [];
  for (const e of events) {
    if (!belongs(e)) continue;
    if (e.action === "rollback") {
      const i = stack.findIndex((s) => s.id === e.undoes);
      if (i >= 0) stack.splice(i, 1);
    } else stack.push(e);
  }
  return stack;
}

export function planStageRollback(events: readonly AuditEvent[], stage: Stage): RollbackPlan {
  const steps = liveSteps(events, (e) => touchesStage(e, stage));
  const last = steps.at(-1);
  if (!last) {
    throw new SextantError("INVALID_STATE", `nothing to roll back: no change to ${stage} is left to undo`, {
      stage,
    });
  }
  // undo: every version the step moved goes back to where it was
  const moves = [
    { version: last.version!, toStage: last.fromStage! },
    ...last.displaced.map((d) => ({ version: d.version, toStage: d.fromStage })),
  ];
  return { kind: "stage", undoes: last.id, moves };
}

export function planAliasRollback(events: readonly AuditEvent[], alias: string): RollbackPlan {
  const steps = liveSteps(
    events,
    (e) =>
      e.alias === alias &&
      (e.action === "set_alias" || e.action === "delete_alias" || e.action === "rollback"),
  );
  const last = steps.at(-1);
  if (!last) {
    throw new SextantError(
      "INVALID_STATE",
      `nothing to roll back: alias '${alias}' has no change left to undo`,
      { alias },
    );
  }
  return { kind: "alias", undoes: last.id, alias, version: last.previousVersion };
}
