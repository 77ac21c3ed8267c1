/**
 * The SDK against a real `sextant server` process: same code as embedded, auth, offline spooling
 * with `sextant sync`, and a server killed with SIGKILL in the middle of an ingest.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { Sextant } from "../../src/index.js";

const run = promisify(execFile);
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Starts `sextant server` and resolves with its URL once it listens. */
function startServer(
  store: string,
  args: string[] = [],
  port = 0,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [cli, "server", "--store", store, "--port", String(port), "--log-level", "warn", ...args],
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

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on("exit", (code) => resolve(code));
  });
}

describe("SDK over a sextant server", () => {
  it("runs the same tracking code against the server as embedded", async () => {
    const dir = scratch("sx-srv-");
    const { child, url } = await startServer(join(dir, "store"));
    const sx = await Sextant.open({ uri: url, capture: false, cwd: dir });
    await sx.setExperiment("tunekeeper-churn");
    const id = await sx.withRun({ name: "rf_v1", seed: 7 }, async (r) => {
      await r.logParams({ n_estimators: 200, model: "rf" });
      for (let s = 0; s < 1000; s++) r.logMetrics({ loss: 1 / (s + 1), f1: s / 1000 }, { step: s });
      r.logMetric("nan_metric", Number.NaN);
      await r.setTags({ team: "retention" });
      await r.logJson({ trees: 200 }, "model/config.json");
      return r.id;
    });
    const got = await sx.getRun(id);
    expect(got.info).toMatchObject({ runName: "rf_v1", status: "FINISHED", seed: 7 });
    expect(got.data.params).toEqual({ n_estimators: "200", model: "rf" });
    expect(got.data.metrics.nan_metric).toBeNaN();
    expect(got.data.metrics.f1).toBe(0.999);
    const h = await sx.getMetricHistoryColumns(id, "loss");
    expect(h.values.length).toBe(1000);
    expect(h.values[999]).toBe(1 / 1000);
    const found = await sx.searchRuns({
      filter: "metrics.f1 > 0.5 and params.model = 'rf'",
      orderBy: ["metrics.f1 DESC"],
    });
    expect(found.runs.map((r) => r.info.runId)).toEqual([id]);
    expect(JSON.parse((await sx.readArtifact(id, "model/config.json")).toString())).toEqual({ trees: 200 });
    await sx.close();
    child.kill("SIGTERM");
    expect(await stopped(child)).toBe(0);
  });

  it("checks API tokens by scope", async () => {
    const dir = scratch("sx-auth-");
    const store = join(dir, "store");
    const make = async (scope: string) =>
      (
        await run(process.execPath, [
          cli,
          "--uri",
          store,
          "tokens",
          "create",
          "--scope",
          scope,
          "--name",
          `${scope}-bot`,
        ])
      ).stdout.trim();
    const [readToken, writeToken] = [await make("read"), await make("write")];
    expect(writeToken).toMatch(/^sxt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const { child, url } = await startServer(store, ["--auth"]);
    await expect(
      Sextant.open({ uri: url, mode: "online", capture: false }).then((s) => s.setExperiment("x")),
    ).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    const writer = await Sextant.open({ uri: url, mode: "online", token: writeToken, capture: false });
    await writer.setExperiment("secured");
    const runId = await writer.withRun({ name: "w" }, async (r) => {
      await r.logParams({ a: 1 });
      return r.id;
    });
    expect((await writer.getRun(runId)).info.userId).toBe(userInfo().username);
    await expect(
      writer.store.runs.setExperimentLifecycle(
        (await writer.getExperimentByName("secured")).experimentId,
        "deleted",
        0,
      ),
    ).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
    });
    await writer.close();
    const reader = await Sextant.open({ uri: url, mode: "online", token: readToken, capture: false });
    expect((await reader.getRun(runId)).data.params).toEqual({ a: "1" });
    await expect(reader.setExperiment("new-one")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await reader.close();
    const list = JSON.parse(
      (await run(process.execPath, [cli, "--uri", store, "tokens", "list", "--json"])).stdout,
    ) as Array<Record<string, unknown>>;
    expect(list.map((t) => [t.name, t.scope])).toEqual([
      ["read-bot", "read"],
      ["write-bot", "write"],
    ]);
    expect(list[0]).not.toHaveProperty("secretSha256");
    child.kill("SIGTERM");
    await stopped(child);
  });

  it("on SIGTERM finishes the writes in flight before it exits", async () => {
    const dir = scratch("sx-graceful-");
    const store = join(dir, "store");
    const server = await startServer(store);
    const api = `${server.url}/api/v1`;
    const post = (path: string, body: unknown) =>
      fetch(`${api}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const { runId } = (await (await post("/runs", { experimentId: "0", startTime: Date.now() })).json()) as {
      runId: string;
    };
    const steps = Array.from({ length: 2000 }, (_, i) => i);
    let signalled = false;
    const sends = Array.from({ length: 30 }, (_, b) =>
      post(`/runs/${runId}/batch`, {
        idempotencyKey: `b${b}`,
        metrics: [{ key: `k${b}`, steps, timestamps: steps.map(() => 1), values: steps }],
      }).then(
        (r) => {
          // the first answer means the rest are on their way in: stop the server now
          if (!signalled) {
            signalled = true;
            server.child.kill("SIGTERM");
          }
          return r.status;
        },
        () => 0,
      ),
    );
    const statuses = await Promise.all(sends);
    expect(await stopped(server.child)).toBe(0);
    const again = await startServer(store);
    const sx = await Sextant.open({ uri: again.url, mode: "online", capture: false });
    const run = await sx.getRun(runId);
    const stored = new Set(run.metricSummaries.map((m) => m.key));
    statuses.forEach((status, b) => {
      // every acknowledged batch is stored, whole
      if (status === 200) expect(stored.has(`k${b}`)).toBe(true);
    });
    for (const m of run.metricSummaries) expect(m.count).toBe(2000);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThan(0);
    await sx.close();
    again.child.kill("SIGTERM");
    await stopped(again.child);
  });

  it("refuses to serve beyond loopback without auth", async () => {
    const dir = scratch("sx-bind-");
    const res = await run(process.execPath, [
      cli,
      "server",
      "--store",
      join(dir, "s"),
      "--host",
      "0.0.0.0",
      "--port",
      "0",
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(res).toMatchObject({ code: 1 });
    expect((res as { stderr: string }).stderr).toContain("without authentication");
  });

  it("spools while the server is unreachable and `sextant sync` delivers exactly once", async () => {
    const dir = scratch("sx-offline-");
    const store = join(dir, "store");
    const spool = join(dir, "spool");
    const warnings: string[] = [];
    // nobody listens on this port yet
    const probe = await startServer(store);
    const port = new URL(probe.url).port;
    probe.child.kill("SIGTERM");
    await stopped(probe.child);
    const sx = await Sextant.open({
      uri: probe.url,
      spoolDir: spool,
      capture: false,
      cwd: dir,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings.join()).toMatch(/unreachable; writes are spooled/);
    await sx.setExperiment("offline-exp");
    const id = await sx.withRun({ name: "on-a-plane" }, async (r) => {
      await r.logParams({ lr: 0.1 });
      for (let s = 0; s < 500; s++) r.logMetric("loss", 1 / (s + 1), { step: s });
      await r.flush();
      for (let s = 500; s < 800; s++) r.logMetric("loss", 1 / (s + 1), { step: s });
      await r.logText("offline notes", "notes.txt");
      return r.id;
    });
    await sx.close();
    expect(readdirSync(spool).some((f) => f.endsWith(".jsonl"))).toBe(true);

    const { child, url } = await startServer(store, [], Number(port));
    const env = { ...process.env, SEXTANT_TRACKING_URI: url };
    const first = JSON.parse(
      (await run(process.execPath, [cli, "sync", "--spool", spool, "--json"], { env })).stdout,
    ) as { applied: number };
    expect(first.applied).toBeGreaterThan(4);
    const again = await run(process.execPath, [cli, "sync", "--spool", spool], { env });
    expect(again.stdout).toContain("nothing to sync");
    const check = await Sextant.open({ uri: url, mode: "online", capture: false });
    const got = await check.getRun(id);
    expect(got.info).toMatchObject({ runName: "on-a-plane", status: "FINISHED" });
    expect((await check.getExperimentByName("offline-exp")).experimentId).toBe(got.info.experimentId);
    expect(got.data.params).toEqual({ lr: "0.1" });
    const loss = await check.getMetricHistoryColumns(id, "loss");
    expect(Array.from(loss.steps)).toEqual(Array.from({ length: 800 }, (_, s) => s));
    expect((await check.readArtifact(id, "notes.txt")).toString()).toBe("offline notes");
    await check.close();
    child.kill("SIGTERM");
    await stopped(child);
  });

  it("a run whose server dies mid-way finishes in the spool, and sync completes it", async () => {
    const dir = scratch("sx-failover-");
    const store = join(dir, "store");
    const spool = join(dir, "spool");
    const server = await startServer(store);
    const warnings: string[] = [];
    const sx = await Sextant.open({
      uri: server.url,
      spoolDir: spool,
      retryForMs: 300,
      capture: false,
      onWarning: (m) => warnings.push(m),
    });
    await sx.setExperiment("flaky");
    const r = await sx.startRun({ name: "half-online" });
    await r.logParams({ depth: 6 });
    for (let s = 0; s < 100; s++) r.logMetric("acc", s / 100, { step: s });
    await r.flush();
    server.child.kill("SIGKILL");
    await stopped(server.child);
    for (let s = 100; s < 200; s++) r.logMetric("acc", s / 100, { step: s });
    await r.setTags({ phase: "offline" });
    await r.end();
    await sx.close();
    expect(warnings.join()).toMatch(/spooled/);
    const again = await startServer(store);
    const env = { ...process.env, SEXTANT_TRACKING_URI: again.url };
    await run(process.execPath, [cli, "sync", "--spool", spool], { env });
    const check = await Sextant.open({ uri: again.url, mode: "online", capture: false });
    const got = await check.getRun(r.id);
    expect(got.info.status).toBe("FINISHED");
    expect(got.data.tags).toEqual({ phase: "offline" });
    expect(got.data.params).toEqual({ depth: "6" });
    expect(Array.from((await check.getMetricHistoryColumns(r.id, "acc")).steps)).toEqual(
      Array.from({ length: 200 }, (_, s) => s),
    );
    await check.close();
    again.child.kill("SIGTERM");
    await stopped(again.child);
  });

  it("after a kill -9 of the server, acknowledged batches are stored and the rest arrive once", async () => {
    const dir = scratch("sx-srvkill-");
    const store = join(dir, "store");
    let server = await startServer(store);
    const port = Number(new URL(server.url).port);
    const sx = await Sextant.open({
      uri: server.url,
      mode: "online",
      capture: false,
      flushIntervalMs: 60_000,
      flushPoints: 1e9,
    });
    const r = await sx.startRun({ name: "survivor" });
    for (let s = 0; s < 3000; s++) r.logMetric("m", s, { step: s });
    await r.flush(); // acknowledged
    server.child.kill("SIGKILL");
    await stopped(server.child);
    for (let s = 3000; s < 6000; s++) r.logMetric("m", s, { step: s });
    const pending = r.flush(); // retried with backoff until the server is back
    await new Promise((res) => setTimeout(res, 700));
    server = await startServer(store, [], port);
    await pending;
    await r.end();
    const got = await sx.getMetricHistoryColumns(r.id, "m");
    expect(Array.from(got.values)).toEqual(Array.from({ length: 6000 }, (_, s) => s));
    await sx.close();
    server.child.kill("SIGTERM");
    await stopped(server.child);
  });
});
