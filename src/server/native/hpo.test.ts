/**
 * The study storage routes (/api/v1/hpo) on their own: bodies are validated and answered with the
 * one error body, a wrong scope is 403 naming the scope, a refused call changes nothing, and the
 * ask route does in one request what a worker needs to begin a trial.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorBody } from "../../api/index.js";
import { createToken } from "../auth.js";
import { type Harness, openHarness, type Reply, T0 } from "../mlflow/testing/index.js";

const HPO = "/api/v1/hpo";
const FLOAT = { type: "float", low: 0, high: 1, log: false, step: null };

let h: Harness;
let bearer: Record<"read" | "write" | "admin", Record<string, string>>;

beforeEach(async () => {
  h = await openHarness({ auth: true });
  bearer = {} as typeof bearer;
  for (const scope of ["read", "write", "admin"] as const) {
    const { token } = await createToken(h.store.tokens, { name: `${scope}-bot`, scope, now: T0 });
    bearer[scope] = { authorization: `Bearer ${token}` };
  }
});
afterEach(async () => {
  await h.close();
});

function send(
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  body: unknown,
  who: Record<string, string>,
) {
  return h.request({
    method,
    url: `${HPO}${url}`,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...who },
  });
}

async function snapshot(): Promise<unknown> {
  const studies = h.store.studies;
  const out: unknown[] = [];
  for (const s of await studies.listStudies()) out.push({ s, trials: await studies.getTrials(s.studyId) });
  return out;
}

/** The reply is the error body with `code` at `status`, and the studies did not change. */
async function refused(request: () => Promise<Reply>, status: number, code: string): Promise<Reply> {
  const before = await snapshot();
  const r = await request();
  expect({ status: r.status, code: (r.json as { code?: string }).code }).toEqual({ status, code });
  expect(ErrorBody.strict().safeParse(r.json).success).toBe(true); // the one error body
  expect(await snapshot()).toEqual(before);
  return r;
}

async function study(): Promise<{ studyId: string; trialId: string }> {
  const s = (await send("POST", "/studies", { name: "s", directions: ["minimize"] }, bearer.write)).json as {
    studyId: string;
  };
  const t = (await send("POST", `/studies/${s.studyId}/trials`, {}, bearer.write)).json as {
    trialId: string;
  };
  return { studyId: s.studyId, trialId: t.trialId };
}

