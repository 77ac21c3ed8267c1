/**
 * A seeded synthetic learning-curve benchmark for pruners, shared by the tests and the bench:
 * `nConfigs` random configurations (learning rate, width, dropout, drawn as a random sampler
 * would) whose validation score rises from chance (0.1) towards an asymptote at a speed set mostly
 * by the learning rate. Curves cross: high learning rates lead early and plateau lower, low ones
 * may not converge within `nSteps`, the best final scores come from learning rates near 0.01 that
 * take a few to a few dozen steps to saturate — so a pruner that judges too early loses them.
 *
 *   u = log10(lr) ∈ [−4, 0],  width ∈ [8, 512] (log-uniform),  dropout ∈ [0, 0.5]
 *   τ = 6 · 10^(−(u + 2) / 2) · (1 + dropout) · (64 / width)^0.2          (0.4 … 140 steps)
 *   asymptote = 0.95 − 0.04 (u + 2)² − 0.04 (log2(512 / width) / 6)² − 0.4 (dropout − 0.2)²  (≥ 0.1)
 *   level(t) = 0.1 + (asymptote − 0.1) · (1 − exp(−(t + 1) / τ))
 *   reported at step t: level(t) + ε,  ε ~ N(0, noise²);   final value: level(nSteps − 1)
 *
 * Intermediate reports are noisy (a small validation set); the value a trial returns is the
 * noise-free final level (the final evaluation), so the loss of a pruner measures configurations
 * it threw away, not the luck of a noisy maximum.
 *
 * `runPruningBenchmark` runs one study over the configurations in order (trial i trains
 * configuration i, its params enqueued so they are recorded) with a given pruner and reports the
 * steps it used against the no-pruning budget and the best final value it kept.
 * test/oracles/hpo_learning_curves.py runs Optuna's pruners on the same curves.
 */
import { Rng } from "../../core/index.js";
import type { Pruner, Sampler } from "../sampler.js";
import { createStudy } from "../study.js";
import { TrialPruned } from "../trial.js";

export interface LearningCurveConfig {
  params: { learning_rate: number; width: number; dropout: number };
  /** The noise-free level the curve approaches. */
  asymptote: number;
  /** Steps to cover 63% of the way from chance to the asymptote. */
  tau: number;
  /** The reported (noisy) score at each step 0 … nSteps − 1. */
  curve: number[];
  /** The noise-free score at the last step: what the trial returns. */
  final: number;
}

export interface LearningCurveBenchmark {
  seed: number;
  nSteps: number;
  noise: number;
  configs: LearningCurveConfig[];
}

export interface LearningCurveOptions {
  /** Default 100. */
  nConfigs?: number;
  /** Default 100. */
  nSteps?: number;
  /** Default 0. */
  seed?: number;
  /** The standard deviation of the reports' noise. Default 0.01. */
  noise?: number;
}

const CHANCE = 0.1;

export function learningCurveShape(params: LearningCurveConfig["params"]): {
  asymptote: number;
  tau: number;
} {
  const u = Math.log10(params.learning_rate);
  const tau = 6 * 10 ** (-(u + 2) / 2) * (1 + params.dropout) * (64 / params.width) ** 0.2;
  const asymptote = Math.max(
    CHANCE,
    0.95 -
      0.04 * (u + 2) ** 2 -
      0.04 * (Math.log2(512 / params.width) / 6) ** 2 -
      0.4 * (params.dropout - 0.2) ** 2,
  );
  return { asymptote, tau };
}

function level(asymptote: number, tau: number, t: number): number {
  return CHANCE + (asymptote - CHANCE) * (1 - Math.exp(-(t + 1) / tau));
}

export function generateLearningCurves(options: LearningCurveOptions = {}): LearningCurveBenchmark {
  const nConfigs = options.nConfigs ?? 100;
  const nSteps = options.nSteps ?? 100;
  const seed = options.seed ?? 0;
  const noise = options.noise ?? 0.01;
  const rng = new Rng(seed);
  const configs: LearningCurveConfig[] = [];
  for (let i = 0; i < nConfigs; i++) {
    const params = {
      learning_rate: 10 ** rng.uniform(-4, 0),
      width: Math.round(2 ** rng.uniform(3, 9)),
      dropout: rng.uniform(0, 0.5),
    };
    const { asymptote, tau } = learningCurveShape(params);
    const curve: number[] = [];
    for (let t = 0; t < nSteps; t++) curve.push(level(asymptote, tau, t) + rng.normal(0, noise));
    configs.push({ params, asymptote, tau, curve, final: level(asymptote, tau, nSteps - 1) });
  }
  return { seed, nSteps, noise, configs };
}

export interface PruningBenchmarkResult {
  /** Steps run with pruning / steps without (nConfigs × nSteps). */
  budgetFraction: number;
  /** The best final value over all configurations (every trial run to the end). */
  bestWithoutPruning: number;
  /** The best final value among the trials the pruner let complete. */
  bestWithPruning: number;
  /** bestWithoutPruning − bestWithPruning (≥ 0). */
  loss: number;
  completed: number;
  pruned: number;
  /** The last step each trial reported (nSteps − 1 for the ones that completed). */
  lastSteps: number[];
}

/** A sampler for enqueued trials only: every param comes from the enqueued values. */
const enqueuedOnly: Sampler = {
  inferRelativeSearchSpace: () => ({}),
  sampleRelative: () => ({}),
  sampleIndependent: (_s, _t, name) => {
    throw new Error(`param '${name}' was not enqueued`);
  },
};

/** Runs the configurations in order through a study with `pruner` (sequentially, in memory). */
export async function runPruningBenchmark(
  bench: LearningCurveBenchmark,
  pruner: Pruner,
  options: { studyName?: string } = {},
): Promise<PruningBenchmarkResult> {
  const study = await createStudy({
    name: options.studyName ?? "learning-curves",
    direction: "maximize",
    sampler: enqueuedOnly,
    pruner,
    heartbeatIntervalMs: 0,
  });
  for (const c of bench.configs) await study.enqueueTrial(c.params);
  let steps = 0;
  const lastSteps: number[] = [];
  const summary = await study.optimize(
    (trial) => {
      trial.suggestFloat("learning_rate", 1e-4, 1, { log: true });
      trial.suggestInt("width", 8, 512, { log: true });
      trial.suggestFloat("dropout", 0, 0.5);
      const curve = bench.configs[trial.number]!.curve;
      for (let t = 0; t < curve.length; t++) {
        steps++;
        lastSteps[trial.number] = t;
        trial.report(curve[t]!, t);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return bench.configs[trial.number]!.final;
    },
    { nTrials: bench.configs.length, catch: () => false },
  );
  const finals = bench.configs.map((c) => c.final);
  const bestWithoutPruning = Math.max(...finals);
  const bestWithPruning = study.bestValue;
  return {
    budgetFraction: steps / (bench.configs.length * bench.nSteps),
    bestWithoutPruning,
    bestWithPruning,
    loss: bestWithoutPruning - bestWithPruning,
    completed: summary.completed,
    pruned: summary.pruned,
    lastSteps,
  };
}
