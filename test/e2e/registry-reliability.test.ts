/**
 * The registry under concurrency and failure:
 * - two clients promoting different versions of one model at the same moment end with exactly
 *   one Production version when they archive existing ones, and with both promotions audited in
 *   order when they do not — through two servers on one store (SQLite: two `sextant server`
 *   processes; PostgreSQL: two servers with their own connection pools), and directly against
 *   the store (SQLite: two processes; PostgreSQL: two connection pools);
 * - a registration whose model upload failed, or whose bytes are gone, leaves no version behind,
 *   through the MLflow and the native REST API of a running server.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/index.js";
import { Sextant } from "../../src/index.js";
import { startServer } from "../../src/server/index.js";
import type { AuditEvent, Stage } from "../../src/store/index.js";
import { PostgresStore } from "../../src/store/index.js";

const PG_URL = process.env.SEXTANT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");
/** Rounds of two racing promotions with archiveExisting. */
const ROUNDS = 6;

const dirs: string[] = [];
const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const f of cleanups) await f();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function pgSchemaUri(): string {
  const uri = `${PG_URL}?schema=sx_test_${randomBytes(6).toString("hex")}`;
  cleanups.push(async () => {
    const s = await PostgresStore.open(uri);
    await s.dropSchema();
    await s.close();
  });
  return uri;
}

// ------------------------------------------------------------------ the trail's invariants

/**
 * Replays the trail from the registration of each version: every transition and rollback moves
 * its version and its displaced ones. Checks that each event starts from the state the events
 * before it left (so the trail is in the order the changes happened), that an archiving
 * promotion displaced exactly the versions then in its stage, and returns the final stages.
 */
function replay(events: readonly AuditEvent[]): Map<number, Stage> {
  const stages = new Map<number, Stage>();
  let lastId = -1;
  for (const e of events) {
    expect(e.id).toBeGreaterThan(lastId);
    lastId = e.id;
    if (e.action === "create_version") stages.set(e.version!, "None");
    if (e.action !== "transition" && e.action !== "rollback") continue;
    expect(stages.get(e.version!)).toBe(e.fromStage);
    for (const d of e.displaced) expect(stages.get(d.version)).toBe(d.fromStage);
    stages.set(e.version!, e.toStage!);
    for (const d of e.displaced) stages.set(d.version, d.toStage);
  }
  return stages;
}

/** The versions the trail says are in Production after each event, for archiving promotions: at most one. */
function productionCounts(events: readonly AuditEvent[]): number[] {
  const counts: number[] = [];
  const stages = new Map<number, Stage>();
  for (const e of events) {
    if (e.action === "create_version") stages.set(e.version!, "None");
    if (e.action !== "transition") continue;
    stages.set(e.version!, e.toStage!);
    for (const d of e.displaced) stages.set(d.version, d.toStage);
    counts.push([...stages.values()].filter((s) => s === "Production").length);
  }
  return counts;
}

/**
 * What the two racing clients' outcomes must add up to: after archiving rounds one Production
 * version (the later of each pair), after the last round without archiving three (the previous
 * winner and both new ones), and a trail that replays to the stored stages.
 */
function checkOutcome(events: AuditEvent[], actual: Map<number, Stage>, rounds: number) {
  const moves = events.filter((e) => e.action === "transition");
  expect(moves).toHaveLength(2 * rounds + 2);
  expect(replay(events)).toEqual(actual);
  const counts = productionCounts(events);
  expect(counts.slice(0, 2 * rounds)).toEqual(Array.from({ length: 2 * rounds }, () => 1));
  expect(counts.slice(2 * rounds)).toEqual([2, 3]);
  for (let r = 0; r < rounds; r++) {
    // in each round both promotions happened, one after the other; the second archived the first
    const [first, second] = [moves[2 * r]!, moves[2 * r + 1]!];
    expect([first.version!, second.version!].sort((x, y) => x - y)).toEqual([2 * r + 1, 2 * r + 2]);
    expect(second.displaced).toEqual([
      { version: first.version, fromStage: "Production", toStage: "Archived" },
    ]);
    if (r > 0)
      expect(first.displaced).toEqual([
        { version: moves[2 * r - 1]!.version, fromStage: "Production", toStage: "Archived" },
      ]);
  }
  const last = moves.slice(2 * rounds);
  expect(last.map((e) => e.displaced)).toEqual([[], []]);
  expect(last.map((e) => e.version!).sort((x, y) => x - y)).toEqual([2 * rounds + 1, 2 * rounds + 2]);
  const production = [...actual].filter(([, s]) => s === "Production").map(([v]) => v);
  expect(production.sort((a, b) => a - b)).toEqual([
    moves[2 * rounds - 1]!.version,
    2 * rounds + 1,
    2 * rounds + 2,
  ]);
}

