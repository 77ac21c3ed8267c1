/**
 * Train/test splits with leakage guards. `temporalSplit` cuts a table at a point in time,
 * `randomSplit` shuffles (optionally stratified), and `checkLeakage` inspects any pair of tables.
 * Every split returns a report of what the guards found:
 *
 * - RANDOM_SPLIT_OF_TIME_DATA (warning): a random split of a table that has a time column lets the
 *   model learn from the future of the rows it is tested on.
 * - TEMPORAL_OVERLAP (error): training rows later than the earliest test row.
 * - ENTITY_OVERLAP: the same entity id (a user, say) on both sides. A warning for a random split
 *   (the test rows are not new entities); information for a temporal one, where returning entities
 *   are expected.
 * - PERFECT_PREDICTOR (warning): a feature that separates the labels perfectly in the training
 *   rows, usually the label in disguise.
 *
 * Errors throw DATA_LEAKAGE (with the report in `details.issues`); under `strict` warnings do too.
 */
import { Rng, SextantError } from "../core/index.js";
import type { Table } from "../learn/index.js";

export type LeakageCode =
  | "RANDOM_SPLIT_OF_TIME_DATA"
  | "TEMPORAL_OVERLAP"
  | "ENTITY_OVERLAP"
  | "PERFECT_PREDICTOR";
export type Severity = "error" | "warning" | "info";

export interface LeakageIssue {
  code: LeakageCode;
  severity: Severity;
  message: string;
  /** The column the finding is about, when there is one. */
  column?: string;
  details: Record<string, unknown>;
}

export interface LeakageReport {
  /** False when any issue is an error. */
  ok: boolean;
  issues: LeakageIssue[];
}

export type SplitDefinition =
  | {
      kind: "temporal";
      timeColumn: string;
      /** ISO time of the cut: train is before it, test at or after it. */
      cutoff: string;
      trainRows: number;
      testRows: number;
      /** ISO times of the first and last row on each side. */
      trainRange: [string, string];
      testRange: [string, string];
    }
  | {
      kind: "random";
      testSize: number;
      seed: number;
      stratify: string | null;
      trainRows: number;
      testRows: number;
    };

export interface Split {
  train: Table;
  test: Table;
  /** Row numbers of the input table on each side, ascending. */
  trainIndices: Uint32Array;
  testIndices: Uint32Array;
  definition: SplitDefinition;
  report: LeakageReport;
}

export interface GuardOptions {
  /** The label: enables the perfect-predictor check. */
  labelColumn?: string;
  /** An entity id (user, account …): enables the entity-overlap check. */
  entityColumn?: string;
  /** Columns the perfect-predictor check skips (ids, the time column and the label are skipped). */
  ignoreColumns?: string[];
  /** Warnings throw DATA_LEAKAGE too. */
  strict?: boolean;
}

export interface TemporalSplitOptions extends GuardOptions {
  timeColumn: string;
  /** Train is before the cutoff, test at or after it: a date string, epoch ms or a Date. */
  cutoff: string | number | Date;
}

export interface RandomSplitOptions extends GuardOptions {
  /** Share of rows in the test side, in (0, 1) (default 0.25); the test side gets ⌈testSize · n⌉ rows. */
  testSize?: number;
  /** A column whose class shares both sides keep (the label, usually). */
  stratify?: string;
  seed: number;
  /** The table's time column, when its name does not say so (see `guessTimeColumn`). */
  timeColumn?: string;
}

export interface LeakageCheckOptions extends GuardOptions {
  /** Enables the temporal-overlap check. */
  timeColumn?: string;
}

const TIME_NAME = /(^|_)(date|time|timestamp|datetime|ts|month|week|day)($|_)|_at$/i;

/** The first column whose name says it holds times (snapshot_date, created_at, ts …), else null. */
export function guessTimeColumn(table: Table): string | null {
  return table.columnNames.find((n) => TIME_NAME.test(n)) ?? null;
}

/**
 * Splits at a point in time: rows before `cutoff` train, rows at or after it test.
 * @throws INVALID_ARGUMENT when the time column is missing or has missing values, or the cutoff
 *   leaves one side empty (the message gives the data's time range); DATA_LEAKAGE per the guards
 */
