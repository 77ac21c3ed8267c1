import { describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import { generateTuneKeep, Table } from "../learn/index.js";
import { checkLeakage, guessTimeColumn, randomSplit, temporalSplit } from "./splits.js";

const tk = generateTuneKeep({ users: 2000, months: 8, seed: 11 });

function codeOf(fn: () => unknown): SextantError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    return e as SextantError;
  }
  throw new Error("expected a SextantError");
}

describe("temporalSplit", () => {
  it("puts rows before the cutoff in train and the rest in test", () => {
    const s = temporalSplit(tk, { timeColumn: "snapshot_date", cutoff: "2024-07-01" });
    const trainT = s.train.timestamps("snapshot_date");
    const testT = s.test.timestamps("snapshot_date");
    const cut = Date.parse("2024-07-01");
    expect(trainT.every((t) => t < cut)).toBe(true);
    expect(testT.every((t) => t >= cut)).toBe(true);
    expect(s.train.numRows + s.test.numRows).toBe(tk.numRows);
    expect(s.definition).toMatchObject({
      kind: "temporal",
      cutoff: "2024-07-01T00:00:00.000Z",
      trainRange: ["2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z"],
      testRange: ["2024-07-01T00:00:00.000Z", "2024-08-01T00:00:00.000Z"],
      trainRows: s.train.numRows,
    });
    // the indices are the input's row numbers
    expect(s.test.get("user_id", 0)).toBe(tk.get("user_id", s.testIndices[0]!));
    expect(s.report.ok).toBe(true);
  });

  it("reports returning users as information, not as a leak, in a temporal split", () => {
    const s = temporalSplit(tk, {
      timeColumn: "snapshot_date",
      cutoff: "2024-07-01",
      entityColumn: "user_id",
      strict: true,
    });
    const overlap = s.report.issues.find((i) => i.code === "ENTITY_OVERLAP")!;
    expect(overlap.severity).toBe("info");
    const trainUsers = new Set(s.train.numbers("user_id"));
    const shared = new Set([...s.test.numbers("user_id")].filter((u) => trainUsers.has(u)));
    expect(overlap.details.shared).toBe(shared.size);
    expect(shared.size).toBeGreaterThan(0);
  });

  it("refuses a cutoff outside the data, naming the range", () => {
    const e = codeOf(() => temporalSplit(tk, { timeColumn: "snapshot_date", cutoff: "2030-01-01" }));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/runs from 2024-01-01T00:00:00.000Z to 2024-08-01T00:00:00.000Z/);
    expect(
      codeOf(() => temporalSplit(tk, { timeColumn: "snapshot_date", cutoff: "2023-01-01" })).message,
    ).toMatch(/training side would be empty/);
    expect(
      codeOf(() => temporalSplit(tk, { timeColumn: "snapshot_dat", cutoff: "2024-05-01" })).message,
    ).toMatch(/did you mean "snapshot_date"/);
  });
});

