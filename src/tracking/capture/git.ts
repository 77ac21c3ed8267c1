/**
 * Capture of the code version a run was started from: HEAD commit, branch, remote and the exact
 * uncommitted changes (tracked diff plus untracked files rendered as "new file" patches), so the
 * work tree can be rebuilt with `git checkout <commit> && git apply <diff>`.
 */

import { execFile } from "node:child_process";
import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface CodeVersion {
  repoRoot: string; // absolute path of the git work tree root
  commit: string; // full 40-hex HEAD sha ("" if the repo has no commits yet)
  branch: string | null; // current branch, null when detached
  dirty: boolean; // any staged/unstaged change to tracked files, or untracked non-ignored files
  diff: string; // `git diff HEAD --binary` + untracked non-ignored files as "new file" patches; "" when clean
  remoteUrl: string | null; // `origin` URL with any user:password@ credentials removed, null if none
}

const GIT_TIMEOUT_MS = 10_000;
const GIT_MAX_BUFFER = 64 * 1024 * 1024;
/** Untracked files larger than this are named, not inlined, in {@link CodeVersion.diff}. */
const MAX_INLINE_UNTRACKED_BYTES = 1024 * 1024;
const UNTRACKED_CONCURRENCY = 8;
/** git understands this path on every platform (it maps it to NUL on Windows). */
const DEV_NULL = "/dev/null";

/**
 * Variables that would point git at another repository or index than the one containing `cwd`
 * (they are set, for instance, when code runs inside a git hook). Capture is about `cwd`, so they
 * are dropped.
 */
const REPO_LOCATING_ENV = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_PREFIX",
  "GIT_NAMESPACE",
];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
  for (const k of REPO_LOCATING_ENV) delete env[k];
  return env;
}

interface GitResult {
  stdout: string;
  code: number;
}

/**
 * Runs git; resolves for exit codes in `okCodes`, rejects otherwise (and when git is missing,
 * times out or overflows the buffer).
 */
async function git(cwd: string, args: string[], okCodes: readonly number[] = [0]): Promise<GitResult> {
  try {
    const { stdout } = await execFileAsync("git", args, {
      cwd,
      env: gitEnv(),
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: GIT_MAX_BUFFER,
      encoding: "utf8",
      windowsHide: true,
    });
    return { stdout, code: 0 };
  } catch (e) {
    const err = e as { code?: unknown; stdout?: unknown; killed?: boolean };
    if (typeof err.code === "number" && okCodes.includes(err.code) && !err.killed) {
      return { stdout: typeof err.stdout === "string" ? err.stdout : "", code: err.code };
    }
    throw e;
  }
}

/** Like {@link git} but resolves to null on any failure. */
async function gitOrNull(cwd: string, args: string[]): Promise<string | null> {
  try {
    return (await git(cwd, args)).stdout;
  } catch {
    return null;
  }
}

/** Flags that make `git diff` output an applicable patch whatever the user's config says. */
const DIFF_FLAGS = [
  "--binary",
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "--src-prefix=a/",
  "--dst-prefix=b/",
];

/**
 * Records the code version of the git work tree containing `cwd`. Resolves to null when git is not
 * installed or `cwd` is not inside a work tree; never rejects.
 */
export async function captureCodeVersion(cwd: string): Promise<CodeVersion | null> {
  try {
    const inside = await gitOrNull(cwd, ["rev-parse", "--is-inside-work-tree"]);
    if (inside?.trim() !== "true") return null;
    const top = await gitOrNull(cwd, ["rev-parse", "--show-toplevel"]);
    if (top === null || top.trim() === "") return null;
    const repoRoot = resolve(top.replace(/\r?\n$/, ""));

    const [head, branchOut, remoteOut, statusOut] = await Promise.all([
      gitOrNull(repoRoot, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]),
      gitOrNull(repoRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"]),
      gitOrNull(repoRoot, ["config", "--get", "remote.origin.url"]),
      gitOrNull(repoRoot, ["status", "--porcelain=v1", "-z", "--untracked-files=normal"]),
    ]);
    const commit = head?.trim() ?? "";
    const branch = branchOut?.trim() || null;
    const rawRemote = remoteOut?.trim() || null;
    const remoteUrl = rawRemote === null ? null : stripCredentials(rawRemote);

    const diff = await captureDiff(repoRoot, commit);
    // `git status` is the authority on dirtiness; if it failed, fall back on the diff.
    const dirty = statusOut === null ? diff !== "" : statusOut.length > 0;

    return { repoRoot, commit, branch, dirty, diff, remoteUrl };
  } catch {
    return null;
  }
}

