import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureEnvironment } from "./environment.js";

const dirs: string[] = [];

function tempDir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sextant-env-")));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** A non-existent nvidia-smi so tests do not depend on the machine's GPUs. */
const NO_GPU = { nvidiaSmi: "/nonexistent/sextant/nvidia-smi" };

/**
 * root/
 *   package-lock.json
 *   node_modules/hoisted/package.json            (1.0.0, found from app/ by walking up)
 *   app/package.json                              (declares alpha, @scope/beta, hoisted, missing, opt)
 *   app/node_modules/alpha/package.json           (1.2.3)
 *   app/node_modules/@scope/beta/package.json     (0.4.0-rc.1)
 *   app/node_modules/undeclared/package.json      (installed but not declared: ignored)
 *   app/src/deep/                                 (cwd)
 */
function project(): { root: string; app: string; cwd: string } {
  const root = tempDir();
  const app = path.join(root, "app");
  const cwd = path.join(app, "src", "deep");
  fs.mkdirSync(cwd, { recursive: true });
  fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3,"packages":{}}\n');
  writeJson(path.join(root, "node_modules", "hoisted", "package.json"), {
    name: "hoisted",
    version: "1.0.0",
  });
  writeJson(path.join(app, "package.json"), {
    name: "app",
    dependencies: { alpha: "^1.0.0", missing: "^2.0.0" },
    devDependencies: { "@scope/beta": "~0.4.0", hoisted: "*" },
    optionalDependencies: { opt: "3.x" },
  });
  writeJson(path.join(app, "node_modules", "alpha", "package.json"), { name: "alpha", version: "1.2.3" });
  writeJson(path.join(app, "node_modules", "@scope", "beta", "package.json"), {
    name: "@scope/beta",
    version: "0.4.0-rc.1",
  });
  writeJson(path.join(app, "node_modules", "undeclared", "package.json"), {
    name: "undeclared",
    version: "9.9.9",
  });
  return { root, app, cwd };
}

describe("captureEnvironment", () => {
  it("records runtime and machine facts", async () => {
    const env = await captureEnvironment(tempDir(), NO_GPU);
    expect(env.node).toBe(process.version);
    expect(env.platform).toBe(os.platform());
    expect(env.osRelease).toBe(os.release());
    expect(env.arch).toBe(os.arch());
    expect(env.cpuModel).toBe(os.cpus()[0]?.model ?? "unknown");
    expect(env.cpuCount).toBe(os.availableParallelism());
    expect(env.totalMemoryMb).toBe(Math.round(os.totalmem() / 2 ** 20));
    expect(env.hostname).toBe(os.hostname());
    expect(env.gpus).toEqual([]);
  });

  it("resolves direct dependencies, finds package.json and the lockfile walking up", async () => {
    const { root, app, cwd } = project();
    const env = await captureEnvironment(cwd, NO_GPU);
    expect(env.packageJson).toBe(path.join(app, "package.json"));
    expect(env.dependencies).toEqual({
      "@scope/beta": "0.4.0-rc.1",
      alpha: "1.2.3",
      hoisted: "1.0.0",
      missing: "unresolved:^2.0.0",
      opt: "unresolved:3.x",
    });
    expect(Object.keys(env.dependencies)).toEqual(["@scope/beta", "alpha", "hoisted", "missing", "opt"]);
    expect(env.dependencies).not.toHaveProperty("undeclared");

    const lockPath = path.join(root, "package-lock.json");
    const expectedSha = createHash("sha256").update(fs.readFileSync(lockPath)).digest("hex");
    expect(env.lockfile).toEqual({ path: lockPath, sha256: expectedSha });
  });

  it("prefers the nearest lockfile, whatever its kind", async () => {
    const { app, cwd } = project();
    const yarnLock = path.join(app, "yarn.lock");
    fs.writeFileSync(yarnLock, "# yarn lockfile v1\n");
    const env = await captureEnvironment(cwd, NO_GPU);
    expect(env.lockfile).toEqual({
      path: yarnLock,
      sha256: createHash("sha256").update("# yarn lockfile v1\n").digest("hex"),
    });
  });

  it("has no package.json, lockfile or dependencies outside a project", async () => {
    const env = await captureEnvironment(tempDir(), NO_GPU);
    // os.tmpdir() is not expected to sit inside a Node project.
    expect(env.packageJson).toBeNull();
    expect(env.lockfile).toBeNull();
    expect(env.dependencies).toEqual({});
  });

  it("tolerates a malformed package.json", async () => {
    const d = tempDir();
    fs.writeFileSync(path.join(d, "package.json"), "{ not json");
    const env = await captureEnvironment(d, NO_GPU);
    expect(env.packageJson).toBe(path.join(d, "package.json"));
    expect(env.dependencies).toEqual({});
  });

  it("parses GPUs from nvidia-smi", async () => {
    const bin = path.join(tempDir(), "fake-nvidia-smi");
    fs.writeFileSync(
      bin,
      [
        "#!/bin/sh",
        'if [ "$1" != "--query-gpu=name,driver_version,memory.total" ]; then exit 3; fi',
        'if [ "$2" != "--format=csv,noheader,nounits" ]; then exit 4; fi',
        "echo 'NVIDIA A100-SXM4-80GB, 535.104.05, 81920'",
        "echo 'NVIDIA GeForce RTX 4090, 550.54.14, [N/A]'",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const env = await captureEnvironment(tempDir(), { nvidiaSmi: bin });
    expect(env.gpus).toEqual([
      { name: "NVIDIA A100-SXM4-80GB", driver: "535.104.05", memoryMb: 81920 },
      { name: "NVIDIA GeForce RTX 4090", driver: "550.54.14", memoryMb: null },
    ]);
  });

  it("reports no GPUs when nvidia-smi fails", async () => {
    const bin = path.join(tempDir(), "failing-nvidia-smi");
    fs.writeFileSync(bin, "#!/bin/sh\necho 'No devices were found'\nexit 6\n", { mode: 0o755 });
    expect((await captureEnvironment(tempDir(), { nvidiaSmi: bin })).gpus).toEqual([]);
    expect((await captureEnvironment(tempDir(), NO_GPU)).gpus).toEqual([]);
  });
});
