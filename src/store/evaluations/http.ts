/**
 * Evaluation records over a Sextant server's native API. The record's id is chosen here, so a
 * create retried after a lost response finds the stored record instead of storing a second one.
 */
import * as api from "../../api/index.js";
import { newRunId, SextantError } from "../../core/index.js";
import type { HttpClient } from "../remote/index.js";
import type {
  CreateEvaluationInput,
  EvaluationRecord,
  EvaluationStore,
  ListEvaluationsInput,
} from "./contract.js";

export class HttpEvaluationStore implements EvaluationStore {
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
  }

  async create(input: CreateEvaluationInput): Promise<EvaluationRecord> {
    const evaluationId = input.evaluationId ?? newRunId();
    try {
      return await this.#client.request("/evaluations", {
        shape: api.EvaluationRecord,
        method: "POST",
        json: { ...input, evaluationId },
      });
    } catch (e) {
      // a retry after a lost response: the first attempt stored it
      if (e instanceof SextantError && e.code === "EVALUATION_ALREADY_EXISTS") {
        const stored = await this.get(evaluationId);
        if (
          stored.createdTime === input.createdTime &&
          stored.name === input.name &&
          stored.runId === (input.runId ?? null)
        )
          return stored;
      }
      throw e;
    }
  }

  get(evaluationId: string): Promise<EvaluationRecord> {
    return this.#client.request(`/evaluations/${encodeURIComponent(evaluationId)}`, {
      shape: api.EvaluationRecord,
    });
  }

  async list(input: ListEvaluationsInput = {}): Promise<EvaluationRecord[]> {
    const path =
      input.runId === undefined ? "/evaluations" : `/runs/${encodeURIComponent(input.runId)}/evaluations`;
    return (
      await this.#client.request(path, {
        shape: api.EvaluationList,
        query: { maxResults: input.maxResults },
      })
    ).evaluations;
  }
}
