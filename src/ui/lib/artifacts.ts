/** The artifact browser's tree (built from the flat path list) and what kind of preview a file gets. */
import type { ArtifactEntry } from "./types.js";

export interface FileNode {
  name: string;
  path: string;
  entry: ArtifactEntry;
}

export interface DirNode {
  name: string;
  path: string;
  dirs: DirNode[];
  files: FileNode[];
  /** Bytes under this directory. */
  size: number;
  /** Files under this directory. */
  count: number;
}

/** A tree of directories (sorted by name, before files) and files (sorted by name). */
export function buildArtifactTree(entries: readonly ArtifactEntry[]): DirNode {
  const root: DirNode = { name: "", path: "", dirs: [], files: [], size: 0, count: 0 };
  const dirIndex = new Map<string, DirNode>([["", root]]);
  for (const e of entries) {
    const parts = e.path.split("/").filter((p) => p !== "");
    if (parts.length === 0) continue;
    let dir = root;
    root.size += e.size;
    root.count++;
    for (let i = 0; i < parts.length - 1; i++) {
      const path = parts.slice(0, i + 1).join("/");
      let next = dirIndex.get(path);
      if (!next) {
        next = { name: parts[i]!, path, dirs: [], files: [], size: 0, count: 0 };
        dirIndex.set(path, next);
        dir.dirs.push(next);
      }
      next.size += e.size;
      next.count++;
      dir = next;
    }
    dir.files.push({ name: parts[parts.length - 1]!, path: parts.join("/"), entry: e });
  }
  const sort = (d: DirNode) => {
    d.dirs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    d.files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    d.dirs.forEach(sort);
  };
  sort(root);
  return root;
}

/** Directories on the way to a path ("a/b/c.txt" → ["a", "a/b"]). */
export function ancestorDirs(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

export type PreviewKind = "image" | "json" | "csv" | "diff" | "text" | "binary";

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
};

const TEXT_EXTENSIONS = new Set([
  "txt",
  "log",
  "md",
  "markdown",
  "rst",
  "yaml",
  "yml",
  "toml",
  "ini",
  "cfg",
  "conf",
  "py",
  "ts",
  "tsx",
  "js",
  "mjs",
  "cjs",
  "sh",
  "r",
  "sql",
  "xml",
  "html",
  "css",
  "jsonl",
  "ndjson",
  "out",
  "err",
  "env",
  "gitignore",
  "dockerfile",
  "mlmodel",
  "requirements",
]);

export function extension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? name.toLowerCase() : name.slice(dot + 1).toLowerCase();
}

export function previewKind(path: string): PreviewKind {
  const ext = extension(path);
  if (ext in IMAGE_TYPES) return "image";
  if (ext === "json") return "json";
  if (ext === "csv" || ext === "tsv" || ext === "tab") return "csv";
  if (ext === "diff" || ext === "patch") return "diff";
  if (TEXT_EXTENSIONS.has(ext)) return "text";
  return "binary";
}

export function imageMime(path: string): string | null {
  return IMAGE_TYPES[extension(path)] ?? null;
}

/** Bytes read for a text preview. */
export const TEXT_PREVIEW_BYTES = 200 * 1024;

/** Whether bytes look like text (no NUL in the first 8 KiB). */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return true;
}
