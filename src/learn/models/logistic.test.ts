/**
 * Logistic regression against scikit-learn. The expected values are facts computed once by
 * `/usr/bin/python3 test/oracles/breast_cancer.py --no-write` (scikit-learn 1.2.1) and
 * `test/oracles/synth.py`; the breast-cancer split is stored in test/fixtures.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateTuneKeep } from "../tunekeep/index.js";
import { LogisticRegression, loadModel } from "./index.js";
import { FIXTURES, readCsv, rocAuc, rows, table } from "./testing/index.js";

const train = readCsv(join(FIXTURES, "breast-cancer-train.csv"));
const test = readCsv(join(FIXTURES, "breast-cancer-test.csv"));

// LogisticRegression(C=1, tol=1e-10, max_iter=10000).fit(X_train, y_train).coef_[0] / intercept_
const SKLEARN_COEF = [
  -0.5326681982185758, -0.4326408567166356, -0.4820725785876283, -0.5732715537912569, -0.1276376689785669,
  0.4520712893572554, -0.7420723113988111, -0.9657244885599396, 0.09879843110246785, 0.43493672556194235,
  -1.3347944458406253, -0.01949011487825333, -0.6407199120416103, -0.8486096686796273, -0.1996947060478382,
  0.6525765942790243, 0.07910152339170536, -0.44696514359557316, 0.4236006676218481, 0.6320388718168262,
  -0.9892228286507319, -0.9762676746867224, -0.7992222607312593, -0.8762562414341377, -0.7402724931628964,
  -0.18188949910670416, -0.7661067173052468, -0.846489211227198, -0.772193058073864, -0.6078476798529167,
];
const SKLEARN_INTERCEPT = 0.33924774888699916;
const SKLEARN_AUC = 0.9957010582010581;
// The exact optimum of C·Σ logloss + ½‖w‖² (numpy Newton iterations to machine precision)
const OPTIMUM_OBJECTIVE = 29.834674573107232;
// LogisticRegression(C=0.1, class_weight="balanced", tol=1e-10, max_iter=10000)
const SKLEARN_BALANCED_COEF = [
  -0.4062677646441082, -0.37530414131494005, -0.3917912937666116, -0.3842130121183673, -0.1378303402936444,
  -0.0022413507338054526, -0.36918452500883364, -0.45348486631271906, -0.01886363585180825,
  0.2489469767859639, -0.5065652193283676, -0.02084248399092596, -0.3673141414371352, -0.35512423635252216,
  -0.02722580237925416, 0.22134515776890157, 0.04441568305662977, -0.17840995021599204, 0.22571901062803787,
  0.22844376828913585, -0.518589934735403, -0.5098928995251015, -0.4788319148165055, -0.4478542297990505,
  -0.39376083127891687, -0.18527338359544246, -0.38956410464313695, -0.5029897218782995, -0.3379332427344072,
  -0.17758142523432738,
];
const SKLEARN_BALANCED_INTERCEPT = 0.1834394163639776;

/** f(w, b) = C · Σ log(1 + exp(−(2y − 1)(x·w + b))) + ½‖w‖², computed independently of the model. */
function objective(coef: Float64Array, b: number, C: number): number {
  let f = 0;
  for (let i = 0; i < train.nRows; i++) {
    let z = b;
    for (let j = 0; j < coef.length; j++) z += coef[j]! * train.columns[j]![i]!;
    const m = train.y[i] === 1 ? z : -z;
    f += m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
  }
  let pen = 0;
  for (const w of coef) pen += w * w;
  return C * f + 0.5 * pen;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe("LogisticRegression on breast cancer (standardized, stratified 80/20, random_state=0)", () => {
  it("matches sklearn's coefficients to 5e-4 and the optimum objective to 1e-7 relative", async () => {
    const lr = await new LogisticRegression({ C: 1 }).fit({
      X: table(train.columns, train.names),
      y: train.y,
    });
    expect(lr.converged).toBe(true);
    expect(lr.iterations).toBeLessThan(30);
    expect(maxAbsDiff(lr.coef, SKLEARN_COEF)).toBeLessThan(5e-4);
    expect(Math.abs(lr.intercept - SKLEARN_INTERCEPT)).toBeLessThan(5e-4);
    const f = objective(lr.coef, lr.intercept, 1);
    expect(Math.abs(f - OPTIMUM_OBJECTIVE) / OPTIMUM_OBJECTIVE).toBeLessThan(1e-7);
    expect(Math.abs(lr.objective - f) / f).toBeLessThan(1e-12);
    const auc = rocAuc(test.y, lr.predictProba(table(test.columns, test.names)));
    expect(Math.abs(auc - SKLEARN_AUC)).toBeLessThan(0.005);
  });

  it("class_weight balanced matches sklearn", async () => {
    const lr = await new LogisticRegression({ C: 0.1, classWeight: "balanced" }).fit({
      X: rows(train),
      y: train.y,
    });
    expect(maxAbsDiff(lr.coef, SKLEARN_BALANCED_COEF)).toBeLessThan(5e-4);
    expect(Math.abs(lr.intercept - SKLEARN_BALANCED_INTERCEPT)).toBeLessThan(5e-4);
  });

  it("explicit class weights equal the same sample weights", async () => {
    const byClass = await new LogisticRegression({ classWeight: { 0: 2, 1: 0.5 } }).fit({
      X: rows(train),
      y: train.y,
    });
    const sw = Array.from(train.y, (l) => (l === 1 ? 0.5 : 2));
    const bySample = await new LogisticRegression().fit({ X: rows(train), y: train.y, sampleWeight: sw });
    expect(maxAbsDiff(byClass.coef, bySample.coef)).toBeLessThan(1e-12);
  });

  it("round-trips through JSON bit for bit", async () => {
    const lr = await new LogisticRegression({ C: 1 }).fit({ X: rows(train), y: train.y });
    const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(lr.toJSON())));
    expect(Array.from(back.predictProba(rows(test)))).toEqual(Array.from(lr.predictProba(rows(test))));
    expect(loadModel(JSON.stringify(lr.toJSON()))).toBeInstanceOf(LogisticRegression);
    expect(back.converged).toBe(true);
  });
});

