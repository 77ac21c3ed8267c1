/**
 * The tokens aggregate's conformance suite: every TokenStore implementation — SQLite, PostgreSQL,
 * and the HTTP client (admin routes) against a server on each — passes it. Over HTTP a token's
 * secret hash never travels back (`secretSha256` reads as ""): the factory says so with
 * `hidesSecrets`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../contract.js";
import { expectCode, type StoreFactory, T0 } from "../../testing/index.js";
import type { TokenRecord } from "../index.js";

function token(id: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tokenId: id,
    name: "ci",
    scope: "write",
    secretSha256: "f".repeat(64),
    createdTime: T0,
    revokedTime: null,
    ...extra,
  };
}

export function tokenStoreConformance(
  label: string,
  factory: StoreFactory & { hidesSecrets?: boolean },
): void {
  describe(`tokens conformance: ${label}`, () => {
    let store: Store;
    const secret = (hash: string) => (factory.hidesSecrets ? "" : hash);

    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
      await factory.dispose?.(store);
    });

    function at(now: number): number {
      factory.setNow?.(store, now);
      return now;
    }

    it("stores tokens by hash, lists them oldest first, and revokes them once", async () => {
      at(T0);
      await store.tokens.create(token("00000000000000ab"));
      at(T0 + 5);
      await store.tokens.create(
        token("00000000000000aa", { name: "admin", scope: "admin", createdTime: T0 + 5 }),
      );
      expect(await store.tokens.get("00000000000000ab")).toEqual(
        token("00000000000000ab", { secretSha256: secret("f".repeat(64)) }),
      );
      expect(await store.tokens.get("00000000000000ff")).toBeNull();
      expect((await store.tokens.list()).map((t) => [t.tokenId, t.name, t.scope])).toEqual([
        ["00000000000000ab", "ci", "write"],
        ["00000000000000aa", "admin", "admin"],
      ]);
      await store.tokens.revoke("00000000000000ab", at(T0 + 10));
      // revoking again changes nothing
      await store.tokens.revoke("00000000000000ab", at(T0 + 20));
      expect((await store.tokens.list()).map((t) => [t.tokenId, t.revokedTime])).toEqual([
        ["00000000000000ab", T0 + 10],
        ["00000000000000aa", null],
      ]);
    });

    it("refuses unknown ids, duplicates and malformed records, storing nothing", async () => {
      at(T0);
      await store.tokens.create(token("0000000000000001"));
      await expectCode(store.tokens.revoke("0000000000000002", at(T0)), "TOKEN_NOT_FOUND");
      await expectCode(
        store.tokens.create(token("0000000000000001", { name: "again" })),
        "TOKEN_ALREADY_EXISTS",
      );
      const bad: TokenRecord[] = [
        token("0000000000000003", { scope: "root" as never }),
        token("short"),
        token("0000000000000004", { secretSha256: "0" }),
        token("0000000000000005", { name: "n".repeat(257) }),
      ];
      for (const t of bad) {
        const e = await expectCode(store.tokens.create(t), "INVALID_ARGUMENT");
        expect(e.message.length).toBeGreaterThan(0);
      }
      expect((await store.tokens.list()).map((t) => [t.tokenId, t.name])).toEqual([
        ["0000000000000001", "ci"],
      ]);
    });
  });
}
