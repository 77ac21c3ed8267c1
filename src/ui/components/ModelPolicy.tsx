/**
 * A model's promotion policy: its requirements per stage, and per version which conditions a
 * promotion to Staging and to Production would meet now (✓/✗ with the checker's detail).
 */
import type { PolicyCheck, VersionPolicyChecks } from "../../api/index.js";
import type { StoredPolicy } from "../../store/index.js";
import { paths } from "../lib/index.js";
import { Link } from "../router.js";
import { CheckMark, VersionLink } from "./ModelBadges.js";
import { Time } from "./Time.js";

const STAGES = ["Staging", "Production"] as const;

/** The stored policy: per stage, each kind of evidence with its settings. */
export function PolicyRequirements({ policy }: { policy: StoredPolicy }) {
  const p = (policy.policy ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return (
    <div className="policy-reqs" data-testid="policy-requirements">
      {STAGES.map((stage) => {
        const req = p[stage];
        const kinds = req ? Object.entries(req) : [];
        return (
          <div key={stage} className="policy-stage">
            <div className="policy-stage-name">To {stage}</div>
            {stage === "Production" && p.Staging && (
              <div className="muted small">everything Staging requires{kinds.length ? ", and:" : ""}</div>
            )}
            {kinds.length === 0 && !(stage === "Production" && p.Staging) && (
              <div className="muted small">no requirement</div>
            )}
            {kinds.map(([kind, settings]) => (
              <div key={kind} className="policy-req">
                <span className="strong">{kind}</span>{" "}
                <span className="mono small">{settingsText(settings)}</span>
              </div>
            ))}
          </div>
        );
      })}
      <div className="muted small policy-rev">
        revision {policy.revision} · set by {policy.actor} · <Time ms={policy.updatedTime} compact />
      </div>
    </div>
  );
}

function settingsText(settings: unknown): string {
  if (settings === null || typeof settings !== "object") return JSON.stringify(settings);
  return Object.entries(settings as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

/** The conditions of one check, each with ✓/✗ and its detail; evaluation evidence links to its page. */
export function PolicyConditions({ check }: { check: PolicyCheck }) {
  if (check.conditions.length === 0) return <span className="muted small">no condition</span>;
  return (
    <ul className="policy-conditions">
      {check.conditions.map((c, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: conditions are positional
        <li key={i} data-testid="policy-condition" data-ok={c.ok ? "1" : "0"} data-kind={c.kind}>
          <CheckMark ok={c.ok} /> <span className="policy-condition">{c.condition}</span>
          <span className="muted small policy-detail"> — {c.detail}</span>
          {c.evidence?.kind === "evaluation" && (
            <>
              {" "}
              <Link
                href={paths.evaluation(c.evidence.id)}
                className="small"
                data-testid="policy-evidence-link"
              >
                evaluation
              </Link>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Per version: whether it could enter Staging and Production now, and why. */
export function PolicyChecksTable({
  name,
  checks,
}: {
  name: string;
  checks: ReadonlyArray<{ version: number } & VersionPolicyChecks>;
}) {
  return (
    <table className="table policy-table" data-testid="policy-checks">
      <thead>
        <tr>
          <th>Version</th>
          <th>To Staging</th>
          <th>To Production</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.version} data-testid="policy-row" data-version={c.version}>
            <td className="policy-version">
              <VersionLink name={name} version={c.version} />
            </td>
            {STAGES.map((stage) => (
              <td key={stage} data-stage={stage} data-pass={c[stage].pass ? "1" : "0"}>
                <div className="policy-verdict">
                  <CheckMark ok={c[stage].pass} />{" "}
                  {c[stage].pass ? "meets the policy" : "does not meet the policy"}
                </div>
                <PolicyConditions check={c[stage]} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
