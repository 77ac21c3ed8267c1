/** Small pieces of the registry pages: stage badges, alias chips, version links, ✓/✗ marks. */
import type { Stage } from "../../store/index.js";
import { paths } from "../lib/index.js";
import { Link } from "../router.js";

export function StageBadge({ stage }: { stage: Stage | null }) {
  const s = stage ?? "None";
  return (
    <span className={`stage stage-${s.toLowerCase()}`} data-stage={s}>
      {s}
    </span>
  );
}

/** A version as a link to its page ("v3"). */
export function VersionLink({ name, version }: { name: string; version: number }) {
  return (
    <Link href={paths.modelVersion(name, version)} className="mono" data-testid="version-link">
      v{version}
    </Link>
  );
}

/** Version links separated by commas, or a dash for none. */
export function VersionLinks({ name, versions }: { name: string; versions: readonly number[] }) {
  if (versions.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {versions.map((v, i) => (
        <span key={v}>
          {i > 0 && ", "}
          <VersionLink name={name} version={v} />
        </span>
      ))}
    </>
  );
}

/** `@alias` chips; with `versions`, each shows the version it points at. */
export function AliasChips({
  aliases,
  name,
}: {
  aliases: ReadonlyArray<string | [string, number]>;
  name?: string;
}) {
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <span className="alias-chips">
      {aliases.map((a) => {
        const [alias, version] = typeof a === "string" ? [a, null] : a;
        return (
          <span key={alias} className="chip alias-chip" data-alias={alias}>
            @{alias}
            {version !== null && name !== undefined && (
              <>
                {" → "}
                <Link href={paths.modelVersion(name, version)}>v{version}</Link>
              </>
            )}
          </span>
        );
      })}
    </span>
  );
}

/** ✓ or ✗, readable by tests and screen readers. */
export function CheckMark({ ok }: { ok: boolean }) {
  return (
    <span
      className={ok ? "check check-ok" : "check check-bad"}
      data-ok={ok ? "1" : "0"}
      title={ok ? "met" : "not met"}
    >
      {ok ? "✓" : "✗"}
    </span>
  );
}
