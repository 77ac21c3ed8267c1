import { describe, expect, it } from "vitest";
import { ancestorDirs, buildArtifactTree, imageMime, looksLikeText, previewKind } from "./artifacts.js";

const e = (path: string, size = 1) => ({ path, sha256: "0".repeat(64), size, createdTime: 0 });

describe("buildArtifactTree", () => {
  it("nests paths, directories first, sorted, with sizes", () => {
    const root = buildArtifactTree([
      e("z.txt", 5),
      e("model/weights.bin", 100),
      e("model/cfg/a.json", 7),
      e("a.png", 3),
    ]);
    expect(root.dirs.map((d) => d.name)).toEqual(["model"]);
    expect(root.files.map((f) => f.path)).toEqual(["a.png", "z.txt"]);
    const model = root.dirs[0]!;
    expect([model.path, model.size, model.count]).toEqual(["model", 107, 2]);
    expect(model.dirs[0]!.path).toBe("model/cfg");
    expect(model.dirs[0]!.files[0]!.name).toBe("a.json");
    expect(model.files.map((f) => f.name)).toEqual(["weights.bin"]);
    expect([root.size, root.count]).toEqual([115, 4]);
  });
  it("lists ancestors", () => {
    expect(ancestorDirs("a/b/c.txt")).toEqual(["a", "a/b"]);
    expect(ancestorDirs("c.txt")).toEqual([]);
  });
});

describe("previewKind", () => {
  it("picks a preview by extension", () => {
    expect(previewKind("plots/loss.PNG")).toBe("image");
    expect(previewKind("x.svg")).toBe("image");
    expect(previewKind("metrics.json")).toBe("json");
    expect(previewKind("data/head.csv")).toBe("csv");
    expect(previewKind("data/head.tsv")).toBe("csv");
    expect(previewKind("sextant/code.diff")).toBe("diff");
    expect(previewKind("notes.md")).toBe("text");
    expect(previewKind("model.bin")).toBe("binary");
    expect(previewKind("Dockerfile")).toBe("text");
    expect(imageMime("a.svg")).toBe("image/svg+xml");
    expect(imageMime("a.txt")).toBeNull();
  });
  it("sniffs binary bytes", () => {
    expect(looksLikeText(new Uint8Array([104, 105]))).toBe(true);
    expect(looksLikeText(new Uint8Array([104, 0, 105]))).toBe(false);
  });
});
