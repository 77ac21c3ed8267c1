/**
 * The transport to Sextant servers' native API (/api/v1), shared by every aggregate's HTTP client
 * and the artifact client.
 *
 * A tracking URI may name several servers of one store (`http://a:5000,http://b:5000`). Requests
 * go to one of them until it fails in a way that may be transient (connection refused or reset,
 * timeouts, HTTP 502/503/504); then the client moves on to the next one, and stays there. Each
 * request tries every server once, then goes round them again with exponential backoff until
 * `retryForMs`. Retrying is safe: metric batches carry an idempotency key, runs, trials' claims,
 * evaluations and tokens are created under client-chosen ids or compare-and-set, the rest are
 * idempotent writes, and the few writes that are neither pass `settled`, which asks after a
 * failed attempt that may have reached a server whether it took effect before sending again.
 * When every server stays unreachable the error is STORE_UNAVAILABLE. Error bodies become the
 * server's typed SextantError, code and details kept.
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

export interface RequestOptions<T = unknown> {
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
  /**
   * For a write that a second delivery would apply twice: after a failed attempt that may have
   * reached a server (anything but a connection never made), this is asked before sending again;
   * `{ value }` means the lost attempt took effect, and `value` is the answer.
   */
  settled?: () => Promise<{ value: T } | null>;
}

const RETRY_STATUS = new Set([502, 503, 504]);
/** Failures to connect: the request was never sent. */
const UNSENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CATALOG, code);
}

/**
 * The servers a tracking URI names: one `http(s)://host:port`, or several separated by commas.
 * @throws UNSUPPORTED_URI when an entry is not an http(s) URL
 */
export function serverUrls(uri: string): string[] {
  const urls = uri
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter((u) => u.length > 0);
  const bad = urls.find((u) => !/^https?:\/\/[^/]/i.test(u));
  if (urls.length === 0 || bad !== undefined) {
    throw new SextantError(
      "UNSUPPORTED_URI",
      `'${bad ?? uri}' is not a server URL: name servers as http(s)://host:port, several separated by commas`,
      { uri },
    );
  }
  return [...new Set(urls)];
}

/** Whether `e` (a fetch failure) says the connection was never made. */
function neverSent(e: unknown): boolean {
  let c: unknown = e;
  for (let depth = 0; depth < 5 && c instanceof Error; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && UNSENT.has(code)) return true;
    c = c.cause;
  }
  return false;
}

/** One attempt's failure that another server, or the same one later, may not have. */
interface Transient {
  server: string;
  /** The server's answer (a 502/503/504), or null when none came. */
  answer: SextantError | null;
  cause: unknown;
  /** False when the request surely never reached the server. */
  mayHaveApplied: boolean;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; failure: Transient };

/** Transport to the servers of one store, shared by the store and the artifact store. */
export class HttpClient {
  /** Every server this client may send to, in the order given. */
  readonly baseUrls: readonly string[];
  readonly #token: string | undefined;
  readonly #retryForMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  /** Index of the server requests go to, until it fails. */
  #current = 0;