// ------------------------------------------------------------------ REST helpers

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function upload(base: string, exp: string, runId: string, path: string, body: string) {
  const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${path}`, {
    method: "PUT",
    body,
    headers: { "content-type": "application/octet-stream" },
  });
  expect(res.status).toBe(200);
}

/** A run with a model under `model/`, registered `count` times as `name` through the native API. */
async function seedOverRest(base: string, name: string, count: number): Promise<string> {
  const exp = (await call(base, "POST", "/api/2.0/mlflow/experiments/create", { name: `e-${name}` })).json
    .experiment_id as string;
  const run = (await call(base, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp })).json as {
    run: { info: { run_id: string } };
  };
  const runId = run.run.info.run_id;
  await upload(base, exp, runId, "model/model.json", '{"weights":[1,2,3]}');
  for (let i = 1; i <= count; i++) {
    const r = await call(base, "POST", "/api/v1/models/register", { source: `runs:/${runId}/model`, name });
    expect(r.json).toMatchObject({ version: i });
  }
  return runId;
}

/**
 * Client A promotes through MLflow's endpoint on server `a`, client B through the native one on
 * server `b`, both sent at once.
 */
async function racePromotions(a: string, b: string, name: string, va: number, vb: number, archive: boolean) {
  const [ra, rb] = await Promise.all([
    call(a, "POST", "/api/2.0/mlflow/model-versions/transition-stage", {
      name,
      version: String(va),
      stage: "Production",
      archive_existing_versions: archive,
    }),
    call(b, "POST", `/api/v1/models/${encodeURIComponent(name)}/versions/${vb}/stage`, {
      stage: "Production",
      archiveExisting: archive,
      reason: "client B",
    }),
  ]);
  expect([ra.status, rb.status]).toEqual([200, 200]);
}

async function stagesOverRest(base: string, name: string): Promise<Map<number, Stage>> {
  const r = await call(
    base,
    "GET",
    `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name = '${name}'`)}`,
  );
  const out = new Map<number, Stage>();
  for (const v of (r.json.model_versions ?? []) as Array<{ version: string; current_stage: Stage }>)
    out.set(Number(v.version), v.current_stage);
  return out;
}

async function raceOverRest(a: string, b: string) {
  const name = "tunekeeper-churn-predictor";
  await seedOverRest(a, name, 2 * ROUNDS + 2);
  for (let r = 0; r < ROUNDS; r++) {
    await racePromotions(a, b, name, 2 * r + 1, 2 * r + 2, true);
    const stages = await stagesOverRest(b, name);
    expect([...stages.values()].filter((s) => s === "Production")).toHaveLength(1);
    expect([stages.get(2 * r + 1), stages.get(2 * r + 2)].sort()).toEqual(["Archived", "Production"]);
  }
  await racePromotions(a, b, name, 2 * ROUNDS + 1, 2 * ROUNDS + 2, false);
  const history = await call(a, "GET", `/api/v1/models/${name}/history`);
  expect(history.status).toBe(200);
  checkOutcome(history.json.events as AuditEvent[], await stagesOverRest(a, name), ROUNDS);
}

