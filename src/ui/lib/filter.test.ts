import { describe, expect, it } from "vitest";
import {
  childrenOf,
  childrenOfAny,
  combineFilter,
  identifier,
  quoteKey,
  quoteString,
  relocateFilterError,
  TOP_LEVEL,
} from "./filter.js";

describe("quoting", () => {
  it("leaves plain keys bare and backticks the rest", () => {
    expect(quoteKey("f1")).toBe("f1");
    expect(quoteKey("train/loss-avg:1.5")).toBe("train/loss-avg:1.5");
    expect(quoteKey("val loss")).toBe("`val loss`");
    expect(quoteKey("a`b")).toBe("`a``b`");
    expect(identifier("metric", "val loss")).toBe("metrics.`val loss`");
    expect(identifier("attribute", "status")).toBe("attributes.status");
    expect(quoteString("it's")).toBe("'it''s'");
  });
});

describe("combineFilter", () => {
  it("parenthesises the user's filter and appends conditions", () => {
    expect(combineFilter("", TOP_LEVEL)).toBe("attributes.parent_run_id IS NULL");
    expect(combineFilter("metrics.a > 1 or params.b = 'x'", TOP_LEVEL)).toBe(
      "(metrics.a > 1 or params.b = 'x') and attributes.parent_run_id IS NULL",
    );
    expect(combineFilter("metrics.a > 1")).toBe("metrics.a > 1");
    expect(combineFilter("  ", "")).toBe("");
  });
  it("selects children", () => {
    expect(childrenOf("abc")).toBe("attributes.parent_run_id = 'abc'");
    expect(childrenOfAny(["a", "b"])).toBe("attributes.parent_run_id IN ('a', 'b')");
  });
});

describe("relocateFilterError", () => {
  it("shifts positions back into the user's text", () => {
    const user = "metrics.a >> 1";
    expect(relocateFilterError("invalid filter at position 12 near '>': x", 12, user, true)).toEqual({
      message: "invalid filter at position 11 near '>': x",
      position: 11,
    });
    expect(relocateFilterError("invalid filter at position 11 near '>'", 11, user, false)).toEqual({
      message: "invalid filter at position 11 near '>'",
      position: 11,
    });
  });
  it("clamps positions past the user's text", () => {
    expect(relocateFilterError("at position 60", 60, "(metrics.a > 1", true).position).toBe(14);
  });
});
