import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import { profileDataset } from "./dataset.js";

const dirs: string[] = [];

function tempDir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sextant-data-")));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function sha(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Writes `content` to a new temp file named `name` and returns its path. */
function file(name: string, content: string | Buffer): string {
  const p = path.join(tempDir(), name);
  fs.writeFileSync(p, content);
  return p;
}

describe("profileDataset: CSV / TSV", () => {
  it("parses RFC 4180 quoting with CRLF line endings", async () => {
    const csv =
      "id,name,score,active,note,blank\r\n" +
      '1,"Smith, John",1.5,true,"He said ""hi""",\r\n' +
      '2,"multi\r\nline, with comma",2,FALSE,plain,\r\n' +
      '+3,"",inf,True,"a\nb",\r\n' +
      "\r\n\r\n";
    const p = file("people.csv", csv);
    const profile = await profileDataset(p);
    expect(profile).toEqual({
      source: p,
      sourceType: "local-file",
      digest: sha(csv),
      size: Buffer.byteLength(csv),
      format: "csv",
      rows: 3,
      columns: 6,
      schema: [
        { name: "id", type: "integer" },
        { name: "name", type: "string" },
        { name: "score", type: "double" },
        { name: "active", type: "boolean" },
        { name: "note", type: "string" },
        { name: "blank", type: "empty" },
      ],
    });
  });

  it("infers each column type and ignores empty cells", async () => {
    const csv = [
      "int,dbl,special,bool,str,empty,mixed_num_bool",
      "-7,1.5,NaN,true,abc,,1",
      ",-.5,-Infinity,false,12,,true",
      "+42,1e-3,inf,TRUE,1.5,,",
      "0,3,1.25,False,x y,,",
      "007,, ,,true,,",
    ].join("\n");
    const profile = await profileDataset(file("types.CSV", csv)); // extension is case-insensitive
    expect(profile.format).toBe("csv");
    expect(profile.rows).toBe(5);
    expect(profile.columns).toBe(7);
    expect(profile.schema).toEqual([
      { name: "int", type: "integer" },
      { name: "dbl", type: "double" },
      { name: "special", type: "double" },
      { name: "bool", type: "boolean" },
      { name: "str", type: "string" },
      { name: "empty", type: "empty" },
      { name: "mixed_num_bool", type: "string" },
    ]);
  });

  it("counts a final line without newline and does not count blank trailing lines", async () => {
    expect((await profileDataset(file("a.csv", "h\n1\n2"))).rows).toBe(2);
    expect((await profileDataset(file("b.csv", "h\n1\n2\n\n\n"))).rows).toBe(2);
    expect((await profileDataset(file("c.csv", "h\r\n1\r\n2\r\n\r\n"))).rows).toBe(2);
    expect((await profileDataset(file("d.csv", 'h\n""\n'))).rows).toBe(1); // a quoted empty field is a row
    const headerOnly = await profileDataset(file("e.csv", "x,y\n"));
    expect(headerOnly).toMatchObject({ rows: 0, columns: 2 });
    expect(headerOnly.schema).toEqual([
      { name: "x", type: "empty" },
      { name: "y", type: "empty" },
    ]);
    const empty = await profileDataset(file("f.csv", ""));
    expect(empty).toMatchObject({ rows: 0, columns: 0, schema: [], size: 0, digest: sha("") });
  });

  it("does not throw on ragged rows", async () => {
    const csv = "a,b,c\n1,2\n3,4,5,6\n7,8,9\n";
    const profile = await profileDataset(file("ragged.csv", csv));
    expect(profile.rows).toBe(3);
    expect(profile.columns).toBe(3);
    expect(profile.schema).toEqual([
      { name: "a", type: "integer" },
      { name: "b", type: "integer" },
      { name: "c", type: "integer" },
    ]);
  });

  it("strips a UTF-8 byte order mark from the first header name", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("größe,b\n1,2\n")]);
    const profile = await profileDataset(file("bom.csv", bytes));
    expect(profile.schema?.map((c) => c.name)).toEqual(["größe", "b"]);
    expect(profile.digest).toBe(sha(bytes));
    expect(profile.size).toBe(bytes.length);
  });

  it("infers types from the first 1000 data rows only, but counts them all", async () => {
    const lines = ["n,s"];
    for (let i = 0; i < 1000; i++) lines.push(`${i},${i % 2 === 0 ? "true" : "false"}`);
    lines.push("not-a-number,maybe");
    const profile = await profileDataset(file("sample.csv", `${lines.join("\n")}\n`));
    expect(profile.rows).toBe(1001);
    expect(profile.schema).toEqual([
      { name: "n", type: "integer" },
      { name: "s", type: "boolean" },
    ]);
  });

  it("streams a multi-megabyte file with quoted newlines across read chunks", async () => {
    const row = '12345,"line one\r\nline ""two"", still quoted",9.75\r\n'; // 50 bytes
    const rowCount = 100_000; // ~5 MB, several 1 MB read chunks
    const csv = "id,text,value\r\n" + row.repeat(rowCount);
    const profile = await profileDataset(file("big.csv", csv));
    expect(profile.rows).toBe(rowCount);
    expect(profile.size).toBe(Buffer.byteLength(csv));
    expect(profile.digest).toBe(sha(csv));
    expect(profile.schema).toEqual([
      { name: "id", type: "integer" },
      { name: "text", type: "string" },
      { name: "value", type: "double" },
    ]);
  });

  it("parses TSV with commas and quotes inside fields", async () => {
    const tsv = 'city\tpop\tnote\nBerlin, DE\t3645000\t"tab\tinside"\nParis\t2161000\tplain, text\n';
    const profile = await profileDataset(file("cities.tsv", tsv));
    expect(profile).toMatchObject({ format: "tsv", rows: 2, columns: 3, digest: sha(tsv) });
    expect(profile.schema).toEqual([
      { name: "city", type: "string" },
      { name: "pop", type: "integer" },
      { name: "note", type: "string" },
    ]);
  });
});

