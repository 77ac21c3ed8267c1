import { formatRelative, formatTimestamp } from "../lib/index.js";

/** A time as "3 h ago", with the absolute time beside it (or in the tooltip when compact). */
export function Time({ ms, compact = false }: { ms: number | null | undefined; compact?: boolean }) {
  if (ms === null || ms === undefined) return <span className="muted">—</span>;
  const abs = formatTimestamp(ms);
  const rel = formatRelative(ms, Date.now());
  if (compact) return <time title={abs}>{abs}</time>;
  return (
    <span className="time">
      <time dateTime={new Date(ms).toISOString()} title={abs}>
        {rel}
      </time>
      <span className="time-abs">{abs}</span>
    </span>
  );
}
