/** /api/v1/studies through Fastify inject, on a SQLite store with studies made by the Study API. */

import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StudyReport } from "../../api/index.js";
import { ManualClock } from "../../core/index.js";
import { createStudy, RandomSampler, type Study } from "../../hpo/index.js";
import { MemoryArtifactStore, SqliteStore } from "../../store/index.js";
import { buildServer } from "../app.js";
import { createToken } from "../auth.js";

const T0 = 1_700_000_000_000;
let app: FastifyInstance;
let store: SqliteStore;
let clock: ManualClock;
let study: Study;

beforeAll(async () => {
  store = await SqliteStore.open(":memory:");
  clock = new ManualClock(T0);
  app = await buildServer({ store, artifacts: new MemoryArtifactStore(), clock, uiDir: false });
  study = await createStudy({
    name: "tune/a b",
    direction: "minimize",
    storage: store.studies,
    sampler: new RandomSampler({ seed: 3 }),
    clock,
    heartbeatIntervalMs: 0,
  });
  // 0..9: COMPLETE with value x² (+ kind), 3 and 7 PRUNED after two steps, 5 FAIL
  for (let i = 0; i < 10; i++) {
    const t = await study.ask();
    const x = t.suggestFloat("x", -2, 2);
    const kind = t.suggestCategorical("kind", ["a", "b"]);
    clock.set(clock.now() + 100);
    if (i === 3 || i === 7) {
      t.report(x * x + 1, 0);
      t.report(x * x + 0.5, 1);
      await study.tell(t, undefined, "PRUNED");
    } else if (i === 5) {
      await study.tell(t, undefined, "FAIL");
    } else {
      await study.tell(t, x * x + (kind === "b" ? 0.1 : 0));
    }
  }
  await createStudy({
    name: "two",
    directions: ["minimize", "maximize"],
    storage: store.studies,
    sampler: new RandomSampler({ seed: 1 }),
    clock,
  });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const r = await app.inject({ method: "GET", url, headers });
  return { status: r.statusCode, json: r.json() as Record<string, unknown> };
}

describe("/api/v1/studies", () => {
  it("lists studies with counts by state and the best value", async () => {
    const { status, json } = await get("/api/v1/studies");
    expect(status).toBe(200);
    const studies = json.studies as Array<Record<string, unknown>>;
    expect(studies.map((s) => s.name)).toEqual(["tune/a b", "two"]);
    const completed = study.trials.filter((t) => t.state === "COMPLETE");
    const bestValue = Math.min(...completed.map((t) => t.values![0]!));
    expect(studies[0]).toMatchObject({
      name: "tune/a b",
      directions: ["minimize"],
      nTrials: 10,
      trialCounts: { RUNNING: 0, WAITING: 0, COMPLETE: 7, PRUNED: 2, FAIL: 1 },
      best: [{ number: study.bestTrial.number, value: bestValue }],
      lastChangeTime: T0 + 1000,
    });
    expect(studies[1]).toMatchObject({ nTrials: 0, best: [null, null], lastChangeTime: null });
  });

  it("serves a study's summary and report (URL-encoded name)", async () => {
    const { status, json } = await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}`);
    expect(status).toBe(200);
    const report = json.report as StudyReport;
    expect(json.study).toMatchObject({
      name: "tune/a b",
      studyId: study.studyId,
      trialCounts: report.study.counts,
    });
    expect(typeof json.cursor).toBe("number");
    expect(report.study.counts).toEqual({ RUNNING: 0, WAITING: 0, COMPLETE: 7, PRUNED: 2, FAIL: 1 });
    expect(report.history.map((h) => h.state)).toEqual(study.trials.map((t) => t.state));
    expect(report.best).toEqual([{ number: study.bestTrial.number, value: study.bestValue }]);
    expect(report.intermediate.map((s) => [s.number, s.state, s.steps])).toEqual([
      [3, "PRUNED", [0, 1]],
      [7, "PRUNED", [0, 1]],
    ]);
    expect(Object.keys(report.importances).sort()).toEqual(["kind", "x"]);
    // x decides the value (x² over [-2, 2]); kind adds at most 0.1
    expect(report.importances.x!).toBeGreaterThan(report.importances.kind!);
    expect(report.trials.map((t) => t.params.kind)).toEqual(
      study.trials.map((t) => ["a", "b"][t.params.kind!]),
    );
  });

  it("computes importances by fANOVA on request", async () => {
    const url = `/api/v1/studies/${encodeURIComponent("tune/a b")}`;
    const mdi = (await get(url)).json.report as StudyReport;
    const fanova = (await get(`${url}?importance=fanova`)).json.report as StudyReport;
    expect(mdi.importanceMethod).toBe("random-forest-mdi");
    expect(fanova.importanceMethod).toBe("fanova");
    expect(Object.keys(fanova.importances)[0]).toBe("x");
    expect(Object.values(fanova.importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(fanova.importances).not.toEqual(mdi.importances);
    const bad = await get(`${url}?importance=shap`);
    expect(bad.status).toBe(400);
  });

  it("answers a poll that finds nothing new 304 Not Modified (ETag from the change counter)", async () => {
    const url = `/api/v1/studies/${encodeURIComponent("tune/a b")}`;
    const first = await app.inject({ method: "GET", url });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"study-/);
    expect(first.headers["cache-control"]).toBe("no-cache");
    const again = await app.inject({ method: "GET", url, headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    // a study attribute changes the answer too
    await study.setUserAttr("note", "x");
    const other = await app.inject({ method: "GET", url, headers: { "if-none-match": etag } });
    expect(other.statusCode).toBe(200);
    expect(other.headers.etag).not.toBe(etag);
    expect((other.json() as { report: StudyReport }).report.study.userAttrs).toEqual({ note: "x" });
  });

  it("reads trials incrementally with a cursor, and the report follows new trials", async () => {
    const all = await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}/trials`);
    expect(all.status).toBe(200);
    const trials = all.json.trials as Array<{ number: number; externalParams: Record<string, unknown> }>;
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(trials[0]!.externalParams.kind).toBe(["a", "b"][study.trials[0]!.params.kind!]);
    const cursor = all.json.cursor as number;
    const none = await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}/trials?since=${cursor}`);
    expect(none.json).toMatchObject({ trials: [], cursor });

    const t = await study.ask();
    t.suggestFloat("x", -2, 2);
    t.suggestCategorical("kind", ["a", "b"]);
    const running = await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}/trials?since=${cursor}`);
    expect(
      (running.json.trials as Array<{ number: number; state: string }>).map((x) => [x.number, x.state]),
    ).toEqual([[10, "RUNNING"]]);
    let report = (await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}`)).json.report as StudyReport;
    expect(report.study.counts.RUNNING).toBe(1);
    const etag = (
      await app.inject({ method: "GET", url: `/api/v1/studies/${encodeURIComponent("tune/a b")}` })
    ).headers.etag as string;
    await study.tell(t, -1);
    const changed = await app.inject({
      method: "GET",
      url: `/api/v1/studies/${encodeURIComponent("tune/a b")}`,
      headers: { "if-none-match": etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    report = (await get(`/api/v1/studies/${encodeURIComponent("tune/a b")}`)).json.report as StudyReport;
    expect(report.study.counts).toMatchObject({ RUNNING: 0, COMPLETE: 8 });
    expect(report.best).toEqual([{ number: 10, value: -1 }]);
    expect(report.history.at(-1)).toMatchObject({ number: 10, values: [-1], best: [-1] });
  });

  it("forgets a deleted study whose id and name a new study reuses", async () => {
    const make = async () =>
      createStudy({ name: "tmp", storage: store.studies, sampler: new RandomSampler({ seed: 2 }), clock });
    const first = await make();
    for (let i = 0; i < 3; i++) {
      const t = await first.ask();
      t.suggestFloat("x", 0, 1);
      await first.tell(t, i);
    }
    expect(((await get("/api/v1/studies/tmp")).json.report as StudyReport).study.nTrials).toBe(3);
    await store.studies.deleteStudy(first.studyId);
    const second = await make();
    expect(second.studyId).toBe(first.studyId); // SQLite reuses the largest rowid
    const report = (await get("/api/v1/studies/tmp")).json.report as StudyReport;
    expect(report.study.nTrials).toBe(0);
    expect(report.trials).toEqual([]);
    await store.studies.deleteStudy(second.studyId);
  });

  it("answers an unknown study 404 STUDY_NOT_FOUND and a bad cursor 400", async () => {
    for (const url of ["/api/v1/studies/nope", "/api/v1/studies/nope/trials"]) {
      const r = await get(url);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({
        code: "STUDY_NOT_FOUND",
        error_code: "RESOURCE_DOES_NOT_EXIST",
        details: { name: "nope" },
      });
    }
    const bad = await get("/api/v1/studies/two/trials?since=-3");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await get("/api/v1/openapi.json")).json as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/studies", "/api/v1/studies/{name}", "/api/v1/studies/{name}/trials"]),
    );
  });
});

describe("/api/v1/studies behind API tokens", () => {
  it("needs a token, and a read token is enough", async () => {
    const authed = await buildServer({
      store,
      artifacts: new MemoryArtifactStore(),
      clock,
      uiDir: false,
      auth: true,
    });
    try {
      const no = await authed.inject({ method: "GET", url: "/api/v1/studies" });
      expect(no.statusCode).toBe(401);
      expect(no.json()).toMatchObject({ code: "UNAUTHENTICATED" });
      const { token } = await createToken(store.tokens, { name: "reader", scope: "read", now: T0 });
      const ok = await authed.inject({
        method: "GET",
        url: "/api/v1/studies/two",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ study: { name: "two", directions: ["minimize", "maximize"] } });
    } finally {
      await authed.close();
    }
  });
});
