/**
 * `sextant datasets …`: built-in datasets. `tunekeep` writes the synthetic churn snapshots of the
 * walkthrough as CSV, with their data dictionary.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { writeTuneKeep } from "../learn/index.js";
import { toJson } from "./format.js";
import type { CliIO } from "./main.js";

interface TuneKeepCliOptions {
  users: number;
  months: number;
  seed: number;
  start: string;
  out: string;
  json?: boolean;
}

export function registerDatasetCommands(program: Command, io: CliIO): void {
  const datasets = program.command("datasets").description("built-in datasets");
  datasets
    .command("tunekeep")
    .description(
      "generate TuneKeep, the synthetic churn data: one row per active subscriber per month; writes DIR/tunekeep.csv and DIR/data-dictionary.md",
    )
    .option("--users <n>", "distinct users over the whole period", integer, 50_000)
    .option("--months <n>", "monthly snapshots", integer, 18)
    .option("--seed <n>", "random seed (the same seed gives the same file)", integer, 42)
    .option("--start <date>", "first snapshot date, YYYY-MM-01", "2024-01-01")
    .requiredOption("--out <dir>", "directory to write into (created when missing)")
    .option("--json", "machine-readable summary")
    .action(async (o: TuneKeepCliOptions) => {
      const dir = resolve(io.cwd ?? process.cwd(), o.out);
      const started = performance.now();
      const every = Math.max(1, Math.ceil(o.months / 6));
      const result = await writeTuneKeep(dir, {
        users: o.users,
        months: o.months,
        seed: o.seed,
        start: o.start,
        onProgress: (month, months, rows) => {
          if (month % every === 0 || month === months) {
            io.err(`tunekeep: month ${month}/${months}, ${rows.toLocaleString("en-US")} rows`);
          }
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        csv: result.csv,
        dictionary: result.dictionary,
        rows: result.rows,
        users: result.users,
        months: o.months,
        seed: o.seed,
        churnRate: Math.round(result.churnRate * 10_000) / 10_000,
        bytes: result.bytes,
        seconds: Math.round(seconds * 100) / 100,
      };
      if (o.json) return io.out(toJson(summary));
      io.out(
        `wrote ${result.csv} (${result.rows.toLocaleString("en-US")} rows, ${result.users.toLocaleString("en-US")} users, ` +
          `churn rate ${(result.churnRate * 100).toFixed(1)}%) and ${result.dictionary} in ${seconds.toFixed(1)} s`,
      );
    });
}

function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("expected an integer");
  }
  return n;
}
