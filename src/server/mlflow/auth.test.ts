import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { snapshot } from "../../store/testing/index.js";
import { createToken } from "../auth.js";
import { API, ARTIFACTS, errorOf, type Harness, openHarness, type Reply, T0 } from "./testing/index.js";

let h: Harness;
const bearer: Record<"read" | "write" | "admin", Record<string, string>> = { read: {}, write: {}, admin: {} };
beforeEach(async () => {
  h = await openHarness({ auth: true });
  for (const scope of ["read", "write", "admin"] as const) {
    const { token } = await createToken(h.store.tokens, { name: `${scope}-bot`, scope, now: T0 });
    bearer[scope] = { authorization: `Bearer ${token}` };
  }
});
afterEach(async () => {
  await h.close();
});

async function denied(request: () => Promise<Reply>, status: number, errorCode: string) {
  const before = await snapshot(h.store);
  expect(errorOf(await request())).toEqual({ status, error_code: errorCode, code: errorCode });
  expect(await snapshot(h.store)).toEqual(before);
}

describe("MLflow API behind API tokens", () => {
  it("answers requests without a valid token with 401 UNAUTHENTICATED", async () => {
    await denied(() => h.get(`${API}/experiments/get`, { experiment_id: "0" }), 401, "UNAUTHENTICATED");
    await denied(() => h.post(`${API}/experiments/create`, { name: "x" }), 401, "UNAUTHENTICATED");
    await denied(
      () => h.get(`${API}/experiments/get`, { experiment_id: "0" }, { authorization: "Bearer sxt_nope" }),
      401,
      "UNAUTHENTICATED",
    );
    await denied(
      () => h.request({ method: "PUT", url: `${ARTIFACTS}/0/${"a".repeat(32)}/artifacts/x`, payload: "x" }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("lets a read token get and search but not log (403 PERMISSION_DENIED)", async () => {
    const exp = (await h.post(`${API}/experiments/create`, { name: "e" }, bearer.admin)).json as {
      experiment_id: string;
    };
    const created = await h.post(`${API}/runs/create`, { experiment_id: exp.experiment_id }, bearer.write);
    const run = (created.json as { run: { info: { run_id: string } } }).run.info.run_id;
    expect(
      (await h.get(`${API}/experiments/get`, { experiment_id: exp.experiment_id }, bearer.read)).status,
    ).toBe(200);
    expect((await h.post(`${API}/experiments/search`, {}, bearer.read)).status).toBe(200);
    expect((await h.get(`${API}/runs/get`, { run_id: run }, bearer.read)).status).toBe(200);
    expect(
      (await h.post(`${API}/runs/search`, { experiment_ids: [exp.experiment_id] }, bearer.read)).status,
    ).toBe(200);
    expect(
      (await h.get(ARTIFACTS, { path: `${exp.experiment_id}/${run}/artifacts` }, bearer.read)).status,
    ).toBe(200);
    const body = { run_id: run, key: "m", value: 1, timestamp: T0 };
    await denied(() => h.post(`${API}/runs/log-metric`, body, bearer.read), 403, "PERMISSION_DENIED");
    await denied(
      () => h.post(`${API}/runs/create`, { experiment_id: exp.experiment_id }, bearer.read),
      403,
      "PERMISSION_DENIED",
    );
    await denied(
      () => h.post(`${API}/experiments/create`, { name: "f" }, bearer.read),
      403,
      "PERMISSION_DENIED",
    );
    await denied(
      () =>
        h.request({
          method: "PUT",
          url: `${ARTIFACTS}/${exp.experiment_id}/${run}/artifacts/a.txt`,
          payload: "x",
          headers: bearer.read,
        }),
      403,
      "PERMISSION_DENIED",
    );
  });

  it("lets a write token log and delete runs but not delete experiments; an admin token can", async () => {
    const exp = (
      (await h.post(`${API}/experiments/create`, { name: "e" }, bearer.write)).json as {
        experiment_id: string;
      }
    ).experiment_id;
    const created = await h.post(`${API}/runs/create`, { experiment_id: exp }, bearer.write);
    expect(created.status).toBe(200);
    const run = (created.json as { run: { info: { run_id: string; user_id: string } } }).run.info;
    expect(run.user_id).toBe("write-bot");
    const log = await h.post(
      `${API}/runs/log-metric`,
      { run_id: run.run_id, key: "m", value: 1, timestamp: T0 },
      bearer.write,
    );
    expect(log.status).toBe(200);
    const upload = await h.request({
      method: "PUT",
      url: `${ARTIFACTS}/${exp}/${run.run_id}/artifacts/a.txt`,
      payload: "x",
      headers: bearer.write,
    });
    expect(upload.status).toBe(200);
    expect((await h.post(`${API}/runs/delete`, { run_id: run.run_id }, bearer.write)).status).toBe(200);
    await denied(
      () => h.post(`${API}/experiments/delete`, { experiment_id: exp }, bearer.write),
      403,
      "PERMISSION_DENIED",
    );
    await denied(
      () => h.post(`${API}/experiments/restore`, { experiment_id: exp }, bearer.write),
      403,
      "PERMISSION_DENIED",
    );
    expect((await h.post(`${API}/experiments/delete`, { experiment_id: exp }, bearer.admin)).status).toBe(
      200,
    );
    expect((await h.post(`${API}/experiments/restore`, { experiment_id: exp }, bearer.admin)).status).toBe(
      200,
    );
  });
});