function spawnServer(store: string, args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [cli, "server", "--store", store, "--port", "0", "--log-level", "warn", ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /Sextant server on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe("two clients promoting at the same moment through the server", () => {
  it("SQLite: two server processes on one store", async () => {
    const store = join(scratch("sx-reg-race-"), "store");
    const a = await spawnServer(store);
    const b = await spawnServer(store);
    await raceOverRest(a.url, b.url);
    await Promise.all([stop(a.child), stop(b.child)]);
  }, 120_000);

  it("PostgreSQL: two servers, each with its own connection pool", async () => {
    const uri = pgSchemaUri();
    const artifactsUri = scratch("sx-reg-race-pg-");
    const a = await startServer({ storeUri: uri, artifactsUri, port: 0, logLevel: false });
    const b = await startServer({ storeUri: uri, artifactsUri, port: 0, logLevel: false });
    try {
      await raceOverRest(a.url, b.url);
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});

// ------------------------------------------------------------------ directly against the store

async function seedDirect(sx: Sextant, name: string, count: number) {
  await sx.setExperiment("race");
  const runId = await sx.withRun({ name: "m" }, async (run) => {
    await run.logJson({ weights: [1, 2, 3] }, "model/model.json");
    return run.id;
  });
  for (let i = 0; i < count; i++) await sx.registerModel(`runs:/${runId}/model`, name);
}

type Promote = (version: number, archive: boolean) => Promise<{ ok: boolean; code?: string }>;

async function raceDirect(a: Promote, b: Promote) {
  for (let r = 0; r < ROUNDS; r++) {
    const out = await Promise.all([a(2 * r + 1, true), b(2 * r + 2, true)]);
    expect(out.map((o) => o.ok)).toEqual([true, true]);
  }
  const out = await Promise.all([a(2 * ROUNDS + 1, false), b(2 * ROUNDS + 2, false)]);
  expect(out.map((o) => o.ok)).toEqual([true, true]);
}

async function verifyDirect(sx: Sextant, name: string) {
  const events = await sx.getModelHistory(name);
  const stages = new Map(
    (await sx.searchModelVersions({ filter: `name = '${name}'` })).versions.map((v) => [
      v.version,
      v.currentStage,
    ]),
  );
  checkOutcome(events, stages, ROUNDS);
  // each client is named in the trail, with the reason it gave
  const moves = events.filter((e) => e.action === "transition");
  expect(new Set(moves.map((e) => e.actor))).toEqual(new Set(["client-a", "client-b"]));
  for (const e of moves) expect(e.reason).toBe(`${e.actor} promotes v${e.version}`);
}

/** One promoter process: a line in, one JSON line out. */
function promoterProcess(
  uri: string,
  user: string,
): { ready: Promise<void>; promote: Promote; child: ChildProcess } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "test", "e2e", "fixtures", "promoter.ts"), uri, user],
    {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      child.once("exit", (code) => reject(new Error(`promoter exited (${code}): ${err}`)));
    });
  const ready = next().then((l) => {
    expect(l).toBe("ready");
  });
  const promote: Promote = async (version, archive) => {
    const got = next();
    child.stdin!.write(
      `${JSON.stringify({ name: "m", version, stage: "Production", archiveExisting: archive })}\n`,
    );
    return JSON.parse(await got) as { ok: boolean; code?: string };
  };
  return { ready, promote, child };
}

describe("two clients promoting at the same moment directly against the store", () => {
  it("SQLite: two processes on one embedded store", async () => {
    const uri = join(scratch("sx-reg-direct-"), "store");
    const seed = await Sextant.open({ uri, capture: false });
    await seedDirect(seed, "m", 2 * ROUNDS + 2);
    await seed.close();
    const a = promoterProcess(uri, "client-a");
    const b = promoterProcess(uri, "client-b");
    await Promise.all([a.ready, b.ready]);
    await raceDirect(a.promote, b.promote);
    a.child.stdin!.end();
    b.child.stdin!.end();
    await Promise.all([stop(a.child), stop(b.child)]);
    const sx = await Sextant.open({ uri, capture: false });
    await verifyDirect(sx, "m");
    await sx.close();
  }, 120_000);

  it("PostgreSQL: two clients, each with its own connection pool", async () => {
    const uri = pgSchemaUri();
    const artifactsUri = scratch("sx-reg-direct-pg-");
    const a = await Sextant.open({ uri, artifactsUri, capture: false, userId: "client-a" });
    const b = await Sextant.open({ uri, artifactsUri, capture: false, userId: "client-b" });
    try {
      await seedDirect(a, "m", 2 * ROUNDS + 2);
      const promote =
        (sx: Sextant, user: string): Promote =>
        async (version, archive) => {
          await sx.transitionStage("m", version, "Production", {
            archiveExisting: archive,
            reason: `${user} promotes v${version}`,
          });
          return { ok: true };
        };
      await raceDirect(promote(a, "client-a"), promote(b, "client-b"));
      await verifyDirect(a, "m");
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});

// ------------------------------------------------------------------ failed uploads

/** Starts an upload of `size` bytes, sends part of it, and drops the connection. */
function abortedUpload(base: string, path: string, size: number): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "PUT",
      headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    });
    req.on("error", () => resolve());
    req.on("response", (res) => {
      res.resume();
      resolve();
    });
    req.write(Buffer.alloc(Math.floor(size / 4), 7), () => {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
  });
}

describe("a registration whose model upload failed leaves no version behind", () => {
  it("through the MLflow and native APIs of a running server", async () => {
    const dir = scratch("sx-reg-upload-");
    const store = join(dir, "store");
    const server = await spawnServer(store);
    const base = server.url;
    const exp = (await call(base, "POST", "/api/2.0/mlflow/experiments/create", { name: "e" })).json
      .experiment_id as string;
    const runId = (
      (await call(base, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp })).json as {
        run: { info: { run_id: string; artifact_uri: string } };
      }
    ).run.info.run_id;

    // the model's upload breaks off half way: nothing of it is recorded
    await abortedUpload(base, `${exp}/${runId}/artifacts/model/model.pkl`, 1 << 20);
    const listed = await call(base, "GET", `/api/2.0/mlflow/artifacts/list?run_id=${runId}`);
    expect(listed.json.files).toBeUndefined();

    // mlflow.register_model: the registered model is made, the version is refused
    expect(
      (await call(base, "POST", "/api/2.0/mlflow/registered-models/create", { name: "churn" })).status,
    ).toBe(200);
    const mlflowTry = await call(base, "POST", "/api/2.0/mlflow/model-versions/create", {
      name: "churn",
      source: `mlflow-artifacts:/${exp}/${runId}/artifacts/model`,
      run_id: runId,
    });
    expect(mlflowTry).toMatchObject({
      status: 404,
      json: { error_code: "RESOURCE_DOES_NOT_EXIST", code: "ARTIFACT_NOT_FOUND" },
    });
    const nativeTry = await call(base, "POST", "/api/v1/models/register", {
      source: `runs:/${runId}/model`,
      name: "fraud",
    });
    expect(nativeTry).toMatchObject({ status: 404, json: { code: "ARTIFACT_NOT_FOUND" } });
    expect((await call(base, "GET", "/api/2.0/mlflow/model-versions/search")).json).toEqual({});
    expect((await call(base, "GET", "/api/2.0/mlflow/registered-models/get?name=fraud")).status).toBe(404);

    // an upload whose bytes are lost after it was recorded is refused too
    await upload(base, exp, runId, "model/model.pkl", "pickled weights");
    unlinkSync(
      join(
        store,
        "artifacts",
        "sha256",
        sha256("pickled weights").slice(0, 2),
        sha256("pickled weights").slice(2, 4),
        sha256("pickled weights"),
      ),
    );
    const lost = await call(base, "POST", "/api/v1/models/register", {
      source: `runs:/${runId}/model`,
      name: "churn",
    });
    expect(lost).toMatchObject({ status: 404, json: { code: "ARTIFACT_NOT_FOUND" } });
    expect((await call(base, "GET", "/api/2.0/mlflow/model-versions/search")).json).toEqual({});

    // once the bytes are there, the same request registers version 1
    await upload(base, exp, runId, "model/model.pkl", "pickled weights");
    const ok = await call(base, "POST", "/api/2.0/mlflow/model-versions/create", {
      name: "churn",
      source: `mlflow-artifacts:/${exp}/${runId}/artifacts/model`,
      run_id: runId,
    });
    expect(ok).toMatchObject({ status: 200, json: { model_version: { version: "1", status: "READY" } } });
    const trail = (await call(base, "GET", "/api/v1/models/churn/history")).json.events as AuditEvent[];
    expect(trail.map((e) => e.action)).toEqual(["create_model", "create_version"]);
    await stop(server.child);
  }, 120_000);
});