async function captureDiff(repoRoot: string, commit: string): Promise<string> {
  let tracked: string;
  try {
    // With no commit yet, diff the working tree against the empty tree: every tracked (i.e. added)
    // file shows up as a new file. The empty tree's id depends on the object format, so ask git.
    const base =
      commit !== "" ? commit : (await git(repoRoot, ["hash-object", "-t", "tree", DEV_NULL])).stdout.trim();
    tracked = (await git(repoRoot, ["diff", ...DIFF_FLAGS, base, "--"])).stdout;
  } catch (e) {
    tracked = `# sextant: tracked changes not captured: ${errorMessage(e)}\n`;
  }

  let untrackedPaths: string[];
  try {
    const out = (await git(repoRoot, ["ls-files", "--others", "--exclude-standard", "-z"])).stdout;
    untrackedPaths = out.split("\0").filter((p) => p !== "");
  } catch (e) {
    return `${tracked}# sextant: untracked files not captured: ${errorMessage(e)}\n`;
  }

  const parts = await mapPool(untrackedPaths, UNTRACKED_CONCURRENCY, (p) => untrackedPatch(repoRoot, p));
  return tracked + parts.join("");
}

/** The "new file" patch of one untracked file, or a one-line note when it is not inlined. */
async function untrackedPatch(repoRoot: string, relPath: string): Promise<string> {
  // Nested repositories are listed as "dir/"; a directory cannot be rendered as a file patch.
  if (relPath.endsWith("/")) return `# sextant: untracked nested repository not inlined: ${relPath}\n`;
  try {
    const st = await lstat(join(repoRoot, relPath));
    if (st.isFile() && st.size > MAX_INLINE_UNTRACKED_BYTES) {
      return `# sextant: untracked file not inlined (${st.size} bytes > ${MAX_INLINE_UNTRACKED_BYTES}): ${relPath}\n`;
    }
    if (!st.isFile() && !st.isSymbolicLink())
      return `# sextant: untracked non-file not inlined: ${relPath}\n`;
    // Exit code 1 means "there are differences", which is always the case against /dev/null.
    const { stdout } = await git(
      repoRoot,
      ["diff", "--no-index", ...DIFF_FLAGS, "--", DEV_NULL, relPath],
      [0, 1],
    );
    return stdout;
  } catch (e) {
    return `# sextant: untracked file not captured (${errorMessage(e)}): ${relPath}\n`;
  }
}

function errorMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0] ?? msg;
}

async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Removes credentials from a remote URL. For `scheme://userinfo@host/...` URLs: a userinfo with a
 * password (`user:password`) is removed whole; a bare user is removed for http(s)/ftp(s), where it
 * is usually an access token, and kept for other schemes (`ssh://git@host/...`). scp-like
 * (`git@host:path`) and local paths carry no password and are returned unchanged.
 */
export function stripCredentials(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(url);
  if (!m) return url;
  const scheme = m[1] ?? "";
  const authority = m[2] ?? "";
  const rest = m[3] ?? "";
  const at = authority.lastIndexOf("@");
  if (at < 0) return url;
  const userinfo = authority.slice(0, at);
  const host = authority.slice(at + 1);
  const tokenScheme = /^(https?|ftps?)$/i.test(scheme);
  if (userinfo.includes(":") || tokenScheme) return `${scheme}://${host}${rest}`;
  return url;
}
