/** Words for the registry's audit events (pure: the timeline renders them, tests read them). */
import type { AuditEvent, Evidence, Stage } from "../../store/index.js";

/** One stage move of an event: the version, from, to. */
export interface StageMove {
  version: number;
  fromStage: Stage | null;
  toStage: Stage;
}

/** What an event did, in a short line without the actor and time ("v2: Staging → Production"). */
export function describeEvent(e: AuditEvent): string {
  const v = e.version === null ? "" : `v${e.version}`;
  const move = e.toStage === null ? "" : `${v}: ${e.fromStage ?? "None"} → ${e.toStage}`;
  switch (e.action) {
    case "create_model":
      return "Model created";
    case "update_model":
      return "Model description changed";
    case "rename_model":
      return "Model renamed";
    case "delete_model":
      return "Model deleted";
    case "create_version":
      return `Version ${e.version} registered`;
    case "update_version":
      return `${v} description changed`;
    case "delete_version":
      return `Version ${e.version} deleted`;
    case "transition":
      return move;
    case "set_alias":
      return `@${e.alias} → ${v}${e.previousVersion === null ? "" : ` (was v${e.previousVersion})`}`;
    case "delete_alias":
      return `@${e.alias} removed${e.previousVersion === null ? "" : ` (was v${e.previousVersion})`}`;
    case "rollback":
      if (e.alias !== null) {
        return e.version === null
          ? `@${e.alias} removed${e.previousVersion === null ? "" : ` (was v${e.previousVersion})`}`
          : `@${e.alias} → ${v}${e.previousVersion === null ? "" : ` (was v${e.previousVersion})`}`;
      }
      // a stage rollback moves several versions at once: name every move
      return stageMoves(e)
        .map((m) => `v${m.version}: ${m.fromStage ?? "None"} → ${m.toStage}`)
        .join(", ");
    case "set_policy":
      return "Promotion policy set";
  }
}

/** Every stage move of an event: its own, then the versions it displaced. */
export function stageMoves(e: AuditEvent): StageMove[] {
  const out: StageMove[] = [];
  if (e.version !== null && e.toStage !== null)
    out.push({ version: e.version, fromStage: e.fromStage, toStage: e.toStage });
  for (const d of e.displaced) out.push({ version: d.version, fromStage: d.fromStage, toStage: d.toStage });
  return out;
}

/** Whether an event touched a version (its own, an alias on it, or one it displaced). */
export function eventConcerns(e: AuditEvent, version: number): boolean {
  return e.version === version || e.displaced.some((d) => d.version === version);
}

/** An evidence item as a label; evaluations are linked by the caller. */
export function evidenceLabel(ev: Evidence): string {
  const name = summaryName(ev.summary);
  if (ev.kind === "evaluation") return name ? `evaluation “${name}”` : `evaluation ${ev.id.slice(0, 8)}`;
  if (ev.kind === "policy-override") {
    const n = Array.isArray(ev.summary) ? ev.summary.length : Number(ev.id);
    return `policy overridden (${n} unmet condition${n === 1 ? "" : "s"})`;
  }
  if (ev.kind === "policy") return `policy revision ${ev.id}`;
  return name ? `${ev.kind} “${name}”` : `${ev.kind} ${ev.id}`;
}

/** The conditions a forced change overrode, when the event kept them. */
export function overriddenConditions(ev: Evidence): string[] {
  if (ev.kind !== "policy-override" || !Array.isArray(ev.summary)) return [];
  return ev.summary.map((c) => {
    const o = c as { condition?: unknown; detail?: unknown };
    return `${String(o.condition ?? "condition")}${o.detail ? ` (${String(o.detail)})` : ""}`;
  });
}

function summaryName(summary: unknown): string | null {
  if (summary !== null && typeof summary === "object" && !Array.isArray(summary)) {
    const n = (summary as { name?: unknown }).name;
    if (typeof n === "string" && n !== "") return n;
  }
  return null;
}
