/** Number, time, duration and size formatting for tables and headers. */

/**
 * A number for display: NaN and ±Infinity spelled out, otherwise 6 significant digits; very small
 * or large magnitudes in exponent form (1.23457e+8).
 */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (v === 0) return "0";
  const p = Number(v.toPrecision(6));
  const a = Math.abs(p);
  if (a < 1e-4 || a >= 1e6) return p.toExponential();
  return String(p);
}

/** An integer with thousands separators (1,234,567). */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return formatNumber(n);
  const s = String(Math.trunc(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? `-${grouped}` : grouped;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A duration in milliseconds: "850 ms", "12.3 s", "4m 05s", "2h 03m", "3d 04h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m}m ${pad2(totalS % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad2(m % 60)}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${pad2(h % 24)}h`;
}

/** A run's duration: end − start, or now − start while it runs; null when it never ended. */
export function runDuration(
  startTime: number,
  endTime: number | null,
  running: boolean,
  now: number,
): number | null {
  if (endTime !== null) return endTime - startTime;
  return running ? now - startTime : null;
}

/** How long ago `t` was, relative to `now`: "just now", "42 s ago", "5 min ago", "3 h ago", "12 d ago", "4 mo ago", "2 y ago". */
export function formatRelative(t: number, now: number): string {
  const d = now - t;
  if (d < 0) return "in the future";
  const s = Math.floor(d / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.floor(h / 24);
  if (days < 60) return `${days} d ago`;
  const months = Math.floor(days / 30.44);
  if (months < 24) return `${months} mo ago`;
  return `${Math.floor(days / 365.25)} y ago`;
}

/** A timestamp as "YYYY-MM-DD HH:MM:SS" in local time (UTC when `utc`). */
export function formatTimestamp(ms: number | null | undefined, utc = false): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  const d = new Date(ms);
  const parts = utc
    ? [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      ]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const [y, mo, da, h, mi, s] = parts as [number, number, number, number, number, number];
  return `${y}-${pad2(mo)}-${pad2(da)} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
}

/** A byte count: "512 B", "1.5 KiB", "3.25 MiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

/** A status as shown: crashed runs (FAILED with crashed=true) read "CRASHED". */
export function displayStatus(status: string, crashed: boolean): string {
  return crashed ? "CRASHED" : status;
}

/** First 8 characters of an id or hash. */
export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}
