/**
 * /api/v1/tokens: API tokens, for admins (`sextant --uri http://… tokens create|list|revoke`).
 * The client makes the secret and sends only its sha256, as the store keeps it; the list never
 * carries the hashes back.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { Empty, TokenList, TokenRecord, TokenScope } from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import type { ServerContext } from "../context.js";

const tags = ["tokens"];
const tokenId = z.string().regex(/^[0-9a-f]{16}$/, "a token id is 16 lowercase hex digits");
const admin = { scope: "admin" as const };

/** A token as the API shows it: everything but the hash of its secret. */
function shown(t: TokenRecord): Omit<TokenRecord, "secretSha256"> & { secretSha256: "" } {
  return { ...t, secretSha256: "" };
}

export function tokenRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tokens = ctx.store.tokens;

    app.post(
      "/tokens",
      {
        config: admin,
        schema: {
          tags,
          summary: "Store a new token (its id, name, scope and the sha256 of its secret)",
          response: { 200: TokenRecord },
          body: z.strictObject({
            tokenId,
            name: z.string().max(256),
            scope: TokenScope,
            secretSha256: z.string().regex(/^[0-9a-f]{64}$/, "a sha256 is 64 lowercase hex digits"),
            createdTime: z.number().int().nonnegative(),
            revokedTime: z.null().optional(),
          }),
        },
      },
      async (req) => {
        const b = req.body;
        const record: TokenRecord = {
          tokenId: b.tokenId,
          name: b.name,
          scope: b.scope,
          secretSha256: b.secretSha256,
          // the server's clock dates it
          createdTime: ctx.clock.now(),
          revokedTime: null,
        };
        await tokens.create(record);
        return shown(record);
      },
    );

    app.get(
      "/tokens",
      {
        config: admin,
        schema: { tags, summary: "Every token, revoked ones included", response: { 200: TokenList } },
      },
      async () => ({
        tokens: (await tokens.list()).map(shown),
      }),
    );

    app.get(
      "/tokens/:tokenId",
      {
        config: admin,
        schema: {
          tags,
          summary: "One token",
          response: { 200: TokenRecord },
          params: z.strictObject({ tokenId }),
        },
      },
      async (req) => {
        const t = await tokens.get(req.params.tokenId);
        if (t === null) {
          throw new SextantError("TOKEN_NOT_FOUND", `no token with id '${req.params.tokenId}'`, {
            tokenId: req.params.tokenId,
          });
        }
        return shown(t);
      },
    );

    app.post(
      "/tokens/:tokenId/revoke",
      {
        config: admin,
        schema: {
          tags,
          summary: "Revoke a token (servers stop accepting it within 5 s)",
          response: { 200: Empty },
          params: z.strictObject({ tokenId }),
        },
      },
      async (req) => {
        await tokens.revoke(req.params.tokenId, ctx.clock.now());
        return {};
      },
    );
  };
}
