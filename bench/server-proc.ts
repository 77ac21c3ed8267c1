/** Starts `sextant server` in a child process for benchmarks (built first) and samples its resident memory. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(new URL(".", import.meta.url).pathname, "..");

export interface BenchServer {
  url: string;
  child: ChildProcess;
  /** Resident set size now, in MB. */
  rssMb(): number;
  /** The resident set split into anonymous memory (heap, buffers) and mapped file pages, in MB. */
  rssParts(): { anonMb: number; fileMb: number };
  stop(): Promise<void>;
}

function field(pid: number, name: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

/** Runs the built server (dist/, compiled first), as it is deployed. */
export function startBenchServer(store: string, extra: string[] = []): Promise<BenchServer> {
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
    { cwd: root },
  );
  const cli = join(root, "dist", "cli", "main.js");
  const child = spawn(
    process.execPath,
    [cli, "server", "--store", store, "--port", "0", "--log-level", "warn", ...extra],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /Sextant server on (http:\/\/\S+)/.exec(err);
      if (m) {
        resolve({
          url: m[1]!,
          child,
          rssMb: () => field(child.pid!, "VmRSS"),
          rssParts: () => ({ anonMb: field(child.pid!, "RssAnon"), fileMb: field(child.pid!, "RssFile") }),
          stop: () =>
            new Promise((done) => {
              child.on("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

/** Samples `f` every `ms` until stopped; returns the maximum seen. */
export function sampler(f: () => number, ms = 250): { stop(): number } {
  let max = f();
  const t = setInterval(() => {
    max = Math.max(max, f());
  }, ms);
  return {
    stop() {
      clearInterval(t);
      return Math.max(max, f());
    },
  };
}
