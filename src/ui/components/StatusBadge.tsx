import type { RunInfo } from "../lib/index.js";

/** A run's status; a run ended for lack of heartbeats reads "crashed". */
export function StatusBadge({ info }: { info: Pick<RunInfo, "status" | "crashed"> }) {
  if (info.crashed) {
    return (
      <span className="status status-crashed" title="FAILED: the run's process stopped sending heartbeats">
        crashed
      </span>
    );
  }
  return <span className={`status status-${info.status.toLowerCase()}`}>{info.status.toLowerCase()}</span>;
}
