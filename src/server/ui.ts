/**
 * Serves the built web UI (dist/ui) at `/`: files as they are, and index.html for any other path
 * that is not an API route, so the UI's own URLs can be opened and reloaded directly.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { SextantError } from "../core/index.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** dist/ui of this package, found from this module's own location (src/server or dist/server). */
export function defaultUiDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "ui");
}

export function uiRoutes(dir: string) {
  const root = normalize(dir + sep);
  const built = existsSync(join(root, "index.html"));
  return async (app: FastifyInstance) => {
    app.get("/*", { schema: { hide: true } }, async (req, reply) => {
      const path = req.url.split("?")[0]!;
      if (path.startsWith("/api/")) {
        throw new SextantError("ENDPOINT_NOT_FOUND", `no route for GET ${path}`);
      }
      if (!built) {
        throw new SextantError(
          "ENDPOINT_NOT_FOUND",
          "the web UI is not built: run `npm run build` in the sextant package",
        );
      }
      let rel: string;
      try {
        rel = decodeURIComponent(path);
      } catch {
        throw new SextantError("MALFORMED_REQUEST", `malformed path ${path}`);
      }
      const file = normalize(join(root, rel));
      if (file.startsWith(root) && file !== root) {
        const st = await stat(file).catch(() => null);
        if (st?.isFile()) {
          reply.type(TYPES[extname(file)] ?? "application/octet-stream");
          // hashed asset names never change content
          reply.header(
            "cache-control",
            rel.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
          );
          return readFile(file);
        }
      }
      reply.type(TYPES[".html"]!).header("cache-control", "no-cache");
      return readFile(join(root, "index.html"));
    });
  };
}
