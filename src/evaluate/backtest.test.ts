import { describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import type { Table } from "../learn/index.js";
import { generateTuneKeep, LogisticRegression } from "../learn/index.js";
import { backtest, type RunStarter, summarize, type WindowRun } from "./backtest.js";
import { rocAucScore } from "./metrics.js";

const tk = generateTuneKeep({ users: 2000, months: 8, seed: 5 });
const FEATURES = ["days_since_listen", "hours_last_month", "payment_failures", "tenure_days"];

const fitModel = async (train: Table) =>
  new LogisticRegression({ standardize: true, maxIter: 200, onWarning: () => {} }).fit({
    X: train.pick(...FEATURES),
    y: train.numbers("churned"),
  });
const predict = (m: LogisticRegression, test: Table) => m.predictProba(test.pick(...FEATURES));

describe("summarize", () => {
  it("matches NumPy / SciPy on mean, sample std, min, max and the OLS slope", () => {
    // test/oracles/evaluate_segments_backtest.py: numpy std(ddof=1), scipy.stats.linregress, numpy.polyfit
    const s = summarize([0, 1, 2, 3, 4], [0.74, 0.71, 0.69, 0.66, 0.61]);
    expect(s.mean).toBeCloseTo(0.6819999999999999, 14);
    expect(s.std).toBeCloseTo(0.0496990945591567, 14);
    expect(s.min).toBe(0.61);
    expect(s.max).toBe(0.74);
    expect(s.trend).toBeCloseTo(-0.031, 14);
    const gap = summarize([0, 1, 3, 4], [0.8, 0.75, 0.7, 0.72]);
    expect(gap.mean).toBeCloseTo(0.7424999999999999, 14);
    expect(gap.std).toBeCloseTo(0.043493294502333, 14);
    expect(gap.trend).toBeCloseTo(-0.02100000000000002, 14);
    expect(summarize([2], [0.5])).toEqual({ n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5, trend: 0 });
  });
});

describe("backtest", () => {
  it("retrains per expanding window and scores each test month", async () => {
    const seen: { trainMonths: string[]; test: string }[] = [];
    const r = await backtest({
      data: tk,
      timeColumn: "snapshot_date",
      labelColumn: "churned",
      windows: "expanding",
      testPeriods: 4,
      fit: async (train, w) => {
        seen.push({
          trainMonths: [...new Set(train.timestamps("snapshot_date"))].map((t) =>
            new Date(t).toISOString().slice(0, 7),
          ),
          test: w.testPeriod.slice(0, 7),
        });
        return fitModel(train);
      },
      predict,
      metrics: ["roc_auc", "f1", "brier"],
    });
    expect(r.windows.map((w) => w.testPeriod.slice(0, 7))).toEqual([
      "2024-05",
      "2024-06",
      "2024-07",
      "2024-08",
    ]);
    expect(seen[0]!.trainMonths).toEqual(["2024-01", "2024-02", "2024-03", "2024-04"]);
    expect(seen[3]!.trainMonths).toHaveLength(7);
    expect(r.windows.map((w) => w.trainPeriods)).toEqual([4, 5, 6, 7]);
    // each window's metric is the metric of its own month, recomputed independently here
    const dates = tk.timestamps("snapshot_date");
    for (const w of r.windows) {
      const t = Date.parse(w.testPeriod);
      const rows = [...dates.keys()].filter((i) => dates[i] === t);
      expect(w.testRows).toBe(rows.length);
      const train = tk.filter((i) => dates[i]! < t);
      const m = await fitModel(train);
      const test = tk.select(rows);
      expect(w.metrics.roc_auc).toBeCloseTo(rocAucScore(test.numbers("churned"), predict(m, test)), 12);
      expect(w.metrics.roc_auc!).toBeGreaterThan(0.6);
    }
    const auc = r.windows.map((w) => w.metrics.roc_auc!);
    const s = r.summary.roc_auc!;
    expect(s).toEqual(summarize([0, 1, 2, 3], auc));
    expect(s.min).toBe(Math.min(...auc));
    expect(r.windows.every((w) => w.runId === null)).toBe(true);
  });

  it("trains rolling windows on the latest trainPeriods months", async () => {
    const months: number[] = [];
    const r = await backtest({
      data: tk,
      timeColumn: "snapshot_date",
      labelColumn: "churned",
      windows: "rolling",
      trainPeriods: 2,
      testPeriods: 3,
      fit: (train) => {
        months.push(new Set(train.timestamps("snapshot_date")).size);
        return fitModel(train);
      },
      predict,
      metrics: ["average_precision"],
    });
    expect(months).toEqual([2, 2, 2]);
    expect(
      r.windows.map((w) => [w.trainStart.slice(0, 7), w.trainEnd.slice(0, 7), w.testPeriod.slice(0, 7)]),
    ).toEqual([
      ["2024-04", "2024-05", "2024-06"],
      ["2024-05", "2024-06", "2024-07"],
      ["2024-06", "2024-07", "2024-08"],
    ]);
  });

  it("records each window as a child run of the backtest run", async () => {
    const runs: {
      name?: string;
      parentRunId?: string;
      params: Record<string, unknown>;
      metrics: Record<string, number>;
      status?: string;
    }[] = [];
    const sextant: RunStarter = {
      async startRun(o) {
        const rec = {
          name: o.name,
          parentRunId: o.parentRunId,
          params: {},
          metrics: {} as Record<string, number>,
          status: undefined as string | undefined,
        };
        runs.push(rec);
        const run: WindowRun = {
          id: `run${runs.length}`.padEnd(32, "0"),
          async logParams(p) {
            Object.assign(rec.params, p);
          },
          logMetrics(m) {
            Object.assign(rec.metrics, m);
          },
          async end(status) {
            rec.status = status;
          },
        };
        return run;
      },
    };
    const r = await backtest({
      data: tk,
      timeColumn: "snapshot_date",
      labelColumn: "churned",
      windows: "expanding",
      testPeriods: 2,
      fit: fitModel,
      predict,
      metrics: ["roc_auc"],
      tracking: { sextant, parentRunId: "p".repeat(32) },
    });
    expect(runs).toHaveLength(2);
    expect(runs.every((x) => x.parentRunId === "p".repeat(32) && x.status === "FINISHED")).toBe(true);
    expect(runs[1]!.name).toBe("window-1-2024-08-01");
    expect(runs[1]!.params).toMatchObject({
      window: 1,
      test_period: "2024-08-01T00:00:00.000Z",
      windows: "expanding",
    });
    expect(runs[1]!.metrics.roc_auc).toBe(r.windows[1]!.metrics.roc_auc);
    expect(r.windows.map((w) => w.runId)).toEqual(["run1".padEnd(32, "0"), "run2".padEnd(32, "0")]);
  });

  it("marks a window's run FAILED when fit throws, and rethrows", async () => {
    const statuses: string[] = [];
    const sextant: RunStarter = {
      async startRun() {
        return {
          id: "x".repeat(32),
          logParams: async () => {},
          logMetrics: () => {},
          end: async (s) => {
            statuses.push(String(s));
          },
        };
      },
    };
    await expect(
      backtest({
        data: tk,
        timeColumn: "snapshot_date",
        labelColumn: "churned",
        windows: "expanding",
        testPeriods: 2,
        fit: () => {
          throw new Error("boom");
        },
        predict,
        metrics: ["f1"],
        tracking: { sextant, parentRunId: "p".repeat(32) },
      }),
    ).rejects.toThrow("boom");
    expect(statuses).toEqual(["FAILED"]);
  });

  it("rejects too few periods, empty rolling windows and wrong-length predictions", async () => {
    const base = {
      data: tk,
      timeColumn: "snapshot_date",
      labelColumn: "churned",
      fit: fitModel,
      predict,
      metrics: ["f1"],
    } as const;
    await expect(backtest({ ...base, windows: "expanding", testPeriods: 8 })).rejects.toThrow(
      /has 8 periods: 8 test windows leave 0 for training/,
    );
    await expect(
      backtest({ ...base, windows: "expanding", testPeriods: 5, minTrainPeriods: 4 }),
    ).rejects.toThrow(SextantError);
    await expect(backtest({ ...base, windows: "rolling", testPeriods: 2, trainPeriods: 0 })).rejects.toThrow(
      /rolling window would be empty/,
    );
    await expect(
      backtest({ ...base, windows: "expanding", testPeriods: 1, predict: () => new Float64Array(3) }),
    ).rejects.toThrow(/predict returned 3 scores for the \d+ rows of window 0/);
    await expect(
      backtest({ ...base, windows: "expanding", testPeriods: 2, metrics: ["auc"] }),
    ).rejects.toThrow(/unknown metric/);
  });
});
