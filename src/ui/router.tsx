/**
 * A tiny router on the History API. The path and query string are the only view state: pages read
 * them with useLocation/useSearchParams and change them with navigate (push, for steps the back
 * button should undo) or navigate(…, { replace: true }) (for fine-grained tweaks).
 */
import {
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useMemo,
  useSyncExternalStore,
} from "react";
import { patchQuery, queryString } from "./lib/index.js";

export interface Location {
  pathname: string;
  search: string;
}

let current: Location = read();
const listeners = new Set<() => void>();

function read(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

function update(): void {
  const next = read();
  if (next.pathname === current.pathname && next.search === current.search) return;
  current = next;
  for (const l of listeners) l();
}

window.addEventListener("popstate", update);

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export interface NavigateOptions {
  replace?: boolean;
}

/** Goes to a same-origin URL ("/runs/abc?tab=code"). */
export function navigate(to: string, options: NavigateOptions = {}): void {
  const url = new URL(to, window.location.href);
  const target = `${url.pathname}${url.search}${url.hash}`;
  const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  if (target === here) return;
  const pathChanged = url.pathname !== window.location.pathname;
  if (options.replace) window.history.replaceState(null, "", target);
  else window.history.pushState(null, "", target);
  update();
  if (pathChanged && !options.replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, () => current);
}

export function useSearchParams(): URLSearchParams {
  const { search } = useLocation();
  return useMemo(() => new URLSearchParams(search), [search]);
}

type QueryValue = string | number | boolean | null | undefined;

/** Sets some query keys on the current URL (reads the URL at call time, so it is never stale). */
export function useSetQuery(): (patch: Record<string, QueryValue>, options?: NavigateOptions) => void {
  return useCallback((patch, options) => {
    const s = queryString(patchQuery(new URLSearchParams(window.location.search), patch));
    navigate(`${window.location.pathname}${s ? `?${s}` : ""}`, options);
  }, []);
}

/** Whether a click should be left to the browser (new tab, download, other window…). */
function isModified(e: MouseEvent<HTMLAnchorElement>): boolean {
  return e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;
}

export interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  href: string;
  replace?: boolean;
  children?: ReactNode;
}

/** A real <a href> (it opens in a new tab when asked) whose plain clicks the router handles. */
export function Link({ href, replace, onClick, target, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (isModified(e) || (target && target !== "_self") || rest.download !== undefined) return;
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return;
    e.preventDefault();
    navigate(href, { replace });
  };
  return (
    <a href={href} onClick={handle} target={target} {...rest}>
      {children}
    </a>
  );
}