  /** `servers`: a tracking URI (one server or several, comma-separated) or a list of server URLs. */
  constructor(servers: string | readonly string[], options: HttpStoreOptions = {}) {
    this.baseUrls = typeof servers === "string" ? serverUrls(servers) : serverUrls(servers.join(","));
    this.#token = options.token ?? process.env.SEXTANT_TRACKING_TOKEN;
    this.#retryForMs = options.retryForMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The server requests go to now. */
  get baseUrl(): string {
    return this.baseUrls[this.#current]!;
  }

  /**
   * Sends a request; with `shape`, the answer is parsed with that API shape (src/api), which also
   * turns the wire's "NaN"/"Infinity" strings back into numbers, and an answer that does not fit
   * is an INTERNAL error naming the route.
   */
  request<S extends ZodType>(
    path: string,
    opts: RequestOptions<z.output<S>> & { shape: S },
  ): Promise<z.output<S>>;
  request<T>(path: string, opts?: RequestOptions<T>): Promise<T>;
  async request<T>(path: string, opts: RequestOptions<T> & { shape?: ZodType } = {}): Promise<T> {
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
    const init = { method: opts.method ?? "GET", headers, body };
    const servers = this.baseUrls.length;
    const started = Date.now();
    const lastBy = new Map<string, string>();
    let delay = 100;
    let server = this.#current;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt<T>(this.baseUrls[server]!, path, opts, init);
      if (outcome.ok) return outcome.value;
      const failure = outcome.failure;
      lastBy.set(failure.server, failure.answer?.message ?? (failure.cause as Error).message);
      server = this.#moveOn(server);
      // every server once, then rounds of all of them with backoff in between
      let wait = 0;
      if (attempt % servers === 0) {
        wait = delay;
        delay = Math.min(delay * 2, 5000);
      }
      if (attempt >= servers && Date.now() - started + wait > this.#retryForMs) {
        throw failure.answer ?? this.#unreachable(failure, lastBy, attempt);
      }
      if (wait > 0) await sleep(wait);
      if (opts.settled && failure.mayHaveApplied) {
        const done = await opts.settled();
        if (done) return done.value;
      }
    }
  }

  async #attempt<T>(
    server: string,
    path: string,
    opts: RequestOptions<T> & { shape?: ZodType },
    init: { method: string; headers: Record<string, string>; body: RequestInit["body"] },
  ): Promise<Attempt<T>> {
    const url = new URL(`${server}/api/v1${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    const headersDue = opts.stream ? new AbortController() : null;
    const timer = headersDue && setTimeout(() => headersDue.abort(), this.#timeoutMs);
    try {
      res = await this.#fetch(url, {
        ...init,
        signal: headersDue?.signal ?? AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      return { ok: false, failure: { server, answer: null, cause: e, mayHaveApplied: !neverSent(e) } };
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (res.ok) {
      if (opts.stream) return { ok: true, value: res as T };
      let bytes: ArrayBuffer;
      try {
        bytes = await res.arrayBuffer();
      } catch (e) {
        // the answer was cut off: the server did the work, and asking again is safe as for any failure
        return { ok: false, failure: { server, answer: null, cause: e, mayHaveApplied: true } };
      }
      if (opts.binary) return { ok: true, value: Buffer.from(bytes) as T };
      const text = Buffer.from(bytes).toString("utf8");
      const json = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      if (opts.shape === undefined) return { ok: true, value: json as T };
      const parsed = opts.shape.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SextantError(
          "INTERNAL",
          `the answer of ${server} to ${init.method} ${path} does not fit its shape: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "?"}`,
          {
            issues: parsed.error.issues
              .slice(0, 5)
              .map((i) => ({ path: i.path.join("."), message: i.message })),
          },
        );
      }
      return { ok: true, value: parsed.data as T };
    }
    if (res.status === 404 && opts.allow404) {
      await res.arrayBuffer();
      return { ok: true, value: null as T };
    }
    const answer = await errorFrom(res, server);
    if (RETRY_STATUS.has(res.status))
      return { ok: false, failure: { server, answer, cause: answer, mayHaveApplied: true } };
    throw answer;
  }

  /** After a failure on `failed`: the next server, unless another request has moved on already. */
  #moveOn(failed: number): number {
    if (this.#current === failed) this.#current = (failed + 1) % this.baseUrls.length;
    return this.#current;
  }

  #unreachable(failure: Transient, lastBy: Map<string, string>, attempts: number): SextantError {
    const what =
      this.baseUrls.length === 1
        ? `the Sextant server at ${failure.server}: ${lastBy.get(failure.server)}`
        : `any of the Sextant servers (${[...lastBy].map(([url, m]) => `${url}: ${m}`).join("; ")})`;
    return new SextantError(
      "STORE_UNAVAILABLE",
      `cannot reach ${what}`,
      { url: this.baseUrls.join(","), attempts },
      { cause: failure.cause },
    );
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
 * Whether any of the servers a URI names answers at all (a short probe of each one's /health):
 * any HTTP answer counts — a server that wants a token still is there, and the requests that
 * follow will say what it needs.
 */
export async function reachable(uri: string, options: HttpStoreOptions = {}): Promise<boolean> {
  const probe = async (url: string): Promise<boolean> => {
    try {
      const res = await (options.fetch ?? fetch)(`${url}/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return true;
    } catch {
      return false;
    }
  };
  return (await Promise.all(serverUrls(uri).map(probe))).some(Boolean);
}
