/**
 * The registry client's writes that a second delivery would apply twice (a fake server): after an
 * attempt lost with its connection, a registration or a rollback the lost attempt made is found
 * and answered, not made again; one it did not make is sent again.
 */
import { describe, expect, it } from "vitest";
import { HttpClient, MemoryArtifactStore } from "../store/index.js";
import { HttpRegistry } from "./http.js";

interface Route {
  /** Answers in turn (the last one repeats); "reset" drops the connection after the request is sent. */
  answers: Array<unknown | "reset">;
}

function fakeServer(routes: Record<string, Route>) {
  const calls: string[] = [];
  const fetchFake = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const call = `${init?.method ?? "GET"} ${url.pathname.replace("/api/v1", "")}`;
    calls.push(call);
    const route = routes[call];
    if (!route) throw new Error(`no route ${call}`);
    const answer = route.answers.length > 1 ? route.answers.shift() : route.answers[0];
    if (answer === "reset") {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      });
    }
    if (answer === 404)
      return Response.json({ code: "MODEL_NOT_FOUND", message: "no model", details: {} }, { status: 404 });
    return Response.json(answer);
  }) as typeof fetch;
  const registry = new HttpRegistry(
    new HttpClient("http://sx", { fetch: fetchFake, retryForMs: 10_000 }),
    new MemoryArtifactStore(),
  );
  return { registry, calls };
}

/** Whole answers, as the server sends them (the client parses every answer with its API shape). */
const version = (v: number, source: string) => ({
  name: "churn",
  version: v,
  source,
  runId: "r1",
  contentHash: "0".repeat(64),
  files: [],
  signature: null,
  datasets: [],
  creator: "ci",
  description: "",
  tags: {},
  createdTime: 1,
  updatedTime: 1,
  currentStage: "None",
  aliases: [],
});
const event = (id: number, action: string, undoes: number | null = null) => ({
  id,
  model: "churn",
  at: 1,
  actor: "ci",
  action,
  version: 1,
  fromStage: null,
  toStage: null,
  alias: null,
  previousVersion: null,
  reason: null,
  evidence: [],
  forced: false,
  displaced: [],
  undoes,
});

describe("HttpRegistry after a lost attempt", () => {
  it("answers the version a lost registration made, without registering again", async () => {
    const { registry, calls } = fakeServer({
      "GET /models/churn/versions": {
        answers: [
          { versions: [version(1, "runs:/r0/model")] },
          { versions: [version(2, "runs:/r1/model"), version(1, "runs:/r0/model")] },
        ],
      },
      "POST /models/register": { answers: ["reset"] },
    });
    const got = await registry.registerModel("runs:/r1/model/", "churn");
    expect(got).toMatchObject({ version: 2, source: "runs:/r1/model" });
    expect(calls).toEqual([
      "GET /models/churn/versions",
      "POST /models/register",
      "GET /models/churn/versions",
    ]);
  });

  it("registers again when the lost attempt made nothing (the model did not exist)", async () => {
    const { registry, calls } = fakeServer({
      "GET /models/churn/versions": { answers: [404] },
      "POST /models/register": { answers: ["reset", version(1, "runs:/r1/model")] },
    });
    expect(await registry.registerModel("runs:/r1/model", "churn")).toMatchObject({ version: 1 });
    expect(calls.filter((c) => c === "POST /models/register")).toHaveLength(2);
  });

  it("answers the rollback a lost attempt made, without rolling back a second step", async () => {
    const before = event(5, "transition");
    const made = event(7, "rollback", 5);
    const { registry, calls } = fakeServer({
      "GET /models/churn/history": { answers: [{ events: [before] }, { events: [made, before] }] },
      "POST /models/churn/rollback": { answers: ["reset"] },
    });
    expect(await registry.rollback("churn")).toEqual(made);
    expect(calls.filter((c) => c.startsWith("POST"))).toHaveLength(1);
  });
});
