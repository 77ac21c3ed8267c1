import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import { loadTable, readParquet } from "./index.js";

/** Written by test/fixtures/make-parquet.py: 5 rows in two row groups. */
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/mixed.parquet");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sx-parquet-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe("readParquet", () => {
  it("reads numeric, string, boolean, date and timestamp columns with nulls exactly", async () => {
    const t = await loadTable(FIXTURE);
    expect(t.schema).toEqual([
      { name: "id", type: "number", nullable: false },
      { name: "score", type: "number", nullable: true },
      { name: "count", type: "number", nullable: true },
      { name: "name", type: "category", nullable: true },
      { name: "flag", type: "number", nullable: true },
      { name: "day", type: "number", nullable: true },
      { name: "ts", type: "number", nullable: true },
      { name: "ts_us", type: "number", nullable: true },
    ]);
    expect(t.toRows()).toEqual([
      {
        id: 1,
        score: 1.5,
        count: 7,
        name: "alpha",
        flag: 1,
        day: Date.UTC(2025, 0, 1),
        ts: Date.UTC(2025, 0, 1, 12, 0, 0, 250),
        ts_us: 1.5,
      },
      { id: 2, score: null, count: 8, name: "beta", flag: 0, day: null, ts: null, ts_us: null },
      { id: 3, score: -2.25, count: null, name: null, flag: null, day: 86_400_000, ts: 0, ts_us: 0 },
      {
        id: 4,
        score: 1e10,
        count: -1,
        name: "alpha",
        flag: 1,
        day: Date.UTC(2024, 1, 29),
        ts: -1000,
        ts_us: 2000,
      },
      {
        id: 5,
        score: 0,
        count: 2_147_483_647,
        name: "β, with comma",
        flag: 0,
        day: -86_400_000,
        ts: 1_700_000_000_000,
        ts_us: -0.001,
      },
    ]);
    expect(t.category("name").dictionary).toEqual(["alpha", "beta", "β, with comma"]);
  });

  it("reads chosen columns in order and applies a schema override", async () => {
    const t = await readParquet(FIXTURE, { columns: ["name", "count"], schema: { count: "category" } });
    expect(t.columnNames).toEqual(["name", "count"]);
    expect(t.toRows().map((r) => r.count)).toEqual(["7", "8", null, "-1", "2147483647"]);
    const e = await failure(readParquet(FIXTURE, { schema: { name: "number" } }));
    expect(e.message).toBe(`${FIXTURE}: row 1: column "name" is declared a number but has "alpha"`);
    expect(e.details).toEqual({ file: FIXTURE, row: 1, column: "name", value: "alpha" });
  });

  it("names unknown columns, missing files and files that are not Parquet", async () => {
    const e = await failure(readParquet(FIXTURE, { columns: ["scores"] }));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toContain('unknown column "scores"');
    expect(e.details.suggestions).toEqual(["score"]);
    const missing = join(dir, "missing.parquet");
    expect((await failure(loadTable(missing))).code).toBe("FILE_NOT_FOUND");
    const bogus = join(dir, "bogus.parquet");
    writeFileSync(bogus, "a,b\n1,2\n");
    const b = await failure(loadTable(bogus));
    expect(b.code).toBe("INVALID_ARGUMENT");
    expect(b.message.startsWith(`${bogus} is not a readable Parquet file`)).toBe(true);
  });
});
