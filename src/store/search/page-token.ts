/**
 * Page tokens of the searches that page by offset (registered models, model versions,
 * experiments, metric history pages): the offset and a fingerprint of the query, so a token is
 * refused by any other query.
 */
import { SextantError, sha256 } from "../../core/index.js";

/** A short digest of what identifies a query (its filter, order and scope). */
export function queryFingerprint(parts: unknown): string {
  return sha256(JSON.stringify(parts)).slice(0, 12);
}

export function encodeOffsetToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint })).toString("base64url");
}

/** The offset in a page token, or null when the token is malformed or belongs to another query. */
export function decodeOffsetToken(token: string, fingerprint: string): number | null {
  try {
    const obj = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; q?: unknown };
    if (typeof obj === "object" && obj !== null && obj.q === fingerprint) {
      const o = obj.o;
      if (typeof o === "number" && Number.isSafeInteger(o) && o >= 0) return o;
    }
  } catch {
    // not ours
  }
  return null;
}

/** The offset a page token stands for (0 without one). @throws INVALID_PAGE_TOKEN */
export function pageOffset(token: string | null | undefined, fingerprint: string): number {
  if (token === undefined || token === null || token === "") return 0;
  const offset = decodeOffsetToken(token, fingerprint);
  if (offset === null) {
    throw new SextantError(
      "INVALID_PAGE_TOKEN",
      "the page token is malformed or belongs to a different search (the same filter and order are needed)",
      { pageToken: token },
    );
  }
  return offset;
}
