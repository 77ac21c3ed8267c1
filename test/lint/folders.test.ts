import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findFolderViolations, judgeImport, LINTED_FOLDERS } from "./folders.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the folder rule", () => {
  it("lets a file import its siblings and the files of the folders above it", () => {
    expect(judgeImport("src/store/runs/kysely.ts", "src/store/runs/search-sql.ts")).toBeUndefined();
    expect(judgeImport("src/store/runs/kysely.ts", "src/store/contract.ts")).toBeUndefined();
    expect(judgeImport("src/store/runs/kysely.ts", "src/index.ts")).toBeUndefined();
    expect(judgeImport("test/e2e/cli.test.ts", "test/store-backends.ts")).toBeUndefined();
  });

  it("lets a file enter a folder beside it or beside an ancestor through that folder's index", () => {
    expect(judgeImport("src/store/runs/kysely.ts", "src/store/engine/index.ts")).toBeUndefined();
    expect(judgeImport("src/store/runs/kysely.ts", "src/core/index.ts")).toBeUndefined();
    expect(judgeImport("src/cli/main.ts", "src/store/index.ts")).toBeUndefined();
    // src/ is the package tree's root: tests, benchmarks and examples enter src/<folder> by its index
    expect(judgeImport("test/e2e/cli.test.ts", "src/store/index.ts")).toBeUndefined();
    expect(judgeImport("bench/search.ts", "src/index.ts")).toBeUndefined();
  });

  it("names the index to use when an import goes past a folder's index", () => {
    expect(judgeImport("src/store/runs/kysely.ts", "src/core/errors.ts")).toBe("src/core/index.ts");
    // entering store/runs from outside store goes through store first
    expect(judgeImport("src/cli/main.ts", "src/store/runs/index.ts")).toBe("src/store/index.ts");
    expect(judgeImport("src/server/app.ts", "src/hpo/samplers/tpe/sampler.ts")).toBe("src/hpo/index.ts");
    expect(judgeImport("src/hpo/study.ts", "src/hpo/samplers/tpe/sampler.ts")).toBe(
      "src/hpo/samplers/index.ts",
    );
    expect(judgeImport("test/e2e/ui.test.ts", "src/server/app.ts")).toBe("src/server/index.ts");
    expect(judgeImport("examples/tunekeep.ts", "bench/util.ts")).toBe("bench/index.ts");
  });

  it("reaches test kits through the kit of the folder entered, from test code only", () => {
    expect(judgeImport("test/conformance/runs.test.ts", "src/store/testing/index.ts")).toBeUndefined();
    expect(
      judgeImport("src/store/runs/testing/conformance.ts", "src/store/testing/index.ts"),
    ).toBeUndefined();
    expect(judgeImport("src/store/testing/index.ts", "src/store/runs/testing/index.ts")).toBeUndefined();
    expect(judgeImport("test/conformance/runs.test.ts", "src/store/runs/testing/index.ts")).toBe(
      "src/store/testing/index.ts",
    );
    expect(judgeImport("src/learn/models/tree.test.ts", "src/learn/models/testing/data.ts")).toBe(
      "src/learn/models/testing/index.ts",
    );
    expect(judgeImport("src/store/runs/kysely.ts", "src/store/testing/index.ts")).toBe(
      "shipped code imports no test kit",
    );
    expect(judgeImport("src/hpo/study.ts", "src/hpo/testing/index.ts")).toBe(
      "shipped code imports no test kit",
    );
  });

  describe("on files", () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-folders-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    it("finds static imports, type imports, re-exports and dynamic imports, with their lines", () => {
      write("src/core/errors.ts", "export class E {}\nexport type T = 1;\n");
      write("src/core/index.ts", 'export * from "./errors.js";\n');
      write("src/ui/pages/Page.tsx", "export const Page = () => null;\n");
      write("src/ui/pages/index.ts", 'export const page = () => import("./Page.js");\n');
      write(
        "src/store/a.ts",
        [
          'import { E } from "../core/index.js";',
          'import type { T } from "../core/errors.js";',
          'export { E as F } from "../core/errors.js";',
          'const later = () => import("../core/errors.js");',
          'import styles from "./a.css";',
          'import { z } from "zod";',
          "export const x: T | E | typeof later | typeof styles | typeof z = 1 as never;",
        ].join("\n"),
      );
      write("test/t.test.ts", 'import { Page } from "../src/ui/pages/Page.js";\n');
      const found = findFolderViolations(dir, ["src", "test"]);
      expect(found.map((v) => [v.file, v.line, v.specifier, v.fix])).toEqual([
        ["src/store/a.ts", 2, "../core/errors.js", "src/core/index.ts"],
        ["src/store/a.ts", 3, "../core/errors.js", "src/core/index.ts"],
        ["src/store/a.ts", 4, "../core/errors.js", "src/core/index.ts"],
        ["test/t.test.ts", 1, "../src/ui/pages/Page.js", "src/ui/index.ts"],
      ]);
    });
  });

  it("holds in this repository", () => {
    const found = findFolderViolations(ROOT, LINTED_FOLDERS);
    expect(found.map((v) => `${v.file}:${v.line} ${v.specifier} → ${v.fix}`)).toEqual([]);
  });
});