describe("profileDataset: JSON Lines and JSON", () => {
  it("profiles JSON Lines", async () => {
    const jsonl =
      '{"id":1,"score":0.5,"ok":true,"tag":"a"}\n' +
      "\n" +
      '{"id":2,"score":1,"ok":false,"extra":[1,2]}\r\n' +
      "   \n" +
      '{"id":3,"score":2,"ok":null,"tag":"c","nothing":null}';
    const p = file("events.jsonl", jsonl);
    expect(await profileDataset(p)).toEqual({
      source: p,
      sourceType: "local-file",
      digest: sha(jsonl),
      size: Buffer.byteLength(jsonl),
      format: "jsonl",
      rows: 3,
      columns: 6,
      schema: [
        { name: "id", type: "integer" },
        { name: "score", type: "double" },
        { name: "ok", type: "boolean" },
        { name: "tag", type: "string" },
        { name: "extra", type: "string" },
        { name: "nothing", type: "empty" },
      ],
    });
  });

  it("accepts .ndjson, counts invalid lines as rows and has no schema without objects", async () => {
    const profile = await profileDataset(file("x.ndjson", "1\n2\nnot json\n\n"));
    expect(profile).toMatchObject({ format: "jsonl", rows: 3, columns: null, schema: null });
  });

  it("profiles a top-level JSON array of objects", async () => {
    const json = JSON.stringify([
      { a: 1, b: "x" },
      { a: 2, c: true },
      { a: 3.5, b: "y", c: false },
    ]);
    const p = file("table.json", json);
    expect(await profileDataset(p)).toEqual({
      source: p,
      sourceType: "local-file",
      digest: sha(json),
      size: Buffer.byteLength(json),
      format: "json",
      rows: 3,
      columns: 3,
      schema: [
        { name: "a", type: "double" },
        { name: "b", type: "string" },
        { name: "c", type: "boolean" },
      ],
    });
  });

  it("has no rows for a JSON object, a scalar array has rows only, invalid JSON has nothing", async () => {
    expect(await profileDataset(file("obj.json", '{"a":[1,2,3]}'))).toMatchObject({
      format: "json",
      rows: null,
      columns: null,
      schema: null,
    });
    expect(await profileDataset(file("nums.json", "[1,2,3,4]"))).toMatchObject({
      rows: 4,
      columns: null,
      schema: null,
    });
    const broken = "[1, 2,";
    expect(await profileDataset(file("broken.json", broken))).toMatchObject({
      format: "json",
      digest: sha(broken),
      size: 6,
      rows: null,
      columns: null,
      schema: null,
    });
  });
});

