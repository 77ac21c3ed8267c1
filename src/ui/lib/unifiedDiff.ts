/** Unified diffs (git diff) for the code viewer: each line classified for colouring, plus per-file counts. */

export type DiffLineKind = "file" | "meta" | "hunk" | "add" | "del" | "context";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export interface DiffFileSummary {
  path: string;
  added: number;
  removed: number;
}

const META_PREFIXES = [
  "index ",
  "--- ",
  "+++ ",
  "new file mode",
  "deleted file mode",
  "old mode",
  "new mode",
  "similarity index",
  "rename from",
  "rename to",
  "copy from",
  "copy to",
  "Binary files",
  "GIT binary patch",
];

export function classifyDiff(text: string): DiffLine[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let inHeader = false;
  return lines.map((line) => {
    if (line.startsWith("diff --git ")) {
      inHeader = true;
      return { kind: "file", text: line };
    }
    if (line.startsWith("@@")) {
      inHeader = false;
      return { kind: "hunk", text: line };
    }
    if (inHeader && META_PREFIXES.some((p) => line.startsWith(p))) return { kind: "meta", text: line };
    if (line.startsWith("+")) return { kind: "add", text: line };
    if (line.startsWith("-")) return { kind: "del", text: line };
    return { kind: "context", text: line };
  });
}

/** Files a diff touches with their added/removed line counts. */
export function summarizeDiff(lines: readonly DiffLine[]): DiffFileSummary[] {
  const out: DiffFileSummary[] = [];
  let cur: DiffFileSummary | null = null;
  for (const l of lines) {
    if (l.kind === "file") {
      const m = /^diff --git a\/(.*) b\/(.*)$/.exec(l.text);
      cur = { path: m ? m[2]! : l.text.slice(11), added: 0, removed: 0 };
      out.push(cur);
    } else if (cur && l.kind === "add") cur.added++;
    else if (cur && l.kind === "del") cur.removed++;
  }
  return out;
}

/** A command line as a shell would read it: arguments with spaces or specials in single quotes. */
export function shellJoin(args: readonly string[]): string {
  return args
    .map((a) => (a !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}
