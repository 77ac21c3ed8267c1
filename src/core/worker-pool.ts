/**
 * Worker threads: pools (piscina), one per worker module and size, created on first use and kept
 * (idle workers exit after a while and never hold the process open), and the module path any
 * worker thread loads. From the TypeScript sources (tests, tsx) workers load the .ts module
 * through tsx; from the build they load the .js.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { TransferListItem } from "node:worker_threads";
import { Piscina } from "piscina";
import { SextantError } from "./errors.js";

/**
 * What Sextant asks of a pool: run a task on a worker thread (abortable, with ports or buffers
 * moved rather than copied). Its own type, so piscina's types stay out of the published ones.
 */
export interface WorkerPool {
  run<R = unknown>(
    task: unknown,
    options?: { signal?: AbortSignal; transferList?: TransferListItem[] },
  ): Promise<R>;
}

const pools = new Map<string, WorkerPool>();

/**
 * The module `name` (without extension) beside the module at `importerUrl` (pass
 * `import.meta.url`), as a worker thread loads it: the .ts source through tsx when the importer
 * runs from the sources, else the built .js. `execArgv` undefined: the worker inherits this
 * process's flags (which already load tsx under the tsx CLI).
 * @throws INTERNAL when the sources run without tsx installed
 */
export function workerModule(
  importerUrl: string,
  name: string,
): { url: URL; execArgv: string[] | undefined } {
  const fromSource = importerUrl.endsWith(".ts");
  const url = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, importerUrl);
  if (!fromSource || process.execArgv.some((a) => a.includes("tsx"))) return { url, execArgv: undefined };
  let loader: string;
  try {
    loader = pathToFileURL(createRequire(importerUrl).resolve("tsx")).href;
  } catch (e) {
    throw new SextantError(
      "INTERNAL",
      `running ${name} from the TypeScript sources needs tsx for its worker threads`,
      {},
      { cause: e },
    );
  }
  return { url, execArgv: ["--import", loader] };
}

/**
 * The pool running the module `name` (without extension) beside the module at `importerUrl`
 * (pass `import.meta.url`), with up to `maxThreads` workers.
 */
export function workerPool(importerUrl: string, name: string, maxThreads: number): WorkerPool {
  const { url, execArgv } = workerModule(importerUrl, name);
  const key = `${url.href}#${maxThreads}`;
  let p = pools.get(key);
  if (p) return p;
  const piscina = new Piscina({
    filename: url.href,
    minThreads: 0,
    maxThreads,
    idleTimeout: 20_000,
    ...(execArgv ? { execArgv } : {}),
  });
  p = {
    run: <R>(task: unknown, options?: { signal?: AbortSignal; transferList?: TransferListItem[] }) =>
      piscina.run(task, options) as Promise<R>,
  };
  pools.set(key, p);
  return p;
}
