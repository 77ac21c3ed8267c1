/**
 * The README's promises: the quickstart is short, the learners example runs as shown, and the
 * package's `sextant` binary answers bad input with a typed error. The quickstart itself runs from
 * an installed tarball in install.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "sx-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function quickstart(): string {
  const section = readme.slice(readme.indexOf("## Quickstart"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("README has no quickstart code block");
  return m[1]!;
}

describe("README", () => {
  it("has a quickstart of at most 20 lines of code", () => {
    expect(quickstart().trim().split("\n").length).toBeLessThanOrEqual(20);
  });

  it("the learners example runs as shown on data from `sextant datasets tunekeep`", async () => {
    const section = readme.slice(readme.indexOf("## Learners and data"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    if (!code) throw new Error("README has no learners code block");
    const cli = join(root, "dist", "cli", "main.js");
    const cwd = join(scratch, "learn");
    mkdirSync(cwd, { recursive: true });
    await run(
      process.execPath,
      [cli, "datasets", "tunekeep", "--users", "3000", "--months", "4", "--out", "data"],
      {
        cwd,
      },
    );
    const dir = join(root, "test", ".scratch-learn");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "learn.mts");
    writeFileSync(
      file,
      `${code}\nconsole.log(JSON.stringify({ converged: lr.converged, n: y.length, same: again.predictProba(X).every((p, i) => p === gb.predictProba(X)[i]) }));\n`,
    );
    try {
      const { stdout } = await run(process.execPath, ["--import", import.meta.resolve("tsx"), file], { cwd });
      const out = JSON.parse(stdout.trim().split("\n").pop()!) as {
        converged: boolean;
        n: number;
        same: boolean;
      };
      expect(out.converged).toBe(true);
      expect(out.n).toBeGreaterThan(3000);
      expect(out.same).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the package's bin answers with a typed error on bad input", async () => {
    const cli = join(root, "dist", "cli", "main.js");
    const err = await run(process.execPath, [
      cli,
      "--uri",
      join(scratch, "x"),
      "runs",
      "show",
      "not-a-run",
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain("error [INVALID_ARGUMENT]");
  });
});