describe("/api/v1/hpo", () => {
  it("asks for a trial in one request: claim or create, idempotent by request id, with what changed", async () => {
    const s = (await send("POST", "/studies", { name: "s", directions: ["minimize"] }, bearer.write))
      .json as {
      studyId: string;
    };
    const first = await send("POST", `/studies/${s.studyId}/ask`, { requestId: "a-1" }, bearer.write);
    expect(first.status).toBe(200);
    const a = first.json as {
      trial: { number: number; trialId: string; state: string };
      trials: unknown[];
      cursor: number;
    };
    expect(a.trial).toMatchObject({ number: 0, state: "RUNNING" });
    expect(a.trials).toHaveLength(1);
    // retried after a lost answer: the same trial, not a second one
    const again = (await send("POST", `/studies/${s.studyId}/ask`, { requestId: "a-1" }, bearer.write))
      .json as {
      trial: { trialId: string };
    };
    expect(again.trial.trialId).toBe(a.trial.trialId);
    // the stale sweep judges by the server's clock: silent for 5 s, the trial fails
    h.clock.set(T0 + 6000);
    const b = (
      await send("POST", `/studies/${s.studyId}/ask`, { staleForMs: 5000, since: a.cursor }, bearer.write)
    ).json as { trial: { number: number }; failed: Array<{ number: number; state: string }> };
    expect(b.failed.map((t) => [t.number, t.state])).toEqual([[0, "FAIL"]]);
    expect(b.trial.number).toBe(1);
  });

  it("records a batch of params in one request, all or none", async () => {
    const { trialId } = await study();
    const ok = await send(
      "PUT",
      `/trials/${trialId}/params`,
      { params: [{ name: "x", value: 0.5, distribution: FLOAT }] },
      bearer.write,
    );
    expect(ok.status).toBe(200);
    await refused(
      () =>
        send(
          "PUT",
          `/trials/${trialId}/params`,
          {
            params: [
              { name: "y", value: 0.1, distribution: FLOAT },
              { name: "x", value: 0.5, distribution: { ...FLOAT, high: 2 } },
            ],
          },
          bearer.write,
        ),
      400,
      "INVALID_ARGUMENT",
    );
    expect((await h.store.studies.getTrial(trialId)).params).toEqual({ x: 0.5 });
  });

  it("answers a malformed body or path with INVALID_ARGUMENT and changes nothing", async () => {
    const { studyId, trialId } = await study();
    const bad: Array<[method: "POST" | "PUT", url: string, body: unknown]> = [
      ["POST", "/studies", { name: "t", directions: ["up"] }],
      ["POST", "/studies", { name: "t", directions: ["minimize"], extra: 1 }],
      ["POST", `/studies/${studyId}/ask`, { since: -1 }],
      ["POST", `/studies/${studyId}/ask`, { alive: ["not-an-id"] }],
      ["POST", `/studies/${studyId}/ask`, { requestId: "" }],
      ["POST", `/studies/${studyId}/trials`, { state: "COMPLETE" }],
      ["POST", `/studies/${studyId}/trials/claim`, { requestId: "x".repeat(129) }],
      ["POST", `/studies/${studyId}/trials/fail-stale`, { staleForMs: -1 }],
      ["PUT", `/studies/${studyId}/attrs`, { key: "k", value: 1 }],
      ["PUT", `/trials/${trialId}/params`, { params: [{ name: "x", value: "0.5", distribution: FLOAT }] }],
      [
        "PUT",
        `/trials/${trialId}/params`,
        { params: [{ name: "x", value: 0.5, distribution: { type: "beta" } }] },
      ],
      ["PUT", `/trials/${trialId}/params`, { name: "x", value: 0.5, distribution: FLOAT }],
      ["PUT", `/trials/${trialId}/intermediate`, { step: -1, values: [1] }],
      ["POST", `/trials/${trialId}/state`, { state: "DONE", values: null }],
      ["POST", "/trials/abc/state", { state: "FAIL", values: null }],
    ];
    for (const [method, url, body] of bad) {
      await refused(() => send(method, url, body, bearer.write), 400, "INVALID_ARGUMENT");
    }
  });

  it("answers an unknown study or trial with its not-found code", async () => {
    await refused(() => send("POST", "/studies/999/ask", {}, bearer.write), 404, "STUDY_NOT_FOUND");
    await refused(() => send("GET", "/studies/999", undefined, bearer.read), 404, "STUDY_NOT_FOUND");
    await refused(
      () =>
        send(
          "PUT",
          "/trials/999/params",
          { params: [{ name: "x", value: 0.5, distribution: FLOAT }] },
          bearer.write,
        ),
      404,
      "TRIAL_NOT_FOUND",
    );
  });

  it("needs a token, 'write' for every change and 'admin' to delete a study, naming the scope", async () => {
    const { studyId, trialId } = await study();
    await refused(() => send("POST", `/studies/${studyId}/ask`, {}, {}), 401, "UNAUTHENTICATED");
    const writes: Array<[method: "POST" | "PUT", url: string, body: unknown]> = [
      ["POST", "/studies", { name: "t", directions: ["minimize"] }],
      ["POST", `/studies/${studyId}/ask`, {}],
      ["POST", `/studies/${studyId}/trials`, {}],
      ["POST", `/studies/${studyId}/trials/claim`, {}],
      ["POST", `/studies/${studyId}/trials/fail-stale`, { staleForMs: 0 }],
      ["PUT", `/studies/${studyId}/attrs`, { kind: "user", key: "k", value: 1 }],
      ["PUT", `/trials/${trialId}/params`, { params: [{ name: "x", value: 0.5, distribution: FLOAT }] }],
      ["PUT", `/trials/${trialId}/intermediate`, { step: 0, values: [1] }],
      ["POST", `/trials/${trialId}/state`, { state: "FAIL", values: null }],
      ["POST", `/trials/${trialId}/heartbeat`, {}],
      ["PUT", `/trials/${trialId}/attrs`, { kind: "user", key: "k", value: 1 }],
      ["PUT", `/trials/${trialId}/run`, { runId: "0".repeat(32) }],
      ["PUT", `/studies/${studyId}/run`, { runId: "0".repeat(32) }],
    ];
    for (const [method, url, body] of writes) {
      const r = await refused(() => send(method, url, body, bearer.read), 403, "PERMISSION_DENIED");
      expect((r.json as { message: string }).message).toContain("'write' scope");
    }
    const del = await refused(
      () => send("DELETE", `/studies/${studyId}`, undefined, bearer.write),
      403,
      "PERMISSION_DENIED",
    );
    expect((del.json as { details: unknown }).details).toEqual({ need: "admin", have: "write" });
    // reads need only 'read'
    expect((await send("GET", `/studies/${studyId}/trials`, undefined, bearer.read)).status).toBe(200);
    expect((await send("DELETE", `/studies/${studyId}`, undefined, bearer.admin)).status).toBe(200);
  });
});
