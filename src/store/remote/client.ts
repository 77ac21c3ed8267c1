/**
 * The transport to one Sextant server's native API (/api/v1), shared by every aggregate's HTTP
 * client and the artifact client.
 *
 * Failures that may be transient (connection refused or reset, timeouts, HTTP 502/503/504) are
 * retried with exponential backoff up to `retryForMs`. Retrying is safe: metric batches carry an
 * idempotency key, runs, trials' claims and evaluations are created under client-chosen ids or
 * compare-and-set, the rest are idempotent writes. When the server stays unreachable the error is
 * STORE_UNAVAILABLE. Error bodies become the server's typed SextantError, code and details kept.
 */

import type { ZodType, z } from "zod";
import { wireReplacer } from "../../api/index.js";
import { ERROR_CATALOG, type ErrorCode, SextantError } from "../../core/index.js";

export interface HttpStoreOptions {
  /** API token sent as `Authorization: Bearer …` (default $SEXTANT_TRACKING_TOKEN). */
  token?: string;
  /** How long transient failures are retried before STORE_UNAVAILABLE (default 30 s). */
  retryForMs?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  query?: Record<string, string | number | undefined>;
  /** Raw bytes wanted back instead of JSON. */
  binary?: boolean;
  /** The response itself, its body unread (the timeout then covers only the wait for its headers). */
  stream?: boolean;
  /** 404 answers null instead of throwing. */
  allow404?: boolean;
}

const RETRY_STATUS = new Set([502, 503, 504]);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CATALOG, code);
}

/** Transport to one server, shared by the store and the artifact store. */
export class HttpClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #retryForMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = options.token ?? process.env.SEXTANT_TRACKING_TOKEN;
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Sends a request; with `shape`, the answer is parsed with that API shape (src/api), which also
   * turns the wire's "NaN"/"Infinity" strings back into numbers, and an answer that does not fit
   * is an INTERNAL error naming the route.
   */
  request<S extends ZodType>(path: string, opts: RequestOptions & { shape: S }): Promise<z.output<S>>;
  request<T>(path: string, opts?: RequestOptions): Promise<T>;
  async request<T>(path: string, opts: RequestOptions & { shape?: ZodType } = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    // bytes go as they are (fetch takes any Uint8Array; the type asks for an ArrayBuffer-backed one)
    let body: RequestInit["body"];
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json, wireReplacer);
    } else if (opts.body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/octet-stream";
      body = opts.body as Uint8Array<ArrayBuffer>;
    }
    const started = Date.now();
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      const headersDue = opts.stream ? new AbortController() : null;
      const timer = headersDue && setTimeout(() => headersDue.abort(), this.#timeoutMs);
      try {
        res = await this.#fetch(url, {
          method: opts.method ?? "GET",
          headers,
          body,
          signal: headersDue?.signal ?? AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (e) {
        if (Date.now() - started + delay > this.#retryForMs) {
          throw new SextantError(
            "STORE_UNAVAILABLE",
            `cannot reach the Sextant server at ${this.baseUrl}: ${(e as Error).message}`,
            {
              url: this.baseUrl,
              attempts: attempt + 1,
            },
            { cause: e },
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
        continue;
      } finally {
        if (timer) clearTimeout(timer);
      }
      if (res.ok) {
        if (opts.stream) return res as T;
        if (opts.binary) return Buffer.from(await res.arrayBuffer()) as T;
        const text = await res.text();
        const json = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
        if (opts.shape === undefined) return json as T;
        const parsed = opts.shape.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new SextantError(
            "INTERNAL",
            `the answer of ${this.baseUrl} to ${opts.method ?? "GET"} ${path} does not fit its shape: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "?"}`,
            {
              issues: parsed.error.issues
                .slice(0, 5)
                .map((i) => ({ path: i.path.join("."), message: i.message })),
            },
          );
        }
        return parsed.data as T;
      }
      if (res.status === 404 && opts.allow404) {
        await res.arrayBuffer();
        return null as T;
      }
      if (RETRY_STATUS.has(res.status) && Date.now() - started + delay <= this.#retryForMs) {
        await res.arrayBuffer();
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      throw await errorFrom(res, this.baseUrl);
    }
  }
}

async function errorFrom(res: Response, baseUrl: string): Promise<SextantError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
    if (isErrorCode(body.code)) {
      return new SextantError(
        body.code,
        String(body.message ?? ""),
        (body.details ?? {}) as Record<string, unknown>,
      );
    }
  } catch {
    // not one of ours
  }
  const code: ErrorCode = res.status >= 500 ? "STORE_UNAVAILABLE" : "INTERNAL";
  return new SextantError(code, `the server at ${baseUrl} answered ${res.status}: ${text.slice(0, 200)}`, {
    status: res.status,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Whether a server answers at all (a short probe of /health): any HTTP answer counts — a server
 * that wants a token still is there, and the requests that follow will say what it needs.
 */
export async function reachable(baseUrl: string, options: HttpStoreOptions = {}): Promise<boolean> {
  try {
    const res = await (options.fetch ?? fetch)(`${baseUrl.replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(3000),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
