import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureCodeVersion, stripCredentials } from "./git.js";

const dirs: string[] = [];

function tempDir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sextant-git-")));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const testEnv: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
for (const k of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"]) {
  delete testEnv[k];
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    [
      "-c",
      "user.name=Sextant Test",
      "-c",
      "user.email=test@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd, env: testEnv, encoding: "utf8" },
  );
}

/** A repo on branch "main" with one commit holding a.txt = "one\ntwo\n". */
function repoWithCommit(): string {
  const d = tempDir();
  git(d, "init", "-q", "-b", "main");
  fs.writeFileSync(path.join(d, "a.txt"), "one\ntwo\n");
  fs.writeFileSync(path.join(d, ".gitignore"), "ignored.log\n");
  git(d, "add", "a.txt", ".gitignore");
  git(d, "commit", "-q", "-m", "first");
  return d;
}

describe("captureCodeVersion", () => {
  it("captures a clean repo", async () => {
    const d = repoWithCommit();
    fs.writeFileSync(path.join(d, "ignored.log"), "noise\n"); // ignored files do not make it dirty
    const v = await captureCodeVersion(d);
    expect(v).toEqual({
      repoRoot: d,
      commit: git(d, "rev-parse", "HEAD").trim(),
      branch: "main",
      dirty: false,
      diff: "",
      remoteUrl: null,
    });
    expect(v?.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("finds the work tree root from a subdirectory", async () => {
    const d = repoWithCommit();
    fs.mkdirSync(path.join(d, "sub", "deeper"), { recursive: true });
    const v = await captureCodeVersion(path.join(d, "sub", "deeper"));
    expect(v?.repoRoot).toBe(d);
    expect(v?.dirty).toBe(false); // empty directories are not untracked files
  });

  it("captures an unstaged modification of a tracked file", async () => {
    const d = repoWithCommit();
    fs.writeFileSync(path.join(d, "a.txt"), "one\nTWO CHANGED\n");
    const v = await captureCodeVersion(d);
    expect(v?.dirty).toBe(true);
    expect(v?.diff).toContain("diff --git a/a.txt b/a.txt");
    expect(v?.diff).toContain("-two\n");
    expect(v?.diff).toContain("+TWO CHANGED\n");
    expect(v?.diff).toBe(git(d, "diff", "HEAD", "--binary"));
  });

  it("captures a staged change", async () => {
    const d = repoWithCommit();
    fs.writeFileSync(path.join(d, "a.txt"), "one\ntwo\nthree staged\n");
    fs.writeFileSync(path.join(d, "b.txt"), "brand new staged file\n");
    git(d, "add", "a.txt", "b.txt");
    const v = await captureCodeVersion(d);
    expect(v?.dirty).toBe(true);
    expect(v?.diff).toContain("+three staged\n");
    expect(v?.diff).toContain("diff --git a/b.txt b/b.txt\nnew file mode 100644\n");
    expect(v?.diff).toContain("+brand new staged file\n");
  });

  it("renders untracked files as new-file patches, small ones inlined, large ones named", async () => {
    const d = repoWithCommit();
    fs.writeFileSync(path.join(d, "a.txt"), "one\nzwei\n");
    fs.writeFileSync(path.join(d, "notes.md"), "untracked line\nsecond line");
    fs.mkdirSync(path.join(d, "dir"));
    fs.writeFileSync(path.join(d, "dir", "big.bin"), Buffer.alloc(1024 * 1024 + 1, 7));
    fs.writeFileSync(path.join(d, "ignored.log"), "noise\n");
    const v = await captureCodeVersion(d);
    expect(v?.dirty).toBe(true);
    // Tracked diff first, then untracked files in path order, exactly as git renders them.
    const notes = spawnSync("git", ["diff", "--no-index", "--binary", "--", "/dev/null", "notes.md"], {
      cwd: d,
      env: testEnv,
      encoding: "utf8",
    });
    expect(notes.status).toBe(1);
    expect(notes.stdout).toContain("+untracked line\n+second line\n\\ No newline at end of file\n");
    expect(v?.diff).toBe(
      git(d, "diff", "HEAD", "--binary") +
        "# sextant: untracked file not inlined (1048577 bytes > 1048576): dir/big.bin\n" +
        notes.stdout,
    );
    expect(v?.diff).not.toContain("noise");
  });

  it("produces a diff that rebuilds the work tree with git apply", async () => {
    const d = repoWithCommit();
    fs.writeFileSync(path.join(d, "a.txt"), "one\nchanged\n");
    fs.writeFileSync(path.join(d, "new.txt"), "fresh\n");
    fs.writeFileSync(path.join(d, "blob.bin"), Buffer.from([0, 1, 2, 255, 0, 10]));
    const v = await captureCodeVersion(d);
    const clone = tempDir();
    git(clone, "clone", "-q", d, ".");
    git(clone, "checkout", "-q", v?.commit ?? "");
    const patch = path.join(tempDir(), "run.patch");
    fs.writeFileSync(patch, v?.diff ?? "");
    git(clone, "apply", patch);
    expect(fs.readFileSync(path.join(clone, "a.txt"), "utf8")).toBe("one\nchanged\n");
    expect(fs.readFileSync(path.join(clone, "new.txt"), "utf8")).toBe("fresh\n");
    expect([...fs.readFileSync(path.join(clone, "blob.bin"))]).toEqual([0, 1, 2, 255, 0, 10]);
  });

  it("reports a detached HEAD as branch null", async () => {
    const d = repoWithCommit();
    const first = git(d, "rev-parse", "HEAD").trim();
    fs.writeFileSync(path.join(d, "a.txt"), "second version\n");
    git(d, "commit", "-q", "-am", "second");
    git(d, "checkout", "-q", "--detach", first);
    const v = await captureCodeVersion(d);
    expect(v?.branch).toBeNull();
    expect(v?.commit).toBe(first);
    expect(v?.dirty).toBe(false);
  });

  it("strips credentials from the origin URL", async () => {
    const d = repoWithCommit();
    git(d, "remote", "add", "origin", "https://alice:s3cret@example.com/team/project.git");
    const v = await captureCodeVersion(d);
    expect(v?.remoteUrl).toBe("https://example.com/team/project.git");
  });

  it("keeps a credential-free origin URL as is", async () => {
    const d = repoWithCommit();
    git(d, "remote", "add", "origin", "git@github.com:team/project.git");
    expect((await captureCodeVersion(d))?.remoteUrl).toBe("git@github.com:team/project.git");
  });

  it("handles a repo without commits", async () => {
    const d = tempDir();
    git(d, "init", "-q", "-b", "trunk");
    const empty = await captureCodeVersion(d);
    expect(empty).toEqual({
      repoRoot: d,
      commit: "",
      branch: "trunk",
      dirty: false,
      diff: "",
      remoteUrl: null,
    });

    fs.writeFileSync(path.join(d, "draft.txt"), "first draft\n");
    const v = await captureCodeVersion(d);
    expect(v?.commit).toBe("");
    expect(v?.dirty).toBe(true);
    expect(v?.diff).toContain("diff --git a/draft.txt b/draft.txt\nnew file mode 100644\n");
    expect(v?.diff).toContain("--- /dev/null\n+++ b/draft.txt\n@@ -0,0 +1 @@\n+first draft\n");

    fs.writeFileSync(path.join(d, "added.txt"), "staged before first commit\n");
    git(d, "add", "added.txt");
    const w = await captureCodeVersion(d);
    expect(w?.diff).toContain("+staged before first commit\n");
    expect(w?.diff).toContain("+first draft\n");
    expect(w?.diff.indexOf("a/added.txt")).toBeLessThan(w?.diff.indexOf("a/draft.txt") ?? -1);
  });

  it("returns null outside a work tree", async () => {
    const d = tempDir();
    expect(await captureCodeVersion(d)).toBeNull();
    expect(await captureCodeVersion(path.join(d, "does-not-exist"))).toBeNull();
  });

  it("returns null when git is not on PATH", async () => {
    const d = repoWithCommit();
    const saved = process.env.PATH;
    process.env.PATH = tempDir();
    try {
      expect(await captureCodeVersion(d)).toBeNull();
    } finally {
      process.env.PATH = saved;
    }
  });

  it("returns null inside the .git directory", async () => {
    const d = repoWithCommit();
    expect(await captureCodeVersion(path.join(d, ".git"))).toBeNull();
  });
});

describe("stripCredentials", () => {
  it.each([
    ["https://user:pass@host.example/r.git", "https://host.example/r.git"],
    ["https://ghp_token@github.com/o/r.git", "https://github.com/o/r.git"],
    ["http://u:p%40ss@host:8080/r", "http://host:8080/r"],
    ["https://u:p@ss@host/r", "https://host/r"],
    ["ssh://git@host.example/o/r.git", "ssh://git@host.example/o/r.git"],
    ["ssh://git:pw@host.example/o/r.git", "ssh://host.example/o/r.git"],
    ["git@github.com:o/r.git", "git@github.com:o/r.git"],
    ["https://github.com/o/r.git", "https://github.com/o/r.git"],
    ["/srv/repos/r.git", "/srv/repos/r.git"],
    ["https://host/path@with-at", "https://host/path@with-at"],
  ])("%s → %s", (input, expected) => {
    expect(stripCredentials(input)).toBe(expected);
  });
});
