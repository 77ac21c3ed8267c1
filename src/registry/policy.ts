/**
 * Promotion policies: per model and per target stage, the evidence a version needs before it may
 * enter that stage. A policy is declarative and stored with the model (versioned, audited):
 *
 *   { Staging: { evaluation: { metric: "f1", mustBeat: "baseline", alpha: 0.05, minBacktestWindows: 5 } },
 *     Production: { online: { … }, modelCard: { complete: true } } }
 *
 * Production requires what Staging requires, plus its own (a key given for Production replaces
 * the same key of Staging). Each key is a kind of evidence checked by a registered checker;
 * "evaluation" is built in. Kinds without a checker yet (online test results and model cards
 * arrive with later parts of Sextant) are unmet with that said, so a policy can name them today
 * and they start to count when their checker is registered — no new policy format needed.
 */
import type { PolicyCheck, PolicyCondition } from "../api/index.js";

import { SextantError } from "../core/index.js";
import type { EvaluationContent } from "../evaluate/index.js";
import { evaluateGate, type GatePolicy } from "../evaluate/index.js";
import type { EvaluationRecord, Evidence, ModelVersion, Stage, Store } from "../store/index.js";

export type { PolicyCheck, PolicyCondition } from "../api/index.js";

export type StageRequirements = Record<string, unknown> & { evaluation?: GatePolicy };

export interface PromotionPolicy {
  Staging?: StageRequirements;
  Production?: StageRequirements;
}

export interface CheckContext {
  version: ModelVersion;
  /** Evidence the caller attached to the promotion. */
  evidence: readonly Evidence[];
  store: Store;
}

export type EvidenceChecker = (requirement: unknown, ctx: CheckContext) => Promise<PolicyCondition[]>;

const CHECKERS = new Map<string, EvidenceChecker>();

/** Teaches policies a new kind of evidence (online test results, model cards, …). */
export function registerEvidenceKind(kind: string, checker: EvidenceChecker): void {
  CHECKERS.set(kind, checker);
}

export function checkPolicyShape(policy: unknown): PromotionPolicy {
  if (policy === null || typeof policy !== "object" || Array.isArray(policy)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      "a promotion policy is an object keyed by stage (Staging, Production)",
    );
  }
  for (const [stage, req] of Object.entries(policy)) {
    if (stage !== "Staging" && stage !== "Production") {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `a promotion policy names Staging or Production, not '${stage}'`,
      );
    }
    if (req === null || typeof req !== "object" || Array.isArray(req)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `the ${stage} requirements are an object keyed by evidence kind`,
      );
    }
    const ev = (req as StageRequirements).evaluation;
    if (ev !== undefined) {
      // a malformed gate fails now, when the policy is set, not at the first promotion
      evaluateGate(ev, emptyEvaluation());
    }
  }
  return policy as PromotionPolicy;
}

/** The requirements for entering `stage` (Production includes Staging's). */
export function requirementsFor(policy: PromotionPolicy | null, stage: Stage): StageRequirements {
  if (!policy) return {};
  if (stage === "Staging") return { ...(policy.Staging ?? {}) };
  if (stage === "Production") return { ...(policy.Staging ?? {}), ...(policy.Production ?? {}) };
  return {};
}

export async function checkPolicy(
  policy: PromotionPolicy | null,
  stage: Stage,
  ctx: CheckContext,
): Promise<PolicyCheck> {
  const conditions: PolicyCondition[] = [];
  for (const [kind, requirement] of Object.entries(requirementsFor(policy, stage))) {
    const checker = CHECKERS.get(kind);
    if (!checker) {
      conditions.push({
        kind,
        condition: `${kind} evidence`,
        ok: false,
        detail: `the policy requires ${kind} evidence, which this Sextant cannot check yet`,
      });
      continue;
    }
    conditions.push(...(await checker(requirement, ctx)));
  }
  const evidence: Evidence[] = [];
  for (const c of conditions) {
    if (c.ok && c.evidence && !evidence.some((e) => e.kind === c.evidence!.kind && e.id === c.evidence!.id)) {
      evidence.push(c.evidence);
    }
  }
  return { stage, pass: conditions.every((c) => c.ok), conditions, evidence };
}

function emptyEvaluation(): EvaluationContent {
  return {
    format: 1,
    label: null,
    threshold: 0.5,
    rows: 0,
    positives: 0,
    datasets: [],
    split: null,
    leakage: [],
    bootstrap: { nBoot: 0, seed: 0, ci: 0.95 },
    metrics: [],
    baseline: null,
    comparisons: [],
    segments: null,
    backtest: null,
    curves: {} as EvaluationContent["curves"],
  };
}

/**
 * The built-in "evaluation" checker: the gate passes on an evaluation given as evidence or on one
 * recorded for the version's run. When none passes, the newest one's failed conditions are listed.
 */
registerEvidenceKind("evaluation", async (requirement, ctx) => {
  const gate = requirement as GatePolicy;
  const records: EvaluationRecord[] = [];
  for (const e of ctx.evidence) {
    if (e.kind === "evaluation") records.push(await ctx.store.evaluations.get(e.id));
  }
  if (ctx.version.runId) {
    for (const r of await ctx.store.evaluations.list({ runId: ctx.version.runId })) {
      if (!records.some((x) => x.evaluationId === r.evaluationId)) records.push(r);
    }
  }
  if (records.length === 0) {
    return [
      {
        kind: "evaluation",
        condition: `evaluation gate on ${gate.metric}`,
        ok: false,
        detail: `no evaluation is recorded for run ${ctx.version.runId ?? "(none)"} or attached as evidence`,
      },
    ];
  }
  let newest: { record: EvaluationRecord; reasons: PolicyCondition[] } | null = null;
  for (const record of records) {
    const result = evaluateGate(gate, record.content as unknown as EvaluationContent);
    const evidence: Evidence = {
      kind: "evaluation",
      id: record.evaluationId,
      summary: { name: record.name },
    };
    const reasons = result.reasons.map((r) => ({
      kind: "evaluation",
      condition: r.condition,
      ok: r.ok,
      detail: r.detail,
      evidence,
    }));
    if (result.pass) return reasons;
    if (!newest || record.createdTime > newest.record.createdTime) newest = { record, reasons };
  }
  return newest!.reasons;
});
