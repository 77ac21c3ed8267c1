/**
 * The worker-thread side of {@link ThreadedObjective}: loads the objective script (once per
 * thread), then runs its objective on a trial with a stand-in trial whose calls are synchronous
 * round trips to the main thread (see thread-objective.ts).
 */
import { type MessagePort, threadId } from "node:worker_threads";
import { loadWorkerScript } from "./script.js";
import type { Objective } from "./study.js";
import { fromWire, type ThreadCall, type ThreadResult, type ThreadTask, toWire } from "./thread-objective.js";
import type { Trial } from "./trial.js";

const scripts = new Map<string, Promise<Objective>>();
const decoder = new TextDecoder();

function objectiveOf(file: string, version: number): Promise<Objective> {
  const key = `${version}:${file}`;
  let p = scripts.get(key);
  if (!p) {
    p = loadWorkerScript(file).then((s) => s.objective);
    scripts.set(key, p);
    p.catch(() => scripts.delete(key));
  }
  return p;
}

/** What the objective receives: the trial API, served by the main thread. */
class ThreadTrial {
  readonly number: number;
  readonly trialId: string;
  /** The trial's tracking run, when the study has a tracker. */
  readonly runId: string | null;
  readonly startTime: number | null;
  /** The worker thread running this trial. */
  readonly threadId = threadId;
  readonly #port: MessagePort;
  readonly #head: Int32Array;
  readonly #body: Uint8Array;

  constructor(task: ThreadTask & { type: "run" }) {
    this.number = task.number;
    this.trialId = task.trialId;
    this.runId = task.runId;
    this.startTime = task.startTime;
    this.#port = task.port;
    this.#head = new Int32Array(task.reply, 0, 2);
    this.#body = new Uint8Array(task.reply, 8);
  }

  /** Runs `method` on the main thread's trial; blocks this thread until the reply is written. */
  #call(method: string, args: unknown[]): unknown {
    Atomics.store(this.#head, 0, 0);
    this.#port.postMessage({ method, args } satisfies ThreadCall);
    Atomics.wait(this.#head, 0, 0);
    const n = Atomics.load(this.#head, 1);
    const reply = JSON.parse(decoder.decode(this.#body.slice(0, n))) as ThreadResult;
    if (!reply.ok) throw fromWire(reply.error);
    return reply.value;
  }

  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number }): number {
    return this.#call("suggestFloat", [name, low, high, options ?? {}]) as number;
  }

  suggestInt(name: string, low: number, high: number, options?: { log?: boolean; step?: number }): number {
    return this.#call("suggestInt", [name, low, high, options ?? {}]) as number;
  }

  suggestCategorical<T>(name: string, choices: readonly T[]): T {
    return this.#call("suggestCategorical", [name, choices]) as T;
  }

  report(value: number | readonly number[], step: number): void {
    this.#call("report", [value, step]);
  }

  shouldPrune(): boolean {
    return this.#call("shouldPrune", []) as boolean;
  }

  setUserAttr(key: string, value: unknown): void {
    this.#call("setUserAttr", [key, value]);
  }

  get params(): Record<string, unknown> {
    return this.#call("params", []) as Record<string, unknown>;
  }

  get distributions(): Record<string, unknown> {
    return this.#call("distributions", []) as Record<string, unknown>;
  }

  get userAttrs(): Record<string, unknown> {
    return this.#call("userAttrs", []) as Record<string, unknown>;
  }
}

export default async function runTask(task: ThreadTask): Promise<ThreadResult> {
  try {
    const objective = await objectiveOf(task.file, task.version);
    if (task.type === "load") return { ok: true, value: null };
    try {
      const value = await objective(new ThreadTrial(task) as unknown as Trial);
      // the study judges the value; one that cannot cross threads goes as its text
      let out: unknown = value ?? null;
      try {
        structuredClone(out);
      } catch {
        out = String(out);
      }
      return { ok: true, value: out };
    } finally {
      task.port.close();
    }
  } catch (e) {
    return { ok: false, error: toWire(e) };
  }
}
