/**
 * `study.optimize(script, { processes: K })`: K child processes share one study through its store.
 * Each child (process-worker.ts) reopens the store from the study's {@link StoreLocator}, loads
 * the same study and runs the script's objective; this process keeps the count.
 *
 * `nTrials` is a budget this process holds: a child asks for a trial before it starts one (an IPC
 * round trip), so the total is exact however fast each child is, and the trials a child held when
 * it died go back to the budget for the others. The study's storage keeps the guarantees (trial
 * numbers handed out once, finished trials immutable); a RUNNING trial of a child that died is
 * failed by the stale sweep of the next ask once its heartbeat is older than `staleAfterMs`.
 *
 * Children run in process groups of their own, so a Ctrl-C on the terminal reaches this process
 * only, which stops them once, gracefully (`study.stop()`, as `sextant studies worker` does); a
 * parent that dies instead disconnects them and they stop the same way. An abort kills their
 * groups at once (subprocesses of the objective included). A token for a server goes to the children in their
 * environment ($SEXTANT_TRACKING_TOKEN), never on a command line; the rest of the job goes over
 * the IPC channel.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Clock } from "../core/index.js";
import { SextantError, workerModule } from "../core/index.js";
import type { Direction, FrozenTrial } from "./storage.js";
import type { OptimizeProgress, OptimizeSummary } from "./study.js";
import { fromWire, type WireError } from "./thread-objective.js";

/**
 * How another process opens a study's store again: plain data, so it crosses a process boundary.
 * `sx.createStudy` fills it from the client's open options; give it to `createStudy({ reopen })`
 * when the storage was opened by hand.
 */
export interface StoreLocator {
  /** The store: a SQLite directory, `postgres://…`, or a server's `http(s)://…` (not `:memory:`). */
  uri: string;
  /** API token for a server. Worker processes get it in their environment, not on their command line. */
  token?: string;
  /** Where artifact blobs go (a directory, file:, memory: or s3://), when not the store's default. */
  artifactsUri?: string;
  /** The working directory relative paths resolve against. */
  cwd?: string;
  /** The user recorded on the runs the workers write. */
  userId?: string;
}

/** A worker process that ended before finishing its part. */
export interface WorkerCrash {
  /** Its index, 0 to processes - 1. */
  worker: number;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  /** Its error, when it could report one. */
  error?: string;
}

export interface ProcessesSummary extends OptimizeSummary {
  /** Worker processes started (at most nTrials). */
  processes: number;
  /** The processes that died or failed before they finished (the others went on). */
  crashed: WorkerCrash[];
}

/** What a worker process runs: everything but the token. @internal */
export interface WorkerJob {
  worker: number;
  store: Omit<StoreLocator, "token">;
  study: {
    name: string;
    directions: Direction[];
    heartbeatIntervalMs: number;
    staleAfterMs: number;
    metricNames: string[];
    /** Whether trials are recorded as runs (the study has a tracker). */
    tracked: boolean;
  };
  script: string;
  concurrency: number;
  /** Run the objective in `concurrency` worker threads (else on the worker's main thread). */
  threads: boolean;
}

/** Parent → worker. @internal */
export type ToWorker =
  | { type: "start"; job: WorkerJob }
  | { type: "permit"; id: number; ok: boolean }
  | { type: "stop" };

/** Worker → parent. @internal */
export type FromWorker =
  | { type: "permit"; id: number }
  | { type: "trial"; trial: FrozenTrial }
  | { type: "warning"; message: string }
  | { type: "done" }
  | { type: "error"; phase: "setup" | "run"; error: WireError };

/** What the study gives the processes it runs. @internal */
export interface ProcessHost {
  readonly clock: Clock;
  warn(message: string): void;
  /** Called for each finished trial, in order; a rejection stops the study. */
  finished(trial: FrozenTrial): Promise<void>;
}

/** @internal */
export interface ProcessesRun {
  locator: StoreLocator;
  job: Omit<WorkerJob, "worker" | "store">;
  processes: number;
  nTrials: number | undefined;
  timeoutMs: number | undefined;
  onProgress: ((progress: OptimizeProgress) => void) | undefined;
  onOutput: (line: string, worker: number) => void;
  signal: AbortSignal | undefined;
}

/**
 * Refuses a study whose storage other processes cannot open.
 * @throws INVALID_ARGUMENT
 */
