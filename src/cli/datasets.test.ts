import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_DICTIONARY } from "../learn/index.js";
import { registerDatasetCommands } from "./datasets.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sx-datasets-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ out: string[]; err: string[]; error?: CommanderError }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("sextant").exitOverride().configureOutput({
    writeOut: (s) => out.push(s.trimEnd()),
    writeErr: (s) => err.push(s.trimEnd()),
  });
  registerDatasetCommands(program, { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, error: e };
    throw e;
  }
  return { out, err };
}

describe("sextant datasets tunekeep", () => {
  it("writes the CSV and the dictionary under --out, with progress on stderr", async () => {
    const r = await run(
      "datasets",
      "tunekeep",
      "--users",
      "600",
      "--months",
      "6",
      "--seed",
      "5",
      "--out",
      "tk",
    );
    expect(r.error).toBeUndefined();
    expect(r.err).toEqual([
      "tunekeep: month 1/6, 216 rows",
      "tunekeep: month 2/6, 468 rows",
      "tunekeep: month 3/6, 755 rows",
      "tunekeep: month 4/6, 1,081 rows",
      "tunekeep: month 5/6, 1,443 rows",
      "tunekeep: month 6/6, 1,839 rows",
    ]);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(
      new RegExp(
        `^wrote ${join(dir, "tk", "tunekeep.csv")} \\(1,839 rows, 600 users, churn rate [0-9.]+%\\) and `,
      ),
    );
    const csv = readFileSync(join(dir, "tk", "tunekeep.csv"), "utf8");
    expect(csv.split("\n")[0]).toMatch(/^user_id,snapshot_date,segment,tenure_days,days_since_listen,/);
    expect(csv.trimEnd().split("\n")).toHaveLength(1840);
    expect(readFileSync(join(dir, "tk", "data-dictionary.md"), "utf8")).toBe(DATA_DICTIONARY);
  });

  it("prints a JSON summary with --json", async () => {
    const r = await run("datasets", "tunekeep", "--users", "300", "--months", "2", "--out", "j", "--json");
    const j = JSON.parse(r.out.join("\n")) as Record<string, unknown>;
    expect(j).toMatchObject({ rows: expect.any(Number), users: 300, months: 2, seed: 42 });
    expect(j.csv).toBe(join(dir, "j", "tunekeep.csv"));
  });

  it("refuses a non-integer size and a missing --out", async () => {
    const bad = await run("datasets", "tunekeep", "--users", "many", "--out", "x");
    expect(bad.error?.code).toBe("commander.invalidArgument");
    expect(bad.err.join("\n")).toContain("expected an integer");
    const noOut = await run("datasets", "tunekeep");
    expect(noOut.error?.code).toBe("commander.missingMandatoryOptionValue");
    expect(existsSync(join(dir, "x"))).toBe(false);
  });
});
