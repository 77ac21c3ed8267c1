/** A unified diff with + and − lines coloured, headed by the files it touches. */
import { useMemo, useState } from "react";
import { classifyDiff, summarizeDiff } from "../lib/index.js";

const LINE_LIMIT = 5000;
const FILE_LIMIT = 12;

export function DiffView({ text, truncated }: { text: string; truncated?: boolean }) {
  const lines = useMemo(() => classifyDiff(text), [text]);
  const files = useMemo(() => summarizeDiff(lines), [lines]);
  const [all, setAll] = useState(false);
  const [allFiles, setAllFiles] = useState(false);
  const fileList = allFiles ? files : files.slice(0, FILE_LIMIT);
  const shown = all ? lines : lines.slice(0, LINE_LIMIT);
  if (lines.length === 0) return <div className="muted">The diff is empty.</div>;
  return (
    <div className="diff">
      {files.length > 0 && (
        <ul className="diff-files">
          {fileList.map((f) => (
            <li key={f.path}>
              <span className="mono">{f.path}</span> <span className="diff-count add">+{f.added}</span>{" "}
              <span className="diff-count del">−{f.removed}</span>
            </li>
          ))}
          {fileList.length < files.length && (
            <li>
              <button type="button" className="link-button" onClick={() => setAllFiles(true)}>
                and {files.length - fileList.length} more files
              </button>
            </li>
          )}
        </ul>
      )}
      <pre className="diff-body">
        {shown.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: diff lines are positional
          <div key={i} className={`diff-line diff-${l.kind}`}>
            {l.text || " "}
          </div>
        ))}
      </pre>
      {!all && lines.length > LINE_LIMIT && (
        <button type="button" className="link-button" onClick={() => setAll(true)}>
          Show all {lines.length} lines
        </button>
      )}
      {truncated && (
        <div className="notice">The diff is longer than the part shown; download it for the rest.</div>
      )}
    </div>
  );
}
