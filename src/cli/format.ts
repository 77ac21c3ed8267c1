/** Rendering helpers for the CLI's human output. Pure functions: strings in, strings out. */
import Table from "cli-table3";

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}Z`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, "0")}m`;
}

/** A number the way people read metrics: up to 6 significant digits, NaN and ±Inf spelled out. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(6)));
}

export function table(head: string[], rows: string[][]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    wordWrap: false,
  });
  for (const r of rows) t.push(r);
  return t.toString();
}

/** Key/value pairs as an aligned two-column block. */
export function keyValues(pairs: Array<[string, string]>): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n");
}

/** JSON with NaN and ±Infinity kept as the strings "NaN", "Infinity", "-Infinity". */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "number" && !Number.isFinite(v))
        return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      return v;
    },
    2,
  );
}
