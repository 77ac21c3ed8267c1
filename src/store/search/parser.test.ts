import { describe, expect, it } from "vitest";
import { SextantError } from "../../core/index.js";
import type { Comparator, Comparison, EntityType, Expr } from "./ast.js";
import { parseFilter, parseOrderBy } from "./parser.js";

function cmp(
  type: EntityType,
  key: string,
  op: Comparator,
  value: Comparison["value"],
  pos: number,
): Comparison {
  return { kind: "cmp", ident: { type, key, pos }, op, value, pos };
}

const and = (...terms: Expr[]): Expr => ({ kind: "and", terms });
const or = (...terms: Expr[]): Expr => ({ kind: "or", terms });

function errorOf(run: () => unknown): SextantError {
  try {
    run();
  } catch (e) {
    if (e instanceof SextantError) return e;
    throw e;
  }
  throw new Error("expected a SextantError, but nothing was thrown");
}

describe("parseFilter", () => {
  it("returns null for an empty or whitespace-only filter", () => {
    expect(parseFilter("")).toBeNull();
    expect(parseFilter("   ")).toBeNull();
    expect(parseFilter("\t\n ")).toBeNull();
  });

  it("parses the MLflow example", () => {
    expect(parseFilter("metrics.f1 > 0.5 and params.model = 'rf'")).toEqual(
      and(cmp("metric", "f1", ">", 0.5, 0), cmp("param", "model", "=", "rf", 21)),
    );
  });

  it("returns a single comparison bare", () => {
    expect(parseFilter("metrics.loss <= 0.1")).toEqual(cmp("metric", "loss", "<=", 0.1, 0));
  });

  it("binds AND tighter than OR", () => {
    expect(parseFilter("metrics.a = 1 OR metrics.b = 2 AND metrics.c = 3")).toEqual(
      or(cmp("metric", "a", "=", 1, 0), and(cmp("metric", "b", "=", 2, 17), cmp("metric", "c", "=", 3, 35))),
    );
    expect(parseFilter("metrics.a = 1 AND metrics.b = 2 OR metrics.c = 3")).toEqual(
      or(and(cmp("metric", "a", "=", 1, 0), cmp("metric", "b", "=", 2, 18)), cmp("metric", "c", "=", 3, 35)),
    );
  });

  it("flattens chains of the same operator", () => {
    expect(parseFilter("metrics.a = 1 and metrics.b = 2 AND metrics.c = 3")).toEqual(
      and(cmp("metric", "a", "=", 1, 0), cmp("metric", "b", "=", 2, 18), cmp("metric", "c", "=", 3, 36)),
    );
    expect(parseFilter("metrics.a = 1 or metrics.b = 2 OR metrics.c = 3")).toEqual(
      or(cmp("metric", "a", "=", 1, 0), cmp("metric", "b", "=", 2, 17), cmp("metric", "c", "=", 3, 34)),
    );
  });

  it("groups with parentheses", () => {
    expect(parseFilter("(metrics.a = 1 OR metrics.b = 2) AND metrics.c = 3")).toEqual(
      and(or(cmp("metric", "a", "=", 1, 1), cmp("metric", "b", "=", 2, 18)), cmp("metric", "c", "=", 3, 37)),
    );
  });

  it("flattens parenthesized groups of the same kind; parentheses alone add no node", () => {
    expect(parseFilter("(metrics.a = 1 AND metrics.b = 2) AND metrics.c = 3")).toEqual(
      and(cmp("metric", "a", "=", 1, 1), cmp("metric", "b", "=", 2, 19), cmp("metric", "c", "=", 3, 38)),
    );
    expect(parseFilter("metrics.a = 1 OR (metrics.b = 2 OR metrics.c = 3)")).toEqual(
      or(cmp("metric", "a", "=", 1, 0), cmp("metric", "b", "=", 2, 18), cmp("metric", "c", "=", 3, 35)),
    );
    expect(parseFilter("((metrics.a = 1))")).toEqual(cmp("metric", "a", "=", 1, 2));
  });

  it("reads backtick- and double-quoted keys with spaces", () => {
    expect(parseFilter("metrics.`my metric` < 2")).toEqual(cmp("metric", "my metric", "<", 2, 0));
    expect(parseFilter(`params."learning rate" = '0.1'`)).toEqual(
      cmp("param", "learning rate", "=", "0.1", 0),
    );
    expect(parseFilter("tags.`a``b` = 'x'")).toEqual(cmp("tag", "a`b", "=", "x", 0));
  });

  it("reads unquoted keys with / . - and :", () => {
    expect(parseFilter("metrics.val/loss >= 0.1")).toEqual(cmp("metric", "val/loss", ">=", 0.1, 0));
    expect(parseFilter("params.a.b = 'x'")).toEqual(cmp("param", "a.b", "=", "x", 0));
    expect(parseFilter("tags.k-1:x = 'y'")).toEqual(cmp("tag", "k-1:x", "=", "y", 0));
    expect(parseFilter("params.opt/lr-decay:v2.x = 'z'")).toEqual(
      cmp("param", "opt/lr-decay:v2.x", "=", "z", 0),
    );
  });

  it("needs no spaces around symbolic comparators", () => {
    expect(parseFilter("metrics.a<=-1")).toEqual(cmp("metric", "a", "<=", -1, 0));
    expect(parseFilter("params.a='x'AND metrics.b>2")).toEqual(
      and(cmp("param", "a", "=", "x", 0), cmp("metric", "b", ">", 2, 16)),
    );
  });

  it("accepts any whitespace between tokens", () => {
    expect(parseFilter("\tmetrics.a\n>\r\n1 \n and\tparams.b = 'x' ")).toEqual(
      and(cmp("metric", "a", ">", 1, 1), cmp("param", "b", "=", "x", 22)),
    );
  });

  it("parses IN and NOT IN lists", () => {
    expect(parseFilter(`params.model IN ('rf', "xgb",'lr')`)).toEqual(
      cmp("param", "model", "IN", ["rf", "xgb", "lr"], 0),
    );
    expect(parseFilter("tags.team not   in ('a')")).toEqual(cmp("tag", "team", "NOT IN", ["a"], 0));
    expect(parseFilter("tags.team NOT\tIN('a','b')")).toEqual(cmp("tag", "team", "NOT IN", ["a", "b"], 0));
    expect(parseFilter("run_id in ('abc', 'def')")).toEqual(
      cmp("attribute", "run_id", "IN", ["abc", "def"], 0),
    );
  });

  it("parses IS NULL and IS NOT NULL", () => {
    expect(parseFilter("metrics.loss IS NULL")).toEqual(cmp("metric", "loss", "IS NULL", null, 0));
    expect(parseFilter("tags.x is   not\nnull")).toEqual(cmp("tag", "x", "IS NOT NULL", null, 0));
    expect(parseFilter("params.p IS NOT NULL")).toEqual(cmp("param", "p", "IS NOT NULL", null, 0));
    expect(parseFilter("attributes.end_time IS NULL")).toEqual(
      cmp("attribute", "end_time", "IS NULL", null, 0),
    );
  });

  it("parses LIKE and ILIKE", () => {
    expect(parseFilter("params.model LIKE 'r%'")).toEqual(cmp("param", "model", "LIKE", "r%", 0));
    expect(parseFilter("tags.t ilike '%X%'")).toEqual(cmp("tag", "t", "ILIKE", "%X%", 0));
    expect(parseFilter("attributes.run_name Like 'exp-%'")).toEqual(
      cmp("attribute", "run_name", "LIKE", "exp-%", 0),
    );
    expect(parseFilter("datasets.name ILIKE 'mn%'")).toEqual(cmp("dataset", "name", "ILIKE", "mn%", 0));
  });

  it("reads <> as !=", () => {
    expect(parseFilter("params.a <> 'b'")).toEqual(cmp("param", "a", "!=", "b", 0));
    expect(parseFilter("metrics.a != 3")).toEqual(cmp("metric", "a", "!=", 3, 0));
  });

  it.each([
    ["1", 1],
    ["-2", -2],
    ["0.5", 0.5],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1.", 1],
    ["1e-3", 0.001],
    ["1e3", 1000],
    ["-1.5E+2", -150],
    ["2e+0", 2],
    ["inf", Infinity],
    ["INF", Infinity],
    ["-inf", -Infinity],
    ["Infinity", Infinity],
    ["-INFINITY", -Infinity],
  ])("reads the number %s", (text, value) => {
    expect(parseFilter(`metrics.m > ${text}`)).toEqual(cmp("metric", "m", ">", value, 0));
  });

  it.each([
    ["'rf'", "rf"],
    [`"rf"`, "rf"],
    ["''", ""],
    ["'it''s'", "it's"],
    ["'it\\'s'", "it's"],
    [`"say ""hi"""`, 'say "hi"'],
    [`"a\\"b"`, 'a"b'],
    [`'say "hi"'`, 'say "hi"'],
    [`"it's"`, "it's"],
    ["'50\\%'", "50\\%"],
    ["'C:\\\\'", "C:\\\\"],
    ["'a and b = (1)'", "a and b = (1)"],
  ])("reads the string %s", (text, value) => {
    expect(parseFilter(`params.p = ${text}`)).toEqual(cmp("param", "p", "=", value, 0));
  });

  it("allows a bare attribute key", () => {
    expect(parseFilter("status = 'FINISHED'")).toEqual(cmp("attribute", "status", "=", "FINISHED", 0));
    expect(parseFilter("start_time > 5")).toEqual(cmp("attribute", "start_time", ">", 5, 0));
    expect(parseFilter("created >= 10")).toEqual(cmp("attribute", "start_time", ">=", 10, 0));
  });

  it("maps the attribute alias created to start_time", () => {
    expect(parseFilter("attributes.created >= 1700000000000")).toEqual(
      cmp("attribute", "start_time", ">=", 1700000000000, 0),
    );
  });

  it("compares attributes by their declared type", () => {
    expect(parseFilter("attributes.start_time < 5")).toEqual(cmp("attribute", "start_time", "<", 5, 0));
    expect(parseFilter("attr.status != 'KILLED'")).toEqual(cmp("attribute", "status", "!=", "KILLED", 0));
    expect(parseFilter("run.run_name = 'n'")).toEqual(cmp("attribute", "run_name", "=", "n", 0));
    expect(parseFilter("attributes.lifecycle_stage IS NOT NULL")).toEqual(
      cmp("attribute", "lifecycle_stage", "IS NOT NULL", null, 0),
    );
  });

  it("parses dataset comparisons", () => {
    expect(parseFilter("datasets.digest IN ('abc')")).toEqual(cmp("dataset", "digest", "IN", ["abc"], 0));
    expect(parseFilter("dataset.context != 'training'")).toEqual(
      cmp("dataset", "context", "!=", "training", 0),
    );
  });

  it("reads keywords and prefixes case-insensitively", () => {
    expect(parseFilter("METRICS.a > 1 Or Params.b = 'x' aNd TAGS.c like 'y'")).toEqual(
      or(
        cmp("metric", "a", ">", 1, 0),
        and(cmp("param", "b", "=", "x", 17), cmp("tag", "c", "LIKE", "y", 36)),
      ),
    );
  });

  it.each([
    ["metrics", "metric"],
    ["metric", "metric"],
    ["params", "param"],
    ["param", "param"],
    ["parameters", "param"],
    ["Parameter", "param"],
    ["tags", "tag"],
    ["tag", "tag"],
    ["datasets", "dataset"],
    ["DATASET", "dataset"],
  ] as const)("maps the prefix %s to %s", (prefix, type) => {
    const key = type === "dataset" ? "name" : "k";
    const value = type === "metric" ? 1 : "v";
    const text = type === "metric" ? `${prefix}.${key} = 1` : `${prefix}.${key} = 'v'`;
    expect(parseFilter(text)).toEqual(cmp(type, key, "=", value, 0));
  });

  it.each(["attributes", "attribute", "attr", "run", "ATTRIBUTES"])(
    "maps the prefix %s to attribute",
    (prefix) => {
      expect(parseFilter(`${prefix}.status = 'v'`)).toEqual(cmp("attribute", "status", "=", "v", 0));
    },
  );
});

