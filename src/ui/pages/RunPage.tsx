/**
 * `/runs/:runId?tab=…&metric=…`: one run. Tabs: overview (params, tags, latest metrics and a chart
 * per metric series), datasets, code (version, command line, diff), environment, artifacts.
 * Chart settings (x, smooth, log), the metric search (q), the focused metric (metric) and the
 * previewed artifact (path) are in the query string.
 */
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api.js";
import {
  ArtifactBrowser,
  ChartControls,
  type ChartSettings,
  DiffView,
  Empty,
  ErrorPanel,
  KeyValueTable,
  MetricChart,
  RunEvaluations,
  RunRegisteredAs,
  readChartSettings,
  Skeleton,
  Spinner,
  StatusBadge,
  Time,
} from "../components/index.js";
import type { MetricSummary, Run, RunDataset } from "../lib/index.js";
import {
  childrenOf,
  formatBytes,
  formatDuration,
  formatInt,
  formatNumber,
  naturalCompare,
  paths,
  runDuration,
  shellJoin,
  shortId,
  withQuery,
} from "../lib/index.js";
import { runQuery } from "../queries.js";
import { Link, useSearchParams, useSetQuery } from "../router.js";

const TABS = ["overview", "datasets", "code", "environment", "artifacts"] as const;
type Tab = (typeof TABS)[number];

export function RunPage({ runId }: { runId: string }) {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const run = useQuery(runQuery(runId));
  const tab: Tab = TABS.find((t) => t === q.get("tab")) ?? "overview";

  if (run.isPending) {
    return (
      <div className="page">
        <Skeleton rows={3} height={20} />
        <Skeleton rows={8} />
      </div>
    );
  }
  if (run.isError) {
    return (
      <div className="page">
        <ErrorPanel error={run.error} title="Cannot load the run">
          <Link href="/">Back to the experiments</Link>
        </ErrorPanel>
      </div>
    );
  }
  const r = run.data;
  const tabLabel: Record<Tab, ReactNode> = {
    overview: "Overview",
    datasets: (
      <>
        Datasets <span className="tab-count">{r.datasets.length}</span>
      </>
    ),
    code: "Code",
    environment: "Environment",
    artifacts: "Artifacts",
  };
  return (
    <div className="page run-page">
      <RunHeader run={r} refreshing={run.isFetching} />
      <nav className="tabs" aria-label="Run sections">
        {TABS.map((t) => (
          <Link
            key={t}
            href={withQuery(paths.run(runId), t === "overview" ? {} : { tab: t })}
            className={t === tab ? "tab active" : "tab"}
            aria-current={t === tab ? "page" : undefined}
          >
            {tabLabel[t]}
          </Link>
        ))}
      </nav>
      {tab === "overview" && <Overview run={r} q={q} setQuery={setQuery} />}
      {tab === "datasets" && <Datasets datasets={r.datasets} />}
      {tab === "code" && <CodeTab run={r} />}
      {tab === "environment" && <EnvironmentTab run={r} />}
      {tab === "artifacts" && (
        <ArtifactBrowser runId={runId} selected={q.get("path")} onSelect={(p) => setQuery({ path: p })} />
      )}
    </div>
  );
}