export function temporalSplit(table: Table, options: TemporalSplitOptions): Split {
  const times = readTimes(table, options.timeColumn);
  const cutoff = toEpoch(options.cutoff, "cutoff");
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let nTest = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
    if (t >= cutoff) nTest++;
  }
  if (nTest === 0 || nTest === times.length) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `cutoff ${iso(cutoff)} is outside the data: "${options.timeColumn}" runs from ${iso(lo)} to ${iso(hi)}, so the ${nTest === 0 ? "test" : "training"} side would be empty`,
      { cutoff: iso(cutoff), first: iso(lo), last: iso(hi) },
    );
  }
  const trainIdx = new Uint32Array(times.length - nTest);
  const testIdx = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < times.length; i++) {
    if (times[i]! >= cutoff) testIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  const train = table.select(trainIdx);
  const test = table.select(testIdx);
  const report = checkLeakage(train, test, { ...options, timeColumn: options.timeColumn }, "temporal");
  enforce(report, options.strict ?? false);
  return {
    train,
    test,
    trainIndices: trainIdx,
    testIndices: testIdx,
    definition: {
      kind: "temporal",
      timeColumn: options.timeColumn,
      cutoff: iso(cutoff),
      trainRows: trainIdx.length,
      testRows: testIdx.length,
      trainRange: rangeOf(times, trainIdx),
      testRange: rangeOf(times, testIdx),
    },
    report,
  };
}

/**
 * A seeded random split, stratified on a column when asked (each class sends the share of its
 * rows closest to `testSize` to the test side, with the rounding spread so the total is exact).
 * @throws INVALID_ARGUMENT on a bad testSize or a table too small to split; DATA_LEAKAGE per the guards
 */
export function randomSplit(table: Table, options: RandomSplitOptions): Split {
  const n = table.numRows;
  const testSize = options.testSize ?? 0.25;
  if (!(testSize > 0 && testSize < 1)) {
    throw new SextantError("INVALID_ARGUMENT", `testSize must be in (0, 1), got ${testSize}`, { testSize });
  }
  if (!Number.isInteger(options.seed)) {
    throw new SextantError("INVALID_ARGUMENT", `seed must be an integer, got ${options.seed}`);
  }
  const nTest = Math.ceil(testSize * n);
  if (n < 2 || nTest >= n) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `cannot split ${n} rows with testSize ${testSize}: one side would be empty`,
      {
        rows: n,
        testSize,
      },
    );
  }
  const rng = new Rng(options.seed);
  const isTest = new Uint8Array(n);
  if (options.stratify === undefined) {
    for (const i of sample(rng, range(n), nTest)) isTest[i] = 1;
  } else {
    const groups = groupRows(table, options.stratify);
    // largest-remainder allocation of nTest over the classes, proportional to their sizes
    const quotas = groups.map((g) => (g.length * nTest) / n);
    const take = quotas.map(Math.floor);
    let left = nTest - take.reduce((s, v) => s + v, 0);
    const byRemainder = quotas
      .map((q, k) => ({ k, r: q - Math.floor(q) }))
      .sort((x, y) => y.r - x.r || x.k - y.k);
    for (const { k } of byRemainder) {
      if (left === 0) break;
      take[k]!++;
      left--;
    }
    groups.forEach((g, k) => {
      for (const i of sample(rng, g, take[k]!)) isTest[i] = 1;
    });
  }
  const trainIdx = new Uint32Array(n - nTest);
  const testIdx = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) testIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  const train = table.select(trainIdx);
  const test = table.select(testIdx);
  const timeColumn = options.timeColumn ?? guessTimeColumn(table);
  // the time column is reported below as such, not checked as a feature
  const ignoreColumns = [...(options.ignoreColumns ?? []), ...(timeColumn === null ? [] : [timeColumn])];
  const report = checkLeakage(train, test, { ...options, timeColumn: undefined, ignoreColumns }, "random");
  if (timeColumn !== null) {
    report.issues.unshift({
      code: "RANDOM_SPLIT_OF_TIME_DATA",
      severity: "warning",
      column: timeColumn,
      message: `the table has a time column ("${timeColumn}"); a random split trains on rows later than the ones it tests — use temporalSplit`,
      details: { timeColumn },
    });
  }
  enforce(report, options.strict ?? false);
  return {
    train,
    test,
    trainIndices: trainIdx,
    testIndices: testIdx,
    definition: {
      kind: "random",
      testSize,
      seed: options.seed,
      stratify: options.stratify ?? null,
      trainRows: trainIdx.length,
      testRows: testIdx.length,
    },
    report,
  };
}

