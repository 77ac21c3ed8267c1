/**
 * CPU-bound objectives on several cores: `study.optimize(file, { concurrency: K })` runs the
 * script's objective in K worker threads (core/worker-pool) while the study, its sampler, pruner
 * and storage stay on the main thread.
 *
 * A trial is asked on the main thread as usual; a worker receives the trial's number and runs the
 * objective with a stand-in trial whose calls (suggest*, report, shouldPrune, setUserAttr, params,
 * distributions, userAttrs) are synchronous round trips: the worker posts the call on the trial's message port
 * and blocks on a shared buffer (Atomics.wait) until the main thread has run it on the real trial
 * and written the reply. So define-by-run, pruning and pending-trial awareness work exactly as in
 * one thread, and the objective keeps the synchronous trial API.
 *
 * A worker that dies (process.exit, a crash) fails the trial it was running; the pool starts a
 * new one and the study goes on.
 */
import { statSync } from "node:fs";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { isSextantError, SextantError, workerPool } from "../core/index.js";
import type { ObjectiveValue } from "./study.js";
import { type Trial, TrialPruned } from "./trial.js";

/** Bytes for one reply of the main thread (a suggested value, a flag, the params). */
const REPLY_BYTES = 1 << 18;

/** An error crossing the thread boundary. @internal */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** A task for the worker: load the script, or run the objective on one trial. @internal */
export type ThreadTask =
  | { type: "load"; file: string; version: number }
  | {
      type: "run";
      file: string;
      /** The script's modification time: workers load it again when it changed. */
      version: number;
      number: number;
      trialId: string;
      /** The trial's tracking run, when the study has a tracker. */
      runId: string | null;
      startTime: number | null;
      /** Where the worker posts its calls. */
      port: MessagePort;
      /** [flag, length] then the reply's UTF-8 JSON. */
      reply: SharedArrayBuffer;
    };

/** What a task returns (errors travel as data, so their codes survive). @internal */
export type ThreadResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** A call from the worker. @internal */
export interface ThreadCall {
  method: string;
  args: unknown[];
}

/** The trial methods a worker may call, run on the real trial. */
const CALLS: Record<string, (t: Trial, args: unknown[]) => unknown> = {
  suggestFloat: (t, a) =>
    t.suggestFloat(a[0] as string, a[1] as number, a[2] as number, (a[3] ?? {}) as { log?: boolean }),
  suggestInt: (t, a) =>
    t.suggestInt(a[0] as string, a[1] as number, a[2] as number, (a[3] ?? {}) as { log?: boolean }),
  suggestCategorical: (t, a) => t.suggestCategorical(a[0] as string, a[1] as never[]),
  report: (t, a) => t.report(a[0] as number | number[], a[1] as number),
  shouldPrune: (t) => t.shouldPrune(),
  setUserAttr: (t, a) => t.setUserAttr(a[0] as string, a[1]),
  params: (t) => t.params,
  distributions: (t) => t.distributions,
  userAttrs: (t) => t.userAttrs,
};

/** @internal */
export function toWire(e: unknown): WireError {
  if (isSextantError(e)) return { name: e.name, message: e.message, code: e.code, details: e.details };
  // a SextantError of another copy of the module (a script importing the built package while the
  // worker runs from the sources, or the reverse)
  if (e instanceof Error && e.name === "SextantError" && typeof (e as { code?: unknown }).code === "string") {
    const { code, details } = e as Error & { code: string; details?: Record<string, unknown> };
    return { name: e.name, message: e.message, code, ...(details ? { details } : {}) };
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: "Error", message: String(e) };
}

/** @internal */
export function fromWire(w: WireError): Error {
  if (w.code === "TRIAL_PRUNED") return new TrialPruned(w.message);
  if (w.code) return new SextantError(w.code as never, w.message, w.details ?? {});
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}

export class ThreadedObjective {
  readonly #file: string;
  readonly #threads: number;
  readonly #version: number;
  readonly #encoder = new TextEncoder();

  private constructor(file: string, threads: number) {
    this.#file = file;
    this.#threads = threads;
    let version = 0;
    try {
      version = statSync(file).mtimeMs;
    } catch {
      // a missing file is reported by the load
    }
    this.#version = version;
  }

  /**
   * A pool of `threads` workers for the objective script at `file`, which one of them loads
   * first, so a script that cannot load fails here rather than on every trial.
   * @throws the script's load error (FILE_NOT_FOUND, INVALID_ARGUMENT, …)
   */
  static async start(file: string, threads: number): Promise<ThreadedObjective> {
    const t = new ThreadedObjective(file, threads);
    const task: ThreadTask = { type: "load", file, version: t.#version };
    const loaded = (await t.#pool().run(task)) as ThreadResult;
    if (!loaded.ok) throw fromWire(loaded.error);
    return t;
  }

  /** Runs the objective on `trial` in a worker thread. */
  async run(trial: Trial): Promise<ObjectiveValue | undefined> {
    const { port1, port2 } = new MessageChannel();
    const reply = new SharedArrayBuffer(8 + REPLY_BYTES);
    port1.on("message", (c: ThreadCall) => this.#answer(trial, reply, c));
    try {
      const task: ThreadTask = {
        type: "run",
        file: this.#file,
        version: this.#version,
        number: trial.number,
        trialId: trial.trialId,
        runId: trial.runId,
        startTime: trial.startTime,
        port: port2,
        reply,
      };
      let result: ThreadResult;
      try {
        result = (await this.#pool().run(task, { transferList: [port2] as never })) as ThreadResult;
      } catch (e) {
        // the worker died under the objective
        throw new SextantError(
          "INTERNAL",
          `the objective's worker thread stopped: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (!result.ok) throw fromWire(result.error);
      return (result.value ?? undefined) as ObjectiveValue | undefined;
    } finally {
      port1.close();
    }
  }

  #pool() {
    return workerPool(import.meta.url, "objective-thread", this.#threads);
  }

  /** Runs a worker's call on its trial and wakes the worker with the reply. */
  #answer(trial: Trial, buffer: SharedArrayBuffer, c: ThreadCall): void {
    let reply: ThreadResult;
    const fn = CALLS[c.method];
    try {
      if (!fn) throw new SextantError("INVALID_ARGUMENT", `a trial has no call '${c.method}'`);
      reply = { ok: true, value: fn(trial, c.args) ?? null };
    } catch (e) {
      reply = { ok: false, error: toWire(e) };
    }
    let bytes = this.#encoder.encode(JSON.stringify(reply));
    if (bytes.length > REPLY_BYTES) {
      const error = toWire(new SextantError("INVALID_ARGUMENT", `the reply to ${c.method} is too large`));
      bytes = this.#encoder.encode(JSON.stringify({ ok: false, error }));
    }
    const head = new Int32Array(buffer, 0, 2);
    new Uint8Array(buffer, 8).set(bytes);
    Atomics.store(head, 1, bytes.length);
    Atomics.store(head, 0, 1);
    Atomics.notify(head, 0);
  }
}