function RunHeader({ run, refreshing }: { run: Run; refreshing: boolean }) {
  const i = run.info;
  const dur = runDuration(i.startTime, i.endTime, i.status === "RUNNING", Date.now());
  const childrenHref = withQuery(paths.runs(i.experimentId), { filter: childrenOf(i.runId), group: "0" });
  return (
    <section className="run-header" data-testid="run-header">
      <div className="run-title">
        <h1>{i.runName || shortId(i.runId)}</h1>
        <StatusBadge info={i} />
        {i.lifecycleStage === "deleted" && <span className="badge badge-muted">deleted</span>}
        <CopyText text={i.runId} className="mono muted run-id" />
        {refreshing && <Spinner inline label="" />}
      </div>
      <dl className="meta">
        <Meta label="Experiment">
          <Link href={paths.runs(i.experimentId)}>#{i.experimentId}</Link>
        </Meta>
        <Meta label="Started">
          <Time ms={i.startTime} />
        </Meta>
        <Meta label="Ended">
          {i.endTime === null ? <span className="muted">—</span> : <Time ms={i.endTime} />}
        </Meta>
        <Meta label="Duration">{formatDuration(dur) || "—"}</Meta>
        <Meta label="User">{i.userId || "—"}</Meta>
        <Meta label="Seed">{i.seed ?? <span className="muted">none</span>}</Meta>
        <Meta label="Parent">
          {i.parentRunId ? (
            <Link href={paths.run(i.parentRunId)} className="mono">
              {shortId(i.parentRunId)}
            </Link>
          ) : (
            <span className="muted">none</span>
          )}
        </Meta>
        <Meta label="Children">
          <Link href={childrenHref}>list child runs</Link>
        </Meta>
        {run.data.tags["sextant.study"] !== undefined && (
          <Meta label="Study">
            <Link href={paths.study(run.data.tags["sextant.study"])} data-testid="run-study-link">
              {run.data.tags["sextant.study"]}
              {run.data.tags["sextant.trial"] !== undefined && ` · trial #${run.data.tags["sextant.trial"]}`}
            </Link>
          </Meta>
        )}
        <RunRegisteredAs runId={i.runId} />
        {i.status === "RUNNING" && (
          <Meta label="Heartbeat">
            <Time ms={i.heartbeatAt} />
          </Meta>
        )}
      </dl>
    </section>
  );
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="meta-item">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function CopyText({ text, className }: { text: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={`copy ${className ?? ""}`}
      title="Copy"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
    >
      {text}
      <span className="copy-note">{copied ? "copied" : "copy"}</span>
    </button>
  );
}

// ---- overview ----

const METRIC_TABLE_LIMIT = 200;
const CHART_PAGE = 24;

function Overview({
  run,
  q,
  setQuery,
}: {
  run: Run;
  q: URLSearchParams;
  setQuery: (patch: Record<string, string | number | null>, o?: { replace?: boolean }) => void;
}) {
  const settings = readChartSettings(q);
  const search = q.get("q") ?? "";
  const focus = q.get("metric");
  const summaries = useMemo(
    () => [...run.metricSummaries].sort((a, b) => naturalCompare(a.key, b.key)),
    [run.metricSummaries],
  );
  const byKey = useMemo(() => new Map(summaries.map((s) => [s.key, s])), [summaries]);
  const matching = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? summaries.filter((s) => s.key.toLowerCase().includes(needle)) : summaries;
  }, [summaries, search]);
  const params = useMemo(
    () =>
      Object.entries(run.data.params).sort(([a], [b]) => naturalCompare(a, b)) as Array<[string, ReactNode]>,
    [run.data.params],
  );
  const tags = useMemo(
    () =>
      Object.entries(run.data.tags).sort(([a], [b]) => naturalCompare(a, b)) as Array<[string, ReactNode]>,
    [run.data.tags],
  );
  const focusHref = (key: string | null) =>
    withQuery(paths.run(run.info.runId), Object.fromEntries(patchFocus(q, key)));

  return (
    <div className="overview">
      <div className="overview-panels">
        <section className="panel">
          <h2>
            Params <span className="muted">{params.length}</span>
          </h2>
          <div className="panel-scroll">
            <KeyValueTable entries={params} empty="No params." testId="run-params" />
          </div>
        </section>
        <section className="panel">
          <h2>
            Tags <span className="muted">{tags.length}</span>
          </h2>
          <div className="panel-scroll">
            <KeyValueTable entries={tags} empty="No tags." testId="run-tags" />
          </div>
        </section>
        <section className="panel panel-wide">
          <h2>
            Latest metrics <span className="muted">{summaries.length}</span>
          </h2>
          <div className="panel-scroll">
            <MetricsTable summaries={matching} total={summaries.length} focusHref={focusHref} />
          </div>
        </section>
        <RunEvaluations runId={run.info.runId} />
      </div>

      <section className="charts-section">
        <div className="charts-head">
          <h2>
            Charts <span className="muted">{summaries.length}</span>
          </h2>
          <input
            className="input input-sm"
            type="search"
            placeholder="Filter metrics…"
            value={search}
            onChange={(e) => setQuery({ q: e.target.value || null }, { replace: true })}
            aria-label="Filter metrics"
          />
          <ChartControls settings={settings} onChange={(p) => setQuery(p, { replace: true })} />
        </div>
        {focus !== null && (
          <div className="focus-chart">
            <MetricChart
              key={`focus:${focus}`}
              runId={run.info.runId}
              metric={focus}
              summary={byKey.get(focus)}
              settings={settings}
              height={380}
              compact={false}
              lazy={false}
              title={
                <>
                  {focus}{" "}
                  <Link href={focusHref(null)} className="small">
                    close
                  </Link>
                </>
              }
            />
          </div>
        )}
        {summaries.length === 0 ? (
          <Empty>This run has logged no metrics.</Empty>
        ) : matching.length === 0 ? (
          <Empty>No metric matches “{search}”.</Empty>
        ) : (
          <ChartGrid runId={run.info.runId} summaries={matching} settings={settings} focusHref={focusHref} />
        )}
      </section>
    </div>
  );
}

