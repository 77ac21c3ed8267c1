/**
 * A study's analysis as JSON (for the REST API, the UI and `sextant studies show`): counts by
 * state, the optimization history with the best-so-far per objective, parameter importances,
 * parallel-coordinates, slice and intermediate-value data, the Pareto front and the trials table.
 *
 * Importances follow Optuna's mean-decrease-impurity evaluator: the COMPLETE trials with finite
 * values, the params every one of them has with the same distribution (sorted by name), floats and
 * ints as they are and categoricals one-hot encoded, a seeded 64-tree regression forest, and each
 * param's importance the sum over its columns. They sum to 1 (all 0 when the target is constant).
 * With `importance: "fanova"` the same forest is read as Optuna's fANOVA evaluator reads it
 * (fanova.ts): slower, and closer to how much of the objective's variance each param explains.
 */
import type {
  HistoryEntry,
  IntermediateSeries,
  ParallelAxis,
  ParallelRow,
  ReportParam,
  ReportParamValue,
  SliceData,
  StudyReport,
  TrialRow,
} from "../../api/index.js";
import { isSingle, sameDistribution, toExternal } from "../distributions.js";
import { paretoFrontIndices } from "../pareto.js";
import type { Direction, DistributionJSON, FrozenTrial, StudySummary, TrialState } from "../storage.js";
import { fanovaImportances } from "./fanova.js";
import { type ForestOptions, forestImportances } from "./forest.js";

const STATES: readonly TrialState[] = ["RUNNING", "WAITING", "COMPLETE", "PRUNED", "FAIL"];

export type ImportanceMethod = "mdi" | "fanova";

export interface StudyReportOptions {
  /** Mean decrease in impurity (default) or fANOVA. */
  importance?: ImportanceMethod;
  /** Seed of the importance forest. Default 0. */
  seed?: number;
  /** Forest settings (default: 64 trees, depth 64, as Optuna). */
  forest?: Omit<ForestOptions, "seed">;
  /**
   * Importances computed before for the same COMPLETE trials (they depend on nothing else), to
   * skip the forest when only running trials changed.
   */
  importancesByObjective?: Array<Record<string, number>>;
}

export interface ImportanceOptions {
  /** Mean decrease in impurity (default) or fANOVA. */
  method?: ImportanceMethod;
  /** Which objective. Default 0. */
  objective?: number;
  seed?: number;
  forest?: Omit<ForestOptions, "seed">;
}

function label(c: unknown): string {
  return c === null ? "null" : String(c);
}

function duration(t: FrozenTrial): number | null {
  return t.startTime !== null && t.endTime !== null ? t.endTime - t.startTime : null;
}

function isComplete(t: FrozenTrial, nObjectives: number): boolean {
  return (
    t.state === "COMPLETE" &&
    t.values !== null &&
    t.values.length === nObjectives &&
    t.values.every((v) => Number.isFinite(v))
  );
}

/**
 * Mean-decrease-impurity importance of each param for one objective, over the COMPLETE trials,
 * sorted from most to least important; empty when fewer than two trials qualify or no param is
 * shared by all of them.
 */
