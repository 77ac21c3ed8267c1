/**
 * The feature matrix every learner works on, column-major (one Float64Array per feature), and the
 * adapter from what users pass: rows as `number[][]` or `Float64Array[]`, or a table. A table is
 * anything with `featureMatrix()`: the data layer's Table implements it (categoricals as codes).
 */
import { SextantError } from "../core/index.js";

export interface Matrix {
  nRows: number;
  nCols: number;
  /** columns[j][i] is feature j of row i. */
  columns: Float64Array[];
  /** Feature names when the input carried them (a table), else null. */
  names: string[] | null;
}

/** What a table offers learners. */
export interface TableLike {
  readonly numRows: number;
  /** The named features (all when omitted) as numeric columns; NaN marks a missing value. */
  featureMatrix(names?: string[]): { columns: Float64Array[]; names: string[] };
}

export type FeatureInput = number[][] | Float64Array[] | TableLike;

export function isTableLike(x: unknown): x is TableLike {
  return typeof x === "object" && x !== null && typeof (x as TableLike).featureMatrix === "function";
}

/** Converts rows or a table to a column-major matrix. @throws INVALID_ARGUMENT on ragged or empty input */
export function toMatrix(X: FeatureInput, names?: string[]): Matrix {
  if (isTableLike(X)) {
    const m = X.featureMatrix(names);
    return { nRows: X.numRows, nCols: m.columns.length, columns: m.columns, names: m.names };
  }
  if (!Array.isArray(X)) {
    throw new SextantError("INVALID_ARGUMENT", "X must be an array of rows or a table");
  }
  const nRows = X.length;
  if (nRows === 0) throw new SextantError("INVALID_ARGUMENT", "X has no rows");
  const nCols = X[0]!.length;
  const columns = Array.from({ length: nCols }, () => new Float64Array(nRows));
  for (let i = 0; i < nRows; i++) {
    const row = X[i]!;
    if (row.length !== nCols) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `row ${i} of X has ${row.length} values, row 0 has ${nCols}`,
        { row: i },
      );
    }
    for (let j = 0; j < nCols; j++) columns[j]![i] = row[j]!;
  }
  return { nRows, nCols, columns, names: names ?? null };
}

/** Labels as 0/1 bytes. @throws INVALID_ARGUMENT when a label is not 0/1 (or false/true) or the length differs */
export function toLabels(y: ArrayLike<number | boolean>, nRows: number): Uint8Array {
  if (y.length !== nRows) {
    throw new SextantError("INVALID_ARGUMENT", `y has ${y.length} labels for ${nRows} rows`);
  }
  const out = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const v = y[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false) {
      throw new SextantError("INVALID_ARGUMENT", `label ${i} is ${String(v)}; binary labels are 0 or 1`, {
        row: i,
      });
    }
  }
  return out;
}
