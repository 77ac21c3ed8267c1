/**
 * Worker-thread pools (piscina), one per worker module and size, created on first use and kept
 * (idle workers exit after a while and never hold the process open). From the TypeScript sources
 * (tests, tsx) the workers load the .ts module through tsx; from the build they load the .js.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { SextantError } from "./errors.js";

const pools = new Map<string, Piscina>();

/**
 * The pool running the module `name` (without extension) beside the module at `importerUrl`
 * (pass `import.meta.url`), with up to `maxThreads` workers.
 */
export function workerPool(importerUrl: string, name: string, maxThreads: number): Piscina {
  const fromSource = importerUrl.endsWith(".ts");
  const file = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, importerUrl);
  const key = `${file.href}#${maxThreads}`;
  let p = pools.get(key);
  if (p) return p;
  // undefined: workers inherit this process's flags (which already load tsx under the tsx CLI)
  let execArgv: string[] | undefined;
  if (fromSource && !process.execArgv.some((a) => a.includes("tsx"))) {
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
  return p;
}
