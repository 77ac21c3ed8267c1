/**
 * Capture of the environment a run executes in: runtime, machine, lockfile identity, the resolved
 * versions of the project's direct dependencies, and GPUs.
 */

import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { sha256File } from "../../core/index.js";

const execFileAsync = promisify(execFile);

export interface GpuInfo {
  name: string;
  driver: string;
  memoryMb: number | null;
}

export interface Environment {
  node: string; // process.version
  platform: string; // os.platform()
  osRelease: string; // os.release()
  arch: string; // os.arch()
  cpuModel: string; // os.cpus()[0]?.model ?? "unknown"
  cpuCount: number; // os.availableParallelism?.() ?? os.cpus().length
  totalMemoryMb: number; // Math.round(os.totalmem() / 2**20)
  hostname: string;
  lockfile: { path: string; sha256: string } | null; // nearest lockfile walking up from cwd; path absolute
  packageJson: string | null; // absolute path of the nearest package.json walking up from cwd
  dependencies: Record<string, string>; // direct dependency → resolved version, or "unresolved:<range>"; sorted
  gpus: GpuInfo[]; // from nvidia-smi; [] when absent or failing
}

/**
 * Lockfile names looked for in each directory, in order of preference within one directory
 * (npm itself prefers npm-shrinkwrap.json over package-lock.json).
 */
const LOCKFILE_NAMES = [
  "npm-shrinkwrap.json",
  "package-lock.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "bun.lock",
];

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

const NVIDIA_SMI_ARGS = ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader,nounits"];
const NVIDIA_SMI_TIMEOUT_MS = 10_000;

export async function captureEnvironment(
  cwd: string,
  options?: { nvidiaSmi?: string },
): Promise<Environment> {
  const start = resolve(cwd);
  const [lockfile, packageJson, gpus] = await Promise.all([
    findLockfile(start),
    findUp(start, ["package.json"]),
    queryGpus(options?.nvidiaSmi ?? "nvidia-smi"),
  ]);
  const dependencies = packageJson === null ? {} : await resolveDependencies(packageJson);
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: os.platform(),
    osRelease: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model ?? "unknown",
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    hostname: os.hostname(),
    lockfile,
    packageJson,
    dependencies,
    gpus,
  };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` that is a regular file in `start` or its nearest ancestor having one. */
async function findUp(start: string, names: readonly string[]): Promise<string | null> {
  let dir = start;
  for (;;) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (await isFile(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

async function findLockfile(start: string): Promise<{ path: string; sha256: string } | null> {
  const path = await findUp(start, LOCKFILE_NAMES);
  if (path === null) return null;
  try {
    return { path, sha256: (await sha256File(path)).sha256 };
  } catch {
    return null; // vanished or unreadable between the stat and the read
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readJson(p: string): Promise<unknown> {
  const text = await readFile(p, "utf8");
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/** Rejects names that would escape node_modules (`..`, absolute paths, backslashes). */
function isSafePackageName(name: string): boolean {
  if (name === "" || name.includes("\\") || name.includes("\0")) return false;
  const parts = name.split("/");
  if (parts.length > 2 || (parts.length === 2 && !name.startsWith("@"))) return false;
  return parts.every((p) => p !== "" && p !== "." && p !== "..");
}

/**
 * Direct dependencies of `packageJsonPath` mapped to the version installed where Node would find
 * them, else to "unresolved:<declared range>". An unreadable or malformed package.json yields {}.
 * A name declared in several fields takes its range from the first of dependencies,
 * devDependencies, optionalDependencies.
 */
async function resolveDependencies(packageJsonPath: string): Promise<Record<string, string>> {
  let manifest: unknown;
  try {
    manifest = await readJson(packageJsonPath);
  } catch {
    return {};
  }
  if (!isRecord(manifest)) return {};
  const declared = new Map<string, string>();
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (!isRecord(deps)) continue;
    for (const [name, range] of Object.entries(deps)) {
      if (!declared.has(name)) declared.set(name, typeof range === "string" ? range : String(range));
    }
  }
  const baseDir = dirname(packageJsonPath);
  const entries = await Promise.all(
    [...declared].map(async ([name, range]): Promise<[string, string]> => {
      const version = isSafePackageName(name) ? await installedVersion(baseDir, name) : null;
      return [name, version ?? `unresolved:${range}`];
    }),
  );
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/**
 * Version from the first `node_modules/<name>/package.json` found in `dir` and its ancestors
 * (Node's lookup order). null when none exists or the first one found has no string version.
 */
async function installedVersion(dir: string, name: string): Promise<string | null> {
  let current = dir;
  for (;;) {
    // Node does not look into node_modules/node_modules.
    if (!current.endsWith(`${sep}node_modules`)) {
      const manifestPath = join(current, "node_modules", ...name.split("/"), "package.json");
      if (await isFile(manifestPath)) {
        try {
          const m = await readJson(manifestPath);
          return isRecord(m) && typeof m.version === "string" ? m.version : null;
        } catch {
          return null;
        }
      }
    }
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** GPUs reported by nvidia-smi; [] when it is absent, fails or prints nothing usable. */
async function queryGpus(binary: string): Promise<GpuInfo[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(binary, NVIDIA_SMI_ARGS, {
      timeout: NVIDIA_SMI_TIMEOUT_MS,
      maxBuffer: 1024 * 1024,
      encoding: "utf8",
      windowsHide: true,
    }));
  } catch {
    return [];
  }
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length < 3) continue;
    // Parse from the right so a comma inside the GPU name cannot shift the other fields.
    const memory = fields.pop() ?? "";
    const driver = fields.pop() ?? "";
    const name = fields.join(", ");
    const memoryNum = /^\d+(\.\d+)?$/.test(memory) ? Number(memory) : Number.NaN;
    gpus.push({ name, driver, memoryMb: Number.isFinite(memoryNum) ? memoryNum : null });
  }
  return gpus;
}
