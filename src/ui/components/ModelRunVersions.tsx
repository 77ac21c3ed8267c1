/** "Registered as": the model versions registered from a run, for the run page's header (nothing when none). */
import { useQuery } from "@tanstack/react-query";
import { paths } from "../lib/index.js";
import { runModelVersionsQuery } from "../queries.js";
import { Link } from "../router.js";

export function RunRegisteredAs({ runId }: { runId: string }) {
  const q = useQuery(runModelVersionsQuery(runId));
  const versions = q.data ?? [];
  if (versions.length === 0) return null;
  return (
    <div className="meta-item" data-testid="run-model-versions">
      <dt>Registered as</dt>
      <dd>
        {versions.map((v, i) => (
          <span key={`${v.name}/${v.version}`}>
            {i > 0 && ", "}
            <Link href={paths.modelVersion(v.name, v.version)} data-testid="run-model-version-link">
              {v.name} v{v.version}
            </Link>
            {v.currentStage !== "None" && <span className="muted small"> ({v.currentStage})</span>}
          </span>
        ))}
      </dd>
    </div>
  );
}
