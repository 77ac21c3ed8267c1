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
import * as api from "../../api/index.js";
import type { HttpClient } from "../remote/index.js";
import type {
  AskInput,
  AskResult,
  FrozenTrial,
  NewStudy,
  StudyListing,
  StudyStorage,
  StudySummary,
  TrialParam,
  TrialState,
  TrialTemplate,
} from "./contract.js";

const id = encodeURIComponent;

function sameValues(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

export class HttpStudyStorage implements StudyStorage {
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
  }

  createStudy(input: NewStudy, _now: number): Promise<StudySummary> {
    return this.#client.request("/hpo/studies", {
      method: "POST",
      json: input,
      shape: api.StudySummary,
      settled: async () => {
        const made = await this.getStudyByName(input.name);
        const same = made?.directions.join() === input.directions.join();
        return made && same ? { value: made } : null;
      },
    });
  }

  async getStudyByName(name: string): Promise<StudySummary | null> {
    return (await this.#client.request("/hpo/studies/by-name", { query: { name }, shape: api.OptionalStudy }))
      .study;
  }

  getStudy(studyId: string): Promise<StudySummary> {
    return this.#client.request(`/hpo/studies/${id(studyId)}`, { shape: api.StudySummary });
  }

  async listStudies(): Promise<StudyListing[]> {
    return (await this.#client.request("/hpo/studies", { shape: api.StudyListings })).studies;
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
    return this.#client.request(`/hpo/studies/${id(studyId)}/trials`, {
      method: "POST",
      json: { ...template, requestId },
      shape: api.FrozenTrial,
    });
  }

  async claimWaitingTrial(studyId: string, _now: number, requestId?: string): Promise<FrozenTrial | null> {
    const res = await this.#client.request(`/hpo/studies/${id(studyId)}/trials/claim`, {
      method: "POST",
      json: { requestId: requestId ?? randomUUID() },
      shape: api.OptionalTrial,
    });
    return res.trial;
  }

  async setTrialParams(trialId: string, params: readonly TrialParam[]): Promise<void> {
    await this.#client.request(`/hpo/trials/${id(trialId)}/params`, { method: "PUT", json: { params } });
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
    const res = await this.#client.request(`/hpo/trials/${id(trialId)}/state`, {
      shape: api.Changed,
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
    const res = await this.#client.request(`/hpo/studies/${id(studyId)}/trials/fail-stale`, {
      method: "POST",
      json: { staleForMs: Math.max(0, now - staleBefore) },
      shape: api.TrialList,
    });
    return res.trials;
  }

  askTrial(studyId: string, input: AskInput, now: number): Promise<AskResult> {
    const { staleBefore, ...rest } = input;
    return this.#client.request(`/hpo/studies/${id(studyId)}/ask`, {
      method: "POST",
      // the server judges staleness by its own clock, so it is sent as a duration
      json: {
        ...rest,
        requestId: input.requestId ?? randomUUID(),
        ...(staleBefore === undefined ? {} : { staleForMs: Math.max(0, now - staleBefore) }),
      },
      shape: api.AskAnswer,
    });
  }

  async getTrial(trialId: string): Promise<FrozenTrial> {
    return this.#client.request(`/hpo/trials/${id(trialId)}`, { shape: api.FrozenTrial });
  }

  async getTrials(
    studyId: string,
    options: { since?: number } = {},
  ): Promise<{ trials: FrozenTrial[]; cursor: number }> {
    return this.#client.request(`/hpo/studies/${id(studyId)}/trials`, {
      query: { since: options.since },
      shape: api.TrialPage,
    });
  }
}
