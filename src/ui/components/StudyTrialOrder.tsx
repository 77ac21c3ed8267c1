/** The trials table's order (apart from the table, so it loads without a browser). */
import type { TrialRow } from "../../api/index.js";

export type TrialSort = "number" | "value" | "duration";

/** Rows sorted: by number, by a value (trials without one last) or by duration. */
export function sortTrials(
  rows: readonly TrialRow[],
  sort: TrialSort,
  desc: boolean,
  objective: number,
): TrialRow[] {
  const key = (r: TrialRow): number | null =>
    sort === "number" ? r.number : sort === "value" ? (r.values?.[objective] ?? null) : r.durationMs;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
    return (desc ? y - x : x - y) || a.number - b.number;
  });
}
