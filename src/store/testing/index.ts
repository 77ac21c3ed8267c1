/**
 * What every aggregate's conformance suite is given: a factory for a fresh, empty store of one
 * backend. The backends themselves (SQLite, PostgreSQL, HTTP against a server on each) are made
 * in test/store-backends.ts, so the store's own code never depends on the server.
 */
import { expect } from "vitest";
import { SextantError } from "../../core/index.js";
import type { ArtifactStore } from "../artifacts/index.js";
import type { Store } from "../contract.js";

export interface StoreFactory {
  /** A fresh, empty store; `searchBudget` is passed to the SQL implementation's options. */
  open(options?: { searchBudget?: number }): Promise<Store>;
  /**
   * For stores that stamp times with their own clock (a server): make "now" be `now` for the
   * next call. Embedded stores take the time as an argument and need nothing.
   */
  setNow?(store: Store, now: number): void;
  /** Blob storage that goes with the store, where the store checks that recorded blobs exist. */
  blobs?(store: Store): ArtifactStore;
  /** Called after close(), to drop whatever open() created. */
  dispose?(store: Store): Promise<void>;
}

export const T0 = 1_700_000_000_000;

/** Awaits `p` (or calls it) and expects a SextantError with `code`; returns the error. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<SextantError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    expect((e as SextantError).code).toBe(code);
    return e as SextantError;
  }
  throw new Error(`expected a SextantError with code ${code}, but nothing was thrown`);
}

// the aggregates' kits: each one's conformance suite and helpers
export * from "../artifacts/testing/index.js";
export * from "../evaluations/testing/index.js";
export * from "../registry/testing/index.js";
export * from "../runs/testing/index.js";
export * from "../studies/testing/index.js";
export * from "../tokens/testing/index.js";
