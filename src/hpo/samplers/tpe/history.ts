/**
 * The observations TPE learns from, kept across trials: finished trials never change, so each is
 * read once into flat arrays (its score and, per param, its value), and each call only looks at
 * trials it has not settled yet. RUNNING trials (for the constant liar) are read afresh every time.
 *
 * Scores rank trials as Optuna does: COMPLETE trials by value; PRUNED ones after them, those that
 * got further first, then by their last intermediate value; PRUNED without any report last;
 * RUNNING ones (constant liar) after everything. Multi-objective studies use COMPLETE trials only.
 */
import type { StudyView } from "../../sampler.js";
import type { DistributionJSON, FrozenTrial } from "../../storage.js";
import { nondominationRanks, referencePoint, selectByHypervolume } from "../pareto.js";

interface Column {
  values: Float64Array;
  length: number;
  /** Records with a value, by (value, trial number). */
  sorted: number[];
}

export interface Split {
  /** Record indices of the "good" trials, in trial-number order. */
  below: number[];
  /** Everything else (records, then RUNNING trials as negative −1−i indices into `running`), in trial-number order. */
  above: number[];
  running: readonly FrozenTrial[];
}

export class ObservationHistory {
  readonly #directions: readonly ("minimize" | "maximize")[];
  readonly #constantLiar: boolean;
  readonly #multi: boolean;
  #studyId: string | null = null;
  /** Trials numbered below this are all settled (finished and read). */
  #cursor = 0;
  #seen = new Set<number>();
  /** Per record. */
  trials: FrozenTrial[] = [];
  #numbers: number[] = [];
  #stepKey: number[] = [];
  #loss: number[] = [];
  #lossVec: number[][] = [];
  /** Record indices by trial number. */
  #chrono: number[] = [];
  /** Record indices by score (single objective). */
  #ranked: number[] = [];
  #running: FrozenTrial[] = [];
  #columns = new Map<string, Column>();
  #moCache: { n: number; nBelow: number; below: number[] } | null = null;

  constructor(directions: readonly ("minimize" | "maximize")[], constantLiar: boolean) {
    this.#directions = directions;
    this.#multi = directions.length > 1;
    this.#constantLiar = constantLiar && !this.#multi;
  }

  get isMultiObjective(): boolean {
    return this.#multi;
  }

  /** Finished trials that count (COMPLETE and, single-objective, PRUNED). */
  get size(): number {
    return this.trials.length;
  }