describe("profileDataset: other files and directories", () => {
  it("hashes other files without profiling them", async () => {
    const bytes = Buffer.from([0, 1, 2, 3, 250, 251]);
    const p = file("weights.bin", bytes);
    expect(await profileDataset(p)).toEqual({
      source: p,
      sourceType: "local-file",
      digest: sha(bytes),
      size: 6,
      format: "other",
      rows: null,
      columns: null,
      schema: null,
    });
  });

  it("resolves a relative path to an absolute source", async () => {
    const p = file("rel.csv", "a\n1\n");
    const rel = path.relative(process.cwd(), p);
    expect((await profileDataset(rel)).source).toBe(p);
  });

  const tree: [string, string][] = [
    ["b.csv", "x\n1\n"],
    ["a/z.txt", "zzz"],
    ["a/b/deep.bin", "deep"],
    ["a.txt", "top"],
  ];

  function writeTree(root: string, entries: [string, string][]): void {
    for (const [rel, content] of entries) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    }
  }

  it("digests a directory independently of creation order, ignoring symlinks", async () => {
    const d1 = tempDir();
    const d2 = tempDir();
    writeTree(d1, tree);
    writeTree(d2, [...tree].reverse());
    fs.symlinkSync(path.join(d2, "a.txt"), path.join(d2, "link.txt"));
    fs.symlinkSync(path.join(d2, "a"), path.join(d2, "linkdir"));

    const p1 = await profileDataset(d1);
    const p2 = await profileDataset(d2);
    const expectedLines = [...tree]
      .map(([rel, content]) => `${rel}\0${sha(content)}\n`)
      .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(expectedLines.map((l) => l.split("\0")[0])).toEqual(["a.txt", "a/b/deep.bin", "a/z.txt", "b.csv"]);
    expect(p1).toEqual({
      source: d1,
      sourceType: "local-dir",
      digest: sha(expectedLines.join("")),
      size: 4 + 3 + 4 + 3,
      format: "directory",
      rows: null,
      columns: null,
      schema: null,
    });
    expect(p2.digest).toBe(p1.digest);
    expect(p2.size).toBe(14);
  });

  it("changes the directory digest when one byte changes", async () => {
    const d = tempDir();
    writeTree(d, tree);
    const before = await profileDataset(d);
    fs.writeFileSync(path.join(d, "a", "b", "deep.bin"), "deeP");
    const after = await profileDataset(d);
    expect(after.digest).not.toBe(before.digest);
    expect(after.size).toBe(before.size);
  });

  it("digests an empty directory as the hash of nothing", async () => {
    expect(await profileDataset(tempDir())).toMatchObject({ digest: sha(""), size: 0, format: "directory" });
  });

  it("throws FILE_NOT_FOUND naming a missing path", async () => {
    const missing = path.join(tempDir(), "nope.csv");
    const err = await profileDataset(missing).catch((e: unknown) => e);
    expect(isSextantError(err, "FILE_NOT_FOUND")).toBe(true);
    expect((err as Error).message).toContain(missing);
  });
});
