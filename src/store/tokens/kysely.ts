/** API tokens over SQL (table `tokens`, migration 2), shared by SQLite and PostgreSQL. */
import type { Selectable } from "kysely";
import { SextantError } from "../../core/index.js";
import type { Database, DB } from "../engine/index.js";
import { checkTokenRecord, type TokenRecord, type TokenStore } from "./contract.js";

function toToken(row: Selectable<DB["tokens"]>): TokenRecord {
  return {
    tokenId: row.token_id,
    name: row.name,
    scope: row.scope as TokenRecord["scope"],
    secretSha256: row.secret_sha256,
    createdTime: Number(row.created_time),
    revokedTime: row.revoked_time === null ? null : Number(row.revoked_time),
  };
}

export class KyselyTokenStore implements TokenStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async create(token: TokenRecord): Promise<void> {
    checkTokenRecord(token);
    await this.#database.tx(async (t) => {
      const clash = await t
        .selectFrom("tokens")
        .select("token_id")
        .where("token_id", "=", token.tokenId)
        .executeTakeFirst();
      if (clash) {
        throw new SextantError("TOKEN_ALREADY_EXISTS", `a token with id '${token.tokenId}' exists`, {
          tokenId: token.tokenId,
        });
      }
      await t
        .insertInto("tokens")
        .values({
          token_id: token.tokenId,
          name: token.name,
          scope: token.scope,
          secret_sha256: token.secretSha256,
          created_time: token.createdTime,
          revoked_time: token.revokedTime,
        })
        .execute();
    });
  }

  async get(tokenId: string): Promise<TokenRecord | null> {
    const row = await this.#database.db
      .selectFrom("tokens")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row ? toToken(row) : null;
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.#database.db
      .selectFrom("tokens")
      .selectAll()
      .orderBy("created_time")
      .orderBy("token_id")
      .execute();
    return rows.map(toToken);
  }

  async revoke(tokenId: string, now: number): Promise<void> {
    await this.#database.tx(async (t) => {
      const res = await t
        .updateTable("tokens")
        .set({ revoked_time: now })
        .where("token_id", "=", tokenId)
        .where("revoked_time", "is", null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        const row = await t
          .selectFrom("tokens")
          .select("token_id")
          .where("token_id", "=", tokenId)
          .executeTakeFirst();
        if (!row) throw new SextantError("TOKEN_NOT_FOUND", `no token with id '${tokenId}'`, { tokenId });
      }
    });
  }
}
