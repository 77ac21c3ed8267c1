import { describe, expect, it } from "vitest";
import {
  allColumns,
  decodeList,
  defaultVisible,
  encodeList,
  nextSort,
  orderByClause,
  parseRunsView,
  parseSort,
  requestedColumns,
  resolveColumns,
  serializeRunsView,
  toggleColumn,
} from "./columns.js";

const keys = {
  params: ["lr", "model"],
  metrics: ["acc", "f1", "val loss"],
  tags: ["team"],
};

describe("list encoding", () => {
  it("round-trips keys with commas and backslashes", () => {
    const items = ["metrics.f1", "params.a,b", "tags.x\\y", "metrics.plain"];
    const text = encodeList(items);
    expect(text).toBe("metrics.f1,params.a\\,b,tags.x\\\\y,metrics.plain");
    expect(decodeList(text)).toEqual(items);
  });
  it("decodes empty input to no items", () => {
    expect(decodeList(null)).toEqual([]);
    expect(decodeList("")).toEqual([]);
    expect(decodeList("a,,b")).toEqual(["a", "b"]);
  });
});

describe("sort", () => {
  it("parses and quotes", () => {
    expect(parseSort("metrics.f1 DESC")).toEqual({ column: "metrics.f1", desc: true });
    expect(parseSort("params.lr")).toEqual({ column: "params.lr", desc: false });
    expect(parseSort("metrics.val loss asc")).toEqual({ column: "metrics.val loss", desc: false });
    expect(parseSort("attributes.duration DESC")).toBeNull();
    expect(parseSort("bogus DESC")).toBeNull();
    expect(orderByClause({ column: "metrics.val loss", desc: false })).toBe("metrics.`val loss` ASC");
    expect(orderByClause({ column: "attributes.start_time", desc: true })).toBe("attributes.start_time DESC");
  });
  it("toggles direction on the same column, metrics descending first", () => {
    expect(nextSort(null, "metrics.f1")).toEqual({ column: "metrics.f1", desc: true });
    expect(nextSort(null, "params.lr")).toEqual({ column: "params.lr", desc: false });
    expect(nextSort({ column: "metrics.f1", desc: true }, "metrics.f1")).toEqual({
      column: "metrics.f1",
      desc: false,
    });
    expect(nextSort({ column: "metrics.f1", desc: false }, "params.lr")).toEqual({
      column: "params.lr",
      desc: false,
    });
  });
});

describe("view state in the URL", () => {
  it("round-trips and leaves defaults out", () => {
    const q = new URLSearchParams(
      "filter=metrics.f1+%3E+0.5&orderBy=metrics.f1+DESC&cols=attributes.run_name,metrics.f1&pin=attributes.run_name&sel=aa,bb&group=0&open=cc",
    );
    const s = parseRunsView(q);
    expect(s).toEqual({
      filter: "metrics.f1 > 0.5",
      sort: { column: "metrics.f1", desc: true },
      cols: ["attributes.run_name", "metrics.f1"],
      pin: ["attributes.run_name"],
      sel: ["aa", "bb"],
      group: false,
      open: ["cc"],
    });
    expect(serializeRunsView(s).toString()).toBe(
      "filter=metrics.f1+%3E+0.5&orderBy=metrics.f1+DESC&cols=attributes.run_name%2Cmetrics.f1&pin=attributes.run_name&sel=aa%2Cbb&group=0&open=cc",
    );
    const empty = parseRunsView(new URLSearchParams(""));
    expect(empty).toEqual({ filter: "", sort: null, cols: null, pin: null, sel: [], group: true, open: [] });
    expect(serializeRunsView(empty).toString()).toBe("");
  });
  it("keeps an explicitly empty column list", () => {
    const s = parseRunsView(new URLSearchParams("cols="));
    expect(s.cols).toEqual([]);
    expect(serializeRunsView(s).toString()).toBe("cols=");
  });
});

describe("columns", () => {
  it("lists every column and the defaults", () => {
    const ids = allColumns(keys).map((c) => c.id);
    expect(ids.slice(7)).toEqual([
      "params.lr",
      "params.model",
      "metrics.acc",
      "metrics.f1",
      "metrics.val loss",
      "tags.team",
    ]);
    expect(defaultVisible(keys)).toEqual([
      "attributes.run_name",
      "attributes.status",
      "attributes.start_time",
      "attributes.duration",
      "attributes.user_id",
      "params.lr",
      "params.model",
      "metrics.acc",
      "metrics.f1",
      "metrics.val loss",
    ]);
  });
  it("puts pinned columns first and shows the sort column", () => {
    const s = parseRunsView(
      new URLSearchParams(
        "cols=metrics.f1,attributes.status,bogus,params.lr&pin=params.lr&orderBy=tags.team+ASC",
      ),
    );
    const r = resolveColumns(s, keys);
    expect(r.columns.map((c) => c.id)).toEqual(["params.lr", "metrics.f1", "attributes.status", "tags.team"]);
    expect(r.pinnedCount).toBe(1);
    expect(requestedColumns(r.columns)).toEqual({ params: ["lr"], metrics: ["f1"], tags: ["team"] });
  });
  it("defaults pin the run name", () => {
    const r = resolveColumns(parseRunsView(new URLSearchParams("")), keys);
    expect(r.columns[0]!.id).toBe("attributes.run_name");
    expect(r.pinnedCount).toBe(1);
    expect(requestedColumns(r.columns)).toEqual({
      params: ["lr", "model"],
      metrics: ["acc", "f1", "val loss"],
      tags: [],
    });
  });
  it("toggles", () => {
    expect(toggleColumn(["a", "b"], "c", true)).toEqual(["a", "b", "c"]);
    expect(toggleColumn(["a", "b"], "a", false)).toEqual(["b"]);
    expect(toggleColumn(["a"], "a", true)).toEqual(["a"]);
  });
});