describe("promote tokens from the CLI", () => {
  it("`sextant tokens create --scope promote` makes a token that may promote but not force or set policies", async () => {
    const store = join(scratch("sx-reg-token-"), "store");
    const make = async (scope: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        cli,
        "--uri",
        store,
        "tokens",
        "create",
        "--scope",
        scope,
        "--name",
        `${scope}-bot`,
        "--json",
      ]);
      return JSON.parse(stdout) as { token: string; id: string; scope: string };
    };
    const promoter = await make("promote");
    const writer = await make("write");
    expect(promoter.scope).toBe("promote");
    const server = await spawnServer(store, ["--auth"]);
    const as = (t: { token: string }) => async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${t.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const w = as(writer);
    const p = as(promoter);
    const exp = (await w("POST", "/api/2.0/mlflow/experiments/create", { name: "e" })).json
      .experiment_id as string;
    const runId = (
      (await w("POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp })).json as {
        run: { info: { run_id: string } };
      }
    ).run.info.run_id;
    const put = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/model/model.json`,
      {
        method: "PUT",
        body: "{}",
        headers: { authorization: `Bearer ${writer.token}`, "content-type": "application/octet-stream" },
      },
    );
    expect(put.status).toBe(200);
    expect(
      (await w("POST", "/api/v1/models/register", { source: `runs:/${runId}/model`, name: "m" })).status,
    ).toBe(200);
    expect((await w("POST", "/api/v1/models/m/versions/1/stage", { stage: "Staging" })).status).toBe(403);
    expect((await p("POST", "/api/v1/models/m/versions/1/stage", { stage: "Staging" })).status).toBe(200);
    expect(
      (await p("POST", "/api/v1/models/m/versions/1/stage", { stage: "Production", force: true })).status,
    ).toBe(403);
    expect((await p("PUT", "/api/v1/models/m/policy", { policy: {} })).status).toBe(403);
    const trail = (await p("GET", "/api/v1/models/m/history")).json.events as AuditEvent[];
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ["create_model", `write-bot (token ${writer.id})`],
      ["create_version", `write-bot (token ${writer.id})`],
      ["transition", `promote-bot (token ${promoter.id})`],
    ]);
    await stop(server.child);
  }, 120_000);
});
