/**
 * API tokens, for stores a server authenticates against. Only the sha256 of a token's secret is
 * kept; the secret is shown once, when it is made. Implemented over SQL (kysely.ts) and, for
 * admins, over a Sextant server (http.ts).
 */
import { TOKEN_SCOPES, type TokenRecord } from "../../api/index.js";
import { SextantError } from "../../core/index.js";

export { TOKEN_SCOPES, type TokenRecord, type TokenScope } from "../../api/index.js";

export interface TokenStore {
  /** @throws INVALID_ARGUMENT (unknown scope, malformed id or hash), TOKEN_ALREADY_EXISTS */
  create(token: TokenRecord): Promise<void>;
  /** null when no token has that id. */
  get(tokenId: string): Promise<TokenRecord | null>;
  /** Every token, revoked ones included, oldest first. */
  list(): Promise<TokenRecord[]>;
  /** Revoking a revoked token is a no-op. @throws TOKEN_NOT_FOUND */
  revoke(tokenId: string, now: number): Promise<void>;
}

const TOKEN_ID = /^[0-9a-f]{16}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const NAME_MAX = 256;

/** The checks every TokenStore makes on a record it is given. @throws INVALID_ARGUMENT */
export function checkTokenRecord(token: TokenRecord): void {
  if (typeof token !== "object" || token === null) {
    throw new SextantError("INVALID_ARGUMENT", "a token record is an object");
  }
  if (!TOKEN_SCOPES.includes(token.scope)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `unknown token scope '${token.scope}'; use read, write, promote or admin`,
      { allowed: TOKEN_SCOPES },
    );
  }
  if (typeof token.tokenId !== "string" || !TOKEN_ID.test(token.tokenId)) {
    throw new SextantError("INVALID_ARGUMENT", "a token id is 16 lowercase hex digits", {
      tokenId: token.tokenId,
    });
  }
  if (typeof token.secretSha256 !== "string" || !SHA256_HEX.test(token.secretSha256)) {
    throw new SextantError("INVALID_ARGUMENT", "a token's secret hash is 64 lowercase hex digits");
  }
  if (typeof token.name !== "string" || token.name.length > NAME_MAX) {
    throw new SextantError("INVALID_ARGUMENT", `a token name is a string of at most ${NAME_MAX} characters`);
  }
  if (!Number.isSafeInteger(token.createdTime) || token.createdTime < 0) {
    throw new SextantError("INVALID_ARGUMENT", "a token's createdTime is epoch milliseconds");
  }
  if (token.revokedTime !== null && (!Number.isSafeInteger(token.revokedTime) || token.revokedTime < 0)) {
    throw new SextantError("INVALID_ARGUMENT", "a token's revokedTime is epoch milliseconds or null");
  }
}
