/**
 * API tokens over a Sextant server's native API (/api/v1/tokens; admin scope). The secret is made
 * on the client and only its hash travels, so the server never sees a token it could leak; the
 * id is chosen there too, so a creation retried after a lost response finds the stored token.
 */
import * as api from "../../api/index.js";
import type { HttpClient } from "../remote/index.js";
import type { TokenRecord, TokenStore } from "./contract.js";

export class HttpTokenStore implements TokenStore {
  readonly #client: HttpClient;

  constructor(client: HttpClient) {
    this.#client = client;
  }

  async create(token: TokenRecord): Promise<void> {
    await this.#client.request<void>("/tokens", {
      method: "POST",
      json: token,
      settled: async () =>
        (await this.get(token.tokenId))?.secretSha256 === token.secretSha256 ? { value: undefined } : null,
    });
  }

  get(tokenId: string): Promise<TokenRecord | null> {
    return this.#client.request(`/tokens/${encodeURIComponent(tokenId)}`, {
      allow404: true,
      shape: api.TokenRecord.nullable(),
    });
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.#client.request("/tokens", { shape: api.TokenList })).tokens;
  }

  /** The server stamps the revocation with its own clock. */
  async revoke(tokenId: string, _now: number): Promise<void> {
    await this.#client.request(`/tokens/${encodeURIComponent(tokenId)}/revoke`, { method: "POST" });
  }
}