export function paramImportances(
  trials: readonly FrozenTrial[],
  nObjectives: number,
  options: ImportanceOptions = {},
): Record<string, number> {
  const objective = options.objective ?? 0;
  const done = trials.filter((t) => isComplete(t, nObjectives));
  if (done.length < 2) return {};
  // the intersection search space: params every completed trial has, with the same distribution
  let space: Map<string, DistributionJSON> | null = null;
  for (const t of done) {
    if (space === null) {
      space = new Map(Object.entries(t.distributions).filter(([k]) => k in t.params));
      continue;
    }
    for (const [k, d] of space) {
      const own = t.distributions[k];
      if (own === undefined || !(k in t.params) || !sameDistribution(own, d)) space.delete(k);
    }
  }
  const names = [...(space ?? new Map()).keys()].sort();
  if (names.length === 0) return {};
  const dists = names.map((n) => space!.get(n)!);
  const columnOf: number[] = [];
  dists.forEach((d, p) => {
    const width = d.type === "categorical" ? d.choices.length : 1;
    for (let k = 0; k < width; k++) columnOf.push(p);
  });
  const x = done.map((t) => {
    const row: number[] = [];
    names.forEach((n, p) => {
      const d = dists[p]!;
      const v = t.params[n]!;
      if (d.type === "categorical") for (let k = 0; k < d.choices.length; k++) row.push(k === v ? 1 : 0);
      else row.push(v);
    });
    return row;
  });
  const y = done.map((t) => t.values![objective]!);
  const forest = { ...options.forest, seed: options.seed ?? 0 };
  const per = new Array<number>(names.length).fill(0);
  if (options.method === "fanova") {
    // as Optuna: params with a single possible value get 0 and stay out of the forest
    const varying = names.flatMap((_, p) => (isSingle(dists[p]!) ? [] : [p]));
    const keep = columnOf.flatMap((p, c) => (varying.includes(p) ? [c] : []));
    const bounds = keep.map((c): [number, number] => {
      const d = dists[columnOf[c]!]!;
      return d.type === "categorical" ? [0, 1] : [d.low, d.high];
    });
    const groups = varying.map((p) => keep.flatMap((c, k) => (columnOf[c] === p ? [k] : [])));
    const xs = x.map((row) => keep.map((c) => row[c]!));
    if (varying.length > 0) {
      fanovaImportances(xs, y, bounds, groups, forest).forEach((v, g) => {
        per[varying[g]!] = v;
      });
    }
  } else {
    forestImportances(x, y, forest).forEach((v, c) => {
      per[columnOf[c]!]! += v;
    });
  }
  const order = names.map((_, i) => i).sort((a, b) => per[b]! - per[a]! || (names[a]! < names[b]! ? -1 : 1));
  const out: Record<string, number> = {};
  for (const i of order) out[names[i]!] = per[i]!;
  return out;
}

/** Best-so-far per objective: min or max by direction. */
function better(direction: Direction, a: number, b: number | null): boolean {
  return b === null || (direction === "maximize" ? a > b : a < b);
}

