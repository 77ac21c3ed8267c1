/**
 * Studies in experiment tracking: the study is a parent run, each trial a child run carrying its
 * params (as the objective saw them), its intermediate values as a metric series, its value(s),
 * its state and its duration — so sweeps show up in search, compare and the UI like any run.
 */
import type { Clock } from "../core/clock.js";
import { paramToString } from "../core/validation.js";
import { toExternal } from "../hpo/distributions.js";
import type { FrozenTrial, StudySummary, TrialState, TrialTracker } from "../store/study-types.js";
import type { MetricSeriesInput, RunStatus, Store } from "../store/types.js";

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

export class RunTrialTracker implements TrialTracker {
  readonly #store: Store;
  readonly #experimentId: string;
  readonly #clock: Clock;
  readonly #userId: string;
  readonly #pending = new Map<string, Map<string, { steps: number[]; values: number[] }>>();

  constructor(store: Store, experimentId: string, clock: Clock, userId: string) {
    this.#store = store;
    this.#experimentId = experimentId;
    this.#clock = clock;
    this.#userId = userId;
  }

  async startStudy(study: StudySummary): Promise<string> {
    const info = await this.#store.createRun({
      experimentId: this.#experimentId,
      runName: `study ${study.name}`,
      userId: this.#userId,
      startTime: this.#clock.now(),
      tags: {
        "sextant.study": study.name,
        "sextant.study_id": study.studyId,
        "sextant.directions": study.directions.join(","),
      },
      artifactUri: `mlflow-artifacts:/${this.#experimentId}/{runId}/artifacts`,
    });
    return info.runId;
  }

  async startTrial(study: StudySummary, trial: FrozenTrial): Promise<string> {
    const info = await this.#store.createRun({
      experimentId: this.#experimentId,
      runName: `${study.name} #${trial.number}`,
      userId: this.#userId,
      startTime: trial.startTime ?? this.#clock.now(),
      parentRunId: study.runId,
      tags: { "sextant.study": study.name, "sextant.trial": String(trial.number) },
      artifactUri: `mlflow-artifacts:/${this.#experimentId}/{runId}/artifacts`,
    });
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
    const tags: Array<{ key: string; value: string }> = [{ key: "sextant.trial_state", value: trial.state }];
    const reason = trial.systemAttrs.fail_reason;
    if (typeof reason === "string") tags.push({ key: "sextant.fail_reason", value: reason.slice(0, 5000) });
    await this.#store.logBatch(runId, { params, metrics, tags });
    await this.#store.updateRun(runId, { status: RUN_STATUS[trial.state], endTime: trial.endTime ?? now });
  }
}
