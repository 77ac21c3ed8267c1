/**
 * API tokens: `sxt_<id>_<secret>`. The store keeps the id, the scope and the sha256 of the secret;
 * the secret is shown once, when the token is made. Scopes nest: admin ⊃ promote ⊃ write ⊃ read
 * (promote: model stage, alias and rollback changes; only admin may force a policy or set one).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { userInfo } from "node:os";
import type { Clock } from "../core/index.js";
import { SextantError, sha256 } from "../core/index.js";
import { ModelRegistry } from "../registry/index.js";
import { TOKEN_SCOPES, type TokenRecord, type TokenScope, type TokenStore } from "../store/index.js";
import type { ServerContext } from "./context.js";

const RANK: Record<TokenScope, number> = { read: 0, write: 1, promote: 2, admin: 3 };
const TOKEN = /^sxt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** How long a looked-up token is trusted before the store is asked again (revocations land within it). */
const CACHE_MS = 5000;

export interface Identity {
  /** The token's name, or null for an unauthenticated server. */
  name: string | null;
  scope: TokenScope;
  /** The token's id (absent for an unauthenticated server). */
  tokenId?: string;
}

/**
 * Who an audit trail names for a request: the token (name and id), or with authentication off
 * the OS user the server runs as.
 */
export function actorOf(identity: Identity): string {
  if (identity.name === null) return osUserName();
  return identity.tokenId === undefined ? identity.name : `${identity.name} (token ${identity.tokenId})`;
}

function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

export function allows(have: TokenScope, need: TokenScope): boolean {
  return RANK[have] >= RANK[need];
}

/** Makes a token and stores its hash; returns the full token text, which is not kept anywhere. */
export async function createToken(
  store: TokenStore,
  options: { name: string; scope: TokenScope; now: number },
): Promise<{ token: string; record: TokenRecord }> {
  if (!TOKEN_SCOPES.includes(options.scope)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `unknown scope '${options.scope}'; use read, write, promote or admin`,
    );
  }
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const record: TokenRecord = {
    tokenId: id,
    name: options.name,
    scope: options.scope,
    secretSha256: sha256(secret),
    createdTime: options.now,
    revokedTime: null,
  };
  await store.create(record);
  return { token: `sxt_${id}_${secret}`, record };
}

/** Checks `Authorization: Bearer …` headers against the token store, with a short cache. */
export class Authenticator {
  readonly #tokens: TokenStore;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { record: TokenRecord | null; at: number }>();

  constructor(tokens: TokenStore, clock: Clock) {
    this.#tokens = tokens;
    this.#clock = clock;
  }

  /** @throws UNAUTHENTICATED when the header is missing, malformed, unknown or revoked */
  async identify(header: string | undefined): Promise<Identity> {
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      throw new SextantError(
        "UNAUTHENTICATED",
        "this server needs an API token: send 'Authorization: Bearer <token>'",
      );
    }
    const parts = TOKEN.exec(m[1]!);
    if (!parts) throw new SextantError("UNAUTHENTICATED", "the API token is malformed");
    const [, id, secret] = parts as unknown as [string, string, string];
    const record = await this.#lookup(id);
    const given = Buffer.from(sha256(secret), "hex");
    if (
      !record ||
      record.revokedTime !== null ||
      !timingSafeEqual(given, Buffer.from(record.secretSha256, "hex"))
    ) {
      throw new SextantError("UNAUTHENTICATED", "the API token is unknown or revoked");
    }
    return { name: record.name, scope: record.scope, tokenId: record.tokenId };
  }

  async #lookup(id: string): Promise<TokenRecord | null> {
    const now = this.#clock.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < CACHE_MS) return hit.record;
    const record = await this.#tokens.get(id);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(id, { record, at: now });
    return record;
  }
}

/**
 * The registry service acting for one request: its token (or the server's OS user) is the actor,
 * and only an admin may override a policy.
 */
export function registryFor(ctx: ServerContext, identity: Identity): ModelRegistry {
  return new ModelRegistry({
    store: ctx.store,
    artifacts: ctx.artifacts,
    clock: ctx.clock,
    actor: () => actorOf(identity),
    canForce: () => identity.scope === "admin",
  });
}
