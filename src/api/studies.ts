/**
 * The studies aggregate's API objects: studies, trials and their distributions (what HPO workers
 * exchange through /api/v1/hpo), and the study report the UI draws (/api/v1/studies).
 */
import { z } from "zod";
import { jsonObject, millis, wireNumber } from "./common.js";

export const Direction = z.enum(["minimize", "maximize"]);
export type Direction = z.output<typeof Direction>;
export const TRIAL_STATES = ["RUNNING", "WAITING", "COMPLETE", "PRUNED", "FAIL"] as const;
export const TrialState = z.enum(TRIAL_STATES);
export type TrialState = z.output<typeof TrialState>;

export const CategoricalChoice = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type CategoricalChoice = z.output<typeof CategoricalChoice>;

const finite = z.number().refine(Number.isFinite, "a finite number");
export const DistributionJSON = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("float"),
    low: finite,
    high: finite,
    log: z.boolean(),
    step: finite.nullable(),
  }),
  z.object({ type: z.literal("int"), low: finite, high: finite, log: z.boolean(), step: finite }),
  z.object({ type: z.literal("categorical"), choices: z.array(CategoricalChoice) }),
]);
export type DistributionJSON = z.output<typeof DistributionJSON>;

const trialCounts = z.object(
  Object.fromEntries(TRIAL_STATES.map((s) => [s, z.number()])) as Record<
    (typeof TRIAL_STATES)[number],
    z.ZodNumber
  >,
);

const FrozenTrialShape = z.object({
  trialId: z.string(),
  studyId: z.string(),
  /** 0-based, per study. */
  number: z.number(),
  state: TrialState,
  /** Objective values (one per direction) once COMPLETE, else null. */
  values: z.array(wireNumber).nullable(),
  /** Internal representation: numbers for float/int, the choice index for categoricals. */
  params: z.record(z.string(), z.number()),
  distributions: z.record(z.string(), DistributionJSON),
  /** Reported intermediate values by step (a vector for multi-objective studies). */
  intermediate: z.record(z.string(), z.array(wireNumber)),
  userAttrs: jsonObject,
  systemAttrs: jsonObject,
  startTime: millis.nullable(),
  endTime: millis.nullable(),
  /** Last heartbeat from the worker running it. */
  heartbeatAt: millis.nullable(),
  /** The tracking run that records this trial, when tracked. */
  runId: z.string().nullable(),
});
export const FrozenTrial = FrozenTrialShape;
/** Intermediate values are keyed by step (JSON writes the keys as strings). */
export type FrozenTrial = Omit<z.output<typeof FrozenTrialShape>, "intermediate"> & {
  intermediate: Record<number, number[]>;
};

export const StudySummary = z.object({
  studyId: z.string(),
  name: z.string(),
  directions: z.array(Direction),
  userAttrs: jsonObject,
  systemAttrs: jsonObject,
  createdTime: millis,
  /** The tracking run that is the study's parent run, when tracked. */
  runId: z.string().nullable(),
});
export type StudySummary = z.output<typeof StudySummary>;

/** A study with how many of its trials are in each state. */
export const StudyListing = StudySummary.extend({ trialCounts });
export type StudyListing = z.output<typeof StudyListing>;

export const TrialPage = z.object({ trials: z.array(FrozenTrial), cursor: z.number() });
export const OptionalStudy = z.object({ study: StudySummary.nullable() });
export const OptionalTrial = z.object({ trial: FrozenTrial.nullable() });
/** What an ask answers: the trial to run, the stale trials it failed, and what changed since. */
export const AskAnswer = z.object({
  trial: FrozenTrial,
  failed: z.array(FrozenTrial),
  trials: z.array(FrozenTrial),
  cursor: z.number(),
});
export const TrialList = z.object({ trials: z.array(FrozenTrial) });
export const StudyListings = z.object({ studies: z.array(StudyListing) });
export const Changed = z.object({ changed: z.boolean() });

// ------------------------------------------------------------ the study report (studyReport)

/** A parameter value as the objective saw it (categoricals as their choice). */
export const ReportParamValue = z.union([z.number(), CategoricalChoice]);
export type ReportParamValue = z.output<typeof ReportParamValue>;

const best = z.array(z.object({ number: z.number(), value: wireNumber }).nullable());
const kind = z.enum(["float", "int", "categorical"]);

export const ReportStudy = z.object({
  studyId: z.string(),
  name: z.string(),
  directions: z.array(Direction),
  userAttrs: jsonObject,
  createdTime: millis,
  /** The study's parent run, when tracked. */
  runId: z.string().nullable(),
  nTrials: z.number(),
  /** Trials by state (every state present, zeros included). */
  counts: trialCounts,
});
export type ReportStudy = z.output<typeof ReportStudy>;

export const ReportParam = z.object({
  name: z.string(),
  /** The distribution of the param's last appearance (in trial-number order). */
  distribution: DistributionJSON,
  /** For categoricals: the choices as strings (labels for axes and ticks). */
  labels: z.array(z.string()).nullable(),
  /** Trials that have the param. */
  count: z.number(),
});
export type ReportParam = z.output<typeof ReportParam>;

