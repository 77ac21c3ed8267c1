/**
 * Team mode through the server alone: a `sextant server --auth` process over a store, and every
 * capability from a laptop that holds only the server's URL and a token — the CLI with
 * `--uri http://…` (tokens, models, studies, evaluations, experiments) and the SDK (registry,
 * studies, evaluations) — with the scopes enforced on the new routes: `read` cannot ask a trial,
 * `write` cannot promote, `promote` cannot set a policy, only `admin` manages tokens.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogisticRegression, Table } from "../../src/learn/index.js";
import { Sextant } from "../../src/tracking/index.js";

const exec = promisify(execFile);
const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "sx-team-cli-"));
const store = join(dir, "store");
let server: ChildProcess | null = null;
let url = "";
const tokens: Record<"read" | "write" | "promote" | "admin", string> = {
  read: "",
  write: "",
  promote: "",
  admin: "",
};

/** Runs the CLI against the server with a token; resolves with exit code and output. */
async function sx(token: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SEXTANT_TRACKING_TOKEN: token };
  delete env.SEXTANT_TRACKING_URI;
  try {
    const r = await exec(process.execPath, [cli, "--uri", url, ...args], {
      cwd: dir,
      env,
      maxBuffer: 16 << 20,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

beforeAll(async () => {
  // the first admin token is made on the server's own store, as an operator does
  const made = await exec(process.execPath, [
    cli,
    "--uri",
    store,
    "tokens",
    "create",
    "--scope",
    "admin",
    "--name",
    "ops",
  ]);
  tokens.admin = made.stdout.trim();
  server = spawn(
    process.execPath,
    [cli, "server", "--store", store, "--port", "0", "--auth", "--log-level", "warn"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let err = "";
    server!.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /Sextant server on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    server!.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  // the other tokens are made through the server by the admin
  for (const scope of ["read", "write", "promote"] as const) {
    const r = await sx(
      tokens.admin,
      "tokens",
      "create",
      "--scope",
      scope,
      "--name",
      `${scope}-bot`,
      "--json",
    );
    expect(r.code).toBe(0);
    tokens[scope] = (JSON.parse(r.out) as { token: string }).token;
  }
}, 60_000);

afterAll(() => {
  if (server?.pid !== undefined && server.exitCode === null) {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const n = 120;
const x0 = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 101);
const x1 = Float64Array.from({ length: n }, (_, i) => ((i * 53) % 97) / 97);
const y = Float64Array.from({ length: n }, (_, i) =>
  x0[i]! + x1[i]! + (((i * 7) % 11) - 5) / 20 > 1 ? 1 : 0,
);
const table = new Table([
  ["x0", { type: "number", values: x0 }],
  ["x1", { type: "number", values: x1 }],
  ["y", { type: "number", values: y }],
]);

describe("team mode through the server", () => {
  it("manages tokens over HTTP, for admins only", async () => {
    const list = await sx(tokens.admin, "tokens", "list", "--json");
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.out) as Array<{ name: string; scope: string; secretSha256?: string }>;
    expect(listed.map((t) => [t.name, t.scope])).toEqual([
      ["ops", "admin"],
      ["read-bot", "read"],
      ["write-bot", "write"],
      ["promote-bot", "promote"],
    ]);
    expect(listed.every((t) => t.secretSha256 === undefined)).toBe(true);
    const denied = await sx(tokens.promote, "tokens", "list");
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(
      /error \[PERMISSION_DENIED\]: this needs a token with 'admin' scope; 'promote-bot' has 'promote'/,
    );
    // a revoked token stops working (servers cache a token for at most 5 s: a fresh token shows it at once)
    const extra = JSON.parse(
      (await sx(tokens.admin, "tokens", "create", "--scope", "read", "--name", "tmp", "--json")).out,
    ) as {
      id: string;
      token: string;
    };
    expect((await sx(tokens.admin, "tokens", "revoke", extra.id)).code).toBe(0);
    const after = await sx(extra.token, "experiments", "list");
    expect(after.code).toBe(1);
    expect(after.err).toContain("UNAUTHENTICATED");
    expect((await sx(tokens.admin, "tokens", "revoke", "00000000000000ff")).err).toContain("TOKEN_NOT_FOUND");
  });

  it("runs the registry from the CLI and the SDK, with scopes and policies checked on the server", async () => {
    const writer = await Sextant.open({ uri: url, mode: "online", token: tokens.write, capture: false });
    await writer.setExperiment("churn");
    const model = await new LogisticRegression().fit({ X: table.pick("x0", "x1"), y });
    const runId = await writer.withRun({ name: "lr" }, async (run) => {
      await run.logModel(model, "model");
      return run.id;
    });
    await writer.evaluate({
      runId,
      name: "holdout",
      model,
      data: table,
      label: "y",
      metrics: ["roc_auc"],
      baseline: { name: "x0", predictions: x0 },
      nBoot: 200,
      compareBoot: 500,
      seed: 1,
    });
    await writer.close();

    const reg = await sx(tokens.write, "models", "register", `runs:/${runId}/model`, "churn");
    expect(reg.code).toBe(0);
    expect((await sx(tokens.read, "models", "register", `runs:/${runId}/model`, "churn")).err).toContain(
      "PERMISSION_DENIED",
    );
    // write cannot promote; promote cannot set a policy
    const notPromote = await sx(tokens.write, "models", "promote", "churn/1", "Staging");
    expect(notPromote.code).toBe(1);
    expect(notPromote.err).toMatch(/this needs a token with 'promote' scope; 'write-bot' has 'write'/);
    const policyFile = join(dir, "policy.json");
    writeFileSync(
      policyFile,
      JSON.stringify({ Staging: { evaluation: { metric: "roc_auc", minValue: 0.99 } } }),
    );
    const notAdmin = await sx(tokens.promote, "models", "policy", "churn", policyFile);
    expect(notAdmin.err).toMatch(/this needs a token with 'admin' scope; 'promote-bot' has 'promote'/);
    expect((await sx(tokens.admin, "models", "policy", "churn", policyFile)).code).toBe(0);
    // the policy is checked on the server: the run's evaluation does not reach 0.99
    const refused = await sx(tokens.promote, "models", "promote", "churn/1", "Staging");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("POLICY_NOT_MET");
    const forcedByPromote = await sx(tokens.promote, "models", "promote", "churn/1", "Staging", "--force");
    expect(forcedByPromote.err).toContain("PERMISSION_DENIED");
    writeFileSync(
      policyFile,
      JSON.stringify({ Staging: { evaluation: { metric: "roc_auc", minValue: 0.6 } } }),
    );
    expect((await sx(tokens.admin, "models", "policy", "churn", policyFile)).code).toBe(0);
    const promoted = await sx(
      tokens.promote,
      "models",
      "promote",
      "churn/1",
      "Staging",
      "--reason",
      "beats x0",
    );
    expect([promoted.code, promoted.err]).toEqual([0, expect.any(String)]);
    expect((await sx(tokens.promote, "models", "alias", "churn", "champion", "1")).code).toBe(0);

    const list = JSON.parse((await sx(tokens.read, "models", "list", "--json")).out) as Array<{
      name: string;
      aliases: Record<string, number>;
    }>;
    expect(list.map((m) => [m.name, m.aliases])).toEqual([["churn", { champion: 1 }]]);
    const history = (await sx(tokens.read, "models", "history", "churn")).out;
    expect(history).toMatch(/promote-bot \(token [0-9a-f]{16}\)/);
    expect(history).toContain("beats x0");
    const lineage = (await sx(tokens.read, "models", "lineage", "churn/1")).out;
    expect(lineage).toContain(runId);
    // the same registry from the SDK, over HTTP, loads the model verified by hash
    const reader = await Sextant.open({ uri: url, mode: "online", token: tokens.read, capture: false });
    const loaded = await reader.loadModel("models:/churn@champion");
    expect(Array.from(loaded.predictProba(table.pick("x0", "x1")))).toEqual(
      Array.from(model.predictProba(table.pick("x0", "x1"))),
    );
    const found = await reader.searchModelVersions({
      filter: "name = 'churn' AND current_stage = 'Staging'",
    });
    expect(found.versions.map((v) => v.version)).toEqual([1]);
    const evals = JSON.parse(
      (await sx(tokens.read, "evaluations", "list", "--run", runId, "--json")).out,
    ) as Array<{
      name: string;
    }>;
    expect(evals.map((e) => e.name)).toEqual(["holdout"]);
    await reader.close();
    const rolled = await sx(tokens.promote, "models", "rollback", "churn", "--stage", "Staging");
    expect(rolled.code).toBe(0);
  });

  it("runs a study from workers that hold only the server's URL, and refuses a read token", async () => {
    const writer = await Sextant.open({ uri: url, mode: "online", token: tokens.write, capture: false });
    await writer.setExperiment("tuning");
    const study = await writer.createStudy({ name: "tiny", direction: "minimize" });
    await study.optimize((t) => (t.suggestFloat("x", -3, 3) - 1) ** 2, { nTrials: 12 });
    expect(study.trials.filter((t) => t.state === "COMPLETE")).toHaveLength(12);
    await writer.close();

    const show = await sx(tokens.read, "studies", "show", "tiny", "--json");
    expect([show.code, show.err]).toEqual([0, ""]);
    const shown = JSON.parse(show.out) as { study: { counts: Record<string, number> } };
    expect(shown.study.counts.COMPLETE).toBe(12);
    const listed = (await sx(tokens.read, "studies", "list")).out;
    expect(listed).toMatch(/tiny/);

    const reader = await Sextant.open({ uri: url, mode: "online", token: tokens.read, capture: false });
    const loaded = await reader.loadStudy({ name: "tiny" });
    expect(loaded.trials).toHaveLength(12);
    await expect(loaded.ask()).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await expect(reader.deleteStudy("tiny")).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await reader.close();
    // deleting a study takes an admin
    expect((await sx(tokens.write, "studies", "delete", "tiny")).err).toContain("PERMISSION_DENIED");
    expect((await sx(tokens.admin, "studies", "delete", "tiny")).code).toBe(0);
    expect((await sx(tokens.read, "studies", "show", "tiny")).err).toContain("STUDY_NOT_FOUND");
  });

  it("searches experiments with the grammar through the server", async () => {
    const r = await sx(
      tokens.read,
      "experiments",
      "list",
      "--filter",
      "name = 'churn' OR name = 'tuning'",
      "--json",
    );
    expect((JSON.parse(r.out) as Array<{ name: string }>).map((e) => e.name).sort()).toEqual([
      "churn",
      "tuning",
    ]);
  });
});
