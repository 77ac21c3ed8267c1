import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../store/index.js";
import { matchRoute, paths } from "../lib/index.js";
import {
  describeEvent,
  eventConcerns,
  evidenceLabel,
  overriddenConditions,
  stageMoves,
} from "./ModelTrail.js";

function event(patch: Partial<AuditEvent>): AuditEvent {
  return {
    id: 1,
    model: "churn",
    at: 0,
    actor: "alice",
    action: "transition",
    version: null,
    fromStage: null,
    toStage: null,
    alias: null,
    previousVersion: null,
    reason: null,
    evidence: [],
    forced: false,
    displaced: [],
    undoes: null,
    ...patch,
  };
}

describe("audit event wording", () => {
  it("names stage moves, alias changes and registrations", () => {
    expect(describeEvent(event({ version: 2, fromStage: "Staging", toStage: "Production" }))).toBe(
      "v2: Staging → Production",
    );
    expect(describeEvent(event({ action: "create_version", version: 3 }))).toBe("Version 3 registered");
    expect(describeEvent(event({ action: "set_alias", alias: "champion", version: 2 }))).toBe(
      "@champion → v2",
    );
    expect(
      describeEvent(event({ action: "set_alias", alias: "champion", version: 3, previousVersion: 2 })),
    ).toBe("@champion → v3 (was v2)");
    expect(describeEvent(event({ action: "delete_alias", alias: "champion", previousVersion: 2 }))).toBe(
      "@champion removed (was v2)",
    );
    expect(describeEvent(event({ action: "set_policy" }))).toBe("Promotion policy set");
  });

  it("names every move of a rollback, and alias rollbacks by what the alias points at after", () => {
    const stage = event({
      action: "rollback",
      version: 2,
      fromStage: "Production",
      toStage: "Staging",
      displaced: [{ version: 1, fromStage: "Archived", toStage: "Production" }],
      undoes: 7,
    });
    expect(describeEvent(stage)).toBe("v2: Production → Staging, v1: Archived → Production");
    expect(stageMoves(stage)).toEqual([
      { version: 2, fromStage: "Production", toStage: "Staging" },
      { version: 1, fromStage: "Archived", toStage: "Production" },
    ]);
    expect(eventConcerns(stage, 1)).toBe(true);
    expect(eventConcerns(stage, 2)).toBe(true);
    expect(eventConcerns(stage, 3)).toBe(false);
    expect(
      describeEvent(event({ action: "rollback", alias: "champion", version: 1, previousVersion: 3 })),
    ).toBe("@champion → v1 (was v3)");
    expect(
      describeEvent(event({ action: "rollback", alias: "champion", version: null, previousVersion: 1 })),
    ).toBe("@champion removed (was v1)");
  });

  it("labels evidence, and lists what a forced change overrode", () => {
    expect(evidenceLabel({ kind: "evaluation", id: "ab".repeat(16), summary: { name: "holdout" } })).toBe(
      "evaluation “holdout”",
    );
    expect(evidenceLabel({ kind: "evaluation", id: "ab".repeat(16) })).toBe("evaluation abababab");
    const override = {
      kind: "policy-override",
      id: "2",
      summary: [
        { kind: "evaluation", condition: "roc_auc ≥ 0.8", ok: false, detail: "0.71" },
        { kind: "online", condition: "online evidence", ok: false, detail: "cannot check yet" },
      ],
    };
    expect(evidenceLabel(override)).toBe("policy overridden (2 unmet conditions)");
    expect(overriddenConditions(override)).toEqual([
      "roc_auc ≥ 0.8 (0.71)",
      "online evidence (cannot check yet)",
    ]);
    expect(evidenceLabel({ kind: "online", id: "ab-1" })).toBe("online ab-1");
    expect(evidenceLabel({ kind: "policy", id: "2", summary: {} })).toBe("policy revision 2");
  });
});

describe("registry routes", () => {
  it("round-trips model and version URLs, names with spaces included", () => {
    expect(matchRoute("/models")).toEqual({ page: "models" });
    expect(matchRoute(paths.model("churn model"))).toEqual({ page: "model", name: "churn model" });
    expect(paths.modelVersion("churn model", 3)).toBe("/models/churn%20model/versions/3");
    expect(matchRoute(paths.modelVersion("churn model", 3))).toEqual({
      page: "modelVersion",
      name: "churn model",
      version: 3,
    });
    expect(paths.model("churn", { trail: "changes" })).toBe("/models/churn?trail=changes");
    for (const bad of ["/models/churn/versions/0", "/models/churn/versions/x", "/models/churn/extra"])
      expect(matchRoute(bad)).toEqual({ page: "notFound", path: bad });
  });
});
