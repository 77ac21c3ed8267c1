import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import { loadTable, readCsv, Table, writeCsv } from "./index.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sx-csv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function failure(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isSextantError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
    throw e;
  }
  throw new Error("expected a SextantError");
}

describe("readCsv", () => {
  it("infers number, boolean-as-number and category columns; empty and NA cells are missing", async () => {
    const p = file(
      "mixed.csv",
      'id,score,plan,active,note\n1,1.5,paid,true,"a, quoted"\n2,,free,FALSE,\n3,NA,paid,,x\n4,-2e3,,1,"say ""hi"""\n5,NaN,free,0,NA\n6,null,free,true, y\n',
    );
    const t = await loadTable(p);
    expect(t.schema).toEqual([
      { name: "id", type: "number", nullable: false },
      { name: "score", type: "number", nullable: true },
      { name: "plan", type: "category", nullable: true },
      { name: "active", type: "number", nullable: true },
      { name: "note", type: "category", nullable: true },
    ]);
    expect(t.toRows()).toEqual([
      { id: 1, score: 1.5, plan: "paid", active: 1, note: "a, quoted" },
      { id: 2, score: null, plan: "free", active: 0, note: null },
      { id: 3, score: null, plan: "paid", active: null, note: "x" },
      { id: 4, score: -2000, plan: null, active: 1, note: 'say "hi"' },
      { id: 5, score: null, plan: "free", active: 0, note: "NA" },
      { id: 6, score: null, plan: "free", active: 1, note: " y" },
    ]);
    expect(t.category("plan").dictionary).toEqual(["free", "paid"]);
  });

  it("applies a schema override and reads only the columns asked for, in that order", async () => {
    const p = file("codes.csv", "zip,city,pop\n02139,Cambridge,118000\n10001,New York,8000000\n");
    const t = await readCsv(p, { schema: { zip: "category" }, columns: ["pop", "zip"] });
    expect(t.columnNames).toEqual(["pop", "zip"]);
    expect(t.toRows()).toEqual([
      { pop: 118000, zip: "02139" },
      { pop: 8000000, zip: "10001" },
    ]);
  });

  it("reads tab-separated and gzip-compressed files, and a given delimiter", async () => {
    const tsv = await loadTable(file("a.tsv", "a\tb\n1\tx y\n"));
    expect(tsv.toRows()).toEqual([{ a: 1, b: "x y" }]);
    const gz = await loadTable(file("a.csv.gz", gzipSync("a,b\n1,2\n3,4\n")));
    expect(gz.toRows()).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
    const semi = await loadTable(file("semi.csv", "a;b\n1,5;x\n"), { delimiter: ";" });
    expect(semi.toRows()).toEqual([{ a: "1,5", b: "x" }]);
  });

  it("skips a byte-order mark and blank lines, and names unnamed header cells", async () => {
    const t = await loadTable(file("bom.csv", "\uFEFF,a\n1,2\n\n3,4\n"));
    expect(t.columnNames).toEqual(["column_1", "a"]);
    expect(t.numRows).toBe(2);
  });

  it("re-types an inferred number column as a category when a later row breaks it", async () => {
    const p = file("retype.csv", "code,n\n1,1\n2,2\n3,3\nA7,4\n007,5\n");
    const t = await readCsv(p, { inferRows: 3 });
    expect(t.schema.map((f) => [f.name, f.type])).toEqual([
      ["code", "category"],
      ["n", "number"],
    ]);
    // the second read keeps the text exactly, leading zeros included
    expect(t.toRows().map((r) => r.code)).toEqual(["1", "2", "3", "A7", "007"]);
  });

  it("fails on a later non-number in a column the schema declares a number, naming file, line and column", async () => {
    const p = file("declared.csv", "code,n\n1,1\n2,2\n3,3\nA7,4\n");
    const e = await failure(readCsv(p, { inferRows: 2, schema: { code: "number" } }));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toBe(`${p}: line 5: column "code" is declared a number but has "A7"`);
    expect(e.details).toEqual({ file: p, line: 5, column: "code", value: "A7" });
  });

  it("fails on a ragged row with its line number, counting quoted line breaks", async () => {
    const p = file("ragged.csv", 'a,b,c\n1,"two\nlines",3\n4,5\n');
    const e = await failure(loadTable(p));
    expect(e.message).toBe(`${p}: line 4: row has 2 fields, the header has 3`);
    expect(e.details).toEqual({ file: p, line: 4, fields: 2, expected: 3 });
  });

  it("fails on an empty file and on a header without rows", async () => {
    const empty = file("empty.csv", "");
    expect((await failure(loadTable(empty))).message).toBe(`${empty}: the file is empty`);
    const header = file("header.csv", "a,b\n");
    expect((await failure(loadTable(header))).message).toBe(`${header}: the file has a header but no rows`);
  });

  it("fails on unknown columns in columns or schema, suggesting close names", async () => {
    const p = file("known.csv", "days_since_listen,plan\n1,a\n");
    const e = await failure(loadTable(p, { columns: ["days_since_lisen"] }));
    expect(e.message).toBe(
      `unknown column "days_since_lisen" in ${p}; did you mean "days_since_listen"? (columns: days_since_listen, plan)`,
    );
    const s = await failure(loadTable(p, { schema: { plans: "category" } }));
    expect(s.details.suggestions).toEqual(["plan"]);
    const dup = file("dup.csv", "a,a\n1,2\n");
    expect((await failure(loadTable(dup))).message).toBe(
      `${dup}: line 1: column "a" appears twice in the header`,
    );
  });

  it("fails with FILE_NOT_FOUND for a missing file", async () => {
    const p = join(dir, "missing.csv");
    const e = await failure(loadTable(p));
    expect(e).toEqual({ code: "FILE_NOT_FOUND", message: `no file at ${p}`, details: { file: p } });
  });

  it("reports csv-parse errors (an unclosed quote) with the file and line", async () => {
    const p = file("quote.csv", 'a,b\n1,"open\n');
    const e = await failure(loadTable(p));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message.startsWith(`${p}: line`)).toBe(true);
    expect(e.details.file).toBe(p);
  });
});

describe("writeCsv", () => {
  it("writes numbers in shortest form, missing as empty, quoting where needed, and reads back the same", async () => {
    const t = Table.fromColumns({
      x: [0.1 + 0.2, -0, null, 1e21, 3],
      s: ["plain", "a,b", 'q"t', null, " lead"],
      flag: [true, false, null, true, false],
    });
    const p = join(dir, "out.csv");
    await writeCsv(t, p);
    expect(readFileSync(p, "utf8")).toBe(
      'x,s,flag\n0.30000000000000004,plain,1\n0,"a,b",0\n,"q""t",\n1e+21,,1\n3," lead",0\n',
    );
    const back = await loadTable(p);
    expect(back.toRows()).toEqual(t.toRows().map((r) => ({ ...r, x: Object.is(r.x, -0) ? 0 : r.x })));
  });

  it("round-trips a larger table exactly", async () => {
    const n = 5000;
    const x = new Float64Array(n);
    const s: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      x[i] = i % 17 === 0 ? Number.NaN : Math.sin(i) * 1000;
      s.push(i % 13 === 0 ? null : `c${i % 7}`);
    }
    const t = Table.fromColumns({ x, s });
    const p = join(dir, "big.csv");
    await writeCsv(t, p);
    const back = await loadTable(p);
    expect(back.numRows).toBe(n);
    expect(Array.from(back.numbers("x"))).toEqual(Array.from(x));
    expect(back.toRows().map((r) => r.s)).toEqual(s);
  });
});
