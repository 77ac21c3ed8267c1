import { describe, expect, it } from "vitest";
import { matchRoute, numberParam, parseRunIds, patchQuery, paths, queryString, withQuery } from "./routes.js";

const id = "0123456789abcdef0123456789abcdef";
const id2 = "fedcba9876543210fedcba9876543210";

describe("matchRoute", () => {
  it("matches each page", () => {
    expect(matchRoute("/")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments/")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments/12")).toEqual({ page: "runs", experimentId: "12" });
    expect(matchRoute(`/runs/${id}/`)).toEqual({ page: "run", runId: id });
    expect(matchRoute("/compare")).toEqual({ page: "compare" });
    expect(matchRoute("/nope/x")).toEqual({ page: "notFound", path: "/nope/x" });
    expect(matchRoute("/experiments/%E0%A4%A")).toEqual({ page: "notFound", path: "/experiments/%E0%A4%A" });
  });
});

describe("URLs", () => {
  it("builds links with only non-empty values", () => {
    expect(paths.run(id, { tab: "charts", metric: "val loss", log: false, smooth: 0.6 })).toBe(
      `/runs/${id}?tab=charts&metric=val+loss&smooth=0.6`,
    );
    expect(paths.compare([id, id2], { metric: "f1" })).toBe(`/compare?runs=${id},${id2}&metric=f1`);
    expect(paths.runs("7")).toBe("/experiments/7");
    expect(withQuery("/x", {})).toBe("/x");
  });
  it("keeps commas readable", () => {
    const q = new URLSearchParams();
    q.set("cols", "metrics.a,params.b\\,c");
    q.set("filter", "x IN ('a', 'b')");
    expect(queryString(q)).toBe("cols=metrics.a,params.b%5C,c&filter=x+IN+%28%27a%27,+%27b%27%29");
    expect(new URLSearchParams(queryString(q)).get("cols")).toBe("metrics.a,params.b\\,c");
  });
  it("patches queries", () => {
    const q = patchQuery(new URLSearchParams("a=1&b=2"), { a: null, c: "3", d: true });
    expect(q.toString()).toBe("b=2&c=3&d=1");
  });
  it("reads numbers and run ids defensively", () => {
    const q = new URLSearchParams("s=0.5&t=abc&u=5");
    expect(numberParam(q, "s", 0, 0, 0.99)).toBe(0.5);
    expect(numberParam(q, "t", 0.1, 0, 0.99)).toBe(0.1);
    expect(numberParam(q, "u", 0, 0, 0.99)).toBe(0.99);
    expect(numberParam(q, "missing", 0.2, 0, 1)).toBe(0.2);
    expect(parseRunIds(`${id},bad,${id},${id2}`)).toEqual([id, id2]);
    expect(parseRunIds(null)).toEqual([]);
  });
});