describe("randomSplit", () => {
  const small = Table.fromColumns({
    x: Array.from({ length: 100 }, (_, i) => i % 7),
    y: Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0)),
  });

  it("is seeded, disjoint, covers every row, and sizes the test side as ⌈testSize·n⌉", () => {
    const a = randomSplit(small, { testSize: 0.3, seed: 5 });
    const b = randomSplit(small, { testSize: 0.3, seed: 5 });
    const c = randomSplit(small, { testSize: 0.3, seed: 6 });
    expect(Array.from(a.testIndices)).toEqual(Array.from(b.testIndices));
    expect(Array.from(a.testIndices)).not.toEqual(Array.from(c.testIndices));
    expect(a.testIndices.length).toBe(30);
    expect(randomSplit(small, { testSize: 0.333, seed: 1 }).testIndices.length).toBe(34);
    const all = [...a.trainIndices, ...a.testIndices].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.report.issues).toEqual([]);
  });

  it("keeps the class shares on both sides when stratified", () => {
    for (const seed of [1, 2, 3]) {
      const s = randomSplit(small, { testSize: 0.25, seed, stratify: "y" });
      const testPos = s.test.numbers("y").reduce((p, v) => p + v, 0);
      expect(s.test.numRows).toBe(25);
      expect(testPos).toBe(5); // 20% of 25
      expect(s.definition).toMatchObject({ kind: "random", stratify: "y", seed, testSize: 0.25 });
    }
  });

  it("warns when the table has a time column, and throws under strict", () => {
    const s = randomSplit(tk, { testSize: 0.2, seed: 1 });
    expect(s.report.issues[0]).toMatchObject({
      code: "RANDOM_SPLIT_OF_TIME_DATA",
      severity: "warning",
      column: "snapshot_date",
    });
    expect(s.report.ok).toBe(true);
    const e = codeOf(() => randomSplit(tk, { testSize: 0.2, seed: 1, strict: true }));
    expect(e.code).toBe("DATA_LEAKAGE");
    expect((e.details.issues as { code: string }[]).map((i) => i.code)).toContain(
      "RANDOM_SPLIT_OF_TIME_DATA",
    );
    expect(guessTimeColumn(small)).toBeNull();
    expect(randomSplit(small, { seed: 1, timeColumn: "x" }).report.issues[0]!.code).toBe(
      "RANDOM_SPLIT_OF_TIME_DATA",
    );
  });

  it("reports the same entity on both sides of a random split as a warning", () => {
    const s = randomSplit(tk, { testSize: 0.2, seed: 1, entityColumn: "user_id" });
    const issue = s.report.issues.find((i) => i.code === "ENTITY_OVERLAP")!;
    expect(issue.severity).toBe("warning");
    expect(issue.details.shared as number).toBeGreaterThan(100);
  });

  it("rejects a bad testSize and a table too small to split", () => {
    expect(codeOf(() => randomSplit(small, { testSize: 1.2, seed: 1 })).message).toMatch(
      /testSize must be in \(0, 1\)/,
    );
    expect(codeOf(() => randomSplit(small.head(1), { testSize: 0.5, seed: 1 })).message).toMatch(
      /one side would be empty/,
    );
  });
});

describe("checkLeakage", () => {
  it("makes training rows later than the earliest test row an error", () => {
    const train = Table.fromColumns({ t: ["2024-01-01", "2024-03-01", "2024-04-01"], y: [0, 1, 0] });
    const test = Table.fromColumns({ t: ["2024-02-01", "2024-05-01"], y: [1, 0] });
    const r = checkLeakage(train, test, { timeColumn: "t" });
    expect(r.ok).toBe(false);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: "TEMPORAL_OVERLAP", severity: "error", details: { rows: 2 } });
    expect(r.issues[0]!.message).toMatch(/2 training rows are later than the earliest test row \(2024-02-01/);
  });

  it("flags a feature that predicts the label perfectly, numeric or categorical", () => {
    const n = 60;
    const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const train = Table.fromColumns({
      leak: y.map((v, i) => (v ? 10 + (i % 5) : i % 5)),
      inverse: y.map((v) => (v ? -1 : 1)),
      status: y.map((v) => (v ? "cancelled" : "active")),
      noise: Array.from({ length: n }, (_, i) => (i * 7) % 11),
      y,
    });
    const r = checkLeakage(train, train, { labelColumn: "y" });
    const flagged = r.issues.filter((i) => i.code === "PERFECT_PREDICTOR").map((i) => i.column);
    expect(flagged).toEqual(["leak", "inverse", "status"]);
    expect(r.issues[0]!.details).toEqual({ threshold: 7, direction: "above" });
    expect(r.ok).toBe(true); // a warning, unless strict (below)
  });

  it("does not flag the features of real data (TuneKeep)", () => {
    const s = temporalSplit(tk, {
      timeColumn: "snapshot_date",
      cutoff: "2024-06-01",
      labelColumn: "churned",
      entityColumn: "user_id",
    });
    expect(s.report.issues.filter((i) => i.code === "PERFECT_PREDICTOR")).toEqual([]);
  });

  it("throws DATA_LEAKAGE from a split whose training rows hold a leaked label under strict", () => {
    const n = 40;
    const y = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const t = Table.fromColumns({ copy: y, y });
    const e = codeOf(() => randomSplit(t, { seed: 2, labelColumn: "y", strict: true }));
    expect(e.code).toBe("DATA_LEAKAGE");
    expect(e.message).toMatch(/PERFECT_PREDICTOR: "copy" separates "y" perfectly/);
  });
});
