/**
 * Installs the project the way a user does: `npm pack`, then the README's install commands in a
 * fresh directory outside the repository (the packed tarball standing in for the registry's
 * `sextant-ml`), then the README's quickstart and CLI commands from there. Also: every subpath
 * export loads without the devDependencies and type-checks under `node16` and `bundler`
 * resolution, the installed `sextant` answers `--version` and prints help without arguments, the
 * dashboards start from the installed package, and `npx sextant-ml` works without an install.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
};
const INSTALL_TIMEOUT = 600_000;

const scratch = mkdtempSync(join(tmpdir(), "sx-install-"));
const project = join(scratch, "project");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) killGroup(c);
  rmSync(scratch, { recursive: true, force: true });
});

function killGroup(c: ChildProcess): void {
  try {
    process.kill(-c.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * The environment of a user's shell: npm's variables from the `npm test` that started this file
 * (npm_config_local_prefix and the like) would point nested npm calls at the repository.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === "INIT_CWD" || k.startsWith("VITEST") || k === "NODE_OPTIONS") continue;
    env[k] = v;
  }
  // answer npx's "install this package?" prompt as a user would, and reuse npm's cache when it can
  env.npm_config_yes = "true";
  env.npm_config_prefer_offline = "true";
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  return env;
}

function sh(command: string, cwd: string, timeout = INSTALL_TIMEOUT) {
  return exec("sh", ["-c", command], { cwd, env: userEnv(), timeout, maxBuffer: 64 << 20 });
}

/** The first fenced block of `lang` after `heading` in the README. */
function block(heading: string, lang: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no '${heading}' section`);
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readme.slice(at));
  if (!m) throw new Error(`README's '${heading}' has no ${lang} block`);
  return m[1]!;
}

