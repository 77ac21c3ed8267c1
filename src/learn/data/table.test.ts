import { describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import { toMatrix } from "../matrix.js";
import { closeMatches, Table } from "./table.js";

const sample = () =>
  Table.fromColumns({
    age: [31, null, 45, 22],
    plan: ["paid", "free", null, "paid"],
    active: [true, false, true, null],
  });

function caught(fn: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (isSextantError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
    throw e;
  }
  throw new Error("expected a SextantError");
}

describe("Table", () => {
  it("encodes numbers, strings and booleans with NaN / -1 for missing", () => {
    const t = sample();
    expect(t.numRows).toBe(4);
    expect(t.columnNames).toEqual(["age", "plan", "active"]);
    expect(t.schema).toEqual([
      { name: "age", type: "number", nullable: true },
      { name: "plan", type: "category", nullable: true },
      { name: "active", type: "number", nullable: true },
    ]);
    expect(Array.from(t.numbers("age"))).toEqual([31, Number.NaN, 45, 22]);
    const plan = t.category("plan");
    expect(plan.dictionary).toEqual(["free", "paid"]);
    expect(Array.from(plan.codes)).toEqual([1, 0, -1, 1]);
    expect(Array.from(t.numbers("active"))).toEqual([1, 0, 1, Number.NaN]);
    expect(t.toRows()).toEqual([
      { age: 31, plan: "paid", active: 1 },
      { age: null, plan: "free", active: 0 },
      { age: 45, plan: null, active: 1 },
      { age: 22, plan: "paid", active: null },
    ]);
  });

  it("reports non-nullable columns", () => {
    const t = Table.fromColumns({ a: [1, 2], b: ["x", "y"] });
    expect(t.schema.map((f) => f.nullable)).toEqual([false, false]);
  });

  it("names an unknown column and suggests close ones", () => {
    const t = Table.fromColumns({ days_since_listen: [1], hours_last_month: [2], plan: ["a"] });
    const e = caught(() => t.column("days_since_lisen"));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toBe(
      'unknown column "days_since_lisen" in the table; did you mean "days_since_listen"? (columns: days_since_listen, hours_last_month, plan)',
    );
    expect(e.details.suggestions).toEqual(["days_since_listen"]);
    expect(caught(() => t.column("zzz")).message).not.toContain("did you mean");
    expect(closeMatches("Plan", ["plan", "plans", "span", "other"])).toEqual(["plan", "plans"]);
  });

  it("select copies rows in the given order and shares dictionaries", () => {
    const t = sample();
    const s = t.select(Uint32Array.of(3, 0, 0));
    expect(s.toRows()).toEqual([
      { age: 22, plan: "paid", active: null },
      { age: 31, plan: "paid", active: 1 },
      { age: 31, plan: "paid", active: 1 },
    ]);
    expect(s.category("plan").dictionary).toBe(t.category("plan").dictionary);
    expect(s.numbers("age")).not.toBe(t.numbers("age"));
    expect(caught(() => t.select([4])).message).toBe("row index 4 is out of range; the table has 4 rows");
  });

  it("filter takes a predicate or a mask; slice and head work like Array.slice", () => {
    const t = sample();
    const age = t.numbers("age");
    expect(
      t
        .filter((i) => age[i]! > 25)
        .toRows()
        .map((r) => r.age),
    ).toEqual([31, 45]);
    expect(
      t
        .filter([0, 1, 1, 0])
        .toRows()
        .map((r) => r.plan),
    ).toEqual(["free", null]);
    expect(caught(() => t.filter([1])).code).toBe("INVALID_ARGUMENT");
    expect(
      t
        .slice(1, 3)
        .toRows()
        .map((r) => r.age),
    ).toEqual([null, 45]);
    expect(
      t
        .slice(-1)
        .toRows()
        .map((r) => r.age),
    ).toEqual([22]);
    expect(t.slice(3, 1).numRows).toBe(0);
    expect(t.head(2).numRows).toBe(2);
    expect(t.head(10).numRows).toBe(4);
  });

  it("withColumn replaces in place or appends; drop and pick check names", () => {
    const t = sample();
    const r = t.withColumn("age", [1, 2, 3, 4]);
    expect(r.columnNames).toEqual(["age", "plan", "active"]);
    expect(Array.from(r.numbers("age"))).toEqual([1, 2, 3, 4]);
    const a = t.withColumn("tier", ["b", "a", "b", "a"]);
    expect(a.columnNames).toEqual(["age", "plan", "active", "tier"]);
    expect(a.category("tier").dictionary).toEqual(["a", "b"]);
    expect(caught(() => t.withColumn("x", [1])).message).toBe(
      'column "x" has 1 values; the table has 4 rows',
    );
    expect(t.drop("plan", "active").columnNames).toEqual(["age"]);
    expect(caught(() => t.drop("nope")).code).toBe("INVALID_ARGUMENT");
    expect(t.pick("active", "age").columnNames).toEqual(["active", "age"]);
    expect(t.columnNames).toEqual(["age", "plan", "active"]);
  });

  it("rejects mixed columns, bad codes and repeated names", () => {
    expect(caught(() => Table.fromColumns({ x: [1, "a"] as never })).message).toBe(
      'column "x" mixes strings with numbers',
    );
    expect(
      caught(
        () => new Table([["c", { type: "category", codes: Int32Array.of(0, 2), dictionary: ["a", "b"] }]]),
      ).message,
    ).toBe('column "c" has code 2 at row 1; its dictionary has 2 entries');
    expect(
      caught(
        () =>
          new Table([
            ["a", { type: "number", values: new Float64Array(1) }],
            ["a", { type: "number", values: new Float64Array(1) }],
          ]),
      ).message,
    ).toBe('column "a" appears twice');
  });

  it("featureMatrix gives numbers as they are and categories as codes with NaN for missing", () => {
    const t = sample();
    const m = t.featureMatrix(["plan", "age"]);
    expect(m.names).toEqual(["plan", "age"]);
    expect(Array.from(m.columns[0]!)).toEqual([1, 0, Number.NaN, 1]);
    expect(m.columns[1]).toBe(t.numbers("age"));
    expect(t.featureMatrix().names).toEqual(["age", "plan", "active"]);
    const mx = toMatrix(t, ["active"]);
    expect(mx.nRows).toBe(4);
    expect(mx.nCols).toBe(1);
    expect(mx.names).toEqual(["active"]);
  });

  it("recode aligns a category column with another dictionary", () => {
    const train = Table.fromColumns({ seg: ["power", "casual", "free"] });
    const test = Table.fromColumns({ seg: ["free", "vip", null] });
    const aligned = test.recode("seg", train.category("seg").dictionary);
    expect(aligned.category("seg").dictionary).toEqual(["casual", "free", "power"]);
    expect(Array.from(aligned.category("seg").codes)).toEqual([1, -1, -1]);
  });

  it("timestamps parses ISO category values and passes numbers through", () => {
    const t = Table.fromColumns({
      d: ["2025-02-01", "2025-01-01", null],
      n: [5, 6, 7],
      bad: ["x", "y", "z"],
    });
    expect(Array.from(t.timestamps("d"))).toEqual([Date.UTC(2025, 1, 1), Date.UTC(2025, 0, 1), Number.NaN]);
    expect(t.timestamps("n")).toBe(t.numbers("n"));
    expect(caught(() => t.timestamps("bad")).message).toBe('column "bad" has "x", which is not a date');
  });

  it("get reads one cell; category() and numbers() check the kind", () => {
    const t = sample();
    expect(t.get("plan", 0)).toBe("paid");
    expect(t.get("plan", 2)).toBeNull();
    expect(t.get("age", 1)).toBeNaN();
    expect(caught(() => t.numbers("plan")).message).toBe('column "plan" is a category, not a number column');
    expect(caught(() => t.category("age")).message).toBe('column "age" is a number column, not a category');
  });
});
