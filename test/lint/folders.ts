/**
 * The folder rule: a folder is entered through its `index.ts`.
 *
 * A relative import from file A may name
 * - a file in A's folder or in one of A's ancestor folders (siblings and the layers above), or
 * - the entry of a folder F whose parent is A's folder or one of its ancestors: `F/index.ts`, or
 *   `F/testing/index.ts`, the test kit F keeps beside its index for the tests of other folders (the
 *   kit re-exports the kits of F's subfolders, as the index re-exports their code).
 * `src/` is the root of the package tree, so for this rule `src/store` and `test/e2e` are both one
 * level down: tests, benchmarks and examples enter `src/<folder>` through its index as `src/cli`
 * does. Code that ships (under `src/`, neither a `*.test.ts` file nor in a `testing/` folder)
 * imports no test kit.
 *
 * Run `tsx test/lint/folders.ts` to list the imports that break the rule (`npm run check` does).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseSync } from "oxc-parser";

export interface FolderViolation {
  /** The importing file, relative to the repository root, with `/` separators. */
  file: string;
  /** 1-based line of the import. */
  line: number;
  specifier: string;
  /** The file the specifier resolves to, relative to the repository root. */
  target: string;
  /** What to import instead (an `index.ts` relative to the repository root), or a reason. */
  fix: string;
}

const CODE = /\.(ts|tsx|mts)$/;
const SKIP = new Set(["node_modules", "dist", ".git", "coverage", "fixtures"]);

/** The folder-tree path the rule sees: `src/` dropped, so `src/store/x.ts` → `store/x.ts`. */
function treePath(repoPath: string): string {
  return repoPath.startsWith("src/") ? repoPath.slice(4) : repoPath;
}

function folderOf(path: string): string {
  const d = posix.dirname(path);
  return d === "." ? "" : d;
}

function isWithin(folder: string, ancestor: string): boolean {
  return ancestor === "" || folder === ancestor || folder.startsWith(`${ancestor}/`);
}

function isTestCode(repoPath: string): boolean {
  return (
    !repoPath.startsWith("src/") ||
    /\.test\.tsx?$/.test(repoPath) ||
    repoPath.split("/").slice(0, -1).includes("testing")
  );
}

/**
 * Judges one import between two repository paths (`/`-separated, relative to the root); returns
 * undefined when the rule allows it, else what to import instead.
 */
export function judgeImport(fromRepo: string, toRepo: string): string | undefined {
  const from = treePath(fromRepo);
  const to = treePath(toRepo);
  const here = folderOf(from);
  const there = folderOf(to);
  const segments = there === "" ? [] : there.split("/");
  const kit = segments.includes("testing");
  if (kit && !isTestCode(fromRepo)) return "shipped code imports no test kit";
  if (isWithin(here, there)) return undefined;
  // The folder entered: the child of the deepest common ancestor on the way to the target.
  let common = 0;
  const hereSegments = here === "" ? [] : here.split("/");
  while (common < hereSegments.length && hereSegments[common] === segments[common]) common++;
  const entered = segments.slice(0, common + 1).join("/");
  const enteredTesting = entered.split("/").at(-1) === "testing" ? entered : `${entered}/testing`;
  if (to === `${entered}/index.ts` || to === `${enteredTesting}/index.ts`) return undefined;
  const root = (p: string) => (toRepo.startsWith("src/") ? `src/${p}` : p);
  // a test kit deeper down is reached through the kit of the folder entered, as code is through its index
  return root(kit ? `${enteredTesting}/index.ts` : `${entered}/index.ts`);
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (CODE.test(name) && !name.endsWith(".d.ts")) out.push(full);
  }
}

function resolveTarget(fromFull: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFull), specifier);
  const stem = base.replace(/\.(js|mjs|jsx|ts|tsx)$/, "");
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** The modules a file names: static imports, re-exports and dynamic imports of a string literal. */
function moduleRequests(file: string, text: string): { specifier: string; start: number }[] {
  const { module, errors } = parseSync(file, text);
  if (errors.length > 0) throw new Error(`${file}: ${errors[0]!.message}`);
  const out: { specifier: string; start: number }[] = [];
  for (const i of module.staticImports) out.push({ specifier: i.moduleRequest.value, start: i.start });
  for (const e of module.staticExports) {
    for (const entry of e.entries) {
      if (entry.moduleRequest) out.push({ specifier: entry.moduleRequest.value, start: e.start });
    }
  }
  for (const d of module.dynamicImports) {
    const literal = text.slice(d.moduleRequest.start, d.moduleRequest.end);
    const m = /^(["'`])([^"'`$]*)\1$/.exec(literal);
    if (m) out.push({ specifier: m[2]!, start: d.start });
  }
  return out;
}

/** Every import under `folders` (relative to `root`) that breaks the folder rule. */
export function findFolderViolations(root: string, folders: string[]): FolderViolation[] {
  const files: string[] = [];
  for (const f of folders) walk(join(root, f), files);
  const violations: FolderViolation[] = [];
  const repo = (full: string) => relative(root, full).split(sep).join("/");
  for (const full of files.sort()) {
    const text = readFileSync(full, "utf8");
    for (const { specifier, start } of moduleRequests(full, text)) {
      if (!specifier.startsWith(".")) continue;
      if (/\.(css|json|svg|png|html)$/.test(specifier)) continue;
      const target = resolveTarget(full, specifier);
      if (target === undefined) continue; // tsc reports imports that do not resolve
      const fix = judgeImport(repo(full), repo(target));
      if (fix === undefined) continue;
      const line = text.slice(0, start).split("\n").length;
      violations.push({ file: repo(full), line, specifier, target: repo(target), fix });
    }
  }
  return violations;
}

export const LINTED_FOLDERS = ["src", "test", "bench", "examples"];

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const violations = findFolderViolations(root, LINTED_FOLDERS);
  for (const v of violations) {
    console.error(`${v.file}:${v.line} imports ${v.specifier} (${v.target}): use ${v.fix}`);
  }
  if (violations.length > 0) {
    console.error(`${violations.length} imports enter a folder other than through its index.ts`);
    process.exit(1);
  }
}
