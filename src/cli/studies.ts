/**
 * `sextant studies …`: hyperparameter-optimization studies in the store. `list`, `show NAME`,
 * `delete NAME`, and `worker`, which runs a script's objective on a study — in this process, in
 * K worker threads of it (`--threads K`), or in K child processes sharing the store
 * (`--processes K`, `study.optimize(script, { processes })`), so CPU-bound objectives use every core.
 * Several workers, on one machine or many, share a study through a SQLite file, PostgreSQL or a
 * server.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { SextantError } from "../core/index.js";
import type { OptimizeProgress, ProcessesSummary } from "../hpo/index.js";
import { externalParams, loadWorkerScript, paretoFrontTrials, studyReport } from "../hpo/index.js";
import type { FrozenTrial, StudyStorage, TrialState } from "../store/index.js";
import { Sextant } from "../tracking/index.js";
import { formatDuration, formatNumber, formatTime, keyValues, table, toJson } from "./format.js";
import type { CliIO } from "./main.js";

const STATES: readonly TrialState[] = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];
const STATE_LABELS: Record<TrialState, string> = {
  COMPLETE: "complete",
  PRUNED: "pruned",
  FAIL: "failed",
  RUNNING: "running",
  WAITING: "waiting",
};

interface WorkerOptions {
  study: string;
  script: string;
  nTrials?: number;
  timeout?: number;
  processes: number;
  concurrency: number;
  threads?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  json?: boolean;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function studiesOf(sx: Sextant): StudyStorage {
  return sx.store.studies;
}

function fmtValues(vs: number[] | null): string {
  return vs === null ? "" : vs.map((v) => formatNumber(v)).join(", ");
}

function fmtParams(t: FrozenTrial): string {
  return Object.entries(externalParams(t))
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : String(v)}`)
    .join(" ");
}

export function registerStudyCommands(program: Command, io: CliIO): void {
  const storeUri = (): string | undefined =>
    program.opts<{ uri?: string }>().uri ?? (io.env ?? process.env).SEXTANT_TRACKING_URI;
  const withClient = async <T>(fn: (sx: Sextant) => Promise<T>): Promise<T> => {
    const sx = await Sextant.open({
      uri: storeUri(),
      // a study lives on the server: there is nothing to spool it to
      mode: "online",
      cwd: io.cwd,
      capture: false,
      onWarning: (m) => io.err(m),
    });
    try {
      return await fn(sx);
    } finally {
      await sx.close();
    }
  };

  const studies = program.command("studies").description("hyperparameter-optimization studies");

  studies
    .command("list")
    .description("studies with their directions and trial counts by state")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const list = await sx.listStudies();
        if (o.json) return io.out(toJson(list));
        io.out(
          table(
            ["id", "name", "directions", "created", ...STATES.map((s) => STATE_LABELS[s])],
            list.map((s) => [
              s.studyId,
              s.name,
              s.directions.join(","),
              formatTime(s.createdTime),
              ...STATES.map((st) => String(s.trialCounts[st])),
            ]),
          ),
        );
        io.out(`${list.length} stud${list.length === 1 ? "y" : "ies"}`);
      });
    });

  studies
    .command("show <name>")
    .description(
      "one study: trial counts, best trial (or Pareto front) and its params, parameter importances",
    )
    .option("--json", "machine-readable output (the full study report)")
    .action(async (name: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const storage = studiesOf(sx);
        const summary = await storage.getStudyByName(name);
        if (summary === null) throw new SextantError("STUDY_NOT_FOUND", `no study named '${name}'`, { name });
        const { trials } = await storage.getTrials(summary.studyId);
        const report = studyReport(summary, trials);
        const front = paretoFrontTrials(trials, summary.directions);
        const best = summary.directions.length === 1 ? (front[0] ?? null) : null;
        if (o.json) {
          return io.out(
            toJson({
              ...report,
              bestTrial: best === null ? null : { ...best, externalParams: externalParams(best) },
            }),
          );
        }
        const counts = report.study.counts;
        io.out(
          keyValues([
            ["study", `${summary.name} (id ${summary.studyId})`],
            ["directions", summary.directions.join(", ")],
            ["created", formatTime(summary.createdTime)],
            ["run", summary.runId ?? ""],
            [
              "trials",
              `${trials.length}: ${STATES.map((s) => `${counts[s]} ${STATE_LABELS[s]}`).join(", ")}`,
            ],
          ]),
        );
        if (best !== null) {
          io.out(`\nbest trial #${best.number}: value ${fmtValues(best.values)}`);
          const dur = best.endTime !== null && best.startTime !== null ? best.endTime - best.startTime : null;
          io.out(
            keyValues([
              ...Object.entries(externalParams(best)).map(
                ([k, v]) => [k, typeof v === "number" ? formatNumber(v) : String(v)] as [string, string],
              ),
              ["duration", formatDuration(dur)],
              ["run", best.runId ?? ""],
            ]),
          );
        } else if (front.length > 0) {
          io.out(`\nPareto front: ${front.length} trial(s)`);
          io.out(
            table(
              ["trial", "values", "params"],
              front.map((t) => [String(t.number), fmtValues(t.values), fmtParams(t)]),
            ),
          );
        } else {
          io.out("\nno trial has completed yet");
        }
        const imp = Object.entries(report.importances).sort((a, b) => b[1] - a[1]);
        if (imp.length > 0) {
          io.out("\nparameter importances");
          io.out(
            table(
              ["param", "importance"],
              imp.map(([k, v]) => [k, v.toFixed(3)]),
            ),
          );
        }
      });
    });

  studies
    .command("delete <name>")
    .description("delete a study and its trials (their runs stay)")
    .action(async (name: string) => {
      await withClient((sx) => sx.deleteStudy(name));
      io.err(`study '${name}' deleted`);
    });

  studies
    .command("worker")
    .description(
      "run a script's objective (its default export; optional exports: sampler, pruner, direction or directions) on a study, creating it when missing",
    )
    .requiredOption("--study <name>", "study name")
    .requiredOption("--script <file>", "the objective's script (.js, .mjs, or .ts through tsx)")
    .option("--n-trials <n>", "trials to run (with --processes: in total)", nonNegativeInt)
    .option("--timeout <seconds>", "start no trial after this many seconds", positiveNumber)
    .option(
      "--processes <k>",
      "worker processes sharing the store (a SQLite file, PostgreSQL or a server)",
      positiveInt,
      1,
    )
    .option(
      "--concurrency <c>",
      "trials in flight per process (for objectives that await I/O)",
      positiveInt,
      1,
    )
    .option(
      "--threads <k>",
      "worker threads running the objective in each process (CPU-bound objectives on k cores; any store)",
      positiveInt,
    )
    .option("--heartbeat-ms <ms>", "how often running trials heartbeat (default 10000)", nonNegativeInt)
    .option(
      "--stale-after-ms <ms>",
      "a RUNNING trial silent this long is failed (default 60000)",
      positiveInt,
    )
    .option("--json", "machine-readable summary")
    .action(async (o: WorkerOptions) => {
      const file = resolve(io.cwd ?? process.cwd(), o.script);
      if (o.threads !== undefined && o.concurrency > 1) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          "--threads sets the trials in flight (one per thread); leave out --concurrency",
        );
      }
      const script = await loadWorkerScript(file);
      const summary = await withClient(async (sx) => {
        // a script that does not say which way to optimize takes the study's directions
        const existing = script.directions === undefined ? await studiesOf(sx).getStudyByName(o.study) : null;
        const study = await sx.createStudy({
          name: o.study,
          directions: script.directions ?? existing?.directions,
          sampler: script.sampler,
          pruner: script.pruner,
          loadIfExists: true,
          heartbeatIntervalMs: o.heartbeatMs,
          staleAfterMs: o.staleAfterMs,
        });
        const abort = new AbortController();
        let stopping = false;
        const stop = () => {
          if (stopping) {
            // a second signal: leave now (the trials in flight fail by heartbeat elsewhere)
            io.err("stopped without waiting for the trials in flight");
            abort.abort();
            process.exit(130);
          }
          stopping = true;
          io.err("stopping: trials in flight finish first (again to leave at once)");
          study.stop();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        const common = {
          nTrials: o.nTrials,
          timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000,
          concurrency: o.threads ?? o.concurrency,
          onWarning: (m: string) => io.err(m),
          signal: abort.signal,
        };
        try {
          if (o.processes > 1) {
            return await study.optimize(file, {
              ...common,
              processes: o.processes,
              threads: o.threads !== undefined,
              onProgress: (p) => io.err(progressLine(p)),
              onOutput: (line, i) => io.err(`[worker ${i}] ${line}`),
            });
          }
          // with threads, each worker thread imports the script and runs its objective
          const s = await study.optimize(o.threads === undefined ? script.objective : file, common);
          return { ...s, processes: 1, crashed: [] };
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      });
      printSummary(io, o, summary);
      if (summary.crashed.length > 0) {
        const which = summary.crashed.map((c) =>
          c.signal === null ? `${c.worker} (exit code ${c.exitCode})` : `${c.worker} (${c.signal})`,
        );
        throw new SextantError(
          "INTERNAL",
          `worker process(es) ${which.join(", ")} ended before they finished; the others went on`,
          { crashed: summary.crashed },
        );
      }
    });
}

function progressLine(p: OptimizeProgress): string {
  const of = p.total === null ? "" : `/${p.total}`;
  return `${p.finished}${of} trials done: ${p.completed} complete, ${p.pruned} pruned, ${p.failed} failed`;
}

function printSummary(io: CliIO, o: WorkerOptions, s: ProcessesSummary): void {
  if (o.json) {
    const { completed, pruned, failed, processes } = s;
    io.out(toJson({ study: o.study, completed, pruned, failed, processes }));
    return;
  }
  io.out(
    `study '${o.study}': ${s.completed} complete, ${s.pruned} pruned, ${s.failed} failed (${s.processes} process${s.processes === 1 ? "" : "es"})`,
  );
}