describe("parseFilter errors", () => {
  it.each([
    ["unterminated single-quoted string", "params.a = 'rf", 11, "'rf"],
    ["unterminated double-quoted string", 'params.a = "rf', 11, '"rf'],
    ["string ending in an escaped quote", "params.a = 'rf\\'", 11, "'rf\\'"],
    ["unterminated backtick key", "metrics.`my metric > 1", 8, "`my metric > 1"],
    ["missing value at the end", "metrics.a >", 11, "end of input"],
    ["missing value before AND", "metrics.a > AND metrics.b > 1", 12, "AND"],
    ["missing comparator", "metrics.a 1", 10, "1"],
    ["missing comparator at the end", "metrics.a", 9, "end of input"],
    ["unknown comparator =>", "metrics.a => 1", 10, "=>"],
    ["unknown comparator ==", "metrics.a == 1", 10, "=="],
    ["unknown comparator !", "metrics.a ! 1", 10, "!"],
    ["trailing garbage", "metrics.a > 1 2", 14, "2"],
    ["trailing identifier", "metrics.a > 1 metrics.b > 2", 14, "metrics.b"],
    ["dangling AND", "metrics.a > 1 AND", 17, "end of input"],
    ["dangling OR with trailing space", "metrics.a > 1 or ", 17, "end of input"],
    ["leading AND", "AND metrics.a > 1", 0, "AND"],
    ["doubled OR", "metrics.a > 1 OR OR metrics.b > 1", 17, "OR"],
    ["unclosed parenthesis", "(metrics.a > 1", 14, "end of input"],
    ["unclosed nested parenthesis", "((metrics.a > 1)", 16, "end of input"],
    ["unopened parenthesis", "metrics.a > 1)", 13, ")"],
    ["empty parentheses", "()", 1, ")"],
    ["garbage inside parentheses", "(metrics.a > 1 2)", 15, "2"],
    ["unknown prefix", "foo.bar = 'x'", 0, "foo.bar"],
    ["bare non-attribute key", "loss > 1", 0, "loss"],
    ["bare prototype name", "toString = 'x'", 0, "toString"],
    ["prototype name as prefix", "constructor.x = 'a'", 0, "constructor.x"],
    ["quoted identifier", "'status' = 'x'", 0, "'status'"],
    ["unknown attribute", "attributes.bogus = 'x'", 0, "attributes.bogus"],
    ["unknown quoted attribute", "attributes.`bogus key` = 'x'", 0, "attributes.`bogus key`"],
    ["prototype name as attribute", "attributes.constructor = 'x'", 0, "attributes.constructor"],
    ["unknown dataset key", "datasets.size = 'x'", 0, "datasets.size"],
    ["empty backtick key", "metrics.`` > 1", 8, "``"],
    ["empty double-quoted key", 'metrics."" > 1', 8, '""'],
    ["missing key", "metrics. > 1", 9, ">"],
    ["quoted key separated from its prefix", "metrics. `a` > 1", 9, "`a`"],
    ["single-quoted key", "metrics.'a' > 1", 8, "'a'"],
    ["empty IN list", "params.a IN ()", 13, ")"],
    ["IN without parentheses", "params.a IN 'x'", 12, "'x'"],
    ["IN list with trailing comma", "params.a IN ('x',)", 17, ")"],
    ["IN list without comma", "params.a IN ('x' 'y')", 17, "'y'"],
    ["unclosed IN list", "params.a IN ('x'", 16, "end of input"],
    ["number in a param IN list", "params.a IN ('x', 2)", 18, "2"],
    ["NOT without IN", "params.a NOT 'x'", 13, "'x'"],
    ["NOT LIKE", "params.a NOT LIKE 'x'", 13, "LIKE"],
    ["IS without NULL", "metrics.a IS 1", 13, "1"],
    ["IS NOT without NULL", "metrics.a IS NOT 1", 17, "1"],
    ["value after IS NULL", "metrics.a IS NULL 1", 18, "1"],
    ["string value for a metric", "metrics.a > '1'", 12, "'1'"],
    ["double-quoted value for a metric", 'metrics.a = "1"', 12, '"1"'],
    ["LIKE on a metric", "metrics.a LIKE 'x'", 10, "LIKE"],
    ["IN on a metric", "metrics.a IN (1, 2)", 10, "IN"],
    ["number value for a param", "params.a = 1", 11, "1"],
    ["number value for a tag", "tags.t != 0.5", 10, "0.5"],
    ["unquoted word for a param", "params.a = rf", 11, "rf"],
    ["< on a param", "params.a < 'x'", 9, "<"],
    ["LIKE on a number attribute", "attributes.start_time LIKE '1%'", 22, "LIKE"],
    ["string value for a number attribute", "attributes.end_time > '5'", 22, "'5'"],
    ["< on a string attribute", "attributes.status < 'x'", 18, "<"],
    ["number value for a string attribute", "status = 1", 9, "1"],
    ["IS NULL on a dataset", "datasets.name IS NULL", 14, "IS"],
    ["NaN", "metrics.a > nan", 12, "nan"],
    ["-NaN", "metrics.a > -NaN", 12, "-NaN"],
    ["malformed number 1.2.3", "metrics.a > 1.2.3", 12, "1.2.3"],
    ["malformed number 1e", "metrics.a > 1e", 12, "1e"],
    ["hex number", "metrics.a > 0x10", 12, "0x10"],
    ["lone minus", "metrics.a > -", 12, "-"],
    ["backtick in value position", "params.a = `x`", 11, "`x`"],
    ["unexpected character &", "metrics.a > 1 & metrics.b > 2", 14, "&"],
    ["unexpected character ;", "metrics.a > 1;", 13, ";"],
    ["unexpected character +", "metrics.a > +1", 12, "+"],
    ["non-ASCII key character", "metrics.lossé > 1", 12, "é"],
  ])("%s: %s", (_label, text, position, token) => {
    const e = errorOf(() => parseFilter(text));
    expect(e.code).toBe("INVALID_FILTER");
    expect(e.details).toEqual({ position, token });
    expect(e.message).toContain(`at position ${position} near `);
  });

  it("formats the message around the offending token", () => {
    expect(errorOf(() => parseFilter("metrics.a => 1")).message).toBe(
      "invalid filter at position 10 near '=>': expected a comparator " +
        "(=, !=, <>, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)",
    );
    expect(errorOf(() => parseFilter("metrics.a >")).message).toBe(
      "invalid filter at position 11 near end of input: expected a number",
    );
  });

  it("says what is allowed", () => {
    expect(errorOf(() => parseFilter("metrics.a > '1'")).message).toContain("metric values are numbers");
    expect(errorOf(() => parseFilter("params.a = 1")).message).toContain("param values are strings");
    expect(errorOf(() => parseFilter("metrics.a LIKE 'x'")).message).toContain(
      "metric comparisons allow only =, !=, <, <=, >, >=, IS NULL, IS NOT NULL",
    );
    expect(errorOf(() => parseFilter("foo.bar = 'x'")).message).toContain("unknown prefix 'foo'");
    const unknown = errorOf(() => parseFilter("attributes.bogus = 'x'")).message;
    expect(unknown).toContain("unknown attribute 'bogus'");
    expect(unknown).toContain("run_id, run_name, status");
    expect(unknown).toContain("created (= start_time)");
    expect(errorOf(() => parseFilter("datasets.size = 'x'")).message).toContain("name, digest, context");
    expect(errorOf(() => parseFilter("params.a IN ()")).message).toContain("must not be empty");
    expect(errorOf(() => parseFilter("params.a = 'rf")).message).toContain("unterminated string");
    expect(errorOf(() => parseFilter("metrics.a > 1)")).message).toContain("unbalanced ')'");
  });
});

