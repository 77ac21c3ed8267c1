/** API tokens as the admin routes show them (the secret's hash never travels back). */
import { z } from "zod";
import { millis } from "./common.js";

export const TOKEN_SCOPES = ["read", "write", "promote", "admin"] as const;
/** Scopes nest: admin ⊃ promote ⊃ write ⊃ read (promote: stage, alias and rollback changes). */
export const TokenScope = z.enum(TOKEN_SCOPES);
export type TokenScope = z.output<typeof TokenScope>;

/** An API token as stored: only the hash of its secret is kept. */
export const TokenRecord = z.object({
  tokenId: z.string(),
  name: z.string(),
  scope: TokenScope,
  secretSha256: z.string(),
  createdTime: millis,
  revokedTime: millis.nullable(),
});
export type TokenRecord = z.output<typeof TokenRecord>;
export const TokenList = z.object({ tokens: z.array(TokenRecord) });
