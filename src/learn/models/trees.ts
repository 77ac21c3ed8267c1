/**
 * Compact binary trees in flat typed arrays, shared by the decision tree, the forest and gradient
 * boosting. A node is internal when `feature >= 0`; its children are adjacent: left at
 * `left[node]`, right at `left[node] + 1`. A row goes left when `x <= threshold`, right when
 * `x > threshold`, and a missing value (NaN) goes left when `missingLeft` is 1.
 */
import { SextantError } from "../../core/index.js";
import { decodeF64, decodeI32, decodeU8, type EncodedArray, encodeArray } from "./format.js";

export interface TreeArrays {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  missingLeft: Uint8Array;
  /** Leaf value: P(y = 1) for classification trees, the raw score for boosting. */
  value: Float64Array;
}

/** A growable tree under construction. */
export class TreeBuilder {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  missingLeft: Uint8Array;
  value: Float64Array;
  size = 0;

  constructor(capacity = 64) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.missingLeft = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
  }

  /** Appends `count` leaf nodes (value 0) and returns the index of the first. */
  add(count: number): number {
    const at = this.size;
    if (at + count > this.feature.length) {
      const cap = Math.max(this.feature.length * 2, at + count);
      const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.feature = grow(this.feature, (n) => new Int32Array(n));
      this.threshold = grow(this.threshold, (n) => new Float64Array(n));
      this.left = grow(this.left, (n) => new Int32Array(n));
      this.missingLeft = grow(this.missingLeft, (n) => new Uint8Array(n));
      this.value = grow(this.value, (n) => new Float64Array(n));
    }
    for (let k = at; k < at + count; k++) {
      this.feature[k] = -1;
      this.left[k] = -1;
    }
    this.size += count;
    return at;
  }

  /** Makes `node` internal with children allocated next to each other; returns the left child. */
  split(node: number, feature: number, threshold: number, missingLeft: boolean): number {
    const l = this.add(2);
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.missingLeft[node] = missingLeft ? 1 : 0;
    this.left[node] = l;
    return l;
  }

  finish(): TreeArrays {
    const n = this.size;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      missingLeft: this.missingLeft.slice(0, n),
      value: this.value.slice(0, n),
    };
  }
}

export interface EncodedTree {
  feature: EncodedArray;
  threshold: EncodedArray;
  left: EncodedArray;
  missingLeft: EncodedArray;
  value: EncodedArray;
}

export function encodeTree(t: TreeArrays): EncodedTree {
  return {
    feature: encodeArray(t.feature),
    threshold: encodeArray(t.threshold),
    left: encodeArray(t.left),
    missingLeft: encodeArray(t.missingLeft),
    value: encodeArray(t.value),
  };
}

/** Decodes and checks a stored tree (indices in range, children after their parent). */
export function decodeTree(e: unknown, nFeatures: number, what: string): TreeArrays {
  if (typeof e !== "object" || e === null)
    throw new SextantError("INVALID_ARGUMENT", `${what} is not a tree`);
  const o = e as Record<string, unknown>;
  const t: TreeArrays = {
    feature: decodeI32(o.feature, `${what}.feature`),
    threshold: decodeF64(o.threshold, `${what}.threshold`),
    left: decodeI32(o.left, `${what}.left`),
    missingLeft: decodeU8(o.missingLeft, `${what}.missingLeft`),
    value: decodeF64(o.value, `${what}.value`),
  };
  const n = t.feature.length;
  if (n === 0 || [t.threshold, t.left, t.missingLeft, t.value].some((a) => a.length !== n)) {
    throw new SextantError("INVALID_ARGUMENT", `${what} has arrays of different lengths`);
  }
  for (let i = 0; i < n; i++) {
    const f = t.feature[i]!;
    if (f >= nFeatures || (f >= 0 && !(t.left[i]! > i && t.left[i]! + 1 < n))) {
      throw new SextantError("INVALID_ARGUMENT", `${what} node ${i} is malformed`);
    }
  }
  return t;
}
