/**
 * Study storage over a Sextant server's native API (/api/v1/hpo): HPO workers on any machine share
 * a study through the server alone, with the guarantees of the database behind it — trial numbers
 * handed out once, finished trials immutable, stale trials failed.
 *
 * Over HTTP the server's clock stamps every time (start, heartbeat, end), so workers whose clocks
 * disagree still judge staleness by one clock; `failStaleTrials` sends how stale a trial must be
 * (`now - staleBefore`), not an instant. New trials and claims of waiting trials carry a
 * client-chosen request id, so a request retried after a lost response returns the trial the
 * first attempt made instead of making (or claiming) a second one. A study's creation, which a
 * second delivery would refuse, first looks whether the lost attempt made it.
 */
import { randomUUID } from "node:crypto";
import { fromWireNumber } from "../../core/json-number.js";
import type { HttpClient } from "../remote/index.js";
import type {
  Direction,
  DistributionJSON,
  FrozenTrial,
  StudyListing,
  StudyStorage,
  StudySummary,
  TrialState,
  TrialTemplate,
} from "./contract.js";

const id = encodeURIComponent;

/** Trial values and intermediate values come back with NaN and ±Infinity spelled out. */
function trialFromWire(t: FrozenTrial): FrozenTrial {
  const intermediate: Record<number, number[]> = {};
  for (const [step, vs] of Object.entries(t.intermediate))
    intermediate[Number(step)] = vs.map(fromWireNumber);
  return { ...t, values: t.values === null ? null : t.values.map(fromWireNumber), intermediate };
}

function sameValues(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

export class HttpStudyStorage implements StudyStorage {
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
  }

  createStudy(
    input: {
      name: string;
      directions: Direction[];
      userAttrs?: Record<string, unknown>;
      runId?: string | null;
    },
    _now: number,
  ): Promise<StudySummary> {
    return this.#client.request<StudySummary>("/hpo/studies", {
      method: "POST",
      json: input,
      settled: async () => {
        const made = await this.getStudyByName(input.name);
        const same = made?.directions.join() === input.directions.join();
        return made && same ? { value: made } : null;
      },
    });
  }

  async getStudyByName(name: string): Promise<StudySummary | null> {
    return (
      await this.#client.request<{ study: StudySummary | null }>("/hpo/studies/by-name", { query: { name } })
    ).study;
  }

  getStudy(studyId: string): Promise<StudySummary> {
    return this.#client.request(`/hpo/studies/${id(studyId)}`);
  }

  async listStudies(): Promise<StudyListing[]> {
    return (await this.#client.request<{ studies: StudyListing[] }>("/hpo/studies")).studies;
  }

  async deleteStudy(studyId: string): Promise<void> {
    await this.#client.request(`/hpo/studies/${id(studyId)}`, { method: "DELETE" });
  }

  async setStudyAttr(studyId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    await this.#client.request(`/hpo/studies/${id(studyId)}/attrs`, {
      method: "PUT",
      json: { kind, key, value },
    });
  }

  async setStudyRun(studyId: string, runId: string): Promise<void> {
    await this.#client.request(`/hpo/studies/${id(studyId)}/run`, { method: "PUT", json: { runId } });
  }

  async createTrial(studyId: string, template: TrialTemplate, _now: number): Promise<FrozenTrial> {
    const requestId = template.requestId ?? randomUUID();
    return trialFromWire(
      await this.#client.request<FrozenTrial>(`/hpo/studies/${id(studyId)}/trials`, {
        method: "POST",
        json: { ...template, requestId },
      }),
    );
  }

  async claimWaitingTrial(studyId: string, _now: number, requestId?: string): Promise<FrozenTrial | null> {
    const res = await this.#client.request<{ trial: FrozenTrial | null }>(
      `/hpo/studies/${id(studyId)}/trials/claim`,
      { method: "POST", json: { requestId: requestId ?? randomUUID() } },
    );
    return res.trial === null ? null : trialFromWire(res.trial);
  }

  async setTrialParam(
    trialId: string,
    name: string,
    value: number,
    distribution: DistributionJSON,
  ): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/params`, {
      method: "PUT",
      json: { name, value, distribution },
    });
  }

  async setTrialIntermediate(trialId: string, step: number, values: number[]): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/intermediate`, {
      method: "PUT",
      json: { step, values },
    });
  }

  async setTrialState(
    trialId: string,
    state: TrialState,
    values: number[] | null,
    _now: number,
  ): Promise<boolean> {
    const res = await this.#client.request<{ changed: boolean }>(`/hpo/trials/${id(trialId)}/state`, {
      method: "POST",
      json: { state, values },
    });
    if (res.changed) return true;
    // A retry after a lost response finds the trial finished by its own first attempt.
    const t = await this.getTrial(trialId);
    return t.state === state && sameValues(t.values, values);
  }

  async setTrialAttr(trialId: string, kind: "user" | "system", key: string, value: unknown): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/attrs`, {
      method: "PUT",
      json: { kind, key, value },
    });
  }

  async setTrialRun(trialId: string, runId: string): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/run`, { method: "PUT", json: { runId } });
  }

  async heartbeatTrial(trialId: string, _now: number): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/heartbeat`, { method: "POST" });
  }

  async failStaleTrials(studyId: string, staleBefore: number, now: number): Promise<FrozenTrial[]> {
    const res = await this.#client.request<{ trials: FrozenTrial[] }>(
      `/hpo/studies/${id(studyId)}/trials/fail-stale`,
      { method: "POST", json: { staleForMs: Math.max(0, now - staleBefore) } },
    );
    return res.trials.map(trialFromWire);
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    return trialFromWire(await this.#client.request<FrozenTrial>(`/hpo/trials/${id(trialId)}`));
  }

  async getTrials(
    studyId: string,
    options: { since?: number } = {},
  ): Promise<{ trials: FrozenTrial[]; cursor: number }> {
    const res = await this.#client.request<{ trials: FrozenTrial[]; cursor: number }>(
      `/hpo/studies/${id(studyId)}/trials`,
      { query: { since: options.since } },
    );
    return { trials: res.trials.map(trialFromWire), cursor: res.cursor };
  }
}
