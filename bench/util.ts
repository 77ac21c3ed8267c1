/** Shared bits for benchmarks: temp dirs, timing, percentiles, argument parsing. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `sx-bench-${prefix}-`));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

/** `--key value` pairs into an object of strings. */
export function parseArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) out[a.slice(2)] = "true";
      else {
        out[a.slice(2)] = next;
        i++;
      }
    }
  }
  return out;
}

export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
