/**
 * `/models/:name?trail=changes`: one registered model. Its versions (stage, aliases, run, content
 * hash, creator), its promotion policy with what each version meets of it, and the timeline of
 * its audit trail (`trail=changes` keeps the stage and alias changes only).
 */
import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api.js";
import {
  AliasChips,
  ErrorPanel,
  ModelTimeline,
  PolicyChecksTable,
  PolicyRequirements,
  Skeleton,
  Spinner,
  StageBadge,
  Time,
  VersionLink,
  VersionLinks,
} from "../components/index.js";
import { naturalCompare, paths, shortId } from "../lib/index.js";
import { modelHistoryQuery, modelQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

const CHANGES = new Set(["transition", "rollback", "set_alias", "delete_alias"]);

export function ModelPage({ name }: { name: string }) {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const model = useQuery(modelQuery(name));
  const history = useQuery(modelHistoryQuery(name));
  const changesOnly = q.get("trail") === "changes";

  if (model.isPending) {
    return (
      <div className="page">
        <Skeleton rows={3} height={20} />
        <Skeleton rows={8} />
      </div>
    );
  }
  if (model.isError) {
    const missing = model.error instanceof ApiError && model.error.code === "MODEL_NOT_FOUND";
    return (
      <div className="page">
        <ErrorPanel error={model.error} title={missing ? "No such model" : "Cannot load the model"}>
          <Link href={paths.models()}>Back to the models</Link>
        </ErrorPanel>
      </div>
    );
  }
  const { model: m, versions, policy, checks } = model.data;
  const production = versions.filter((v) => v.currentStage === "Production").map((v) => v.version);
  const staging = versions.filter((v) => v.currentStage === "Staging").map((v) => v.version);
  const passOf = new Map(checks.map((c) => [c.version, c]));
  const events = history.data ?? [];
  const shown = changesOnly ? events.filter((e) => CHANGES.has(e.action)) : events;

  return (
    <div className="page model-page" data-testid="model-page">
      <section className="run-header" data-testid="model-header">
        <div className="run-title">
          <h1>{m.name}</h1>
          {Object.entries(m.tags).map(([k, v]) => (
            <span key={k} className="chip">
              {k}={v}
            </span>
          ))}
          {(model.isFetching || history.isFetching) && <Spinner inline label="" />}
        </div>
        {m.description && <p className="model-description">{m.description}</p>}
        <dl className="meta">
          <div className="meta-item">
            <dt>Production</dt>
            <dd data-testid="model-production">
              <VersionLinks name={m.name} versions={production} />
            </dd>
          </div>
          <div className="meta-item">
            <dt>Staging</dt>
            <dd data-testid="model-staging">
              <VersionLinks name={m.name} versions={staging} />
            </dd>
          </div>
          <div className="meta-item">
            <dt>Aliases</dt>
            <dd data-testid="model-aliases">
              <AliasChips
                name={m.name}
                aliases={Object.entries(m.aliases).sort((a, b) => naturalCompare(a[0], b[0]))}
              />
            </dd>
          </div>
          <div className="meta-item">
            <dt>Versions</dt>
            <dd>{versions.length}</dd>
          </div>
          <div className="meta-item">
            <dt>Policy</dt>
            <dd>
              {policy ? (
                <a href="#policy">revision {policy.revision}</a>
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
          </div>
          <div className="meta-item">
            <dt>Created</dt>
            <dd>
              <Time ms={m.createdTime} />
            </dd>
          </div>
          <div className="meta-item">
            <dt>URI</dt>
            <dd className="mono small">models:/{m.name}/Production</dd>
          </div>
        </dl>
      </section>

      <section className="charts-section">
        <div className="section-head">
          <h2>Versions</h2>
        </div>
        <table className="table model-versions" data-testid="model-versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Run</th>
              <th>Content hash</th>
              <th>Creator</th>
              <th>Created</th>
              {policy && <th>Policy</th>}
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const c = passOf.get(v.version);
              return (
                <tr key={v.version} data-testid="version-row" data-version={v.version}>
                  <td>
                    <VersionLink name={m.name} version={v.version} />
                  </td>
                  <td>
                    <StageBadge stage={v.currentStage} />
                  </td>
                  <td>
                    <AliasChips aliases={v.aliases} />
                  </td>
                  <td>
                    {v.runId ? (
                      <Link href={paths.run(v.runId)} className="mono" data-testid="version-run-link">
                        {shortId(v.runId)}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="mono" title={v.contentHash}>
                    {v.contentHash.slice(0, 12)}
                  </td>
                  <td>{v.creator}</td>
                  <td>
                    <Time ms={v.createdTime} compact />
                  </td>
                  {policy && (
                    <td className="small" data-testid="version-policy">
                      {c ? (
                        <>
                          Staging {c.Staging.pass ? "✓" : "✗"} · Production {c.Production.pass ? "✓" : "✗"}
                        </>
                      ) : (
                        <span className="muted">not checked</span>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <div className="model-columns">
        <section className="panel" id="policy" data-testid="model-policy">
          <div className="section-head">
            <h2>Promotion policy</h2>
          </div>
          {policy ? (
            <>
              <PolicyRequirements policy={policy} />
              <PolicyChecksTable name={m.name} checks={checks} />
              {checks.length < versions.length && (
                <div className="muted small">The newest {checks.length} versions are checked.</div>
              )}
            </>
          ) : (
            <div className="muted small">
              No policy: any version may be promoted. sx.setPromotionPolicy(name, {"{ Staging: gate }"}) sets
              one.
            </div>
          )}
        </section>

        <section className="panel" data-testid="model-timeline">
          <div className="section-head">
            <h2>Timeline</h2>
            <label className="small">
              <input
                type="checkbox"
                checked={changesOnly}
                onChange={(e) => setQuery({ trail: e.target.checked ? "changes" : null }, { replace: true })}
              />{" "}
              stage and alias changes only
            </label>
          </div>
          {history.isError ? (
            <ErrorPanel error={history.error} title="Cannot load the audit trail" />
          ) : history.isPending ? (
            <Skeleton rows={6} />
          ) : (
            <ModelTimeline name={m.name} events={shown} all={events} />
          )}
        </section>
      </div>
    </div>
  );
}
