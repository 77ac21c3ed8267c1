/** Side-by-side rows for the compare page: which keys differ across runs. */
import { naturalCompare } from "./runValues.js";

export interface DiffRow<V> {
  key: string;
  /** One entry per run, undefined when the run lacks the key. */
  values: Array<V | undefined>;
  /** Some run's value differs from another's (a missing value counts as different). */
  differs: boolean;
}

/** Rows for every key any run has, sorted naturally, each marked when its values differ. */
export function diffRows<V>(maps: ReadonlyArray<Readonly<Record<string, V>>>): Array<DiffRow<V>> {
  const keys = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) keys.add(k);
  return [...keys].sort(naturalCompare).map((key) => {
    const values = maps.map((m) => (Object.hasOwn(m, key) ? m[key] : undefined));
    const first = values[0];
    const differs = values.some((v) => v === undefined || !Object.is(v, first)) && !(values.length < 2);
    return { key, values, differs };
  });
}

/** Index of the best value in a row (max or min of the finite numbers), null if fewer than two are finite. */
export function bestIndex(values: ReadonlyArray<number | undefined>, higherIsBetter: boolean): number | null {
  let best: number | null = null;
  let finite = 0;
  values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    finite++;
    if (best === null || (higherIsBetter ? v > values[best]! : v < values[best]!)) best = i;
  });
  return finite >= 2 ? best : null;
}

/** A guess at whether larger is better for a metric, from its name. */
export function higherIsBetter(key: string): boolean {
  return !/(loss|err|error|mse|mae|rmse|perplexity|latency|time|duration|wer|cer)/i.test(key);
}

/** Legend labels: run names, with a short id added where two runs share a name (or a run has none). */
export function uniqueNames(runs: ReadonlyArray<{ runId: string; runName: string }>): string[] {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.runName, (counts.get(r.runName) ?? 0) + 1);
  return runs.map((r) => {
    if (!r.runName) return r.runId.slice(0, 8);
    return (counts.get(r.runName) ?? 0) > 1 ? `${r.runName} (${r.runId.slice(0, 6)})` : r.runName;
  });
}

/** The metric to show first: the key most runs have (ties: natural order). */
export function defaultMetric(metricKeys: ReadonlyArray<readonly string[]>): string | null {
  const counts = new Map<string, number>();
  for (const keys of metricKeys) for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  let best: string | null = null;
  for (const [k, n] of counts) {
    const b = best === null ? 0 : counts.get(best)!;
    if (best === null || n > b || (n === b && naturalCompare(k, best) < 0)) best = k;
  }
  return best;
}
