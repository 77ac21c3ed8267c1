/** Two-column tables of keys and values, with a quick filter when long. */
import { type ReactNode, useMemo, useState } from "react";

export interface KeyValueTableProps {
  entries: ReadonlyArray<[string, ReactNode]>;
  empty?: string;
  /** Show a filter box from this many entries on. */
  filterFrom?: number;
  testId?: string;
}

export function KeyValueTable({ entries, empty = "None", filterFrom = 12, testId }: KeyValueTableProps) {
  const [q, setQ] = useState("");
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return needle ? entries.filter(([k]) => k.toLowerCase().includes(needle)) : entries;
  }, [entries, q]);
  if (entries.length === 0) return <div className="muted small">{empty}</div>;
  return (
    <div className="kv" data-testid={testId}>
      {entries.length >= filterFrom && (
        <input
          className="input input-sm kv-filter"
          placeholder={`Filter ${entries.length} keys…`}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      )}
      <table className="table kv-table">
        <tbody>
          {shown.map(([k, v]) => (
            <tr key={k}>
              <th scope="row" title={k}>
                {k}
              </th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