export function shareableLocator(locator: StoreLocator | undefined): StoreLocator {
  if (locator === undefined) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      "worker processes need a store they can share, and this study's storage lives in this process only: " +
        "create the study with sx.createStudy on a SQLite directory, postgres:// or a server's http(s):// " +
        "(or pass createStudy a storage other processes can open with `reopen: { uri }`)",
    );
  }
  if (locator.uri === ":memory:") {
    throw new SextantError(
      "INVALID_ARGUMENT",
      "worker processes cannot share a :memory: store; open a SQLite directory, postgres:// or a server's http(s):// instead",
      { uri: locator.uri },
    );
  }
  return locator;
}

interface Child {
  index: number;
  proc: ChildProcess;
  /** Trials granted and not yet reported. */
  open: number;
  done: boolean;
  error?: { phase: "setup" | "run"; error: WireError };
}

const quietKill = (pid: number | undefined) => {
  if (pid === undefined) return;
  try {
    // the child leads its own process group: this reaches what the objective started too
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
};

/** Runs the study's script in worker processes; see the module comment. @internal */
export class WorkerProcesses {
  readonly #host: ProcessHost;
  readonly #run: ProcessesRun;
  readonly #children: Child[] = [];
  readonly #queue: Array<{ child: Child; id: number }> = [];
  readonly #summary: OptimizeSummary = { completed: 0, pruned: 0, failed: 0 };
  #budget: number;
  #finished = 0;
  #start = 0;
  #stopping = false;
  #aborted = false;
  #fatal: { error: unknown } | undefined;
  #reporting: Promise<void> = Promise.resolve();

  constructor(host: ProcessHost, run: ProcessesRun) {
    this.#host = host;
    this.#run = run;
    this.#budget = run.nTrials ?? Number.POSITIVE_INFINITY;
  }

  /** Starts no new trial; the trials in flight finish. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const c of this.#children) this.#send(c, { type: "stop" });
    this.#settle();
  }

  /** Kills every worker's process group; their RUNNING trials are failed by the stale sweep. */
  abort(): void {
    this.#aborted = true;
    this.stop();
    for (const c of this.#children)
      if (c.proc.exitCode === null && c.proc.signalCode === null) quietKill(c.proc.pid);
  }

  async run(): Promise<ProcessesSummary> {
    const { locator, processes, nTrials, signal } = this.#run;
    if (!existsSync(this.#run.job.script)) {
      throw new SextantError("FILE_NOT_FOUND", `no script at ${this.#run.job.script}`, {
        path: this.#run.job.script,
      });
    }
    const k = nTrials === undefined ? processes : Math.min(processes, nTrials);
    this.#start = this.#host.clock.now();
    const onAbort = () => this.abort();
    if (signal?.aborted) return { ...this.#summary, processes: 0, crashed: [] };
    signal?.addEventListener("abort", onAbort, { once: true });
    const { url, execArgv } = workerModule(import.meta.url, "process-worker");
    const env: NodeJS.ProcessEnv = { ...process.env };
    // the children get exactly the credentials this client used
    if (locator.token === undefined) delete env.SEXTANT_TRACKING_TOKEN;
    else env.SEXTANT_TRACKING_TOKEN = locator.token;
    const { token: _token, ...store } = locator;
    const ends: Array<Promise<WorkerCrash | null>> = [];
    try {
      for (let i = 0; i < k; i++) {
        const proc = fork(fileURLToPath(url), [], {
          cwd: locator.cwd,
          env,
          stdio: ["ignore", "pipe", "pipe", "ipc"],
          serialization: "advanced",
          // its own process group: a Ctrl-C reaches only this process, which stops the children once
          detached: true,
          ...(execArgv ? { execArgv } : {}),
        });
        const child: Child = { index: i, proc, open: 0, done: false };
        this.#children.push(child);
        ends.push(this.#watch(child));
        this.#send(child, { type: "start", job: { ...this.#run.job, worker: i, store } });
      }
      const crashed = (await Promise.all(ends)).filter((c): c is WorkerCrash => c !== null);
      await this.#reporting;
      if (this.#fatal !== undefined) throw this.#fatal.error;
      return { ...this.#summary, processes: k, crashed };
    } finally {
      signal?.removeEventListener("abort", onAbort);
      for (const c of this.#children)
        if (c.proc.exitCode === null && c.proc.signalCode === null) quietKill(c.proc.pid);
    }
  }

  /** Follows one child to its end: its messages, its output, how it ended. */
  #watch(child: Child): Promise<WorkerCrash | null> {
    const { proc, index } = child;
    for (const stream of [proc.stdout, proc.stderr]) {
      let rest = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (d: string) => {
        const lines = (rest + d).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) if (line) this.#run.onOutput(line, index);
      });
      stream?.on("end", () => {
        if (rest) this.#run.onOutput(rest, index);
        rest = "";
      });
    }
    proc.on("message", (m: FromWorker) => this.#receive(child, m));
    return new Promise((resolve) => {
      proc.on("error", (e) => {
        // it could not be started or signalled: it ends with 'close' all the same
        child.error ??= { phase: "run", error: { name: e.name, message: e.message } };
      });
      proc.on("close", (exitCode, signal) => {
        // what it held goes back to the budget for the others
        this.#budget += child.open;
        child.open = 0;
        for (let i = this.#queue.length - 1; i >= 0; i--)
          if (this.#queue[i]!.child === child) this.#queue.splice(i, 1);
        this.#settle();
        if (child.done && exitCode === 0) return resolve(null);
        if (this.#aborted && child.error === undefined) return resolve(null);
        // what it may have left running is not ours to keep
        quietKill(proc.pid);
        const crash: WorkerCrash = { worker: index, pid: proc.pid ?? null, exitCode, signal };
        if (child.error !== undefined) crash.error = child.error.error.message;
        const how = signal === null ? `exit code ${exitCode}` : `signal ${signal}`;
        this.#host.warn(
          `worker process ${index}${proc.pid === undefined ? "" : ` (pid ${proc.pid})`} ended before it finished (${how})` +
            (crash.error === undefined ? "" : `: ${crash.error}`) +
            "; a trial it was running is failed once its heartbeat is older than staleAfterMs",
        );
        resolve(crash);
      });
    });
  }

  #receive(child: Child, m: FromWorker): void {
    if (m.type === "permit") {
      this.#queue.push({ child, id: m.id });
      this.#settle();
    } else if (m.type === "trial") {
      child.open = Math.max(0, child.open - 1);
      this.#report(child, m.trial);
      this.#settle();
    } else if (m.type === "warning") this.#host.warn(`[worker ${child.index}] ${m.message}`);
    else if (m.type === "done") child.done = true;
    else if (m.type === "error") {
      child.error = { phase: m.phase, error: m.error };
      if (m.phase === "setup") {
        // the job cannot run as asked (a script that does not load, a store that does not
        // open): stop the others and give the caller this error
        this.#fatal ??= { error: fromWire(m.error) };
        this.stop();
      }
    }
  }

  #report(child: Child, trial: FrozenTrial): void {
    this.#finished++;
    if (trial.state === "COMPLETE") this.#summary.completed++;
    else if (trial.state === "PRUNED") this.#summary.pruned++;
    else this.#summary.failed++;
    const progress: OptimizeProgress = {
      ...this.#summary,
      finished: this.#finished,
      total: this.#run.nTrials ?? null,
      elapsedMs: this.#host.clock.now() - this.#start,
      trial,
      worker: child.index,
    };
    this.#reporting = this.#reporting.then(async () => {
      if (this.#fatal !== undefined) return;
      try {
        await this.#host.finished(trial);
        this.#run.onProgress?.(progress);
      } catch (e) {
        this.#fatal ??= { error: e };
        this.stop();
      }
    });
  }

  /** Answers the trial requests that can be answered now. */
  #settle(): void {
    const timeout = this.#run.timeoutMs;
    while (this.#queue.length > 0) {
      const late = timeout !== undefined && this.#host.clock.now() - this.#start >= timeout;
      if (this.#stopping || late) {
        for (const q of this.#queue.splice(0)) this.#send(q.child, { type: "permit", id: q.id, ok: false });
        return;
      }
      if (this.#budget > 0) {
        const q = this.#queue.shift()!;
        this.#budget--;
        q.child.open++;
        this.#send(q.child, { type: "permit", id: q.id, ok: true });
        continue;
      }
      // the budget is spent; trials still out may come back if their process dies
      if (this.#children.some((c) => c.open > 0)) return;
      for (const q of this.#queue.splice(0)) this.#send(q.child, { type: "permit", id: q.id, ok: false });
    }
  }

  #send(child: Child, m: ToWorker): void {
    if (!child.proc.connected) return;
    // a child going away cannot take it; its 'close' settles what it held
    child.proc.send(m, () => undefined);
  }
}
