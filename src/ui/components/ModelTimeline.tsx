/**
 * A model's audit trail as a timeline, newest first: who, when, what (from → to), the reason, the
 * evidence (evaluations link to their page), forced changes and rollbacks marked, a rollback with
 * a link to the event it undid. Each event has an anchor (#event-<id>) to share.
 */
import type { AuditEvent, Evidence } from "../../store/index.js";
import { paths } from "../lib/index.js";
import { Link } from "../router.js";
import { StageBadge, VersionLink } from "./ModelBadges.js";
import { describeEvent, evidenceLabel, overriddenConditions, stageMoves } from "./ModelTrail.js";
import { Time } from "./Time.js";

export function ModelTimeline({
  name,
  events,
  all,
  emptyText = "No events.",
}: {
  name: string;
  /** The events to show (oldest first, as the API sends them). */
  events: readonly AuditEvent[];
  /** The whole trail, to describe what a rollback undid (default: `events`). */
  all?: readonly AuditEvent[];
  emptyText?: string;
}) {
  const byId = new Map((all ?? events).map((e) => [e.id, e]));
  if (events.length === 0) return <div className="muted small">{emptyText}</div>;
  return (
    <ol className="trail" data-testid="timeline">
      {[...events].reverse().map((e) => (
        <TrailEvent
          key={e.id}
          name={name}
          event={e}
          undone={e.undoes === null ? null : (byId.get(e.undoes) ?? null)}
        />
      ))}
    </ol>
  );
}

function TrailEvent({
  name,
  event: e,
  undone,
}: {
  name: string;
  event: AuditEvent;
  undone: AuditEvent | null;
}) {
  const rollback = e.action === "rollback";
  const moves = e.action === "transition" || rollback ? stageMoves(e) : [];
  const kind = rollback ? "rollback" : e.forced ? "forced" : e.action;
  return (
    <li
      className="trail-event"
      id={`event-${e.id}`}
      data-testid="timeline-event"
      data-action={e.action}
      data-forced={e.forced ? "1" : "0"}
      data-version={e.version ?? ""}
    >
      <span className="trail-dot" data-kind={kind} aria-hidden="true" />
      <div className="trail-body">
        <div className="trail-head">
          <span className="trail-title" data-testid="event-title">
            {describeEvent(e)}
          </span>
          {e.forced && (
            <span
              className="badge badge-bad"
              data-testid="event-forced"
              title="the promotion policy was overridden"
            >
              forced
            </span>
          )}
          {rollback && (
            <span className="badge badge-warn" data-testid="event-rollback">
              rollback
            </span>
          )}
          <a href={`#event-${e.id}`} className="trail-id muted small" title="Link to this event">
            #{e.id}
          </a>
        </div>
        <div className="trail-meta small">
          <span className="trail-actor" data-testid="event-actor">
            {e.actor}
          </span>
          <span className="muted"> · </span>
          <Time ms={e.at} compact />
        </div>
        {moves.length > 0 && (
          <div className="trail-moves small">
            {moves.map((m) => (
              <span key={m.version} className="trail-move" data-testid="event-move">
                <VersionLink name={name} version={m.version} /> <StageBadge stage={m.fromStage} /> →{" "}
                <StageBadge stage={m.toStage} />
              </span>
            ))}
          </div>
        )}
        {e.reason && (
          <div className="trail-reason" data-testid="event-reason">
            {e.reason}
          </div>
        )}
        {rollback && e.undoes !== null && (
          <div className="trail-undoes small" data-testid="event-undoes">
            undoes{" "}
            <a href={`#event-${e.undoes}`}>
              #{e.undoes}
              {undone ? `: ${describeEvent(undone)}` : ""}
            </a>
            {undone && (
              <span className="muted">
                {" "}
                by {undone.actor}
                {undone.reason ? ` (“${undone.reason}”)` : ""}
              </span>
            )}
          </div>
        )}
        {e.evidence.length > 0 && (
          <div className="trail-evidence small" data-testid="event-evidence">
            <span className="muted">Evidence: </span>
            {e.evidence.map((ev, i) => (
              <span key={`${ev.kind}:${ev.id}`}>
                {i > 0 && " · "}
                <EvidenceItem evidence={ev} />
              </span>
            ))}
          </div>
        )}
      </div>
    </li>
  );
}

function EvidenceItem({ evidence }: { evidence: Evidence }) {
  const label = evidenceLabel(evidence);
  if (evidence.kind === "evaluation") {
    return (
      <Link href={paths.evaluation(evidence.id)} data-testid="evidence-link" data-kind="evaluation">
        {label}
      </Link>
    );
  }
  const overridden = overriddenConditions(evidence);
  return (
    <span data-kind={evidence.kind} title={overridden.length ? overridden.join("\n") : undefined}>
      {label}
      {overridden.length > 0 && <span className="muted">: {overridden.join("; ")}</span>}
    </span>
  );
}