describe("LogisticRegression options", () => {
  it("standardize: true is StandardScaler + LogisticRegression (synthetic fixture)", async () => {
    const tr = readCsv(join(FIXTURES, "synth-train.csv"));
    const te = readCsv(join(FIXTURES, "synth-test.csv"));
    // make_pipeline(StandardScaler(), LogisticRegression(C=0.5, tol=1e-10, max_iter=10000)): test/oracles/synth.py
    const skCoef = [1.0601684971308407, -0.8350000615876902, 0.4156698137336265, 0.41603178201529517];
    const lr = await new LogisticRegression({ C: 0.5, standardize: true }).fit({ X: rows(tr), y: tr.y });
    expect(maxAbsDiff(lr.coef.slice(0, 4), skCoef)).toBeLessThan(5e-4);
    expect(lr.mean).not.toBeNull();
    expect(Math.abs(rocAuc(te.y, lr.predictProba(rows(te))) - 0.8252017395409501)).toBeLessThan(0.005);
    // raw features: LogisticRegression(C=1, tol=1e-10, max_iter=10000) → AUC 0.8251737340518741
    const raw = await new LogisticRegression({ C: 1 }).fit({ X: rows(tr), y: tr.y });
    expect(Math.abs(rocAuc(te.y, raw.predictProba(rows(te))) - 0.8251737340518741)).toBeLessThan(0.005);
  });

  it("fitIntercept: false keeps the intercept at 0", async () => {
    const lr = await new LogisticRegression({ fitIntercept: false }).fit({ X: rows(train), y: train.y });
    expect(lr.intercept).toBe(0);
    expect(lr.converged).toBe(true);
  });

  it("warns and reports converged=false instead of returning a half-converged answer", async () => {
    // separable data with a tiny penalty: the optimum is far out, Newton needs many steps
    const X = [[-3], [-2], [-1], [1], [2], [3]];
    const y = [0, 0, 0, 1, 1, 1];
    const warnings: string[] = [];
    const lr = await new LogisticRegression({ C: 1e12, maxIter: 3, onWarning: (m) => warnings.push(m) }).fit({
      X,
      y,
    });
    expect(lr.converged).toBe(false);
    expect(lr.iterations).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/did not converge in 3 iterations/);
    // with room to converge it does, to a large but finite weight
    const ok = await new LogisticRegression({ C: 1e12, onWarning: (m) => warnings.push(m) }).fit({ X, y });
    expect(ok.converged).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(ok.coef[0]!).toBeGreaterThan(10);
  });

  it("converges when rounding in the gradient sums sits above tol (TuneKeep, 7,092 rows)", async () => {
    // generateTuneKeep({ users: 3000, months: 4, seed: 42 }); scikit-learn 1.2.1 on the CSV:
    // StandardScaler + LogisticRegression(C=1, class_weight="balanced", tol=1e-12, max_iter=1e5)
    const t = generateTuneKeep({ users: 3000, months: 4, seed: 42 });
    const warnings: string[] = [];
    const lr = await new LogisticRegression({
      C: 1,
      classWeight: "balanced",
      standardize: true,
      onWarning: (m) => warnings.push(m),
    }).fit({ X: t.pick("days_since_listen", "hours_last_month", "playlist_adds"), y: t.numbers("churned") });
    expect(t.numRows).toBe(7092);
    expect(lr.converged).toBe(true);
    expect(warnings).toEqual([]);
    expect(lr.iterations).toBeLessThan(20);
    const sk = [1.5844151982502155, -0.47864292155961397, 0.0672276871709962];
    for (let j = 0; j < 3; j++) expect(Math.abs(lr.coef[j]! - sk[j]!)).toBeLessThan(1e-5);
    expect(Math.abs(lr.intercept - -0.4946563550084256)).toBeLessThan(1e-5);
  });

  it("rejects bad options", () => {
    expect(() => new LogisticRegression({ C: 0 })).toThrow(/C must be > 0/);
    expect(() => new LogisticRegression({ maxIter: 0.5 })).toThrow(/maxIter must be an integer/);
  });
});
