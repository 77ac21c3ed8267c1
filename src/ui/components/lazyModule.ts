/**
 * Code loaded on demand without Suspense: React throttles the reveal of a suspended boundary
 * (about 300 ms), which would delay every lazily loaded page and chart. A module loads once; its
 * users re-render when it arrives.
 */
import { useEffect, useReducer } from "react";

export interface LazyModule<T> {
  preload(): void;
  /** The module when loaded, else null; `error` when the download failed. */
  peek(): { value: T | null; error: unknown };
  load(): Promise<T>;
}

export function lazyModule<T>(loader: () => Promise<T>): LazyModule<T> {
  let value: T | null = null;
  let error: unknown = null;
  let promise: Promise<T> | null = null;
  const load = (): Promise<T> => {
    promise ??= loader().then(
      (v) => {
        value = v;
        return v;
      },
      (e: unknown) => {
        error = e;
        promise = null;
        throw e;
      },
    );
    return promise;
  };
  return {
    load,
    preload: () => {
      load().catch(() => undefined);
    },
    peek: () => ({ value, error }),
  };
}

/** The module's value once loaded (starting the download on first use). */
export function useLazyModule<T>(mod: LazyModule<T>): { value: T | null; error: unknown } {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const state = mod.peek();
  useEffect(() => {
    if (state.value !== null) return;
    let live = true;
    mod.load().then(
      () => live && rerender(),
      () => live && rerender(),
    );
    return () => {
      live = false;
    };
  }, [mod, state.value]);
  return mod.peek();
}
