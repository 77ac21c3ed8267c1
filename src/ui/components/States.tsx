/** Loading, error and empty states. */
import type { ReactNode } from "react";
import { ApiError, errorMessage } from "../api.js";

export function Spinner({ label = "Loading…", inline = false }: { label?: string; inline?: boolean }) {
  return (
    <span className={inline ? "spinner inline" : "spinner"} role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label && <span className="spinner-label">{label}</span>}
    </span>
  );
}

export function ErrorPanel({
  error,
  title,
  children,
}: {
  error: unknown;
  title?: string;
  children?: ReactNode;
}) {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error-panel" role="alert">
      <div className="error-title">
        {title ?? "Something went wrong"}
        {code && <span className="error-code">{code}</span>}
      </div>
      <div className="error-message">{errorMessage(error)}</div>
      {children}
    </div>
  );
}

export function Skeleton({ rows = 6, height = 14 }: { rows?: number; height?: number }) {
  return (
    <div className="skeleton" aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div key={i} className="skeleton-line" style={{ height, width: `${60 + ((i * 37) % 40)}%` }} />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