function patchFocus(q: URLSearchParams, key: string | null): URLSearchParams {
  const n = new URLSearchParams(q);
  if (key === null) n.delete("metric");
  else n.set("metric", key);
  return n;
}

function MetricsTable({
  summaries,
  total,
  focusHref,
}: {
  summaries: MetricSummary[];
  total: number;
  focusHref: (key: string) => string;
}) {
  if (total === 0) return <div className="muted small">No metrics.</div>;
  const shown = summaries.slice(0, METRIC_TABLE_LIMIT);
  return (
    <>
      <table className="table metrics-table" data-testid="run-metrics">
        <thead>
          <tr>
            <th>Metric</th>
            <th className="num">Last</th>
            <th className="num">Min</th>
            <th className="num">Max</th>
            <th className="num">Step</th>
            <th className="num">Points</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr key={s.key}>
              <th scope="row" title={s.key}>
                <Link href={focusHref(s.key)}>{s.key}</Link>
              </th>
              <td className="num strong">{formatNumber(s.value)}</td>
              <td className="num">{s.min === null ? "—" : formatNumber(s.min)}</td>
              <td className="num">{s.max === null ? "—" : formatNumber(s.max)}</td>
              <td className="num">{formatInt(s.step)}</td>
              <td className="num">{formatInt(s.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {summaries.length > shown.length && (
        <div className="muted small">
          {summaries.length - shown.length} more; filter the metrics to find one.
        </div>
      )}
    </>
  );
}

/** Small multiples, one per metric; more are added as the grid is scrolled to its end. */
function ChartGrid({
  runId,
  summaries,
  settings,
  focusHref,
}: {
  runId: string;
  summaries: MetricSummary[];
  settings: ChartSettings;
  focusHref: (key: string) => string;
}) {
  const [limit, setLimit] = useState(CHART_PAGE);
  const sentinel = useRef<HTMLDivElement>(null);
  const more = summaries.length > limit;
  useEffect(() => {
    if (!more || !sentinel.current) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setLimit((l) => l + CHART_PAGE);
      },
      { rootMargin: "400px 0px" },
    );
    io.observe(sentinel.current);
    return () => io.disconnect();
  }, [more]);
  return (
    <>
      <div className="chart-grid">
        {summaries.slice(0, limit).map((s) => (
          <MetricChart
            key={s.key}
            runId={runId}
            metric={s.key}
            summary={s}
            settings={settings}
            height={190}
            title={
              <Link href={focusHref(s.key)} title={`Enlarge ${s.key}`}>
                {s.key}
              </Link>
            }
          />
        ))}
      </div>
      {more && (
        <div ref={sentinel} className="grid-more">
          <Spinner label={`${summaries.length - limit} more charts…`} />
        </div>
      )}
    </>
  );
}

// ---- datasets ----

function parseSchema(schema: string | null): Array<{ name: string; type: string }> | null {
  if (!schema) return null;
  try {
    const v = JSON.parse(schema) as unknown;
    if (Array.isArray(v)) {
      return v.map((c) =>
        typeof c === "object" && c !== null
          ? {
              name: String((c as { name?: unknown }).name ?? ""),
              type: String((c as { type?: unknown }).type ?? ""),
            }
          : { name: String(c), type: "" },
      );
    }
    if (typeof v === "object" && v !== null) {
      return Object.entries(v as Record<string, unknown>).map(([name, type]) => ({
        name,
        type: typeof type === "string" ? type : JSON.stringify(type),
      }));
    }
  } catch {
    // not JSON: shown raw below
  }
  return null;
}

