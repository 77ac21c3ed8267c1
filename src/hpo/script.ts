/**
 * Objective scripts: a module whose default export is the objective, with optional `sampler`,
 * `pruner` and `direction`/`directions` exports. `sextant studies worker --script` runs one, and
 * `study.optimize(file)` runs one in worker threads (JavaScript directly, TypeScript through tsx).
 */
import { existsSync } from "node:fs";
import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import { SextantError } from "../core/index.js";
import type { Pruner, Sampler } from "./sampler.js";
import type { Direction } from "./storage.js";
import type { Objective } from "./study.js";

/** What a worker script exports: the objective as default, and optionally how to search. */
export interface WorkerScript {
  objective: Objective;
  sampler?: Sampler;
  pruner?: Pruner;
  directions?: Direction[];
}

/**
 * Imports a worker script: JavaScript directly, TypeScript through tsx. Its default export is the
 * objective; `sampler`, `pruner` and `direction` or `directions` are optional named exports.
 * @throws FILE_NOT_FOUND, INVALID_ARGUMENT
 */
export async function loadWorkerScript(file: string): Promise<WorkerScript> {
  if (!existsSync(file)) throw new SextantError("FILE_NOT_FOUND", `no script at ${file}`, { path: file });
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  if ([".ts", ".mts", ".cts", ".tsx"].includes(extname(file))) {
    let tsImport: (specifier: string, parent: string) => Promise<unknown>;
    try {
      ({ tsImport } = (await import("tsx/esm/api")) as { tsImport: typeof tsImport });
    } catch (e) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `running a TypeScript script needs tsx (npm install tsx), or compile ${file} to JavaScript`,
        { path: file },
        { cause: e },
      );
    }
    mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } else {
    mod = (await import(url)) as Record<string, unknown>;
  }
  // a CommonJS or tsx-wrapped module may nest the exports under `default`
  let objective = mod.default;
  let exportsOf: Record<string, unknown> = mod;
  if (typeof objective !== "function" && objective !== null && typeof objective === "object") {
    exportsOf = objective as Record<string, unknown>;
    objective = exportsOf.default;
  }
  if (typeof objective !== "function") {
    throw new SextantError("INVALID_ARGUMENT", `${file} must export its objective as the default export`, {
      path: file,
    });
  }
  const direction = exportsOf.direction;
  const directions = exportsOf.directions;
  if (direction !== undefined && direction !== "minimize" && direction !== "maximize") {
    throw new SextantError("INVALID_ARGUMENT", `${file}: direction must be "minimize" or "maximize"`);
  }
  const pick = <T>(key: string, method: string): T | undefined => {
    const v = exportsOf[key];
    if (v === undefined) return undefined;
    if (v === null || typeof (v as Record<string, unknown>)[method] !== "function") {
      throw new SextantError("INVALID_ARGUMENT", `${file}: the '${key}' export is not a ${key}`);
    }
    return v as T;
  };
  return {
    objective: objective as Objective,
    sampler: pick<Sampler>("sampler", "sampleIndependent"),
    pruner: pick<Pruner>("pruner", "prune"),
    directions: Array.isArray(directions)
      ? (directions as Direction[])
      : direction === undefined
        ? undefined
        : [direction as Direction],
  };
}
