import { describe, expect, it } from "vitest";
import { classifyDiff, shellJoin, summarizeDiff } from "./unifiedDiff.js";

const diff = `diff --git a/src/train.ts b/src/train.ts
index 1111111..2222222 100644
--- a/src/train.ts
+++ b/src/train.ts
@@ -1,3 +1,3 @@
 const a = 1;
-const lr = 0.1;
+const lr = 0.01;
+// tuned
diff --git a/new.txt b/new.txt
new file mode 100644
--- /dev/null
+++ b/new.txt
@@ -0,0 +1 @@
+hello
`;

describe("classifyDiff", () => {
  it("classifies each line", () => {
    expect(classifyDiff(diff).map((l) => l.kind)).toEqual([
      "file",
      "meta",
      "meta",
      "meta",
      "hunk",
      "context",
      "del",
      "add",
      "add",
      "file",
      "meta",
      "meta",
      "meta",
      "hunk",
      "add",
    ]);
  });
  it("counts per file", () => {
    expect(summarizeDiff(classifyDiff(diff))).toEqual([
      { path: "src/train.ts", added: 2, removed: 1 },
      { path: "new.txt", added: 1, removed: 0 },
    ]);
  });
  it("treats ---/+++ inside hunks as content", () => {
    expect(classifyDiff("@@ -1 +1 @@\n--- x\n+++ y\n").map((l) => l.kind)).toEqual(["hunk", "del", "add"]);
  });
});

describe("shellJoin", () => {
  it("quotes what a shell would split", () => {
    expect(shellJoin(["node", "train.js", "--lr=0.1", "a b", "it's", ""])).toBe(
      "node train.js --lr=0.1 'a b' 'it'\\''s' ''",
    );
  });
});