/** Command lines of a shell block, comments stripped. */
function commands(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The packed tarball (as a file: spec) stands in for the registry's package of the same name. */
function fromTarball(command: string, tarball: string): string {
  return command.replace(new RegExp(`(^|\\s)${pkg.name}(?=\\s|$)`), `$1file:${tarball}`);
}

/** Starts a command in its own process group and resolves with the URL it prints on stdout. */
function startUi(command: string, cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn("sh", ["-c", `exec ${command}`], {
    cwd,
    env: userEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code) => reject(new Error(`'${command}' exited (${code}): ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on("exit", () => resolve());
  });
}

let tarball = "";
/** What each README install line printed on stdout. */
const installLines: Array<{ line: string; stdout: string }> = [];

describe("installed from the packed tarball as the README says", () => {
  beforeAll(async () => {
    // dist/ is fresh: the test setup builds it before any test file runs
    const packed = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], {
      cwd: root,
      env: userEnv(),
      maxBuffer: 64 << 20,
    });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(scratch, info!.filename);
    expect(existsSync(tarball)).toBe(true);
    const shipped = info!.files.map((f) => f.path);
    // only what the package needs: the build, its README and package.json
    expect(shipped.filter((p) => !p.startsWith("dist/")).sort()).toEqual(["README.md", "package.json"]);
    expect(shipped.some((p) => p.endsWith(".test.js") || p.includes("/testing/") || p.endsWith(".map"))).toBe(
      false,
    );
    expect(shipped).toContain("dist/ui/index.html");
    expect(shipped).toContain("dist/cli/main.js");

    mkdirSync(project);
    for (const line of commands(block("## Install", "sh"))) {
      const r = await sh(fromTarball(line, tarball), project);
      installLines.push({ line, stdout: r.stdout });
    }
  }, INSTALL_TIMEOUT);

  it("names the package sextant-ml and installs it with better-sqlite3's binding built", () => {
    expect(pkg.name).toBe("sextant-ml");
    const installed = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      allowScripts: Record<string, unknown>;
    };
    expect(Object.keys(installed.dependencies).sort()).toEqual(["sextant-ml", "tsx"]);
    expect(installed.allowScripts).toEqual({ "better-sqlite3": true });
    expect(
      existsSync(join(project, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node")),
    ).toBe(true);
    // the README's last install line is `npx sextant --version`
    const last = installLines.at(-1)!;
    expect(last.line).toBe("npx sextant --version");
    expect(last.stdout.trim()).toBe(pkg.version);
  });

  it("does not install the devDependencies (the README's own tsx aside)", () => {
    const present = Object.keys(pkg.devDependencies).filter(
      (d) => d !== "tsx" && existsSync(join(project, "node_modules", d, "package.json")),
    );
    expect(present).toEqual([]);
  });

  it("loads every subpath export", async () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== "./package.json");
    expect(subpaths.sort()).toEqual([".", "./evaluate", "./hpo", "./learn"]);
    const specifiers = subpaths.map((s) => (s === "." ? pkg.name : `${pkg.name}/${s.slice(2)}`));
    const script = join(project, "load.mjs");
    writeFileSync(
      script,
      `const out = {};\nfor (const s of ${JSON.stringify(specifiers)}) {\n` +
        "  const m = await import(s);\n  out[s] = { n: Object.keys(m).length, at: import.meta.resolve(s) };\n}\n" +
        "console.log(JSON.stringify(out));\n",
    );
    const r = await sh("node load.mjs", project, 60_000);
    const out = JSON.parse(r.stdout) as Record<string, { n: number; at: string }>;
    for (const s of specifiers) {
      expect(out[s]!.n).toBeGreaterThan(3);
      expect(out[s]!.at).toContain(`/project/node_modules/${pkg.name}/dist/`);
    }
    const named = await sh(
      `node --input-type=module -e 'import { Sextant } from "${pkg.name}"; import { TpeSampler } from "${pkg.name}/hpo"; import { LogisticRegression } from "${pkg.name}/learn"; import { f1Score } from "${pkg.name}/evaluate"; console.log([typeof Sextant.open, typeof TpeSampler, typeof LogisticRegression, f1Score(new Float64Array([1, 0, 1]), new Float64Array([1, 0, 0]))].join(" "))'`,
      project,
      60_000,
    );
    expect(named.stdout.trim()).toBe(`function function function ${2 / 3}`);
  });

  it.each(["node16", "bundler"])(
    "type-checks every subpath export with moduleResolution %s",
    async (mode) => {
      const dir = join(project, `types-${mode}`);
      mkdirSync(dir);
      writeFileSync(
        join(dir, "check.mts"),
        [
          `import { Sextant, type Run, SextantError } from "${pkg.name}";`,
          `import { TpeSampler, type Trial } from "${pkg.name}/hpo";`,
          `import { LogisticRegression } from "${pkg.name}/learn";`,
          `import { f1Score } from "${pkg.name}/evaluate";`,
          "const sx: Sextant = await Sextant.open({ uri: ':memory:' });",
          "const runs: Run[] = (await sx.searchRuns({})).runs;",
          "const f1: number = f1Score(new Float64Array([1]), new Float64Array([1]));",
          "const objective = (t: Trial): number => t.suggestFloat('x', 0, 1);",
          "const e: string = new SextantError('INVALID_ARGUMENT', 'x').code;",
          "// the types are real, not `any`: a wrong use is an error",
          "// @ts-expect-error f1Score returns a number",
          "const wrong: string = f1Score(new Float64Array([1]), new Float64Array([1]));",
          "void [runs, f1, objective, e, wrong, new TpeSampler({ seed: 1 }), LogisticRegression];",
          "",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: mode === "node16" ? "node16" : "esnext",
            moduleResolution: mode,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ["node"],
            // Node's own types, which a TypeScript project on Node has; from the repository's install
            typeRoots: [join(root, "node_modules", "@types")],
          },
          files: ["check.mts"],
        }),
      );
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const r = await exec(process.execPath, [tsc, "-p", dir], { cwd: dir }).catch(
        (e: { stdout: string; code: number }) => e,
      );
      expect((r as { stdout: string }).stdout).toBe("");
    },
  );

  it("runs the README quickstart and its CLI commands from the project", async () => {
    writeFileSync(join(project, "train.mts"), block("## Quickstart", "ts"));
    const intro = readme.slice(readme.indexOf("## Quickstart"));
    const howToRun = /run `(npx tsx train\.mts)`/.exec(intro)?.[1];
    expect(howToRun).toBe("npx tsx train.mts");
    const trained = await sh(howToRun!, project, 120_000);
    expect(trained.stdout).toContain("logreg-baseline: f1=0.58");
    expect(existsSync(join(project, ".sextant", "sextant.db"))).toBe(true);

    const shell = commands(block("Then look at the run from the shell:", "sh"));
    expect(shell).toHaveLength(2);
    const list = await sh(shell[0]!, project, 60_000);
    expect(list.stdout).toMatch(/logreg-baseline\s+│\s+FINISHED/);
    const json = await sh(`${shell[0]!} --json`, project, 60_000);
    const runId = (JSON.parse(json.stdout) as { runs: Array<{ info: { runId: string } }> }).runs[0]!.info
      .runId;
    const show = await sh(shell[1]!.replace("<run id>", runId), project, 60_000);
    expect(show.stdout).toContain("model/config.json");
    expect(show.stdout).toMatch(/loss\s+│[^\n]+│\s+19\s+│/);
  });

  it("answers --version and -V, and prints help with a non-zero exit without arguments", async () => {
    for (const flag of ["--version", "-V"]) {
      expect((await sh(`npx sextant ${flag}`, project, 60_000)).stdout.trim()).toBe(pkg.version);
    }
    expect((await sh(`npx ${pkg.name} --version`, project, 60_000)).stdout.trim()).toBe(pkg.version);
    const none = await sh("npx sextant", project, 60_000).catch((e: { code: number; stderr: string }) => e);
    expect((none as { code: number }).code).toBe(1);
    expect((none as { stderr: string }).stderr).toContain("Usage: sextant [options] [command]");
  });

  it("serves the dashboards from the installed package", async () => {
    const { child, url } = await startUi("npx sextant ui --port 0", project);
    try {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const exps = (await (await fetch(`${url}/api/v1/experiments`)).json()) as {
        experiments: Array<{ name: string }>;
      };
      expect(exps.experiments.map((e) => e.name)).toContain("tunekeeper-churn");
    } finally {
      killGroup(child);
      await exited(child);
    }
  });

  it(
    "runs with npx and no install, as the README says",
    async () => {
      const said = /`(npx --allow-scripts=better-sqlite3 sextant-ml ui)`/.exec(readme)?.[1];
      expect(said).toBeDefined();
      const empty = join(scratch, "no-install");
      mkdirSync(empty);
      const { child, url } = await startUi(`${fromTarball(said!, tarball)} --port 0`, empty);
      try {
        expect((await fetch(`${url}/`)).status).toBe(200);
        const exps = (await (await fetch(`${url}/api/v1/experiments`)).json()) as { experiments: unknown[] };
        expect(Array.isArray(exps.experiments)).toBe(true);
      } finally {
        killGroup(child);
        await exited(child);
      }
      expect(existsSync(join(empty, ".sextant", "sextant.db"))).toBe(true);
    },
    INSTALL_TIMEOUT,
  );
});