/**
 * Runs the leakage guards on a train/test pair (any pair: the splits above call it too).
 * Returns the report; it never throws for a finding (see `assertNoLeakage`).
 */
export function checkLeakage(
  train: Table,
  test: Table,
  options: LeakageCheckOptions,
  kind: "temporal" | "random" | "given" = "given",
): LeakageReport {
  const issues: LeakageIssue[] = [];
  if (options.timeColumn !== undefined) {
    const trainTimes = readTimes(train, options.timeColumn);
    const testTimes = readTimes(test, options.timeColumn);
    const earliestTest = min(testTimes);
    let later = 0;
    let latest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < trainTimes.length; i++) {
      const t = trainTimes[i]!;
      if (t > earliestTest) later++;
      if (t > latest) latest = t;
    }
    if (later > 0) {
      issues.push({
        code: "TEMPORAL_OVERLAP",
        severity: "error",
        column: options.timeColumn,
        message: `${later} training rows are later than the earliest test row (${iso(earliestTest)}); the latest training row is at ${iso(latest)}`,
        details: { rows: later, earliestTest: iso(earliestTest), latestTrain: iso(latest) },
      });
    }
  }
  if (options.entityColumn !== undefined) {
    const trainIds = new Set(entityKeys(train, options.entityColumn));
    const shared = new Set<string>();
    for (const k of entityKeys(test, options.entityColumn)) if (trainIds.has(k)) shared.add(k);
    if (shared.size > 0) {
      const testIds = new Set(entityKeys(test, options.entityColumn)).size;
      issues.push({
        code: "ENTITY_OVERLAP",
        severity: kind === "temporal" ? "info" : "warning",
        column: options.entityColumn,
        message: `${shared.size} of ${testIds} "${options.entityColumn}" values in the test rows also appear in the training rows`,
        details: { shared: shared.size, testEntities: testIds, examples: [...shared].slice(0, 5) },
      });
    }
  }
  if (options.labelColumn !== undefined) {
    const skip = new Set([
      options.labelColumn,
      ...(options.timeColumn === undefined ? [] : [options.timeColumn]),
      ...(options.entityColumn === undefined ? [] : [options.entityColumn]),
      ...(options.ignoreColumns ?? []),
    ]);
    for (const finding of perfectPredictors(train, options.labelColumn, skip)) issues.push(finding);
  }
  return { ok: !issues.some((i) => i.severity === "error"), issues };
}

/** Throws DATA_LEAKAGE when the report has an error (or, under `strict`, a warning). */
export function assertNoLeakage(report: LeakageReport, strict = false): void {
  enforce(report, strict);
}

// ---------------------------------------------------------------- helpers

function enforce(report: LeakageReport, strict: boolean): void {
  const failing = report.issues.filter((i) => i.severity === "error" || (strict && i.severity === "warning"));
  if (failing.length === 0) return;
  throw new SextantError(
    "DATA_LEAKAGE",
    `the split leaks: ${failing.map((i) => `${i.code}: ${i.message}`).join("; ")}`,
    { issues: report.issues },
  );
}

/**
 * Features that split the training labels perfectly: a number column whose values for one class
 * all lie below those of the other, or a category column (of fewer distinct values than a tenth
 * of the rows) whose every value holds one class only.
 */
