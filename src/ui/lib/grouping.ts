/**
 * Nested runs in the runs table. With grouping on, the table lists top-level runs; expanding one
 * inserts its children (fetched separately) below it, indented. The rows to draw are a flat list
 * so the table can virtualize them.
 */

export interface RunLike {
  info: { runId: string; parentRunId: string | null };
}

/** What is known about a run's children. */
export type ChildrenState<R> =
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "loaded"; runs: R[]; more: boolean };

export type TreeRow<R> =
  | { kind: "run"; id: string; run: R; depth: number; hasChildren: boolean | null; expanded: boolean }
  | {
      kind: "note";
      id: string;
      parentId: string;
      depth: number;
      note: "loading" | "empty" | "error" | "more";
      message?: string;
    };

export interface FlattenOptions<R> {
  expanded: ReadonlySet<string>;
  children: ReadonlyMap<string, ChildrenState<R>>;
  /** Whether a run has children: true/false when known, null when unknown (the expander is shown). */
  hasChildren: (runId: string) => boolean | null;
  /** Deepest level expanded (guards against cycles in bad data). */
  maxDepth?: number;
}

/** The rows of a grouped table: each run, then (when expanded) its children or a note. */
export function flattenTree<R extends RunLike>(
  top: readonly R[],
  opts: FlattenOptions<R>,
): Array<TreeRow<R>> {
  const out: Array<TreeRow<R>> = [];
  const maxDepth = opts.maxDepth ?? 8;
  const seen = new Set<string>();
  const visit = (run: R, depth: number) => {
    const id = run.info.runId;
    const rowId = seen.has(id) ? `${id}@${out.length}` : id;
    seen.add(id);
    const has = opts.hasChildren(id);
    const expanded = opts.expanded.has(id) && has !== false && depth < maxDepth;
    out.push({ kind: "run", id: rowId, run, depth, hasChildren: has, expanded });
    if (!expanded) return;
    const st = opts.children.get(id);
    if (!st || st.status === "loading") {
      out.push({ kind: "note", id: `${rowId}:loading`, parentId: id, depth: depth + 1, note: "loading" });
    } else if (st.status === "error") {
      out.push({
        kind: "note",
        id: `${rowId}:error`,
        parentId: id,
        depth: depth + 1,
        note: "error",
        message: st.message,
      });
    } else {
      if (st.runs.length === 0)
        out.push({ kind: "note", id: `${rowId}:empty`, parentId: id, depth: depth + 1, note: "empty" });
      for (const c of st.runs) visit(c, depth + 1);
      if (st.more)
        out.push({ kind: "note", id: `${rowId}:more`, parentId: id, depth: depth + 1, note: "more" });
    }
  };
  for (const r of top) visit(r, 0);
  return out;
}

/** How many of these runs name each parent. */
export function childCounts(runs: readonly RunLike[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of runs) {
    const p = r.info.parentRunId;
    if (p !== null) m.set(p, (m.get(p) ?? 0) + 1);
  }
  return m;
}

export interface RunNode<R> {
  run: R;
  children: Array<RunNode<R>>;
}

/**
 * Nests a flat list under parents that are in it (order kept; a run whose parent is absent stays
 * at the top). Used where all runs are at hand, e.g. the compare page.
 */
export function nestRuns<R extends RunLike>(runs: readonly R[]): Array<RunNode<R>> {
  const nodes = new Map<string, RunNode<R>>();
  for (const r of runs) nodes.set(r.info.runId, { run: r, children: [] });
  const roots: Array<RunNode<R>> = [];
  for (const r of runs) {
    const node = nodes.get(r.info.runId)!;
    const p = r.info.parentRunId;
    const parent = p !== null && p !== r.info.runId ? nodes.get(p) : undefined;
    if (parent && !isAncestor(node, parent)) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function isAncestor<R>(a: RunNode<R>, b: RunNode<R>): boolean {
  const stack = [...a.children];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === b) return true;
    stack.push(...n.children);
  }
  return false;
}
