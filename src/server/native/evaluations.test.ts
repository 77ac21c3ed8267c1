/** The evaluation routes' edges: bad input answered 4xx with the one error body, nothing stored. */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/index.js";
import { MemoryArtifactStore, SqliteStore } from "../../store/index.js";
import { buildServer } from "../app.js";

const T0 = 1_700_000_000_000;
let app: FastifyInstance;
let store: SqliteStore;
let runId: string;

beforeAll(async () => {
  store = await SqliteStore.open(":memory:");
  app = await buildServer({
    store,
    artifacts: new MemoryArtifactStore(),
    clock: new ManualClock(T0),
    uiDir: false,
  });
  runId = (
    await app.inject({ method: "POST", url: "/api/v1/runs", payload: { experimentId: "0", startTime: T0 } })
  ).json().runId;
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe("/api/v1/evaluations", () => {
  it("stores a record and reads it by id and by run", async () => {
    const post = await app.inject({
      method: "POST",
      url: "/api/v1/evaluations",
      payload: {
        runId,
        name: "holdout",
        createdTime: T0,
        content: { metrics: [{ name: "f1", value: 0.6 }] },
      },
    });
    expect(post.statusCode).toBe(200);
    const id = post.json().evaluationId as string;
    const got = await app.inject({ url: `/api/v1/evaluations/${id}` });
    expect(got.json()).toEqual({
      evaluationId: id,
      runId,
      name: "holdout",
      createdTime: T0,
      content: { metrics: [{ name: "f1", value: 0.6 }] },
    });
    expect((await app.inject({ url: `/api/v1/runs/${runId}/evaluations` })).json().evaluations).toHaveLength(
      1,
    );
    expect((await app.inject({ url: "/api/v1/evaluations?maxResults=1" })).json().evaluations).toHaveLength(
      1,
    );
  });

  it("answers bad input with 4xx and the error body, storing nothing", async () => {
    const before = (await store.evaluations.list()).length;
    const cases: Array<[string, string, unknown, number, string]> = [
      ["GET", "/api/v1/evaluations/nope", undefined, 400, "INVALID_ARGUMENT"],
      ["GET", `/api/v1/evaluations/${"0".repeat(32)}`, undefined, 404, "EVALUATION_NOT_FOUND"],
      ["GET", `/api/v1/runs/${"f".repeat(32)}/evaluations`, undefined, 404, "RUN_NOT_FOUND"],
      ["GET", "/api/v1/evaluations?maxResults=0", undefined, 400, "INVALID_ARGUMENT"],
      ["POST", "/api/v1/evaluations", { name: "x", createdTime: T0, content: [] }, 400, "INVALID_ARGUMENT"],
      [
        "POST",
        "/api/v1/evaluations",
        { name: "x", createdTime: T0, content: {}, extra: 1 },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "POST",
        "/api/v1/evaluations",
        { runId: "f".repeat(32), name: "x", createdTime: T0, content: {} },
        404,
        "RUN_NOT_FOUND",
      ],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const r = await app.inject({
        method: method as "GET" | "POST",
        url,
        payload: payload as object | undefined,
      });
      expect([url, r.statusCode]).toEqual([url, status]);
      expect(r.json().code).toBe(code);
    }
    expect((await store.evaluations.list()).length).toBe(before);
  });
});
