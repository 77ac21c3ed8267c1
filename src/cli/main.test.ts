import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/index.js";
import { Sextant } from "../tracking/index.js";
import { runCli } from "./main.js";

const T0 = Date.UTC(2026, 10, 1, 9, 30, 0);
const CSV = "a,b,label\n1,2.5,true\n3,,false\n";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let dir: string;
let uri: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sx-cli-"));
  uri = join(dir, "store");
  const clock = new ManualClock(T0);
  const sx = await Sextant.open({ uri, clock, capture: false });
  await sx.setExperiment("tunekeeper-churn");
  for (const [name, model, depth, f1, seed] of [
    ["rf_v1", "rf", 8, 0.71, 1],
    ["rf_v2", "rf", 12, 0.74, 2],
    ["gb_v1", "gbdt", 6, 0.78, 3],
  ] as const) {
    clock.advance(60_000);
    await sx.withRun({ name, seed }, async (run) => {
      ids[name] = run.id;
      await run.logParams({ model, max_depth: depth, feature_set: "v2" });
      for (let s = 0; s < 3; s++) run.logMetrics({ f1: f1 - (2 - s) * 0.01, loss: 1 / (s + 1) }, { step: s });
      clock.advance(90_500);
    });
  }
  await sx.setExperiment("empty");
  await sx.close();
  writeFileSync(join(dir, "train.csv"), CSV);
});
afterAll(() => {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe("sextant CLI", () => {
  it("searches experiments with the filter grammar", async () => {
    const names = async (...args: string[]) =>
      (
        JSON.parse((await cli("--uri", uri, "experiments", "list", "--json", ...args)).out) as Array<{
          name: string;
        }>
      ).map((e) => e.name);
    expect(await names("--filter", "name LIKE 'tune%' OR name = 'empty'", "--order-by", "name DESC")).toEqual(
      ["tunekeeper-churn", "empty"],
    );
    expect(await names("--order-by", "name ASC")).toEqual(["Default", "empty", "tunekeeper-churn"]);
    const bad = await cli("--uri", uri, "experiments", "list", "--filter", "params.x = 'y'");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("INVALID_FILTER");
  });

  it("lists experiments with run counts", async () => {
    const r = await cli("--uri", uri, "experiments", "list");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/tunekeeper-churn\s+│\s+3\s+│\s+2026-11-01 09:36:01Z/);
    const j = JSON.parse((await cli("--uri", uri, "experiments", "list", "--json")).out) as Array<{
      name: string;
      runCount: number;
    }>;
    expect(j.map((e) => [e.name, e.runCount])).toEqual([
      ["Default", 0],
      ["tunekeeper-churn", 3],
      ["empty", 0],
    ]);
  });

  it("lists runs with a filter and an order", async () => {
    const r = await cli(
      "--uri",
      uri,
      "runs",
      "list",
      "--experiment",
      "tunekeeper-churn",
      "--filter",
      "metrics.f1 > 0.7 and params.model = 'rf'",
      "--order-by",
      "metrics.f1 DESC",
      "--json",
    );
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { runs: Array<{ info: { runName: string } }>; nextPageToken: null };
    expect(res.runs.map((x) => x.info.runName)).toEqual(["rf_v2", "rf_v1"]);
    const human = await cli("--uri", uri, "runs", "list", "-e", "tunekeeper-churn", "-o", "metrics.f1 ASC");
    expect(human.out).toMatch(/rf_v1[\s\S]*rf_v2[\s\S]*gb_v1/);
    expect(human.out).toContain("1m31s");
    expect(human.out).toContain("3 run(s)");
  });

  it("pages with --max-results and --page-token", async () => {
    const p1 = JSON.parse((await cli("--uri", uri, "runs", "list", "-n", "2", "--json")).out) as {
      runs: unknown[];
      nextPageToken: string;
    };
    expect(p1.runs).toHaveLength(2);
    const p2 = JSON.parse(
      (await cli("--uri", uri, "runs", "list", "-n", "2", "--page-token", p1.nextPageToken, "--json")).out,
    ) as {
      runs: unknown[];
      nextPageToken: string | null;
    };
    expect(p2.runs).toHaveLength(1);
    expect(p2.nextPageToken).toBeNull();
  });

  it("reports a malformed filter with its code and position, exit code 1", async () => {
    const r = await cli("--uri", uri, "runs", "list", "--filter", "metrics.f1 >> 1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error \[INVALID_FILTER\]: invalid filter at position 11/);
  });

  it("shows one run", async () => {
    const r = await cli("--uri", uri, "runs", "show", ids.gb_v1!);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/name\s+gb_v1/);
    expect(r.out).toMatch(/status\s+FINISHED/);
    expect(r.out).toMatch(/seed\s+3/);
    expect(r.out).toMatch(/max_depth\s+6/);
    expect(r.out).toMatch(/f1\s+│\s+0\.78\s+│\s+2\s+│\s+0\.76\s+│\s+0\.78\s+│\s+3/);
    const j = JSON.parse((await cli("--uri", uri, "runs", "show", ids.gb_v1!, "--json")).out) as {
      info: { runId: string };
    };
    expect(j.info.runId).toBe(ids.gb_v1);
    const missing = await cli("--uri", uri, "runs", "show", "0".repeat(32));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("error [RUN_NOT_FOUND]");
  });

  it("compares runs side by side and marks the differences", async () => {
    const r = await cli("--uri", uri, "runs", "compare", ids.rf_v1!, ids.rf_v2!);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/│\s+\*\s+│\s+params\.max_depth\s+│\s+8\s+│\s+12\s+│/);
    expect(r.out).toMatch(/│\s+│\s+params\.feature_set\s+│\s+v2\s+│\s+v2\s+│/);
    expect(r.out).toContain("2 of 5 rows differ");
    const j = JSON.parse(
      (await cli("--uri", uri, "runs", "compare", ids.rf_v1!, ids.gb_v1!, "--json")).out,
    ) as {
      rows: Array<{ key: string; values: string[]; differs: boolean }>;
    };
    expect(j.rows.find((x) => x.key === "params.model")).toEqual({
      key: "params.model",
      values: ["rf", "gbdt"],
      differs: true,
    });
    expect((await cli("--uri", uri, "runs", "compare", ids.rf_v1!)).code).toBe(1);
  });

  it("prints a metric's history", async () => {
    const j = JSON.parse(
      (await cli("--uri", uri, "runs", "history", ids.rf_v1!, "loss", "--json")).out,
    ) as Array<{ step: number; value: number }>;
    expect(j.map((p) => [p.step, p.value])).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ]);
    const h = await cli("--uri", uri, "runs", "history", ids.rf_v1!, "loss");
    expect(h.out).toContain("0.333333");
    expect(h.out).toContain("3 point(s)");
  });

  it("hashes a data file", async () => {
    const j = JSON.parse((await cli("data", "hash", "train.csv", "--json")).out) as Record<string, unknown>;
    expect(j).toMatchObject({
      digest: createHash("sha256").update(CSV).digest("hex"),
      rows: 2,
      columns: 3,
      format: "csv",
    });
    const h = await cli("data", "hash", "train.csv");
    expect(h.out).toMatch(/schema\s+a:integer, b:double, label:boolean/);
    const missing = await cli("data", "hash", "nope.csv");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("FILE_NOT_FOUND");
  });

  it("answers --help and unknown commands without throwing", async () => {
    const h = await cli("--help");
    expect(h.code).toBe(0);
    expect(h.out).toContain("experiments");
    expect((await cli("frobnicate")).code).toBe(1);
  });

  it("prints the package version for --version and -V, and help with a non-zero exit for no arguments", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      name: string;
      version: string;
    };
    expect(pkg.name).toBe("sextant-ml");
    for (const flag of ["--version", "-V"]) {
      const v = await cli(flag);
      expect(v.code).toBe(0);
      expect(v.out.trim()).toBe(pkg.version);
    }
    const none = await cli();
    expect(none.code).toBe(1);
    expect(none.err).toContain("Usage: sextant");
    expect(none.err).toContain("models");
  });
});