function perfectPredictors(table: Table, label: string, skip: Set<string>): LeakageIssue[] {
  const y = table.numbers(label);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] === 1 ? 1 : 0;
  if (pos === 0 || pos === y.length) return [];
  const out: LeakageIssue[] = [];
  for (const name of table.columnNames) {
    if (skip.has(name)) continue;
    const col = table.column(name);
    if (col.type === "number") {
      let min0 = Number.POSITIVE_INFINITY;
      let max0 = Number.NEGATIVE_INFINITY;
      let min1 = Number.POSITIVE_INFINITY;
      let max1 = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < y.length; i++) {
        const v = col.values[i]!;
        if (Number.isNaN(v)) continue;
        if (y[i] === 1) {
          if (v < min1) min1 = v;
          if (v > max1) max1 = v;
        } else {
          if (v < min0) min0 = v;
          if (v > max0) max0 = v;
        }
      }
      if (max0 < min1 || max1 < min0) {
        const threshold = max0 < min1 ? (max0 + min1) / 2 : (max1 + min0) / 2;
        out.push({
          code: "PERFECT_PREDICTOR",
          severity: "warning",
          column: name,
          message: `"${name}" separates "${label}" perfectly in the training rows (${max0 < min1 ? "above" : "below"} ${threshold} is always 1)`,
          details: { threshold, direction: max0 < min1 ? "above" : "below" },
        });
      }
    } else {
      const k = col.dictionary.length;
      if (k === 0 || k > Math.max(2, y.length / 10)) continue;
      const seen0 = new Uint8Array(k);
      const seen1 = new Uint8Array(k);
      for (let i = 0; i < y.length; i++) {
        const c = col.codes[i]!;
        if (c < 0) continue;
        if (y[i] === 1) seen1[c] = 1;
        else seen0[c] = 1;
      }
      let pure = true;
      for (let c = 0; c < k && pure; c++) if (seen0[c] && seen1[c]) pure = false;
      if (pure) {
        out.push({
          code: "PERFECT_PREDICTOR",
          severity: "warning",
          column: name,
          message: `every value of "${name}" holds one class of "${label}" only in the training rows`,
          details: {},
        });
      }
    }
  }
  return out;
}

function readTimes(table: Table, column: string): Float64Array {
  const t = table.timestamps(column);
  let missing = 0;
  for (let i = 0; i < t.length; i++) if (Number.isNaN(t[i]!)) missing++;
  if (missing > 0) {
    throw new SextantError("INVALID_ARGUMENT", `time column "${column}" has ${missing} missing values`, {
      column,
      missing,
    });
  }
  return t;
}

function toEpoch(x: string | number | Date, what: string): number {
  const t = x instanceof Date ? x.getTime() : typeof x === "number" ? x : Date.parse(x);
  if (!Number.isFinite(t)) throw new SextantError("INVALID_ARGUMENT", `${what} ${String(x)} is not a time`);
  return t;
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

function min(xs: Float64Array): number {
  let m = Number.POSITIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) if (xs[i]! < m) m = xs[i]!;
  return m;
}

function rangeOf(times: Float64Array, idx: Uint32Array): [string, string] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < idx.length; k++) {
    const t = times[idx[k]!]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return [iso(lo), iso(hi)];
}

function entityKeys(table: Table, column: string): string[] {
  const col = table.column(column);
  const out: string[] = [];
  if (col.type === "number") {
    for (let i = 0; i < col.values.length; i++)
      if (!Number.isNaN(col.values[i]!)) out.push(String(col.values[i]));
  } else {
    for (let i = 0; i < col.codes.length; i++)
      if (col.codes[i]! >= 0) out.push(col.dictionary[col.codes[i]!]!);
  }
  return out;
}

/** Row numbers per distinct value of `column` (missing values form their own group), in value order. */
function groupRows(table: Table, column: string): number[][] {
  const col = table.column(column);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < table.numRows; i++) {
    const key =
      col.type === "number"
        ? String(col.values[i])
        : col.codes[i]! < 0
          ? "\u0000missing"
          : col.dictionary[col.codes[i]!]!;
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
    }
    g.push(i);
  }
  return [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, g]) => g);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** `k` items drawn without replacement (a partial Fisher–Yates shuffle of a copy). */
function sample(rng: Rng, items: readonly number[], k: number): number[] {
  const a = [...items];
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, a.length - 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, k);
}
