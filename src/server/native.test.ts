/**
 * The native API's edges: OpenAPI, bad input answered 4xx with the one error body, downsampled
 * history, blobs checked against their hash. (The happy paths are covered by running the Store
 * conformance suite through HttpStore.)
 */
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, sha256 } from "../core/index.js";
import { encodeBatch, MemoryArtifactStore, SqliteStore } from "../store/index.js";
import { snapshot } from "../store/testing/index.js";
import { buildServer } from "./app.js";

const T0 = 1_700_000_000_000;
let app: FastifyInstance;
let store: SqliteStore;
let runId: string;

beforeAll(async () => {
  store = await SqliteStore.open(":memory:");
  app = await buildServer({ store, artifacts: new MemoryArtifactStore(), clock: new ManualClock(T0) });
  const r = await app.inject({
    method: "POST",
    url: "/api/v1/runs",
    payload: { experimentId: "0", startTime: T0, runName: "r" },
  });
  runId = r.json().runId;
  const steps = Array.from({ length: 10_000 }, (_, i) => i);
  const values = steps.map((i) => (i === 4321 ? 100 : Math.sin(i / 100)));
  await app.inject({
    method: "POST",
    url: `/api/v1/runs/${runId}/batch`,
    payload: {
      params: [{ key: "lr", value: "0.1" }],
      metrics: [{ key: "loss", steps, timestamps: steps.map((i) => T0 + i), values }],
    },
  });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe("native API", () => {
  it("publishes an OpenAPI document of its routes", async () => {
    const r = await app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/experiments",
        "/api/v1/runs/search",
        "/api/v1/runs/{runId}/batch",
        "/api/v1/blobs/{sha256}",
      ]),
    );
    expect(doc.paths["/api/v1/runs/search"]!.post).toBeDefined();
  });

  it("documents a response schema for every route, the wire form of the shared shapes", async () => {
    const doc = (await app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json() as {
      paths: Record<
        string,
        Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
      >;
    };
    const missing: string[] = [];
    let routes = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        routes++;
        const ok = op.responses?.["200"];
        // HEAD answers carry no body
        if (method !== "head" && !ok?.content) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(routes).toBeGreaterThan(60);
    expect(missing).toEqual([]);
    // a run's metric values are numbers or the strings JSON uses for NaN and ±Infinity
    const run =
      doc.paths["/api/v1/runs/{runId}"]!.get!.responses!["200"]!.content!["application/json"]!.schema;
    const text = JSON.stringify(run);
    expect(text).toContain('"NaN"');
    expect(text).toContain('"-Infinity"');
  });

  it("answers bad input 4xx with the one error body and changes nothing", async () => {
    const before = await snapshot(store);
    const cases: Array<[InjectOptions, number, string]> = [
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/batch`,
          payload: "{not json",
          headers: { "content-type": "application/json" },
        },
        400,
        "MALFORMED_REQUEST",
      ],
      [
        { method: "POST", url: `/api/v1/runs/${runId}/batch`, payload: { metrics: [], surprise: 1 } },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/batch`,
          payload: { params: [{ key: "lr", value: 3 }] },
        },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/batch`,
          payload: { params: [{ key: "k".repeat(300), value: "1" }] },
        },
        400,
        "LIMIT_EXCEEDED",
      ],
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/batch`,
          payload: { params: [{ key: "lr", value: "0.2" }] },
        },
        400,
        "PARAM_CONFLICT",
      ],
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/batch`,
          payload: Buffer.from("SXB1garbage"),
          headers: { "content-type": "application/x-sextant-batch" },
        },
        400,
        "MALFORMED_REQUEST",
      ],
      [
        { method: "POST", url: "/api/v1/experiments", payload: { name: "x".repeat(17 * 2 ** 20) } },
        413,
        "REQUEST_TOO_LARGE",
      ],
      [
        {
          method: "POST",
          url: "/api/v1/experiments",
          payload: "<name/>",
          headers: { "content-type": "application/xml" },
        },
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      ],
      [
        {
          method: "POST",
          url: "/api/v1/experiments",
          payload: "name=x",
          headers: { "content-type": "text/plain" },
        },
        400,
        "INVALID_ARGUMENT",
      ],
      [{ method: "GET", url: "/api/v1/runs/not-a-run" }, 400, "INVALID_ARGUMENT"],
      [{ method: "GET", url: `/api/v1/runs/${"0".repeat(32)}` }, 404, "RUN_NOT_FOUND"],
      [{ method: "GET", url: "/api/v1/runs/%zz" }, 400, "MALFORMED_REQUEST"],
      [{ method: "GET", url: "/api/v1/nowhere" }, 404, "ENDPOINT_NOT_FOUND"],
      [
        {
          method: "POST",
          url: `/api/v1/runs/${runId}/artifacts`,
          payload: { path: "../etc/passwd", sha256: sha256("x"), size: 1 },
        },
        404,
        "ARTIFACT_NOT_FOUND",
      ],
      [
        {
          method: "POST",
          url: "/api/v1/runs/search",
          payload: { experimentIds: ["0"], filter: "metrics.loss >" },
        },
        400,
        "INVALID_FILTER",
      ],
    ];
    for (const [req, status, code] of cases) {
      const r = await app.inject(req);
      expect([r.statusCode, r.json().code]).toEqual([status, code]);
      expect(r.json().error_code).toEqual(expect.any(String));
      expect(r.json().message).toEqual(expect.any(String));
    }
    expect(await snapshot(store)).toEqual(before);
  });

  it("checks uploaded blobs against their hash, and artifact paths", async () => {
    const bytes = Buffer.from("model weights");
    const hash = sha256(bytes);
    const wrong = await app.inject({
      method: "PUT",
      url: `/api/v1/blobs/${sha256("other")}`,
      payload: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect([wrong.statusCode, wrong.json().code]).toEqual([400, "INVALID_ARGUMENT"]);
    const ok = await app.inject({
      method: "PUT",
      url: `/api/v1/blobs/${hash}`,
      payload: bytes,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(ok.json()).toEqual({ sha256: hash, size: bytes.length });
    const evil = await app.inject({
      method: "POST",
      url: `/api/v1/runs/${runId}/artifacts`,
      payload: { path: "../../x", sha256: hash, size: 13 },
    });
    expect([evil.statusCode, evil.json().code]).toEqual([400, "INVALID_NAME"]);
    const nul = await app.inject({
      method: "POST",
      url: `/api/v1/runs/${runId}/artifacts`,
      payload: { path: "a\u0000b", sha256: hash, size: 13 },
    });
    expect([nul.statusCode, nul.json().code]).toEqual([400, "INVALID_NAME"]);
    const rec = await app.inject({
      method: "POST",
      url: `/api/v1/runs/${runId}/artifacts`,
      payload: { path: "model/w.bin", sha256: hash, size: 13 },
    });
    expect(rec.statusCode).toBe(200);
    const down = await app.inject({
      method: "GET",
      url: `/api/v1/runs/${runId}/artifacts/file?path=model/w.bin`,
    });
    expect(down.rawPayload.equals(bytes)).toBe(true);
  });

  it("downsamples history for charts, keeping the spike", async () => {
    const r = await app.inject({
      method: "GET",
      url: `/api/v1/runs/${runId}/metrics/history?key=loss&maxPoints=200`,
    });
    const body = r.json() as { total: number; steps: number[]; values: number[] };
    expect(body.total).toBe(10_000);
    expect(body.steps.length).toBeLessThanOrEqual(200);
    expect(body.steps).toContain(4321);
    expect(Math.max(...body.values)).toBe(100);
    const zoom = await app.inject({
      method: "GET",
      url: `/api/v1/runs/${runId}/metrics/history?key=loss&minStep=4300&maxStep=4340&maxPoints=200`,
    });
    expect((zoom.json() as { steps: number[] }).steps).toEqual(
      Array.from({ length: 41 }, (_, i) => 4300 + i),
    );
    const bad = await app.inject({
      method: "GET",
      url: `/api/v1/runs/${runId}/metrics/history?key=loss&maxPoints=2`,
    });
    expect(bad.statusCode).toBe(400);
  });

  it("takes binary batches with NaN intact and applies a retried batch once", async () => {
    const frame = encodeBatch({
      idempotencyKey: "retry-me",
      metrics: [
        {
          key: "nan",
          steps: Float64Array.of(0, 1),
          timestamps: Float64Array.of(T0, T0),
          values: Float64Array.of(Number.NaN, Number.NEGATIVE_INFINITY),
        },
      ],
    });
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({
        method: "POST",
        url: `/api/v1/runs/${runId}/batch`,
        payload: frame,
        headers: { "content-type": "application/x-sextant-batch" },
      });
      expect(r.statusCode).toBe(200);
    }
    const h = await app.inject({ method: "GET", url: `/api/v1/runs/${runId}/metrics/history?key=nan` });
    expect(h.json()).toMatchObject({ total: 2, values: ["NaN", "-Infinity"] });
  });
});
