import { describe, expect, it } from "vitest";
import { delimiterFor, parseCsvHead } from "./csv.js";

describe("parseCsvHead", () => {
  it("parses quoted fields, doubled quotes, embedded newlines and CRLF", () => {
    const text = 'a,b,c\r\n1,"x, y",3\r\n2,"say ""hi""","multi\nline"\r\n';
    expect(parseCsvHead(text)).toEqual({
      header: ["a", "b", "c"],
      rows: [
        ["1", "x, y", "3"],
        ["2", 'say "hi"', "multi\nline"],
      ],
      truncated: false,
      width: 3,
    });
  });
  it("keeps a final record without newline", () => {
    expect(parseCsvHead("a,b\n1,2").rows).toEqual([["1", "2"]]);
  });
  it("stops after maxRows and says so", () => {
    const text = ["h", ...Array.from({ length: 10 }, (_, i) => String(i))].join("\n");
    const head = parseCsvHead(text, { maxRows: 3 });
    expect(head.rows).toEqual([["0"], ["1"], ["2"]]);
    expect(head.truncated).toBe(true);
  });
  it("drops the partial last record of a cut text", () => {
    const head = parseCsvHead("a,b\n1,2\n3,4", { textTruncated: true });
    expect(head.rows).toEqual([["1", "2"]]);
    expect(head.truncated).toBe(true);
  });
  it("reads TSV and empty fields", () => {
    expect(parseCsvHead("a\tb\n\t2\n", { delimiter: "\t" }).rows).toEqual([["", "2"]]);
    expect(delimiterFor("x/data.TSV")).toBe("\t");
    expect(delimiterFor("x/data.csv")).toBe(",");
  });
  it("reports the widest record", () => {
    expect(parseCsvHead("a\n1,2,3\n").width).toBe(3);
  });
});
