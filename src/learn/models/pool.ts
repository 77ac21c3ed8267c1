/**
 * Worker pools for the learners (see core/worker-pool.ts), and the helpers their workers share.
 */
import { availableParallelism } from "node:os";
import { type WorkerPool, workerPool } from "../../core/index.js";
import { checkNumber } from "./common.js";

/** Cores available to this process. */
export function cores(): number {
  return Math.max(1, availableParallelism());
}

/** The `threads` option: a positive integer, default all cores. */
export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return cores();
  return checkNumber("threads", threads, { min: 1, integer: true });
}

/**
 * The pool running `name` (a sibling module of this file, without extension) with up to
 * `maxThreads` workers.
 */
export function pool(name: string, maxThreads: number): WorkerPool {
  return workerPool(import.meta.url, name, maxThreads);
}

/** Allocates a SharedArrayBuffer-backed copy of a typed array. */
export function shared<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(
  a: T,
  make: (buf: SharedArrayBuffer, n: number) => T,
): T {
  const out = make(new SharedArrayBuffer(a.length * a.BYTES_PER_ELEMENT), a.length);
  out.set(a as never);
  return out;
}
