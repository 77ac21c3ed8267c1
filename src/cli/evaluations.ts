/**
 * `sextant evaluations …`: stored evaluation records. `show ID` prints one (metrics with
 * intervals, the baseline comparison, segments, backtest windows); `list [--run ID]` lists them;
 * `gate ID --policy …` checks a promotion policy against one (exit code 1 when it fails).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Command, CommanderError } from "commander";
import { SextantError } from "../core/index.js";
import type { Evaluation } from "../evaluate/index.js";
import { evaluateGate, type GatePolicy } from "../evaluate/index.js";
import type { Sextant } from "../tracking/index.js";
import { formatNumber, formatTime, keyValues, table, toJson } from "./format.js";
import type { CliIO } from "./main.js";

type WithClient = <T>(fn: (sx: Sextant) => Promise<T>) => Promise<T>;

export function registerEvaluationCommands(program: Command, io: CliIO, withClient: WithClient): void {
  const evaluations = program
    .command("evaluations")
    .description("evaluation records (metrics with intervals, segments, backtests)");
  evaluations
    .command("show <evaluationId>")
    .description("one evaluation: metrics with confidence intervals, baseline comparison, segments, backtest")
    .option("--json", "machine-readable output")
    .action(async (id: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const e = await sx.getEvaluation(id);
        io.out(o.json ? toJson(e) : renderEvaluation(e));
      });
    });
  evaluations
    .command("gate <evaluationId>")
    .description(
      'check a promotion policy against an evaluation, e.g. --policy \'{"metric":"f1","mustBeat":"baseline","minSegment":{"free":0.5}}\'; exit code 1 when it fails',
    )
    .requiredOption("--policy <json|file>", "the policy as JSON, or a JSON file")
    .option("--json", "machine-readable output")
    .action(async (id: string, o: { policy: string; json?: boolean }) => {
      const policy = await readPolicy(o.policy, io.cwd ?? process.cwd());
      await withClient(async (sx) => {
        const result = evaluateGate(policy, await sx.getEvaluation(id));
        if (o.json) io.out(toJson(result));
        else {
          io.out(
            [
              `${result.pass ? "PASS" : "FAIL"}: ${policy.metric} gate on evaluation ${id}`,
              ...result.reasons.map((r) => `  ${r.ok ? "ok  " : "FAIL"}  ${r.condition}: ${r.detail}`),
            ].join("\n"),
          );
        }
        // a failed gate is an answer, not an error: exit code 1 with the reasons already printed
        if (!result.pass) throw new CommanderError(1, "sextant.gateFailed", "");
      });
    });
  evaluations
    .command("list")
    .description("evaluations, newest first")
    .option("--run <runId>", "only this run's")
    .option("--json", "machine-readable output")
    .action(async (o: { run?: string; json?: boolean }) => {
      await withClient(async (sx) => {
        const list = await sx.listEvaluations({ runId: o.run });
        if (o.json) return io.out(toJson(list));
        if (list.length === 0) return io.out("no evaluations");
        io.out(
          table(
            ["id", "name", "run", "created", "rows", "metrics"],
            list.map((e) => [
              e.evaluationId,
              e.name,
              e.runId ?? "",
              formatTime(e.createdTime),
              String(e.rows),
              e.metrics.map((m) => `${m.name}=${formatNumber(m.value)}`).join(" "),
            ]),
          ),
        );
      });
    });
}

async function readPolicy(arg: string, cwd: string): Promise<GatePolicy> {
  let text = arg.trim();
  if (!text.startsWith("{")) {
    try {
      text = await readFile(resolve(cwd, arg), "utf8");
    } catch {
      throw new SextantError("FILE_NOT_FOUND", `--policy is neither JSON nor a readable file: '${arg}'`, {
        path: arg,
      });
    }
  }
  try {
    const p = JSON.parse(text) as unknown;
    if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("not an object");
    return p as GatePolicy;
  } catch (e) {
    throw new SextantError("INVALID_ARGUMENT", `--policy is not a JSON object: ${(e as Error).message}`);
  }
}

function ci(v: [number, number] | null): string {
  return v === null ? "" : `[${formatNumber(round(v[0]))}, ${formatNumber(round(v[1]))}]`;
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(4));
}

/** The human form of `sextant evaluations show`. */
export function renderEvaluation(e: Evaluation): string {
  const level = `${Math.round(e.bootstrap.ci * 100)}% CI`;
  const parts: string[] = [];
  parts.push(
    keyValues([
      ["evaluation", e.evaluationId],
      ["name", e.name],
      ["run", e.runId ?? "(none)"],
      ["created", formatTime(e.createdTime)],
      ["rows", `${e.rows} (${e.positives} positive, label ${e.label ?? "?"}, threshold ${e.threshold})`],
      [
        "split",
        e.split === null
          ? "(none)"
          : e.split.kind === "temporal"
            ? `temporal on ${e.split.timeColumn} at ${e.split.cutoff}: train ${e.split.trainRows} rows, test ${e.split.testRows} rows`
            : `random, testSize ${e.split.testSize}, seed ${e.split.seed}${e.split.stratify ? `, stratified on ${e.split.stratify}` : ""}`,
      ],
      ...e.datasets.map((d): [string, string] => [
        `${d.role} data`,
        `sha256 ${d.digest} (${d.rows} × ${d.columns})`,
      ]),
      ...e.leakage.map((l): [string, string] => [`leakage ${l.severity}`, `${l.code}: ${l.message}`]),
    ]),
  );
  parts.push(
    `\nmetrics (bootstrap ${level}, ${e.bootstrap.nBoot} resamples)\n${table(
      ["metric", "value", level],
      e.metrics.map((m) => [m.name, formatNumber(round(m.value)), ci(m.ci)]),
    )}`,
  );
  if (e.baseline) {
    parts.push(
      `\nvs baseline "${e.baseline.name}" (paired bootstrap; difference = model − baseline)\n${table(
        ["metric", "model", "baseline", "difference", level, "p-value", "resamples"],
        e.comparisons.map((c) => [
          c.metric,
          formatNumber(round(c.model)),
          formatNumber(round(c.baseline)),
          formatNumber(round(c.meanDiff)),
          ci(c.ci),
          // no resample had the model not better: the p-value is below the resolution 1 / nBoot
          c.pValue === 0 ? `< ${formatNumber(round(1 / c.nBoot))}` : formatNumber(round(c.pValue)),
          String(c.nBoot),
        ]),
      )}`,
    );
  }
  if (e.segments) {
    const s = e.segments;
    parts.push(
      `\nby ${s.column ?? "segment"}\n${table(
        ["segment", "rows", "positives", ...s.metrics],
        [...s.segments, { ...s.overall, segment: "(all)" }].map((r) => [
          r.segment ?? "(missing)",
          String(r.rows),
          String(r.positives),
          ...s.metrics.map((m) => formatNumber(round(r.metrics[m] ?? null))),
        ]),
      )}`,
    );
  }
  if (e.backtest) {
    const b = e.backtest;
    parts.push(
      `\nbacktest (${b.mode} windows on ${b.timeColumn})\n${table(
        ["window", "train", "test period", "train rows", "test rows", ...b.metrics],
        b.windows.map((w) => [
          String(w.index),
          `${w.trainStart.slice(0, 10)} … ${w.trainEnd.slice(0, 10)}`,
          w.testPeriod.slice(0, 10),
          String(w.trainRows),
          String(w.testRows),
          ...b.metrics.map((m) => formatNumber(round(w.metrics[m] ?? null))),
        ]),
      )}\n${table(
        ["metric", "mean", "std", "min", "max", "trend/period"],
        b.metrics.map((m) => {
          const s = b.summary[m];
          return s
            ? [m, ...[s.mean, s.std, s.min, s.max, s.trend].map((v) => formatNumber(round(v)))]
            : [m, "", "", "", "", ""];
        }),
      )}`,
    );
  }
  return parts.join("\n");
}
