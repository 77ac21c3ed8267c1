import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/index.js";
import { RuleClassifier } from "../learn/index.js";
import { Sextant } from "../tracking/index.js";
import { runCli } from "./main.js";

const T0 = Date.UTC(2026, 10, 1, 9, 30, 0);
// the CLI acts as the OS user
const ME = userInfo().username;
let dir: string;
let uri: string;
let runId: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["--uri", uri, ...argv], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    cwd: dir,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sx-cli-models-"));
  uri = join(dir, "store");
  const sx = await Sextant.open({ uri, clock: new ManualClock(T0), capture: false, userId: "dana" });
  const rule = await new RuleClassifier({ feature: "days", threshold: 14, direction: ">=" }).fit({
    X: [[3], [20], [15], [1]],
    y: [0, 1, 1, 0],
    featureNames: ["days"],
  });
  runId = await sx.withRun({ name: "rule-14d" }, async (run) => {
    await run.logModel(rule);
    return run.id;
  });
  await sx.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sextant models", () => {
  it("registers, promotes, aliases, lists, shows and prints the trail", async () => {
    expect((await cli("models", "register", `runs:/${runId}/model`, "churn")).out).toMatch(
      /^registered churn version 1 \(content [0-9a-f]{12}…\) from runs:\//,
    );
    await cli("models", "register", `runs:/${runId}/model`, "churn");
    expect((await cli("models", "promote", "churn/1", "Production", "--reason", "first")).out).toBe(
      "churn version 1 is now in Production",
    );
    const p2 = await cli(
      "models",
      "promote",
      "churn/2",
      "production",
      "--archive-existing",
      "--reason",
      "newer",
    );
    expect(p2.code).toBe(0);
    expect((await cli("models", "alias", "churn", "champion", "2")).out).toBe("churn@champion → version 2");

    const list = await cli("models", "list");
    expect(list.out).toMatch(/churn\s+│\s+v2\s+│\s+-\s+│\s+2\s+│\s+@champion=v2/);
    const versions = JSON.parse((await cli("models", "versions", "churn", "--json")).out) as Array<{
      version: number;
      currentStage: string;
    }>;
    expect(versions.map((v) => [v.version, v.currentStage])).toEqual([
      [2, "Production"],
      [1, "Archived"],
    ]);
    const show = await cli("models", "show", "churn");
    expect(show.out).toMatch(/policy\s+none/);
    expect(show.out).toMatch(/aliases\s+@champion=v2/);

    const history = await cli("models", "history", "churn");
    expect(history.code).toBe(0);
    expect(history.out).toMatch(new RegExp(`v2 None → Production; v1 Production → Archived by ${ME}`));
    expect(history.out).toMatch(/newer/);
    expect(history.out).toMatch(new RegExp(`@champion → v2 by ${ME}`));

    const rb = await cli("models", "rollback", "churn", "--reason", "regression");
    expect(rb.out).toMatch(
      new RegExp(`rollback v2 Production → None \\(undoes #\\d+\\); v1 Archived → Production by ${ME}`),
    );
    const lineage = await cli("models", "lineage", "churn/1");
    expect(lineage.out).toMatch(new RegExp(`run\\s+${runId} \\(rule-14d, FINISHED\\)`));
    expect(lineage.out).toMatch(/version\s+churn\/1 \(Production\)/);
  });

  it("sets a policy from a file and explains a refused promotion", async () => {
    await cli("models", "register", `runs:/${runId}/model`, "gated");
    writeFileSync(
      join(dir, "policy.json"),
      JSON.stringify({ Staging: { evaluation: { metric: "f1", minValue: 0.7 } } }),
    );
    expect((await cli("models", "policy", "gated", "policy.json")).out).toBe(
      "policy of gated is now revision 1",
    );
    const refused = await cli("models", "promote", "gated/1", "Staging");
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/refused: version 1 of gated does not meet the Staging policy:/);
    expect(refused.err).toMatch(/✗ evaluation gate on f1: no evaluation is recorded/);
    expect(refused.err).toMatch(/error \[POLICY_NOT_MET\]/);
    const forced = await cli("models", "promote", "gated/1", "Staging", "--force", "--reason", "hotfix");
    expect(forced.code).toBe(0);
    expect((await cli("models", "history", "gated")).out).toMatch(
      new RegExp(`v1 None → Staging by ${ME} \\(FORCED\\)`),
    );
    expect((await cli("models", "promote", "gated", "Staging")).err).toMatch(/INVALID_ARGUMENT/);
    expect((await cli("models", "show", "nope")).err).toMatch(/error \[MODEL_NOT_FOUND\]/);
    // names are taken as they are, quotes included
    await cli("models", "register", `runs:/${runId}/model`, "dana's model");
    const quoted = JSON.parse((await cli("models", "versions", "dana's model", "--json")).out) as Array<{
      name: string;
    }>;
    expect(quoted.map((v) => v.name)).toEqual(["dana's model"]);
    expect((await cli("models", "versions", "nope")).err).toMatch(/error \[MODEL_NOT_FOUND\]/);
  });
});
