/**
 * The JSON shape of a study report (`studyReport`): what the REST API serves and the UI draws.
 * Type-only and free of runtime imports, so the UI can share it.
 */
import type { CategoricalChoice, Direction, DistributionJSON, TrialState } from "../../store/index.js";

/** A parameter value as the objective saw it (categoricals as their choice). */
export type ReportParamValue = number | CategoricalChoice;

export interface ReportStudy {
  studyId: string;
  name: string;
  directions: Direction[];
  userAttrs: Record<string, unknown>;
  createdTime: number;
  /** The study's parent run, when tracked. */
  runId: string | null;
  nTrials: number;
  /** Trials by state (every state present, zeros included). */
  counts: Record<TrialState, number>;
}

export interface ReportParam {
  name: string;
  /** The distribution of the param's last appearance (in trial-number order). */
  distribution: DistributionJSON;
  /** For categoricals: the choices as strings (labels for axes and ticks). */
  labels: string[] | null;
  /** Trials that have the param. */
  count: number;
}

export interface HistoryEntry {
  number: number;
  state: TrialState;
  /** One value per objective when COMPLETE, else null. */
  values: number[] | null;
  /** Per objective: the best COMPLETE value among trials numbered up to this one (null before any). */
  best: Array<number | null>;
  startTime: number | null;
  endTime: number | null;
  durationMs: number | null;
}

export interface ParallelAxis {
  name: string;
  type: "float" | "int" | "categorical";
  /** Range of the axis: the distribution's range (for categoricals 0 … choices−1). */
  min: number;
  max: number;
  log: boolean;
  labels: string[] | null;
}

export interface ParallelRow {
  number: number;
  /** Objective values (COMPLETE trials only). */
  values: number[];
  /** Per axis, in `axes` order: the internal value (categoricals as the choice index), null when missing. */
  coords: Array<number | null>;
}

export interface SlicePoint {
  number: number;
  /** External value (categoricals as their choice). */
  x: ReportParamValue;
  /** Internal value: the choice index for categoricals. */
  xi: number;
  values: number[];
}

export interface SliceData {
  param: string;
  type: "float" | "int" | "categorical";
  log: boolean;
  labels: string[] | null;
  points: SlicePoint[];
}

export interface IntermediateSeries {
  number: number;
  state: TrialState;
  steps: number[];
  /** The reported vector at each step (length 1 for single-objective studies). */
  values: number[][];
}

export interface TrialRow {
  number: number;
  trialId: string;
  state: TrialState;
  /** External param values. */
  params: Record<string, ReportParamValue>;
  values: number[] | null;
  startTime: number | null;
  endTime: number | null;
  durationMs: number | null;
  runId: string | null;
  /** On the Pareto front of the COMPLETE trials (for one objective: has the best value). */
  pareto: boolean;
  /** Steps reported, and the last one (null when none). */
  nIntermediate: number;
  lastStep: number | null;
}

export interface StudyReport {
  study: ReportStudy;
  params: ReportParam[];
  /** Finished trials (COMPLETE, PRUNED, FAIL) in number order. */
  history: HistoryEntry[];
  /** The best COMPLETE trial per objective (single objective: the study's best trial). */
  best: Array<{ number: number; value: number } | null>;
  /** Numbers of the COMPLETE trials on the Pareto front. */
  paretoFront: number[];
  /** How importances were computed; null when there were too few COMPLETE trials. */
  importanceMethod: "random-forest-mdi" | "fanova" | null;
  /** Importance of each param for the first objective, summing to 1 (empty when not computable). */
  importances: Record<string, number>;
  /** The same per objective. */
  importancesByObjective: Array<Record<string, number>>;
  parallel: { axes: ParallelAxis[]; rows: ParallelRow[] };
  slices: SliceData[];
  intermediate: IntermediateSeries[];
  trials: TrialRow[];
}

/** One study in GET /api/v1/studies. */
export interface StudyListItem {
  studyId: string;
  name: string;
  directions: Direction[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  createdTime: number;
  runId: string | null;
  trialCounts: Record<TrialState, number>;
  nTrials: number;
  /** Per objective, the best COMPLETE trial. */
  best: Array<{ number: number; value: number } | null>;
  /** The latest trial start or end time (null without trials). */
  lastChangeTime: number | null;
}

/** GET /api/v1/studies/:name. */
export interface StudyDetail {
  study: Omit<StudyListItem, "nTrials" | "best" | "lastChangeTime">;
  /** The study's change counter the report reflects. */
  cursor: number;
  report: StudyReport;
}
