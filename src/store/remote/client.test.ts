/**
 * The transport over several servers (a fake fetch): which failures move on to the next server,
 * which do not, backoff rounds until retryForMs, and the `settled` check of writes that a second
 * delivery would apply twice.
 */
import { describe, expect, it } from "vitest";
import { SextantError } from "../../core/index.js";
import { HttpClient, reachable, serverUrls } from "./client.js";

type Behaviour = "ok" | "refused" | "reset" | 502 | 503 | 504 | 400;

/** undici's shape: TypeError("fetch failed") with the socket's error as its cause. */
function fetchFailed(code: string): TypeError {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
}

/** A fetch over named servers: each answers with the next behaviour of its script (the last one repeats). */
function servers(script: Record<string, Behaviour[]>) {
  const calls: string[] = [];
  const fetchFake = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push(`${init?.method ?? "GET"} ${url.host}${url.pathname}`);
    const steps = script[url.host]!;
    const step = steps.length > 1 ? steps.shift()! : steps[0]!;
    if (step === "refused") throw fetchFailed("ECONNREFUSED");
    if (step === "reset") throw fetchFailed("UND_ERR_SOCKET");
    if (step === "ok") return Response.json({ from: url.host });
    const code = step === 400 ? "INVALID_ARGUMENT" : "STORE_UNAVAILABLE";
    return Response.json({ code, message: `${url.host} says ${step}`, details: {} }, { status: step });
  }) as typeof fetch;
  return { fetch: fetchFake, calls };
}

describe("serverUrls", () => {
  it("reads one server or several, comma-separated, trimmed, without trailing slashes or repeats", () => {
    expect(serverUrls("http://a:5000/")).toEqual(["http://a:5000"]);
    expect(serverUrls(" http://a:5000, https://b:5001/ ,http://a:5000")).toEqual([
      "http://a:5000",
      "https://b:5001",
    ]);
    expect(serverUrls("http://a,")).toEqual(["http://a"]);
  });

  it("refuses an entry that is not an http(s) server URL", () => {
    for (const bad of ["http://a:5000,postgres://db/x", ",", "http://", "a:5000"]) {
      expect(() => serverUrls(bad)).toThrow(expect.objectContaining({ code: "UNSUPPORTED_URI" }));
    }
  });
});

describe("HttpClient over several servers", () => {
  it("moves on from a server that refuses connections, and stays on the one that answers", async () => {
    const s = servers({ a: ["refused"], b: ["ok"] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 0 });
    expect(client.baseUrl).toBe("http://a");
    expect(await client.request("/x")).toEqual({ from: "b" });
    expect(await client.request("/y")).toEqual({ from: "b" });
    expect(client.baseUrl).toBe("http://b");
    expect(s.calls).toEqual(["GET a/api/v1/x", "GET b/api/v1/x", "GET b/api/v1/y"]);
  });

  for (const failure of ["reset", 502, 503, 504] as const) {
    it(`moves on after ${failure === "reset" ? "a reset connection" : `HTTP ${failure}`}`, async () => {
      const s = servers({ a: [failure], b: ["ok"] });
      const client = new HttpClient(["http://a", "http://b"], { fetch: s.fetch, retryForMs: 0 });
      expect(await client.request("/x", { method: "POST", json: {} })).toEqual({ from: "b" });
      expect(s.calls).toEqual(["POST a/api/v1/x", "POST b/api/v1/x"]);
    });
  }

  it("answers a refusal at once: a typed 4xx is the answer, not a failure of the server", async () => {
    const s = servers({ a: [400], b: ["ok"] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 10_000 });
    await expect(client.request("/x")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(s.calls).toEqual(["GET a/api/v1/x"]);
    expect(client.baseUrl).toBe("http://a");
  });

  it("goes round the servers with backoff until retryForMs, then STORE_UNAVAILABLE naming each", async () => {
    const s = servers({ a: ["refused"], b: ["reset"] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 400 });
    const e = (await client.request("/x").catch((err: unknown) => err)) as SextantError;
    expect(e).toBeInstanceOf(SextantError);
    expect(e.code).toBe("STORE_UNAVAILABLE");
    expect(e.message).toContain("http://a: fetch failed");
    expect(e.message).toContain("http://b: fetch failed");
    expect(e.details).toMatchObject({ url: "http://a,http://b", attempts: s.calls.length });
    // at least two rounds, each server asked in turn
    expect(s.calls.length).toBeGreaterThanOrEqual(4);
    expect(s.calls).toEqual(s.calls.map((_, i) => `GET ${i % 2 === 0 ? "a" : "b"}/api/v1/x`));
  });

  it("keeps the server's typed answer when every server answers 503", async () => {
    const s = servers({ a: [503], b: [503] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 0 });
    await expect(client.request("/x")).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: "b says 503",
    });
    expect(s.calls).toEqual(["GET a/api/v1/x", "GET b/api/v1/x"]);
  });

  it("one server, retryForMs 0: one attempt", async () => {
    const s = servers({ a: ["refused"] });
    const client = new HttpClient("http://a", { fetch: s.fetch, retryForMs: 0 });
    await expect(client.request("/x")).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      details: { attempts: 1 },
    });
    expect(s.calls).toHaveLength(1);
  });

  it("asks `settled` after a failure that may have reached the server, and does not send again when it took effect", async () => {
    const s = servers({ a: ["reset"], b: ["ok"] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 0 });
    let asked = 0;
    const got = await client.request<{ from: string }>("/make", {
      method: "POST",
      json: {},
      settled: async () => {
        asked++;
        return { value: { from: "the lost attempt" } };
      },
    });
    expect(got).toEqual({ from: "the lost attempt" });
    expect(asked).toBe(1);
    expect(s.calls).toEqual(["POST a/api/v1/make"]);
  });

  it("sends again when `settled` finds nothing, and does not ask after a connection never made", async () => {
    const s = servers({ a: ["reset", "refused"], b: ["refused", "ok"] });
    const client = new HttpClient("http://a,http://b", { fetch: s.fetch, retryForMs: 5000 });
    let asked = 0;
    const got = await client.request("/make", {
      method: "POST",
      json: {},
      settled: async () => {
        asked++;
        return null;
      },
    });
    expect(got).toEqual({ from: "b" });
    // a: reset (asked), b: refused (not asked), a: refused (not asked), b: ok
    expect(asked).toBe(1);
    expect(s.calls).toEqual([
      "POST a/api/v1/make",
      "POST b/api/v1/make",
      "POST a/api/v1/make",
      "POST b/api/v1/make",
    ]);
  });

  it("a request that fails on a server another request has already left goes where that one went", async () => {
    const s = servers({ a: ["refused"], b: ["ok"], c: ["ok"] });
    const client = new HttpClient("http://a,http://b,http://c", { fetch: s.fetch, retryForMs: 0 });
    const [x, y] = await Promise.all([client.request("/x"), client.request("/y")]);
    expect([x, y]).toEqual([{ from: "b" }, { from: "b" }]);
    expect(s.calls.filter((c) => c.startsWith("GET c"))).toEqual([]);
  });
});

describe("reachable", () => {
  it("is true when any of the servers answers /health", async () => {
    const health = (up: string[]) =>
      (async (input: string | URL | Request) => {
        const url = new URL(String(input));
        if (!up.includes(url.host)) throw fetchFailed("ECONNREFUSED");
        return new Response("ok");
      }) as typeof fetch;
    expect(await reachable("http://a,http://b", { fetch: health(["b"]) })).toBe(true);
    expect(await reachable("http://a,http://b", { fetch: health([]) })).toBe(false);
  });
});
