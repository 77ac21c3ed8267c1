/**
 * Builds dist/ once before the tests: the README quickstart, the CLI and the UI end-to-end tests
 * run the package the way users do (its `exports`, its `bin`, the built web UI), not the sources.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const node = (...args: string[]) => execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  // from scratch, so nothing left over from a removed source file is packed or imported
  rmSync(join(root, "dist"), { recursive: true, force: true });
  node(join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json");
  if (existsSync(join(root, "src", "ui", "index.html"))) {
    node(join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn");
  }
}
