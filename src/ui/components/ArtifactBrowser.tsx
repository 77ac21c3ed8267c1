/**
 * A run's artifacts: a tree built from the flat listing, and a preview of the selected file —
 * text (first 200 KB), JSON (pretty), CSV/TSV head (first 50 rows), images (blob URL), diffs
 * (coloured); anything else shows its size and a download link.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { api } from "../api.js";
import type { ArtifactEntry } from "../lib/index.js";
import {
  ancestorDirs,
  buildArtifactTree,
  type DirNode,
  delimiterFor,
  formatBytes,
  formatTimestamp,
  imageMime,
  looksLikeText,
  type PreviewKind,
  parseCsvHead,
  previewKind,
  shortId,
  TEXT_PREVIEW_BYTES,
} from "../lib/index.js";
import { artifactsQuery } from "../queries.js";
import { DiffView } from "./DiffView.js";
import { Empty, ErrorPanel, Skeleton, Spinner } from "./States.js";

export function ArtifactBrowser({
  runId,
  selected,
  onSelect,
}: {
  runId: string;
  selected: string | null;
  onSelect: (path: string | null) => void;
}) {
  const list = useQuery(artifactsQuery(runId));
  const tree = useMemo(() => (list.data ? buildArtifactTree(list.data) : null), [list.data]);
  const [open, setOpen] = useState<Set<string>>(() => new Set(selected ? ancestorDirs(selected) : []));
  useEffect(() => {
    if (selected) setOpen((o) => new Set([...o, ...ancestorDirs(selected)]));
  }, [selected]);

  if (list.isPending) return <Skeleton rows={6} />;
  if (list.isError) return <ErrorPanel error={list.error} title="Cannot list the artifacts" />;
  if (!tree || tree.count === 0) return <Empty>This run has no artifacts.</Empty>;
  const entry = selected ? (list.data.find((e) => e.path === selected) ?? null) : null;

  const toggle = (path: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(path)) n.delete(path);
      else n.add(path);
      return n;
    });

  return (
    <div className="artifacts">
      <div className="artifact-tree panel" data-testid="artifact-tree">
        <div className="artifact-tree-head muted small">
          {tree.count} file{tree.count === 1 ? "" : "s"} · {formatBytes(tree.size)}
        </div>
        <TreeLevel dir={tree} depth={0} open={open} toggle={toggle} selected={selected} onSelect={onSelect} />
      </div>
      <div className="artifact-preview panel" data-testid="artifact-preview">
        {entry ? (
          <Preview runId={runId} entry={entry} />
        ) : selected ? (
          <Empty>No artifact at {selected}.</Empty>
        ) : (
          <Empty>Select a file to preview it.</Empty>
        )}
      </div>
    </div>
  );
}

function TreeLevel({
  dir,
  depth,
  open,
  toggle,
  selected,
  onSelect,
}: {
  dir: DirNode;
  depth: number;
  open: ReadonlySet<string>;
  toggle: (path: string) => void;
  selected: string | null;
  onSelect: (path: string | null) => void;
}) {
  return (
    <>
      {dir.dirs.map((d) => {
        const isOpen = open.has(d.path);
        return (
          <div key={d.path}>
            <button
              type="button"
              className="tree-row tree-dir"
              style={{ paddingLeft: 8 + depth * 14 }}
              onClick={() => toggle(d.path)}
              aria-expanded={isOpen}
            >
              <span className="tree-caret">{isOpen ? "▾" : "▸"}</span>
              <span className="tree-name">{d.name}/</span>
              <span className="tree-size">{d.count}</span>
            </button>
            {isOpen && (
              <TreeLevel
                dir={d}
                depth={depth + 1}
                open={open}
                toggle={toggle}
                selected={selected}
                onSelect={onSelect}
              />
            )}
          </div>
        );
      })}
      {dir.files.map((f) => (
        <button
          key={f.path}
          type="button"
          aria-current={selected === f.path ? "true" : undefined}
          className={`tree-row tree-file${selected === f.path ? " selected" : ""}`}
          style={{ paddingLeft: 22 + depth * 14 }}
          onClick={() => onSelect(f.path)}
          data-path={f.path}
        >
          <span className="tree-name">{f.name}</span>
          <span className="tree-size">{formatBytes(f.entry.size)}</span>
        </button>
      ))}
    </>
  );
}

function Preview({ runId, entry }: { runId: string; entry: ArtifactEntry }) {
  const [forceText, setForceText] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new file starts with its own preview kind
  useEffect(() => setForceText(false), [entry.path]);
  const kind: PreviewKind = forceText ? "text" : previewKind(entry.path);
  const url = api.artifactUrl(runId, entry.path);
  const name = entry.path.slice(entry.path.lastIndexOf("/") + 1);
  return (
    <div className="preview">
      <div className="preview-head">
        <span className="mono preview-path" title={entry.path}>
          {entry.path}
        </span>
        <span className="muted small">
          {formatBytes(entry.size)} · sha256 {shortId(entry.sha256, 12)} ·{" "}
          {formatTimestamp(entry.createdTime)}
        </span>
        <a className="button button-sm" href={url} download={name}>
          Download
        </a>
      </div>
      {kind === "image" ? (
        <ImagePreview runId={runId} entry={entry} />
      ) : kind === "binary" ? (
        <div className="preview-binary">
          <p>
            No preview for this kind of file ({formatBytes(entry.size)}).{" "}
            <a href={url} download={name}>
              Download it
            </a>
            .
          </p>
          <button type="button" className="button button-sm" onClick={() => setForceText(true)}>
            Try as text
          </button>
        </div>
      ) : (
        <TextPreview runId={runId} entry={entry} kind={kind} />
      )}
    </div>
  );
}

function useArtifactHead(runId: string, path: string, maxBytes: number) {
  return useQuery({
    queryKey: ["artifact-head", runId, path, maxBytes],
    queryFn: ({ signal }) => api.readArtifactHead(runId, path, maxBytes, signal),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

function TextPreview({ runId, entry, kind }: { runId: string; entry: ArtifactEntry; kind: PreviewKind }) {
  const head = useArtifactHead(runId, entry.path, TEXT_PREVIEW_BYTES);
  const decoded = useMemo(() => {
    if (!head.data) return null;
    const text = new TextDecoder("utf-8").decode(head.data.bytes);
    return { text, truncated: head.data.truncated, binary: !looksLikeText(head.data.bytes) };
  }, [head.data]);
  if (head.isPending) return <Spinner />;
  if (head.isError) return <ErrorPanel error={head.error} title="Cannot read the file" />;
  if (!decoded) return null;
  const note = decoded.truncated ? (
    <div className="notice">
      Showing the first {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(entry.size)}.
    </div>
  ) : null;
  if (decoded.binary) return <div className="muted">This file looks binary; download it to view.</div>;
  if (kind === "json" && !decoded.truncated) {
    try {
      const pretty = JSON.stringify(JSON.parse(decoded.text), null, 2);
      return <pre className="preview-text json">{pretty}</pre>;
    } catch {
      // not valid JSON: fall through to the raw text
    }
  }
  if (kind === "csv")
    return <CsvPreview text={decoded.text} truncated={decoded.truncated} path={entry.path} />;
  if (kind === "diff") return <DiffView text={decoded.text} truncated={decoded.truncated} />;
  return (
    <>
      {note}
      <pre className="preview-text">{decoded.text}</pre>
    </>
  );
}

function CsvPreview({ text, truncated, path }: { text: string; truncated: boolean; path: string }) {
  const head = useMemo(
    () => parseCsvHead(text, { delimiter: delimiterFor(path), maxRows: 50, textTruncated: truncated }),
    [text, truncated, path],
  );
  const width = head.width;
  return (
    <div className="csv-preview">
      <div className="muted small">
        First {head.rows.length} row{head.rows.length === 1 ? "" : "s"}
        {head.truncated ? " (more in the file)" : ""} · {width} column{width === 1 ? "" : "s"}
      </div>
      <div className="csv-scroll">
        <table className="table csv-table">
          <thead>
            <tr>
              <th className="num muted">#</th>
              {Array.from({ length: width }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                <th key={i}>{head.header[i] ?? ""}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {head.rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
              <tr key={i}>
                <td className="num muted">{i + 1}</td>
                {Array.from({ length: width }, (_, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                  <td key={j}>{r[j] ?? ""}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Images as blob URLs with the right type (the server sends octet-stream; SVG needs its type). */
function ImagePreview({ runId, entry }: { runId: string; entry: ArtifactEntry }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    let url: string | null = null;
    setSrc(null);
    setError(null);
    fetch(api.artifactUrl(runId, entry.path), { signal: ctrl.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const blob = new Blob([await res.arrayBuffer()], {
          type: imageMime(entry.path) ?? "application/octet-stream",
        });
        url = URL.createObjectURL(blob);
        setSrc(url);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== "AbortError") setError(e);
      });
    return () => {
      ctrl.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [runId, entry.path]);
  if (error) return <ErrorPanel error={error} title="Cannot load the image" />;
  if (!src) return <Spinner />;
  return (
    <div className="preview-image">
      <img src={src} alt={entry.path} />
    </div>
  );
}
