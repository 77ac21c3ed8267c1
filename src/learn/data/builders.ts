/**
 * Growable typed-array builders the file readers fill one value at a time, and the parsing rule
 * for numeric text shared by the CSV and Parquet readers.
 */
import type { CategoryColumn, NumberColumn } from "./table.js";
import { compareStrings } from "./table.js";

/** Text that means "missing" in a number column (besides the empty cell). */
export const MISSING_NUMBER_TOKENS: readonly string[] = ["NA", "N/A", "NaN", "nan", "null", "NULL", "None"];

const MISSING = new Set(["", ...MISSING_NUMBER_TOKENS]);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a cell of a number column: a decimal number (surrounding spaces ignored), `true`/`false`
 * (any case) as 1/0, `Infinity`/`-Infinity`, or a missing token as NaN.
 * @returns the number, NaN for missing, or undefined when the text is not a number
 */
export function parseNumberCell(text: string): number | undefined {
  const t =
    text.length > 0 && (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32)
      ? text.trim()
      : text;
  if (DECIMAL.test(t)) return Number(t);
  if (MISSING.has(t)) return Number.NaN;
  switch (t.toLowerCase()) {
    case "true":
      return 1;
    case "false":
      return 0;
    case "infinity":
    case "+infinity":
      return Number.POSITIVE_INFINITY;
    case "-infinity":
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

export class NumberBuilder {
  #data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.length++] = v;
  }

  finish(): NumberColumn {
    return { type: "number", values: this.#data.slice(0, this.length) };
  }
}

/** Codes in order of first appearance while reading; `finish` sorts the dictionary. */
export class CategoryBuilder {
  #codes = new Int32Array(1024);
  #index = new Map<string, number>();
  #values: string[] = [];
  length = 0;

  /** Appends a value; null or the empty string is missing. */
  push(v: string | null | undefined): void {
    let code = -1;
    if (v !== null && v !== undefined && v !== "") {
      const known = this.#index.get(v);
      if (known === undefined) {
        code = this.#values.length;
        this.#index.set(v, code);
        this.#values.push(v);
      } else code = known;
    }
    if (this.length === this.#codes.length) {
      const next = new Int32Array(this.#codes.length * 2);
      next.set(this.#codes);
      this.#codes = next;
    }
    this.#codes[this.length++] = code;
  }

  finish(): CategoryColumn {
    const dictionary = [...this.#values].sort(compareStrings);
    const rank = new Map(dictionary.map((s, i) => [s, i]));
    const remap = Int32Array.from(this.#values, (s) => rank.get(s)!);
    const codes = this.#codes.slice(0, this.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c >= 0) codes[i] = remap[c]!;
    }
    return { type: "category", codes, dictionary };
  }
}
