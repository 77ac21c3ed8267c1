/**
 * Worker pools (piscina) for the learners, one per worker module, created on first use and kept
 * (idle workers are unref'd, so they never hold the process open). From the TypeScript sources
 * (tests, tsx) the workers load the .ts module through tsx; from the build they load the .js.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { SextantError } from "../../core/errors.js";
import { checkNumber } from "./common.js";

const pools = new Map<string, Piscina>();

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
export function pool(name: string, maxThreads: number): Piscina {
  const fromSource = import.meta.url.endsWith(".ts");
  const file = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, import.meta.url);
  const key = `${file.href}#${maxThreads}`;
  let p = pools.get(key);
  if (!p) {
    // undefined: workers inherit this process's flags (which already load tsx under the tsx CLI)
    let execArgv: string[] | undefined;
    if (fromSource && !process.execArgv.some((a) => a.includes("tsx"))) {
      let loader: string;
      try {
        loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
      } catch (e) {
        throw new SextantError(
          "INTERNAL",
          "running the learners from TypeScript sources needs tsx for the workers",
          {},
          { cause: e },
        );
      }
      execArgv = ["--import", loader];
    }
    p = new Piscina({
      filename: file.href,
      minThreads: 0,
      maxThreads,
      idleTimeout: 20_000,
      ...(execArgv ? { execArgv } : {}),
    });
    pools.set(key, p);
  }
  return p;
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
