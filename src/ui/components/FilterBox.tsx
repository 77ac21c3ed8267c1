/**
 * The runs filter: the search grammar, applied on Enter. A filter the server rejects shows its
 * message under the box with the offending spot marked (and selected in the input).
 */
import { useEffect, useRef, useState } from "react";

export interface FilterError {
  message: string;
  /** Offset in the applied filter text, when the server gave one. */
  position: number | null;
  /** Length of the offending token. */
  length: number;
}

export interface FilterBoxProps {
  value: string;
  onApply: (filter: string) => void;
  error: FilterError | null;
  busy?: boolean;
}

const EXAMPLES = [
  "metrics.f1 > 0.5",
  "params.model = 'rf' and metrics.loss < 0.2",
  "tags.team = 'vision' or attributes.status = 'FAILED'",
  "attributes.run_name LIKE 'bert%'",
  "metrics.`val loss` IS NOT NULL",
];

export function FilterBox({ value, onApply, error, busy }: FilterBoxProps) {
  const [draft, setDraft] = useState(value);
  const [help, setHelp] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  // The URL changed underneath (back/forward, a link): show what is applied.
  useEffect(() => setDraft(value), [value]);

  useEffect(() => {
    const el = inputRef.current;
    if (!el || !error || error.position === null) return;
    if (el.value !== value) return;
    const start = Math.min(error.position, value.length);
    const end = Math.min(value.length, start + Math.max(1, error.length));
    el.focus();
    el.setSelectionRange(start, end);
  }, [error, value]);

  const dirty = draft !== value;
  const pos = error?.position ?? null;
  const len = Math.max(1, error?.length ?? 1);

  return (
    <div className="filter-box">
      <div className={`filter-input-wrap${error ? " invalid" : ""}`}>
        <span className="filter-label">Filter</span>
        <input
          ref={inputRef}
          data-testid="filter-input"
          className="filter-input"
          value={draft}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "filter-error" : undefined}
          placeholder="metrics.f1 > 0.5 and params.model = 'rf'   (Enter to apply)"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              onApply(draft);
            } else if (e.key === "Escape") setDraft(value);
          }}
        />
        {busy && <span className="filter-busy" aria-hidden="true" />}
        {dirty && <span className="filter-hint">⏎ apply</span>}
        {(value !== "" || draft !== "") && (
          <button
            type="button"
            className="icon-button"
            title="Clear the filter"
            onClick={() => {
              setDraft("");
              onApply("");
            }}
          >
            ×
          </button>
        )}
        <button
          type="button"
          className="icon-button"
          title="Filter syntax"
          onClick={() => setHelp((h) => !h)}
        >
          ?
        </button>
      </div>
      {help && (
        <div className="filter-help">
          <div>
            Compare <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code>{" "}
            (status, run_name, user_id, start_time, end_time, parent_run_id…) with = != &lt; &lt;= &gt; &gt;=
            LIKE ILIKE IN, IS NULL; combine with and / or and parentheses; quote odd keys in backticks.
            Examples:
          </div>
          <ul>
            {EXAMPLES.map((ex) => (
              <li key={ex}>
                <button
                  type="button"
                  className="link-button mono"
                  onClick={() => {
                    setDraft(ex);
                    onApply(ex);
                  }}
                >
                  {ex}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <div className="filter-error" id="filter-error" data-testid="filter-error" role="alert">
          <div className="filter-error-message">{error.message}</div>
          {pos !== null && (
            <pre className="filter-caret" data-position={pos}>
              {value.slice(0, pos)}
              <mark>{value.slice(pos, pos + len) || " "}</mark>
              {value.slice(pos + len)}
              {"\n"}
              {" ".repeat(pos)}^
            </pre>
          )}
          <div className="filter-error-note">The results below are from the last filter that worked.</div>
        </div>
      )}
    </div>
  );
}