export const HistoryEntry = z.object({
  number: z.number(),
  state: TrialState,
  /** One value per objective when COMPLETE, else null. */
  values: z.array(wireNumber).nullable(),
  /** Per objective: the best COMPLETE value among trials numbered up to this one (null before any). */
  best: z.array(wireNumber.nullable()),
  startTime: millis.nullable(),
  endTime: millis.nullable(),
  durationMs: z.number().nullable(),
});
export type HistoryEntry = z.output<typeof HistoryEntry>;

export const ParallelAxis = z.object({
  name: z.string(),
  type: kind,
  /** Range of the axis: the distribution's range (for categoricals 0 … choices−1). */
  min: z.number(),
  max: z.number(),
  log: z.boolean(),
  labels: z.array(z.string()).nullable(),
});
export type ParallelAxis = z.output<typeof ParallelAxis>;

export const ParallelRow = z.object({
  number: z.number(),
  /** Objective values (COMPLETE trials only). */
  values: z.array(wireNumber),
  /** Per axis, in `axes` order: the internal value (categoricals as the choice index), null when missing. */
  coords: z.array(z.number().nullable()),
});
export type ParallelRow = z.output<typeof ParallelRow>;

export const SlicePoint = z.object({
  number: z.number(),
  /** External value (categoricals as their choice). */
  x: ReportParamValue,
  /** Internal value: the choice index for categoricals. */
  xi: z.number(),
  values: z.array(wireNumber),
});
export type SlicePoint = z.output<typeof SlicePoint>;

export const SliceData = z.object({
  param: z.string(),
  type: kind,
  log: z.boolean(),
  labels: z.array(z.string()).nullable(),
  points: z.array(SlicePoint),
});
export type SliceData = z.output<typeof SliceData>;

export const IntermediateSeries = z.object({
  number: z.number(),
  state: TrialState,
  steps: z.array(z.number()),
  /** The reported vector at each step (length 1 for single-objective studies). */
  values: z.array(z.array(wireNumber)),
});
export type IntermediateSeries = z.output<typeof IntermediateSeries>;

export const TrialRow = z.object({
  number: z.number(),
  trialId: z.string(),
  state: TrialState,
  /** External param values. */
  params: z.record(z.string(), ReportParamValue),
  values: z.array(wireNumber).nullable(),
  startTime: millis.nullable(),
  endTime: millis.nullable(),
  durationMs: z.number().nullable(),
  runId: z.string().nullable(),
  /** On the Pareto front of the COMPLETE trials (for one objective: has the best value). */
  pareto: z.boolean(),
  /** Steps reported, and the last one (null when none). */
  nIntermediate: z.number(),
  lastStep: z.number().nullable(),
});
export type TrialRow = z.output<typeof TrialRow>;

export const StudyReport = z.object({
  study: ReportStudy,
  params: z.array(ReportParam),
  /** Finished trials (COMPLETE, PRUNED, FAIL) in number order. */
  history: z.array(HistoryEntry),
  /** The best COMPLETE trial per objective (single objective: the study's best trial). */
  best,
  /** Numbers of the COMPLETE trials on the Pareto front. */
  paretoFront: z.array(z.number()),
  /** How importances were computed; null when there were too few COMPLETE trials. */
  importanceMethod: z.enum(["random-forest-mdi", "fanova"]).nullable(),
  /** Importance of each param for the first objective, summing to 1 (empty when not computable). */
  importances: z.record(z.string(), z.number()),
  /** The same per objective. */
  importancesByObjective: z.array(z.record(z.string(), z.number())),
  parallel: z.object({ axes: z.array(ParallelAxis), rows: z.array(ParallelRow) }),
  slices: z.array(SliceData),
  intermediate: z.array(IntermediateSeries),
  trials: z.array(TrialRow),
});
export type StudyReport = z.output<typeof StudyReport>;

/** One study in GET /api/v1/studies. */
export const StudyListItem = StudyListing.extend({
  nTrials: z.number(),
  /** Per objective, the best COMPLETE trial. */
  best,
  /** The latest trial start or end time (null without trials). */
  lastChangeTime: millis.nullable(),
});
export type StudyListItem = z.output<typeof StudyListItem>;
export const StudyListItems = z.object({ studies: z.array(StudyListItem) });

/** GET /api/v1/studies/:name. */
export const StudyDetail = z.object({
  study: StudyListing,
  /** The study's change counter the report reflects. */
  cursor: z.number(),
  report: StudyReport,
});
export type StudyDetail = z.output<typeof StudyDetail>;

/** GET /api/v1/studies/:name/trials: the trials changed after a cursor, with their params as the objective saw them. */
export const StudyTrials = z.object({
  studyId: z.string(),
  cursor: z.number(),
  trials: z.array(FrozenTrial.extend({ externalParams: z.record(z.string(), ReportParamValue) })),
});
export type StudyTrials = z.output<typeof StudyTrials>;
