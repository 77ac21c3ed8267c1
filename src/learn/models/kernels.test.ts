/** The WebAssembly kernels against plain JavaScript references. */
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/index.js";
import { binOf } from "./binning.js";
import { Ensemble } from "./ensemble.js";
import { bindKernels, kernelModule } from "./kernels.js";
import { type TreeArrays, TreeBuilder } from "./trees.js";
import { Wasm } from "./wasm.js";

const rng = new Rng(11);

function memory(bytes: number) {
  const mem = new Wasm.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
  return { mem, k: bindKernels(kernelModule(), mem), buf: mem.buffer };
}

describe("histogram kernels", () => {
  const n = 3001;
  const nF = 5;
  const B = 17;
  const { k, buf } = memory(1 << 22);
  const binned = new Uint8Array(buf, 0, n * nF);
  for (let i = 0; i < binned.length; i++) binned[i] = rng.int(0, B - 1);
  const GH = 1 << 16;
  const gh = new Float32Array(buf, GH, 2 * n);
  for (let i = 0; i < 2 * n; i++) gh[i] = rng.normal();
  const PART = 1 << 17;
  const part = new Uint32Array(buf, PART, n);
  const rows = Array.from({ length: n }, (_, i) => i).filter(() => rng.random() < 0.4);
  part.set(rows);
  const HIST = 1 << 18;
  const OGH = 1 << 20;

  function reference(sel: number[], f0: number, f1: number): Float64Array {
    const h = new Float64Array(nF * B * 3);
    for (let f = f0; f < f1; f++) {
      for (const s of sel) {
        const b = (f * B + binned[f * n + s]!) * 3;
        h[b] = h[b]! + gh[2 * s]!;
        h[b + 1] = h[b + 1]! + gh[2 * s + 1]!;
        h[b + 2] = h[b + 2]! + 1;
      }
    }
    return h;
  }

  it("hist_all sums every row of features [f0, f1)", () => {
    const hist = new Float64Array(buf, HIST, nF * B * 3).fill(0);
    k.hist_all(HIST, 0, GH, n, 1, 4, B);
    expect(Array.from(hist)).toEqual(
      Array.from(
        reference(
          Array.from({ length: n }, (_, i) => i),
          1,
          4,
        ),
      ),
    );
  });

  it("hist_rows sums the listed rows (gathering their gradients first)", () => {
    const hist = new Float64Array(buf, HIST, nF * B * 3).fill(0);
    k.hist_rows(HIST, 0, GH, PART, rows.length, 0, nF, B, n, OGH, 1);
    expect(Array.from(hist)).toEqual(Array.from(reference(rows, 0, nF)));
  });

  it("partition is a stable split by bin, missing bin by flag", () => {
    for (const missingLeft of [0, 1]) {
      part.set(rows);
      const f = 2;
      const cut = 7;
      const missing = B - 1;
      const goesLeft = (s: number) =>
        binned[f * n + s] === missing ? missingLeft === 1 : binned[f * n + s]! <= cut;
      const left = k.partition(PART + 4 * 10, rows.length - 20, f * n, cut, missing, missingLeft, OGH);
      const seg = rows.slice(10, rows.length - 10);
      expect(left).toBe(seg.filter(goesLeft).length);
      expect(Array.from(part.subarray(0, rows.length))).toEqual([
        ...rows.slice(0, 10),
        ...seg.filter(goesLeft),
        ...seg.filter((s) => !goesLeft(s)),
        ...rows.slice(rows.length - 10),
      ]);
    }
  });

  it("bin_column agrees with the scalar binary search, NaN to the missing bin", () => {
    const X = 1 << 21;
    const THR = (1 << 21) + 8 * 5000;
    const x = new Float64Array(buf, X, 5000);
    for (let i = 0; i < x.length; i++) x[i] = i % 97 === 0 ? Number.NaN : Math.round(rng.normal() * 20) / 10;
    for (const nThr of [0, 1, 2, 5, 254]) {
      const t = Float64Array.from({ length: nThr }, () => Math.round(rng.normal() * 20) / 10).sort();
      new Float64Array(buf, THR, 256).set(t);
      k.bin_column(0, X, x.length, THR, nThr, 255);
      const out = new Uint8Array(buf, 0, x.length);
      expect(Array.from(out)).toEqual(Array.from(x, (v) => binOf(t, v, 255)));
    }
  });
});

/** A random tree over nF features, grown to `depth` with some early leaves. */
function randomTree(nF: number, depth: number): TreeArrays {
  const b = new TreeBuilder();
  b.add(1);
  const grow = (node: number, d: number): void => {
    if (d === depth || (d > 1 && rng.random() < 0.2)) {
      b.value[node] = rng.normal();
      return;
    }
    const l = b.split(node, rng.int(0, nF - 1), Math.round(rng.normal() * 10) / 10, rng.random() < 0.5);
    grow(l, d + 1);
    grow(l + 1, d + 1);
  };
  grow(0, 0);
  return b.finish();
}

function traverse(t: TreeArrays, row: number[]): number {
  let node = 0;
  while (t.feature[node]! >= 0) {
    const x = row[t.feature[node]!]!;
    const right = Number.isNaN(x) ? t.missingLeft[node] !== 1 : x > t.threshold[node]!;
    node = t.left[node]! + (right ? 1 : 0);
  }
  return t.value[node]!;
}

describe("Ensemble prediction", () => {
  it.each([false, true])("matches a plain traversal (missing values: %s)", (withNaN) => {
    const nF = 7;
    const trees = Array.from({ length: 25 }, () => randomTree(nF, 7));
    const e = new Ensemble(trees, nF);
    const n = 1500; // several chunks, the last one partial
    const rowsX = Array.from({ length: n }, () =>
      Array.from({ length: nF }, () =>
        withNaN && rng.random() < 0.1 ? Number.NaN : Math.round(rng.normal() * 10) / 10,
      ),
    );
    const columns = Array.from({ length: nF }, (_, f) => Float64Array.from(rowsX, (r) => r[f]!));
    const out = new Float64Array(n);
    e.addTo({ nRows: n, nCols: nF, columns, names: null }, out);
    const expected = rowsX.map((r) => trees.reduce((s, t) => s + traverse(t, r), 0));
    // the kernel adds tree by tree into zero, the reference too: equal bit for bit
    expect(Array.from(out)).toEqual(expected);
  });
});
