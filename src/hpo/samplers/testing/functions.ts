/**
 * Benchmark objectives for sampler tests and `npm run bench -- hpo` (bench/hpo_optuna.py defines
 * the same ones for Optuna). All are minimised.
 */
import type { CategoricalChoice } from "../../storage.js";

/** What the objectives need of a trial: the mini-study's and the Study's trials both fit. */
export interface Suggester {
  suggestFloat(name: string, low: number, high: number, opts?: { log?: boolean; step?: number }): number;
  suggestInt(name: string, low: number, high: number, opts?: { log?: boolean; step?: number }): number;
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T;
}

export interface BenchFunction {
  name: string;
  /** Best known value. */
  optimum: number;
  objective: (t: Suggester) => number;
}

const TWO_PI = 2 * Math.PI;

export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

export function hartmann6(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) {
      const d = (x[j] as number) - (H6_P[i] as number[])[j]!;
      inner += (H6_A[i] as number[])[j]! * d * d;
    }
    s += H6_ALPHA[i]! * Math.exp(-inner);
  }
  return -s;
}

export function rosenbrock(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i] as number;
    const b = x[i + 1] as number;
    s += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
  }
  return s;
}

export function styblinskiTang(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v ** 4 - 16 * v * v + 5 * v;
  return 0.5 * s;
}

export function ackley(x: readonly number[]): number {
  const d = x.length;
  let sq = 0;
  let cs = 0;
  for (const v of x) {
    sq += v * v;
    cs += Math.cos(TWO_PI * v);
  }
  return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E;
}

const OPTIMIZERS = ["sgd", "adam", "rmsprop"] as const;
const BEST_LOG_LR: Record<string, number> = { sgd: -1, adam: -3, rmsprop: -2.5 };
const OPT_PENALTY: Record<string, number> = { sgd: 0.5, adam: 0, rmsprop: 0.2 };

/**
 * A mixed space shaped like model tuning: a log-scaled float, an int, a log-scaled int, a
 * categorical and a stepped float, with interactions (the best learning rate depends on the
 * optimizer; depth and width trade off) and a ripple in the learning rate. Optimum 0.
 */
export function mixed(lr: number, layers: number, units: number, optimizer: string, dropout: number): number {
  const llr = Math.log10(lr);
  const best = BEST_LOG_LR[optimizer] ?? 0;
  const capacity = layers * Math.log2(units);
  return (
    (llr - best) ** 2 +
    0.05 * (capacity - 28) ** 2 +
    0.1 * (layers - 4) ** 2 +
    4 * (dropout - 0.2) ** 2 +
    (OPT_PENALTY[optimizer] ?? 0) +
    0.3 * (1 - Math.cos(2 * Math.PI * (llr - best)))
  );
}

function floats(t: Suggester, n: number, low: number, high: number): number[] {
  const x: number[] = [];
  for (let i = 0; i < n; i++) x.push(t.suggestFloat(`x${i}`, low, high));
  return x;
}

/** The 5-parameter mixed space of the overhead benchmark (the objective is nearly free). */
export function overheadObjective(t: Suggester): number {
  const a = t.suggestFloat("a", -10, 10);
  const b = t.suggestFloat("b", 1e-5, 1, { log: true });
  const c = t.suggestInt("c", 1, 100);
  const d = t.suggestInt("d", 1, 1024, { log: true });
  const e = t.suggestCategorical("e", ["x", "y", "z", "w"]);
  return (
    (a - 1) ** 2 +
    (Math.log10(b) + 2) ** 2 +
    ((c - 30) / 10) ** 2 +
    (Math.log2(d) - 5) ** 2 +
    (e !== "y" ? 1 : 0)
  );
}

/** A CPU-bound objective: the overhead space's suggestions, then `ms` of arithmetic. */
export function busyObjective(t: Suggester, ms: number): number {
  overheadObjective(t);
  const end = performance.now() + ms;
  let s = 0;
  while (performance.now() < end) s += Math.sqrt(s + 1);
  return s > 0 ? 0 : 1;
}

export const BENCH_FUNCTIONS: BenchFunction[] = [
  {
    name: "branin",
    optimum: 0.397887,
    objective: (t) => branin(t.suggestFloat("x0", -5, 10), t.suggestFloat("x1", 0, 15)),
  },
  { name: "hartmann6", optimum: -3.32237, objective: (t) => hartmann6(floats(t, 6, 0, 1)) },
  { name: "rosenbrock5", optimum: 0, objective: (t) => rosenbrock(floats(t, 5, -5, 10)) },
  { name: "styblinski_tang10", optimum: -391.6617, objective: (t) => styblinskiTang(floats(t, 10, -5, 5)) },
  { name: "ackley5", optimum: 0, objective: (t) => ackley(floats(t, 5, -32.768, 32.768)) },
  {
    name: "mixed",
    optimum: 0,
    objective: (t) =>
      mixed(
        t.suggestFloat("lr", 1e-5, 1, { log: true }),
        t.suggestInt("layers", 1, 8),
        t.suggestInt("units", 16, 1024, { log: true }),
        t.suggestCategorical("optimizer", OPTIMIZERS),
        t.suggestFloat("dropout", 0, 0.5, { step: 0.05 }),
      ),
  },
];
