/**
 * `/models/:name/versions/:version`: one model version. What it is (stage, aliases, content hash,
 * files, signature), where it comes from (lineage: run → datasets with their hashes, code version,
 * environment, the study it was a trial of, the evaluations of its run), whether it meets its
 * model's promotion policy, and its part of the audit trail.
 */

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { Lineage } from "../../api/index.js";
import { ApiError } from "../api.js";
import {
  AliasChips,
  CheckMark,
  ErrorPanel,
  eventConcerns,
  ModelTimeline,
  PolicyConditions,
  Skeleton,
  Spinner,
  StageBadge,
  Time,
} from "../components/index.js";
import type { CodeVersion, Environment } from "../lib/index.js";
import { formatBytes, formatNumber, paths, shortId } from "../lib/index.js";
import { modelHistoryQuery, modelVersionQuery } from "../queries.js";
import { Link } from "../router.js";

export function ModelVersionPage({ name, version }: { name: string; version: number }) {
  const detail = useQuery(modelVersionQuery(name, version));
  const history = useQuery(modelHistoryQuery(name));

  if (detail.isPending) {
    return (
      <div className="page">
        <Skeleton rows={3} height={20} />
        <Skeleton rows={8} />
      </div>
    );
  }
  if (detail.isError) {
    const code = detail.error instanceof ApiError ? detail.error.code : null;
    const title =
      code === "MODEL_NOT_FOUND"
        ? "No such model"
        : code === "MODEL_VERSION_NOT_FOUND"
          ? "No such version"
          : "Cannot load the version";
    return (
      <div className="page">
        <ErrorPanel error={detail.error} title={title}>
          <Link href={code === "MODEL_NOT_FOUND" ? paths.models() : paths.model(name)}>
            {code === "MODEL_NOT_FOUND" ? "Back to the models" : `Back to ${name}`}
          </Link>
        </ErrorPanel>
      </div>
    );
  }
  const { version: v, lineage, policy } = detail.data;
  const events = history.data ?? [];
  const mine = events.filter((e) => eventConcerns(e, v.version));

  return (
    <div className="page model-version-page" data-testid="version-page">
      <section className="run-header" data-testid="version-header">
        <div className="run-title">
          <h1>
            {v.name} <span className="mono">v{v.version}</span>
          </h1>
          <StageBadge stage={v.currentStage} />
          {v.aliases.length > 0 && <AliasChips aliases={v.aliases} />}
          {detail.isFetching && <Spinner inline label="" />}
        </div>
        {v.description && <p className="model-description">{v.description}</p>}
        <dl className="meta">
          <Meta label="Model">
            <Link href={paths.model(v.name)}>{v.name}</Link>
          </Meta>
          <Meta label="Source">
            <span className="mono small">{v.source}</span>
          </Meta>
          <Meta label="Content hash">
            <span className="mono small" data-testid="version-hash">
              {v.contentHash}
            </span>
          </Meta>
          <Meta label="Creator">{v.creator}</Meta>
          <Meta label="Registered">
            <Time ms={v.createdTime} />
          </Meta>
          <Meta label="URI">
            <span className="mono small">
              models:/{v.name}/{v.version}
            </span>
          </Meta>
        </dl>
      </section>

      <section className="charts-section">
        <div className="section-head">
          <h2>Lineage</h2>
        </div>
        <LineageFlow lineage={lineage} />
        <div className="lineage-panels">
          <RunPanel lineage={lineage} />
          <DatasetsPanel lineage={lineage} />
          <CodePanel code={lineage.code as CodeVersion | null} />
          <EnvironmentPanel env={lineage.environment as Environment | null} />
          <StudyPanel lineage={lineage} />
          <EvaluationsPanel lineage={lineage} />
        </div>
      </section>

      <div className="model-columns">
        <section className="panel" data-testid="version-policy">
          <div className="section-head">
            <h2>Promotion policy</h2>
            {policy && (
              <Link href={`${paths.model(v.name)}#policy`} className="small">
                the policy
              </Link>
            )}
          </div>
          {policy ? (
            (["Staging", "Production"] as const).map((stage) => (
              <div
                key={stage}
                className="policy-stage"
                data-stage={stage}
                data-pass={policy[stage].pass ? "1" : "0"}
              >
                <div className="policy-verdict">
                  <CheckMark ok={policy[stage].pass} /> To {stage}:{" "}
                  {policy[stage].pass ? "meets the policy" : "does not meet the policy"}
                </div>
                <PolicyConditions check={policy[stage]} />
              </div>
            ))
          ) : (
            <div className="muted small">The model has no promotion policy.</div>
          )}
        </section>
        <section className="panel" data-testid="version-timeline">
          <div className="section-head">
            <h2>History of v{v.version}</h2>
          </div>
          {history.isError ? (
            <ErrorPanel error={history.error} title="Cannot load the audit trail" />
          ) : history.isPending ? (
            <Skeleton rows={4} />
          ) : (
            <ModelTimeline name={v.name} events={mine} all={events} />
          )}
        </section>
      </div>

      <section className="charts-section">
        <div className="section-head">
          <h2>Files</h2>
          {v.signature && (
            <span className="muted small" data-testid="version-signature">
              inputs: {v.signature.inputs.map((f) => `${f.name} (${f.type})`).join(", ")}
            </span>
          )}
        </div>
        <table className="table" data-testid="version-files">
          <thead>
            <tr>
              <th>Path</th>
              <th>sha256</th>
              <th className="num">Size</th>
            </tr>
          </thead>
          <tbody>
            {v.files.map((f) => (
              <tr key={f.path}>
                <td className="mono">
                  {v.runId ? (
                    <Link href={paths.run(v.runId, { tab: "artifacts", path: joinPath(v.source, f.path) })}>
                      {f.path}
                    </Link>
                  ) : (
                    f.path
                  )}
                </td>
                <td className="mono small">{f.sha256}</td>
                <td className="num">{formatBytes(f.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

/** The artifact path of a version's file inside its run (`runs:/<id>/model` + `model.json`). */
function joinPath(source: string, file: string): string {
  const m = /^runs:\/[^/]+\/(.*)$/.exec(source);
  return m?.[1] ? `${m[1]}/${file}` : file;
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="meta-item">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** version → run → inputs, as a row of linked nodes. */
function LineageFlow({ lineage }: { lineage: Lineage }) {
  const v = lineage.version;
  const run = lineage.run;
  return (
    <div className="lineage-flow" data-testid="lineage-flow">
      <span className="lineage-node">
        <span className="lineage-kind">version</span>
        <span className="mono">
          {v.name} v{v.version}
        </span>
      </span>
      <span className="lineage-arrow">←</span>
      <span className="lineage-node">
        <span className="lineage-kind">run</span>
        {run ? (
          <Link href={paths.run(run.runId)} data-testid="lineage-run-link">
            {run.runName || shortId(run.runId)}
          </Link>
        ) : (
          <span className="muted">none</span>
        )}
      </span>
      {lineage.study && (
        <>
          <span className="lineage-arrow">←</span>
          <span className="lineage-node">
            <span className="lineage-kind">study</span>
            <Link href={paths.study(lineage.study.name)}>
              {lineage.study.name}
              {lineage.study.trial !== null && ` #${lineage.study.trial}`}
            </Link>
          </span>
        </>
      )}
      <span className="lineage-arrow">←</span>
      <span className="lineage-node">
        <span className="lineage-kind">datasets</span>
        {lineage.datasets.length === 0 ? (
          <span className="muted">none logged</span>
        ) : (
          lineage.datasets.map((d) => d.name).join(", ")
        )}
      </span>
      {lineage.evaluations.length > 0 && (
        <>
          <span className="lineage-arrow">→</span>
          <span className="lineage-node">
            <span className="lineage-kind">evaluations</span>
            {lineage.evaluations.length}
          </span>
        </>
      )}
    </div>
  );
}

function RunPanel({ lineage }: { lineage: Lineage }) {
  const run = lineage.run;
  return (
    <section className="panel" data-testid="lineage-run">
      <h2>Run</h2>
      {run ? (
        <>
          <div>
            <Link href={paths.run(run.runId)} className="strong">
              {run.runName || shortId(run.runId)}
            </Link>{" "}
            <span className="mono muted small">{run.runId}</span>
          </div>
          <div className="small">
            {run.status.toLowerCase()} · experiment{" "}
            <Link href={paths.runs(run.experimentId)}>#{run.experimentId}</Link> · started{" "}
            <Time ms={run.startTime} compact />
          </div>
          <KeyValues
            title="Params"
            entries={Object.entries(run.params).map(([k, val]) => [k, val])}
            testId="lineage-params"
          />
          <KeyValues
            title="Metrics"
            entries={Object.entries(run.metrics).map(([k, val]) => [
              k,
              typeof val === "number" ? formatNumber(val) : String(val),
            ])}
          />
        </>
      ) : (
        <div className="muted small">Registered from outside a run.</div>
      )}
    </section>
  );
}

function KeyValues({
  title,
  entries,
  testId,
}: {
  title: string;
  entries: Array<[string, string]>;
  testId?: string;
}) {
  if (entries.length === 0) return null;
  const shown = entries.slice(0, 12);
  return (
    <div className="lineage-kv" data-testid={testId}>
      <div className="muted small">{title}</div>
      <table className="table kv-table">
        <tbody>
          {shown.map(([k, val]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td className="mono">{val}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length > shown.length && (
        <div className="muted small">{entries.length - shown.length} more on the run page</div>
      )}
    </div>
  );
}

function DatasetsPanel({ lineage }: { lineage: Lineage }) {
  return (
    <section className="panel" data-testid="lineage-datasets">
      <h2>Datasets</h2>
      {lineage.datasets.length === 0 ? (
        <div className="muted small">No dataset was logged with the run.</div>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Context</th>
              <th>sha256</th>
            </tr>
          </thead>
          <tbody>
            {lineage.datasets.map((d) => (
              <tr key={`${d.name}:${d.digest}:${d.context}`} data-testid="lineage-dataset">
                <td>
                  {lineage.run ? (
                    <Link href={paths.run(lineage.run.runId, { tab: "datasets" })}>{d.name}</Link>
                  ) : (
                    d.name
                  )}
                </td>
                <td>{d.context ?? "—"}</td>
                <td className="mono small lineage-digest" title={d.digest} data-testid="lineage-digest">
                  {d.digest}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CodePanel({ code }: { code: CodeVersion | null }) {
  const rows: Array<[string, ReactNode]> = [];
  if (code) {
    if (code.commit)
      rows.push([
        "Commit",
        <>
          {code.commit.slice(0, 12)}
          {code.dirty && <span className="badge badge-warn">uncommitted changes</span>}
        </>,
      ]);
    if (code.branch) rows.push(["Branch", code.branch]);
    if (code.remoteUrl) rows.push(["Remote", code.remoteUrl]);
    if (code.command) rows.push(["Command", code.command.join(" ")]);
  }
  return (
    <section className="panel" data-testid="lineage-code">
      <h2>Code</h2>
      {rows.length === 0 ? (
        <div className="muted small">No code version was captured with the run.</div>
      ) : (
        <DefinitionRows rows={rows} />
      )}
    </section>
  );
}

function DefinitionRows({ rows }: { rows: ReadonlyArray<[string, ReactNode]> }) {
  return (
    <dl className="lineage-dl small">
      {rows.map(([k, val]) => (
        <div key={k} className="lineage-dl-row">
          <dt>{k}</dt>
          <dd className="mono">{val}</dd>
        </div>
      ))}
    </dl>
  );
}

function EnvironmentPanel({ env }: { env: Environment | null }) {
  const rows: Array<[string, string]> = [];
  if (env) {
    if (env.node) rows.push(["Node", env.node]);
    if (env.platform) rows.push(["Platform", `${env.platform}${env.arch ? ` ${env.arch}` : ""}`]);
    if (env.hostname) rows.push(["Host", env.hostname]);
    if (env.cpuModel) rows.push(["CPU", `${env.cpuModel}${env.cpuCount ? ` × ${env.cpuCount}` : ""}`]);
    if (env.lockfile) rows.push(["Lockfile", `${env.lockfile.path} ${env.lockfile.sha256.slice(0, 12)}`]);
    const deps = Object.keys(env.dependencies ?? {}).length;
    if (deps) rows.push(["Dependencies", String(deps)]);
  }
  return (
    <section className="panel" data-testid="lineage-environment">
      <h2>Environment</h2>
      {rows.length === 0 ? (
        <div className="muted small">No environment was captured with the run.</div>
      ) : (
        <DefinitionRows rows={rows} />
      )}
    </section>
  );
}

function StudyPanel({ lineage }: { lineage: Lineage }) {
  const s = lineage.study;
  return (
    <section className="panel" data-testid="lineage-study">
      <h2>Study</h2>
      {s ? (
        <div className="small">
          Trial {s.trial !== null ? `#${s.trial}` : ""} of{" "}
          <Link href={paths.study(s.name)} data-testid="lineage-study-link">
            {s.name}
          </Link>
          {s.parentRunId && (
            <>
              {" "}
              · study run{" "}
              <Link href={paths.run(s.parentRunId)} className="mono">
                {shortId(s.parentRunId)}
              </Link>
            </>
          )}
        </div>
      ) : (
        <div className="muted small">Not from a study.</div>
      )}
    </section>
  );
}

function EvaluationsPanel({ lineage }: { lineage: Lineage }) {
  return (
    <section className="panel" data-testid="lineage-evaluations">
      <h2>Evaluations</h2>
      {lineage.evaluations.length === 0 ? (
        <div className="muted small">No evaluation is recorded for the run.</div>
      ) : (
        <ul className="plain-list">
          {lineage.evaluations.map((e) => (
            <li key={e.evaluationId}>
              <Link href={paths.evaluation(e.evaluationId)} data-testid="lineage-evaluation-link">
                {e.name}
              </Link>{" "}
              <span className="muted small">
                <Time ms={e.createdTime} compact />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
