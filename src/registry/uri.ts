/**
 * Model URIs as MLflow users write them: `models:/NAME/3`, `models:/NAME/Production`,
 * `models:/NAME/latest`, `models:/NAME@champion`; and run artifact URIs `runs:/RUN_ID/path`.
 */
import { SextantError } from "../core/index.js";
import { STAGES, type Stage } from "../store/index.js";

export type ModelRef =
  | { name: string; kind: "version"; version: number }
  | { name: string; kind: "stage"; stage: Stage }
  | { name: string; kind: "latest" }
  | { name: string; kind: "alias"; alias: string };

function bad(uri: string, why: string): SextantError {
  return new SextantError("UNSUPPORTED_URI", `'${uri}' is not a model URI (${why})`, { uri });
}

/** @throws UNSUPPORTED_URI */
export function parseModelUri(uri: string): ModelRef {
  if (typeof uri !== "string" || !uri.startsWith("models:/"))
    throw bad(String(uri), "it must start with models:/");
  const rest = uri.slice("models:/".length);
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const name = rest.slice(0, at);
    const alias = rest.slice(at + 1);
    if (!name || !alias || name.includes("/")) throw bad(uri, "write models:/NAME@ALIAS");
    return { name, kind: "alias", alias };
  }
  const slash = rest.lastIndexOf("/");
  if (slash <= 0) throw bad(uri, "write models:/NAME/VERSION, models:/NAME/STAGE or models:/NAME@ALIAS");
  const name = rest.slice(0, slash);
  const sel = rest.slice(slash + 1);
  if (/^\d+$/.test(sel)) return { name, kind: "version", version: Number(sel) };
  if (sel.toLowerCase() === "latest") return { name, kind: "latest" };
  const stage = STAGES.find((s) => s.toLowerCase() === sel.toLowerCase());
  if (stage) return { name, kind: "stage", stage };
  throw bad(uri, `'${sel}' is neither a version number, 'latest', nor a stage (${STAGES.join(", ")})`);
}

/** `runs:/RUN_ID/path` → its run id and artifact path (no leading or trailing slash). */
export function parseRunsUri(uri: string): { runId: string; path: string } {
  const m = /^runs:\/([^/]+)\/(.+)$/.exec(typeof uri === "string" ? uri : "");
  if (!m) throw new SextantError("UNSUPPORTED_URI", `'${uri}' is not a runs:/RUN_ID/PATH URI`, { uri });
  return { runId: m[1]!, path: m[2]!.replace(/^\/+|\/+$/g, "") };
}
