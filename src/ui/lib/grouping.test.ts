import { describe, expect, it } from "vitest";
import { type ChildrenState, childCounts, flattenTree, nestRuns, type RunLike } from "./grouping.js";

const run = (id: string, parent: string | null = null): RunLike => ({
  info: { runId: id, parentRunId: parent },
});

describe("flattenTree", () => {
  const top = [run("a"), run("b"), run("c")];
  it("lists top-level runs with expanders where children may exist", () => {
    const rows = flattenTree(top, {
      expanded: new Set(),
      children: new Map(),
      hasChildren: (id) => (id === "a" ? true : id === "b" ? false : null),
    });
    expect(rows.map((r) => (r.kind === "run" ? [r.id, r.depth, r.hasChildren, r.expanded] : r.id))).toEqual([
      ["a", 0, true, false],
      ["b", 0, false, false],
      ["c", 0, null, false],
    ]);
  });

  it("inserts children, loading and empty notes under expanded runs", () => {
    const children = new Map<string, ChildrenState<RunLike>>([
      ["a", { status: "loaded", runs: [run("a1", "a"), run("a2", "a")], more: true }],
      ["c", { status: "loaded", runs: [], more: false }],
    ]);
    const rows = flattenTree(top, {
      expanded: new Set(["a", "b", "c", "a2"]),
      children,
      hasChildren: (id) => (id === "b" ? false : null),
    });
    expect(
      rows.map((r) =>
        r.kind === "run"
          ? `${"  ".repeat(r.depth)}${r.id}${r.expanded ? "-" : ""}`
          : `${"  ".repeat(r.depth)}[${r.note}]`,
      ),
    ).toEqual(["a-", "  a1", "  a2-", "    [loading]", "  [more]", "b", "c-", "  [empty]"]);
  });

  it("reports child errors", () => {
    const rows = flattenTree([run("a")], {
      expanded: new Set(["a"]),
      children: new Map([["a", { status: "error", message: "boom" }]]),
      hasChildren: () => true,
    });
    expect(rows[1]).toEqual({
      kind: "note",
      id: "a:error",
      parentId: "a",
      depth: 1,
      note: "error",
      message: "boom",
    });
  });
});

describe("childCounts", () => {
  it("counts children per parent", () => {
    expect([...childCounts([run("x", "a"), run("y", "a"), run("z", "b"), run("w")])]).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
  });
});

describe("nestRuns", () => {
  it("nests under parents in the list, keeping order", () => {
    const nodes = nestRuns([run("c1", "p"), run("p"), run("o", "missing"), run("c2", "p"), run("g", "c1")]);
    const show = (n: ReturnType<typeof nestRuns<RunLike>>[number]): unknown => [
      n.run.info.runId,
      n.children.map(show),
    ];
    expect(nodes.map(show)).toEqual([
      [
        "p",
        [
          ["c1", [["g", []]]],
          ["c2", []],
        ],
      ],
      ["o", []],
    ]);
  });
  it("survives cycles", () => {
    const nodes = nestRuns([run("a", "b"), run("b", "a")]);
    expect(nodes.length).toBe(1);
  });
});
