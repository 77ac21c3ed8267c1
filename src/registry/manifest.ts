/**
 * A model version's content hash: the sha256 of a manifest listing every file under the model's
 * artifact path with its own sha256, so a version pins all of its bytes, whatever their number.
 */

import { SextantError, sha256 } from "../core/index.js";
import type { ArtifactEntry } from "../store/index.js";

export interface ManifestEntry {
  /** Relative to the model's artifact path. */
  path: string;
  sha256: string;
  size: number;
}

/** The files under `prefix` (a file itself, or a directory), relative to it, sorted. */
export function manifestOf(entries: readonly ArtifactEntry[], prefix: string): ManifestEntry[] {
  const p = prefix.replace(/^\/+|\/+$/g, "");
  const out: ManifestEntry[] = [];
  for (const e of entries) {
    if (e.path === p) out.push({ path: p.split("/").pop()!, sha256: e.sha256, size: e.size });
    else if (e.path.startsWith(`${p}/`))
      out.push({ path: e.path.slice(p.length + 1), sha256: e.sha256, size: e.size });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function manifestHash(manifest: readonly ManifestEntry[]): string {
  if (manifest.length === 0)
    throw new SextantError("ARTIFACT_NOT_FOUND", "a model needs at least one artifact file");
  return sha256(manifest.map((m) => `${m.path}\t${m.sha256}\t${m.size}\n`).join(""));
}