function Datasets({ datasets }: { datasets: RunDataset[] }) {
  const [open, setOpen] = useState<string | null>(null);
  if (datasets.length === 0) return <Empty>No datasets were logged for this run.</Empty>;
  return (
    <table className="table datasets-table" data-testid="run-datasets">
      <thead>
        <tr>
          <th>Name</th>
          <th>Context</th>
          <th>Digest</th>
          <th>Source</th>
          <th className="num">Rows</th>
          <th className="num">Columns</th>
          <th className="num">Size</th>
          <th>Schema</th>
        </tr>
      </thead>
      <tbody>
        {datasets.map((d) => {
          const id = `${d.name}:${d.digest}:${d.context}`;
          const schema = parseSchema(d.schema);
          return (
            <DatasetRow
              key={id}
              d={d}
              schema={schema}
              open={open === id}
              onToggle={() => setOpen(open === id ? null : id)}
            />
          );
        })}
      </tbody>
    </table>
  );
}

function DatasetRow({
  d,
  schema,
  open,
  onToggle,
}: {
  d: RunDataset;
  schema: Array<{ name: string; type: string }> | null;
  open: boolean;
  onToggle: () => void;
}) {
  return (
    <>
      <tr>
        <td className="strong">{d.name}</td>
        <td>
          <span className="chip">{d.context}</span>
        </td>
        <td className="mono" title={d.digest}>
          {shortId(d.digest, 12)}
        </td>
        <td className="mono ellipsis" title={`${d.sourceType}: ${d.source}`}>
          <span className="muted">{d.sourceType}</span> {d.source}
        </td>
        <td className="num">{d.rows === null ? "—" : formatInt(d.rows)}</td>
        <td className="num">{d.columns === null ? "—" : formatInt(d.columns)}</td>
        <td className="num">{formatBytes(d.size) || "—"}</td>
        <td>
          {d.schema || d.profile ? (
            <button type="button" className="link-button" onClick={onToggle}>
              {open ? "hide" : schema ? `${schema.length} columns` : "show"}
            </button>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={8}>
            {schema ? (
              <div className="schema-grid">
                {schema.map((c) => (
                  <span key={c.name} className="schema-col">
                    <span className="mono">{c.name}</span> <span className="muted">{c.type}</span>
                  </span>
                ))}
              </div>
            ) : (
              d.schema && <pre className="preview-text">{d.schema}</pre>
            )}
            {d.profile && <pre className="preview-text small">{prettyJson(d.profile)}</pre>}
          </td>
        </tr>
      )}
    </>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// ---- code ----

/** An https link for a git remote (git@host:org/repo.git → https://host/org/repo). */
function remoteLink(url: string): string | null {
  if (/^https?:\/\//.test(url)) return url.replace(/\.git$/, "");
  const m = /^(?:ssh:\/\/)?git@([^:/]+)[:/](.+?)(?:\.git)?$/.exec(url);
  return m ? `https://${m[1]}/${m[2]}` : null;
}

function CodeTab({ run }: { run: Run }) {
  const c = run.code;
  if (!c) return <Empty>No code version or command line was captured for this run.</Empty>;
  const link = c.remoteUrl ? remoteLink(c.remoteUrl) : null;
  const entries: Array<[string, ReactNode]> = [];
  if (c.commit !== undefined)
    entries.push([
      "Commit",
      c.commit ? (
        <span key="v" className="mono">
          {c.commit}
        </span>
      ) : (
        <span key="v" className="muted">
          no commits yet
        </span>
      ),
    ]);
  if (c.branch !== undefined)
    entries.push([
      "Branch",
      c.branch ?? (
        <span key="v" className="muted">
          detached HEAD
        </span>
      ),
    ]);
  if (c.dirty !== undefined)
    entries.push([
      "Working tree",
      c.dirty ? (
        <span key="v" className="badge badge-warn">
          dirty
        </span>
      ) : (
        <span key="v" className="badge badge-ok">
          clean
        </span>
      ),
    ]);
  if (c.remoteUrl !== undefined)
    entries.push([
      "Remote",
      c.remoteUrl ? (
        link ? (
          <a key="v" href={link} target="_blank" rel="noreferrer">
            {c.remoteUrl}
          </a>
        ) : (
          c.remoteUrl
        )
      ) : (
        <span key="v" className="muted">
          none
        </span>
      ),
    ]);
  if (c.repoRoot)
    entries.push([
      "Repository",
      <span key="v" className="mono">
        {c.repoRoot}
      </span>,
    ]);
  if (c.cwd)
    entries.push([
      "Working directory",
      <span key="v" className="mono">
        {c.cwd}
      </span>,
    ]);
  return (
    <div className="code-tab">
      <section className="panel">
        <h2>Code version</h2>
        <KeyValueTable entries={entries} empty="No git information." />
      </section>
      {c.command && c.command.length > 0 && (
        <section className="panel">
          <h2>Command line</h2>
          <pre className="command">{shellJoin(c.command)}</pre>
          {c.execArgv && c.execArgv.length > 0 && (
            <div className="small muted">
              Node options: <span className="mono">{shellJoin(c.execArgv)}</span>
            </div>
          )}
        </section>
      )}
      <section className="panel">
        <h2>Uncommitted changes</h2>
        {c.diffArtifact ? (
          <CodeDiff runId={run.info.runId} path={c.diffArtifact} />
        ) : (
          <div className="muted">
            {c.dirty ? "The diff was not stored." : "None: the working tree was clean."}
          </div>
        )}
      </section>
    </div>
  );
}

const DIFF_BYTES = 2 * 1024 * 1024;

function CodeDiff({ runId, path }: { runId: string; path: string }) {
  const head = useQuery({
    queryKey: ["artifact-head", runId, path, DIFF_BYTES],
    queryFn: ({ signal }) => api.readArtifactHead(runId, path, DIFF_BYTES, signal),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const text = useMemo(() => (head.data ? new TextDecoder().decode(head.data.bytes) : null), [head.data]);
  if (head.isPending) return <Spinner />;
  if (head.isError) return <ErrorPanel error={head.error} title="Cannot read the diff" />;
  return (
    <>
      <div className="small muted">
        <Link href={withQuery(paths.run(runId), { tab: "artifacts", path })}>{path}</Link> ·{" "}
        <a href={api.artifactUrl(runId, path)} download="code.diff">
          download
        </a>
      </div>
      <DiffView text={text ?? ""} truncated={head.data.truncated} />
    </>
  );
}

// ---- environment ----

function EnvironmentTab({ run }: { run: Run }) {
  const e = run.environment;
  const deps = useMemo(
    () =>
      Object.entries(e?.dependencies ?? {})
        .sort(([a], [b]) => naturalCompare(a, b))
        .map(([k, v]): [string, ReactNode] => [
          k,
          <span key="v" className="mono">
            {v}
          </span>,
        ]),
    [e],
  );
  if (!e) return <Empty>No environment was captured for this run.</Empty>;
  const entries: Array<[string, ReactNode]> = [
    ["Node.js", e.node ?? "—"],
    ["OS", [e.platform, e.osRelease, e.arch].filter(Boolean).join(" ") || "—"],
    ["CPU", e.cpuModel ? `${e.cpuModel}${e.cpuCount ? ` × ${e.cpuCount}` : ""}` : "—"],
    ["Memory", e.totalMemoryMb ? formatBytes(e.totalMemoryMb * 2 ** 20) : "—"],
    ["Host", e.hostname ?? "—"],
    [
      "Lockfile",
      e.lockfile ? (
        <span key="v">
          <span className="mono">{e.lockfile.path}</span>
          <br />
          <span className="mono muted small">sha256 {e.lockfile.sha256}</span>
        </span>
      ) : (
        <span key="v" className="muted">
          none found
        </span>
      ),
    ],
  ];
  if (e.packageJson)
    entries.push([
      "package.json",
      <span key="v" className="mono">
        {e.packageJson}
      </span>,
    ]);
  const gpus = e.gpus ?? [];
  return (
    <div className="env-tab">
      <section className="panel">
        <h2>System</h2>
        <KeyValueTable entries={entries} />
      </section>
      <section className="panel">
        <h2>
          GPUs <span className="muted">{gpus.length}</span>
        </h2>
        {gpus.length === 0 ? (
          <div className="muted small">None detected.</div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Driver</th>
                <th className="num">Memory</th>
              </tr>
            </thead>
            <tbody>
              {gpus.map((g, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: identical GPUs are distinguished by position
                <tr key={i}>
                  <td>{g.name}</td>
                  <td>{g.driver ?? "—"}</td>
                  <td className="num">{g.memoryMb ? formatBytes(g.memoryMb * 2 ** 20) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel panel-wide">
        <h2>
          Dependencies <span className="muted">{deps.length}</span>
        </h2>
        <KeyValueTable entries={deps} empty="No dependencies recorded." filterFrom={10} />
      </section>
    </div>
  );
}