describe("parseOrderBy", () => {
  it.each([
    ["metrics.f1 DESC", { ident: { type: "metric", key: "f1", pos: 0 }, ascending: false }],
    ["params.lr ASC", { ident: { type: "param", key: "lr", pos: 0 }, ascending: true }],
    ["attributes.start_time", { ident: { type: "attribute", key: "start_time", pos: 0 }, ascending: true }],
    ["metrics.`my metric` desc", { ident: { type: "metric", key: "my metric", pos: 0 }, ascending: false }],
    ['tags."my tag" Asc', { ident: { type: "tag", key: "my tag", pos: 0 }, ascending: true }],
    ["  status   Desc  ", { ident: { type: "attribute", key: "status", pos: 2 }, ascending: false }],
    ["attributes.created asc", { ident: { type: "attribute", key: "start_time", pos: 0 }, ascending: true }],
    ["metrics.val/loss", { ident: { type: "metric", key: "val/loss", pos: 0 }, ascending: true }],
  ])("parses %s", (text, expected) => {
    expect(parseOrderBy(text)).toEqual(expected);
  });

  it.each([
    ["empty", "", 0, "end of input"],
    ["whitespace only", "   ", 3, "end of input"],
    ["unknown direction", "metrics.f1 DOWN", 11, "DOWN"],
    ["two directions", "metrics.f1 DESC ASC", 16, "ASC"],
    ["two clauses", "metrics.f1 DESC, params.lr", 15, ","],
    ["comparison", "metrics.f1 > 1", 11, ">"],
    ["unknown prefix", "foo.bar", 0, "foo.bar"],
    ["bare non-attribute key", "loss DESC", 0, "loss"],
    ["unknown attribute", "attributes.bogus", 0, "attributes.bogus"],
    ["unterminated backtick", "metrics.`f1", 8, "`f1"],
    ["empty quoted key", "metrics.`` DESC", 8, "``"],
  ])("rejects %s: %s", (_label, text, position, token) => {
    const e = errorOf(() => parseOrderBy(text));
    expect(e.code).toBe("INVALID_ORDER_BY");
    expect(e.details).toEqual({ position, token });
    expect(e.message).toContain(`invalid order_by at position ${position} near `);
  });
});
