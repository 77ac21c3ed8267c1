import { describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import { loadModel, RuleClassifier } from "./index.js";
import { table } from "./testing/index.js";

const days = Float64Array.of(0, 3, 20, 14, 13, 30, 1, 15);
const spend = Float64Array.of(10, 5, 0, 2, 8, 0, 9, 1);
const churn = [0, 0, 1, 1, 0, 1, 0, 0];
const t = table([days, spend], ["days_since_listen", "spend"]);

describe("RuleClassifier", () => {
  it("predicts 1 when the named feature compares true", async () => {
    const rule = await new RuleClassifier({
      feature: "days_since_listen",
      direction: ">=",
      threshold: 14,
    }).fit({
      X: t,
      y: churn,
    });
    expect(Array.from(rule.predictProba(t))).toEqual([0, 0, 1, 1, 0, 1, 0, 1]);
    expect(Array.from(rule.predict(t))).toEqual([0, 0, 1, 1, 0, 1, 0, 1]);
    expect(rule.featureIndex).toBe(0);
    for (const [direction, expected] of [
      [">", [0, 0, 1, 0, 0, 1, 0, 1]],
      ["<", [1, 1, 0, 0, 1, 0, 1, 0]],
      ["<=", [1, 1, 0, 1, 1, 0, 1, 0]],
    ] as const) {
      const r = await new RuleClassifier({ feature: "days_since_listen", direction, threshold: 14 }).fit({
        X: t,
        y: churn,
      });
      expect(Array.from(r.predict(t))).toEqual(expected);
    }
  });

  it("binds an index on unnamed rows, and refuses a name it cannot bind", async () => {
    const rows = Array.from(days, (d, i) => [d, spend[i]!]);
    const byIndex = await new RuleClassifier({ feature: 1, direction: "<", threshold: 3 }).fit({
      X: rows,
      y: churn,
    });
    expect(Array.from(byIndex.predict(rows))).toEqual([0, 0, 1, 1, 0, 1, 0, 1]);
    const err = await new RuleClassifier({ feature: "spend", direction: "<", threshold: 3 })
      .fit({ X: rows, y: churn })
      .catch((e: unknown) => e);
    expect(isSextantError(err, "INVALID_ARGUMENT")).toBe(true);
    expect(String(err)).toMatch(/is a name but X has no column names/);
    const unknown = await new RuleClassifier({ feature: "nope", direction: "<", threshold: 3 })
      .fit({ X: t, y: churn })
      .catch((e: unknown) => e);
    expect(String(unknown)).toMatch(/"nope" is not a column of X \(days_since_listen, spend\)/);
    expect(() => new RuleClassifier({ feature: 0, direction: "=>" as never, threshold: 1 })).toThrow(
      /direction/,
    );
  });

  it("round-trips through JSON", async () => {
    const rule = await new RuleClassifier({
      feature: "days_since_listen",
      direction: ">=",
      threshold: 14,
    }).fit({
      X: t,
      y: churn,
    });
    const back = loadModel(JSON.parse(JSON.stringify(rule.toJSON())));
    expect(back).toBeInstanceOf(RuleClassifier);
    expect(back.featureNames).toEqual(["days_since_listen", "spend"]);
    expect(Array.from(back.predict(t))).toEqual(Array.from(rule.predict(t)));
  });

  describe("bestThreshold", () => {
    /** Brute force over every (direction, value) candidate. */
    function brute(x: Float64Array, y: number[], metric: "f1" | "accuracy"): number {
      let best = -1;
      for (const v of x) {
        for (const dir of [">=", "<="]) {
          let tp = 0;
          let fp = 0;
          let fn = 0;
          let tn = 0;
          x.forEach((xi, i) => {
            const hit = dir === ">=" ? xi >= v : xi <= v;
            if (hit && y[i] === 1) tp++;
            else if (hit) fp++;
            else if (y[i] === 1) fn++;
            else tn++;
          });
          const s = metric === "f1" ? (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)) : (tp + tn) / x.length;
          best = Math.max(best, s);
        }
      }
      return best;
    }

    it("finds the best F1 and accuracy thresholds", () => {
      const b = RuleClassifier.bestThreshold(t, churn, "days_since_listen", { metric: "f1" });
      expect(b.score).toBeCloseTo(brute(days, churn, "f1"), 12);
      expect(b).toMatchObject({ feature: "days_since_listen", direction: ">=", threshold: 14, metric: "f1" });
      const a = RuleClassifier.bestThreshold(t, churn, "spend", { metric: "accuracy" });
      expect(a.score).toBeCloseTo(brute(spend, churn, "accuracy"), 12);
      expect(a.direction).toBe("<=");
    });

    it("feeds straight into the constructor", async () => {
      const b = RuleClassifier.bestThreshold(t, churn, "days_since_listen");
      const rule = await new RuleClassifier(b).fit({ X: t, y: churn });
      expect(Array.from(rule.predict(t))).toEqual([0, 0, 1, 1, 0, 1, 0, 1]);
    });

    it("matches brute force on random data, and honours direction and weights", () => {
      let s = 1;
      const rnd = (): number => {
        s = (s * 48271) % 2147483647;
        return s / 2147483647;
      };
      const x = Float64Array.from({ length: 300 }, () => Math.round(rnd() * 40));
      const y = Array.from(x, (v) => (rnd() < v / 50 ? 1 : 0));
      const rows = Array.from(x, (v) => [v]);
      for (const metric of ["f1", "accuracy"] as const) {
        expect(RuleClassifier.bestThreshold(rows, y, 0, { metric }).score).toBeCloseTo(
          brute(x, y, metric),
          12,
        );
      }
      const gt = RuleClassifier.bestThreshold(rows, y, 0, { direction: ">", metric: "balanced_accuracy" });
      expect(gt.direction).toBe(">");
      const w = RuleClassifier.bestThreshold(rows, y, 0, {
        sampleWeight: Array.from(y, (l) => (l ? 10 : 1)),
      });
      expect(w.score).toBeGreaterThan(0);
    });

    it("refuses NaN in the scanned feature", () => {
      expect(() => RuleClassifier.bestThreshold([[1], [Number.NaN], [3]], [0, 1, 1], 0)).toThrow(
        /missing value \(NaN\) at row 1/,
      );
    });
  });
});