/** The analysis of a study from its summary and trials (any order; RUNNING trials included). */
export function studyReport(
  summary: StudySummary,
  trials: readonly FrozenTrial[],
  opts: StudyReportOptions = {},
): StudyReport {
  const directions = summary.directions;
  const m = directions.length;
  const sorted = [...trials].sort((a, b) => a.number - b.number);

  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  for (const t of sorted) counts[t.state]++;

  // params: the last distribution seen for each, in order of first appearance
  const paramMap = new Map<string, ReportParam>();
  for (const t of sorted) {
    for (const name of Object.keys(t.params)) {
      const d = t.distributions[name];
      if (d === undefined) continue;
      const labels = d.type === "categorical" ? d.choices.map(label) : null;
      const old = paramMap.get(name);
      paramMap.set(name, { name, distribution: d, labels, count: (old?.count ?? 0) + 1 });
    }
  }
  const params = [...paramMap.values()];

  const complete = sorted.filter((t) => isComplete(t, m));
  const frontIdx = paretoFrontIndices(
    complete.map((t) => t.values!),
    directions,
  );
  const paretoFront = frontIdx.map((i) => complete[i]!.number);
  const onFront = new Set(paretoFront);

  // history
  const history: HistoryEntry[] = [];
  const bestSoFar: Array<number | null> = directions.map(() => null);
  const best: Array<{ number: number; value: number } | null> = directions.map(() => null);
  for (const t of sorted) {
    if (t.state !== "COMPLETE" && t.state !== "PRUNED" && t.state !== "FAIL") continue;
    const ok = isComplete(t, m);
    if (ok) {
      directions.forEach((d, j) => {
        const v = t.values![j]!;
        if (better(d, v, bestSoFar[j]!)) {
          bestSoFar[j] = v;
          best[j] = { number: t.number, value: v };
        }
      });
    }
    history.push({
      number: t.number,
      state: t.state,
      values: ok ? [...t.values!] : null,
      best: [...bestSoFar],
      startTime: t.startTime,
      endTime: t.endTime,
      durationMs: duration(t),
    });
  }

  // importances
  const importancesByObjective =
    opts.importancesByObjective?.length === m
      ? opts.importancesByObjective.map((r) => ({ ...r }))
      : directions.map((_, j) =>
          paramImportances(sorted, m, {
            objective: j,
            method: opts.importance ?? "mdi",
            seed: opts.seed ?? 0,
            ...(opts.forest ? { forest: opts.forest } : {}),
          }),
        );
  const importances = importancesByObjective[0] ?? {};
  const importanceMethod =
    Object.keys(importances).length === 0
      ? null
      : opts.importance === "fanova"
        ? "fanova"
        : "random-forest-mdi";

  // parallel coordinates: COMPLETE trials over every param
  const axes: ParallelAxis[] = params.map((p) => {
    const d = p.distribution;
    if (d.type === "categorical") {
      return { name: p.name, type: d.type, min: 0, max: d.choices.length - 1, log: false, labels: p.labels };
    }
    return { name: p.name, type: d.type, min: d.low, max: d.high, log: d.log, labels: null };
  });
  const rows: ParallelRow[] = complete.map((t) => ({
    number: t.number,
    values: [...t.values!],
    coords: params.map((p) => {
      const v = t.params[p.name];
      if (v === undefined) return null;
      const d = t.distributions[p.name];
      // a categorical seen with other choices in this trial: place it by its label
      if (
        d !== undefined &&
        d.type === "categorical" &&
        p.distribution.type === "categorical" &&
        d !== p.distribution
      ) {
        const i = p.labels!.indexOf(label(d.choices[v]));
        return i < 0 ? null : i;
      }
      return v;
    }),
  }));

  // slices: per param, the COMPLETE trials that have it
  const slices: SliceData[] = params.map((p) => {
    const d = p.distribution;
    const points = complete.flatMap((t) => {
      const v = t.params[p.name];
      const own = t.distributions[p.name];
      if (v === undefined || own === undefined) return [];
      const x = toExternal(own, v);
      const xi = own.type === "categorical" && p.labels !== null ? p.labels.indexOf(label(x)) : v;
      return [{ number: t.number, x, xi, values: [...t.values!] }];
    });
    return {
      param: p.name,
      type: d.type,
      log: d.type === "categorical" ? false : d.log,
      labels: p.labels,
      points,
    };
  });

  // intermediate values
  const intermediate: IntermediateSeries[] = [];
  for (const t of sorted) {
    const steps = Object.keys(t.intermediate)
      .map(Number)
      .filter((s) => (t.intermediate[s] ?? []).every((v) => Number.isFinite(v)))
      .sort((a, b) => a - b);
    if (steps.length === 0) continue;
    intermediate.push({
      number: t.number,
      state: t.state,
      steps,
      values: steps.map((s) => [...t.intermediate[s]!]),
    });
  }

  const trialsTable: TrialRow[] = sorted.map((t) => {
    const ext: Record<string, ReportParamValue> = {};
    for (const k of Object.keys(t.params)) {
      const d = t.distributions[k];
      ext[k] = d === undefined ? t.params[k]! : toExternal(d, t.params[k]!);
    }
    const steps = Object.keys(t.intermediate).map(Number);
    return {
      number: t.number,
      trialId: t.trialId,
      state: t.state,
      params: ext,
      values: t.values === null ? null : [...t.values],
      startTime: t.startTime,
      endTime: t.endTime,
      durationMs: duration(t),
      runId: t.runId,
      pareto: onFront.has(t.number),
      nIntermediate: steps.length,
      lastStep: steps.length === 0 ? null : Math.max(...steps),
    };
  });

  return {
    study: {
      studyId: summary.studyId,
      name: summary.name,
      directions: [...directions],
      userAttrs: summary.userAttrs,
      createdTime: summary.createdTime,
      runId: summary.runId,
      nTrials: sorted.length,
      counts,
    },
    params,
    history,
    best,
    paretoFront,
    importanceMethod,
    importances,
    importancesByObjective,
    parallel: { axes, rows },
    slices,
    intermediate,
    trials: trialsTable,
  };
}
