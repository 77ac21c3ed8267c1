/**
 * Builds dist/ once before the tests: the README quickstart and the CLI end-to-end tests run the
 * package the way users do (its `exports` and `bin`), not the sources.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
}
