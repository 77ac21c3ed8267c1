/**
 * Studies in experiment tracking: the study is a parent run, each trial a child run carrying its
 * params (as the objective saw them), its intermediate values as a metric series, its value(s),
 * its state and its duration — so sweeps show up in search, compare and the UI like any run.
 */
import type { Clock } from "../core/index.js";
import { paramToString } from "../core/index.js";
import { toExternal } from "../hpo/index.js";
import type {
  FrozenTrial,
  MetricSeriesInput,
  RunStatus,
  Store,
  StudySummary,
  TrialState,
  TrialTracker,
} from "../store/index.js";

const RUN_STATUS: Record<TrialState, RunStatus> = {
  RUNNING: "RUNNING",
  WAITING: "RUNNING",
  COMPLETE: "FINISHED",
  PRUNED: "KILLED",
  FAIL: "FAILED",
};

/** Metric names for a trial's values: "value" for one objective, "value_0", "value_1" … for several. */
export function valueNames(n: number): string[] {
  return n === 1 ? ["value"] : Array.from({ length: n }, (_, i) => `value_${i}`);
}

export interface RunTrialTrackerOptions {
  store: Store;
  experimentId: string;
  /** Where the runs' artifacts go: the experiment's artifact location. */
  artifactLocation: string;
  clock: Clock;
  userId: string;
  /** How often the runs of trials in flight (and the study's run) tell the store they are alive. Default 10 s; 0: never. */
  heartbeatIntervalMs?: number;
  /** Where failed heartbeats are reported. Default: ignored (the next one retries). */
  onWarning?: (message: string) => void;
}

/**
 * The study's run is RUNNING while this process has trials in flight (their runs and it
 * heartbeat) and FINISHED when it has none, so an idle study never shows as crashed; its end time
 * is when its last trial here finished.
 */
export class RunTrialTracker implements TrialTracker {
  readonly #store: Store;
  readonly #experimentId: string;
  readonly #artifactLocation: string;
  readonly #clock: Clock;
  readonly #userId: string;
  readonly #heartbeatMs: number;
  readonly #warn: (message: string) => void;
  readonly #pending = new Map<string, Map<string, { steps: number[]; values: number[] }>>();
  /** Trial runs in flight in this process → their study's run. */
  readonly #live = new Map<string, string | null>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: RunTrialTrackerOptions) {
    this.#store = options.store;
    this.#experimentId = options.experimentId;
    this.#artifactLocation = options.artifactLocation;
    this.#clock = options.clock;
    this.#userId = options.userId;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 10_000;
    this.#warn = options.onWarning ?? (() => undefined);
  }

  async startStudy(study: StudySummary): Promise<string> {
    const now = this.#clock.now();
    const info = await this.#store.runs.createRun({
      experimentId: this.#experimentId,
      runName: `study ${study.name}`,
      userId: this.#userId,
      startTime: now,
      tags: {
        "sextant.study": study.name,
        "sextant.study_id": study.studyId,
        "sextant.directions": study.directions.join(","),
      },
      artifactUri: `${this.#artifactLocation}/{runId}/artifacts`,
    });
    // idle until a trial starts
    await this.#store.runs.updateRun(info.runId, { status: "FINISHED", endTime: now });
    return info.runId;
  }

  async startTrial(study: StudySummary, trial: FrozenTrial): Promise<string> {
    const parent = study.runId;
    if (parent !== null && ![...this.#live.values()].includes(parent)) {
      // best effort: a study run someone deleted does not stop the study
      try {
        await this.#store.runs.updateRun(parent, { status: "RUNNING", endTime: null });
        await this.#store.runs.heartbeat(parent, this.#clock.now());
      } catch (e) {
        this.#warn(`the study's run ${parent} could not be marked running: ${(e as Error).message}`);
      }
    }
    const info = await this.#store.runs.createRun({
      experimentId: this.#experimentId,
      runName: `${study.name} #${trial.number}`,
      userId: this.#userId,
      startTime: trial.startTime ?? this.#clock.now(),
      parentRunId: parent,
      tags: {
        "sextant.study": study.name,
        "sextant.study_id": study.studyId,
        "sextant.trial": String(trial.number),
      },
      artifactUri: `${this.#artifactLocation}/{runId}/artifacts`,
    });
    this.#live.set(info.runId, parent);
    this.#startTimer();
    return info.runId;
  }

  intermediate(runId: string, step: number, values: number[], names: string[]): void {
    let series = this.#pending.get(runId);
    if (!series) {
      series = new Map();
      this.#pending.set(runId, series);
    }
    values.forEach((v, i) => {
      const key = `intermediate/${names[i] ?? `value_${i}`}`;
      let s = series.get(key);
      if (!s) {
        s = { steps: [], values: [] };
        series.set(key, s);
      }
      s.steps.push(step);
      s.values.push(v);
    });
  }

  async finishTrial(study: StudySummary, trial: FrozenTrial): Promise<void> {
    const runId = trial.runId;
    if (runId === null) return;
    const now = this.#clock.now();
    try {
      const params = Object.entries(trial.params).map(([key, v]) => ({
        key,
        value: paramToString(toExternal(trial.distributions[key]!, v)),
      }));
      const metrics: MetricSeriesInput[] = [];
      for (const [key, s] of this.#pending.get(runId) ?? []) {
        metrics.push({
          key,
          steps: Float64Array.from(s.steps),
          timestamps: new Float64Array(s.steps.length).fill(now),
          values: Float64Array.from(s.values),
        });
      }
      this.#pending.delete(runId);
      if (trial.values) {
        const names = valueNames(study.directions.length);
        for (let i = 0; i < trial.values.length; i++) {
          metrics.push({
            key: names[i]!,
            steps: Float64Array.of(0),
            timestamps: Float64Array.of(now),
            values: Float64Array.of(trial.values[i]!),
          });
        }
      }
      const tags: Array<{ key: string; value: string }> = [
        { key: "sextant.trial_state", value: trial.state },
      ];
      const reason = trial.systemAttrs.fail_reason;
      if (typeof reason === "string") tags.push({ key: "sextant.fail_reason", value: reason.slice(0, 5000) });
      await this.#store.runs.logBatch(runId, { params, metrics, tags });
      await this.#store.runs.updateRun(runId, {
        status: RUN_STATUS[trial.state],
        endTime: trial.endTime ?? now,
      });
    } finally {
      const parent = this.#live.get(runId);
      this.#live.delete(runId);
      if (this.#live.size === 0) this.#stopTimer();
      if (parent !== undefined && parent !== null && ![...this.#live.values()].includes(parent)) {
        await this.#store.runs.updateRun(parent, { status: "FINISHED", endTime: now }).catch((e: unknown) => {
          this.#warn(`the study's run ${parent} could not be marked finished: ${(e as Error).message}`);
        });
      }
    }
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#heartbeatMs <= 0) return;
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref?.();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #beat(): Promise<void> {
    const now = this.#clock.now();
    const runs = new Set<string>();
    for (const [run, parent] of this.#live) {
      runs.add(run);
      if (parent !== null) runs.add(parent);
    }
    for (const runId of runs) {
      try {
        // a study run another process set FINISHED while trials run here: running again
        if (!(await this.#store.runs.heartbeat(runId, now)) && !this.#live.has(runId)) {
          await this.#store.runs.updateRun(runId, { status: "RUNNING", endTime: null });
          await this.#store.runs.heartbeat(runId, now);
        }
      } catch (e) {
        this.#warn(`heartbeat of run ${runId} failed: ${(e as Error).message}`);
      }
    }
  }
}