  #reset(): void {
    this.#cursor = 0;
    this.#seen = new Set();
    this.trials = [];
    this.#numbers = [];
    this.#stepKey = [];
    this.#loss = [];
    this.#lossVec = [];
    this.#chrono = [];
    this.#ranked = [];
    this.#columns = new Map();
    this.#moCache = null;
  }

  /** Reads what changed since the last call. */
  update(study: StudyView): void {
    const trials = study.trials();
    const first = trials[0];
    if (first && first.studyId !== this.#studyId) {
      this.#reset();
      this.#studyId = first.studyId;
    }
    this.#running = [];
    let settled = true;
    let next = this.#cursor;
    // trials are in number order; numbers normally equal positions
    let start = 0;
    if (this.#cursor < trials.length && (trials[this.#cursor] as FrozenTrial).number === this.#cursor) {
      start = this.#cursor;
    }
    for (let i = start; i < trials.length; i++) {
      const t = trials[i] as FrozenTrial;
      if (t.number < this.#cursor) continue;
      const finished = t.state === "COMPLETE" || t.state === "PRUNED" || t.state === "FAIL";
      if (!finished) {
        settled = false;
        if (t.state === "RUNNING" && this.#constantLiar) this.#running.push(t);
        continue;
      }
      if (settled) next = t.number + 1;
      if (!this.#seen.has(t.number)) {
        this.#seen.add(t.number);
        this.#add(t);
      }
    }
    this.#cursor = next;
  }

  #add(t: FrozenTrial): void {
    let stepKey: number;
    let loss = 0;
    let lossVec: number[] | null = null;
    if (t.state === "COMPLETE") {
      if (!t.values) return;
      stepKey = Number.NEGATIVE_INFINITY;
      if (this.#multi) {
        lossVec = t.values.map((v, j) => (this.#directions[j] === "maximize" ? -v : v));
      } else {
        loss = this.#directions[0] === "maximize" ? -(t.values[0] as number) : (t.values[0] as number);
      }
    } else if (t.state === "PRUNED") {
      if (this.#multi) return;
      let maxStep = Number.NEGATIVE_INFINITY;
      for (const k of Object.keys(t.intermediate)) {
        const s = Number(k);
        if (s > maxStep) maxStep = s;
      }
      if (maxStep === Number.NEGATIVE_INFINITY) {
        stepKey = 1;
        loss = 0;
      } else {
        stepKey = -maxStep;
        const v = (t.intermediate[maxStep] as number[])[0] as number;
        loss = Number.isNaN(v) ? Number.POSITIVE_INFINITY : this.#directions[0] === "maximize" ? -v : v;
      }
    } else {
      return;
    }
    const r = this.trials.length;
    this.trials.push(t);
    this.#numbers.push(t.number);
    this.#stepKey.push(stepKey);
    this.#loss.push(loss);
    if (lossVec) this.#lossVec.push(lossVec);
    insertSorted(this.#chrono, r, (a, b) => (this.#numbers[a] as number) - (this.#numbers[b] as number));
    if (!this.#multi) insertSorted(this.#ranked, r, (a, b) => this.#compare(a, b));
    this.#moCache = null;
  }

  #compare(a: number, b: number): number {
    const sa = this.#stepKey[a] as number;
    const sb = this.#stepKey[b] as number;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const la = this.#loss[a] as number;
    const lb = this.#loss[b] as number;
    if (la !== lb) return la < lb ? -1 : 1;
    return (this.#numbers[a] as number) - (this.#numbers[b] as number);
  }

  /**
   * The internal values of param `name` for every record, NaN where a trial lacks it or had an
   * incompatible distribution (other choices, or a non-positive value on a log scale).
   */
  column(name: string, d: DistributionJSON): Float64Array {
    const key =
      d.type === "categorical" ? `${name}\0c${JSON.stringify(d.choices)}` : `${name}\0n${d.log ? 1 : 0}`;
    let col = this.#columns.get(key);
    if (!col) {
      col = { values: new Float64Array(Math.max(64, this.trials.length * 2)), length: 0, sorted: [] };
      this.#columns.set(key, col);
    }
    const n = this.trials.length;
    if (col.length < n) {
      if (col.values.length < n) {
        const bigger = new Float64Array(n * 2);
        bigger.set(col.values.subarray(0, col.length));
        col.values = bigger;
      }
      const values = col.values;
      const cmp = (a: number, b: number) =>
        (values[a] as number) - (values[b] as number) ||
        (this.#numbers[a] as number) - (this.#numbers[b] as number);
      for (let r = col.length; r < n; r++) {
        const v = compatibleValue(this.trials[r] as FrozenTrial, name, d);
        values[r] = v;
        if (!Number.isNaN(v)) insertSorted(col.sorted, r, cmp);
      }
      col.length = n;
    }
    return col.values;
  }

  /** Records that have a value for the param, in ascending order of it (call {@link column} first). */
  sortedRecords(name: string, d: DistributionJSON): readonly number[] {
    this.column(name, d);
    const key =
      d.type === "categorical" ? `${name}\0c${JSON.stringify(d.choices)}` : `${name}\0n${d.log ? 1 : 0}`;
    return (this.#columns.get(key) as Column).sorted;
  }

  /** The value of `name` in a RUNNING trial (NaN when absent or incompatible). */
  runningValue(i: number, name: string, d: DistributionJSON): number {
    return compatibleValue(this.#running[i] as FrozenTrial, name, d);
  }

  /** Splits the observations into the `nBelow` best and the rest. */
  split(nBelow: number): Split {
    const n = this.trials.length;
    const k = Math.max(0, Math.min(nBelow, n));
    let below: number[];
    if (!this.#multi) {
      below = this.#ranked.slice(0, k);
    } else {
      if (!this.#moCache || this.#moCache.n !== n || this.#moCache.nBelow !== k) {
        this.#moCache = { n, nBelow: k, below: this.#splitMulti(k) };
      }
      below = [...this.#moCache.below];
    }
    const isBelow = new Uint8Array(n);
    for (const r of below) isBelow[r] = 1;
    below.sort((a, b) => (this.#numbers[a] as number) - (this.#numbers[b] as number));
    const above: number[] = [];
    const running = this.#running;
    let j = 0;
    for (const r of this.#chrono) {
      const num = this.#numbers[r] as number;
      while (j < running.length && (running[j] as FrozenTrial).number < num) above.push(-1 - j++);
      if (!isBelow[r]) above.push(r);
    }
    while (j < running.length) above.push(-1 - j++);
    return { below, above, running };
  }

  /** MOTPE: whole non-domination ranks first, the boundary rank by greedy hypervolume. */
  #splitMulti(k: number): number[] {
    const pts = this.#lossVec;
    const ranks = nondominationRanks(pts);
    const below: number[] = [];
    let rank = 0;
    for (;;) {
      const members: number[] = [];
      for (let i = 0; i < ranks.length; i++) if (ranks[i] === rank) members.push(i);
      if (members.length === 0) break;
      if (below.length + members.length <= k) {
        below.push(...members);
        rank++;
        continue;
      }
      const need = k - below.length;
      if (need > 0) {
        const rankPts = members.map((i) => pts[i] as number[]);
        const chosen = selectByHypervolume(rankPts, need, referencePoint(rankPts));
        for (const c of chosen) below.push(members[c] as number);
      }
      break;
    }
    return below;
  }

  /** Loss of a record (single objective, direction applied) and its rank key (−∞ when COMPLETE). */
  loss(r: number): number {
    return this.#loss[r] as number;
  }

  stepKey(r: number): number {
    return this.#stepKey[r] as number;
  }

  /** The record ranked i-th (single objective). */
  rankedAt(i: number): number | undefined {
    return this.#ranked[i];
  }

  /** Loss vectors of records (multi-objective). */
  lossVector(r: number): number[] {
    return this.#lossVec[r] as number[];
  }
}

function compatibleValue(t: FrozenTrial, name: string, d: DistributionJSON): number {
  const v = t.params[name];
  if (v === undefined || !Number.isFinite(v)) return Number.NaN;
  const own = t.distributions[name];
  if (!own) return Number.NaN;
  if (d.type === "categorical") {
    if (own.type !== "categorical" || own.choices.length !== d.choices.length) return Number.NaN;
    for (let i = 0; i < d.choices.length; i++) {
      const a = own.choices[i];
      const b = d.choices[i];
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return Number.NaN;
    }
    return v;
  }
  if (own.type === "categorical") return Number.NaN;
  if (d.log && !(v > 0)) return Number.NaN;
  return v;
}

function insertSorted(xs: number[], x: number, cmp: (a: number, b: number) => number): void {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(xs[mid] as number, x) <= 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo === xs.length) xs.push(x);
  else xs.splice(lo, 0, x);
}
