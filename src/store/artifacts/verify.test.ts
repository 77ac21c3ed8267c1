/** The read verifier every blob store shares. */
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../core/index.js";
import { verifiedStream } from "./contract.js";

describe("verifiedStream", () => {
  const bytes = Buffer.from("abcdefgh");
  const hash = sha256(bytes);
  const pieces = [bytes.subarray(0, 3), bytes.subarray(3, 6), bytes.subarray(6)];

  async function read(stream: Readable): Promise<{ received: Buffer; error: unknown }> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of stream) parts.push(chunk as Buffer);
      return { received: Buffer.concat(parts), error: null };
    } catch (e) {
      return { received: Buffer.concat(parts), error: e };
    }
  }

  it("passes the bytes through when they are the blob", async () => {
    expect(await read(verifiedStream(hash, 8, pieces, "test"))).toEqual({ received: bytes, error: null });
  });

  it("fails with ARTIFACT_CORRUPT before the last chunk when the bytes hash to something else", async () => {
    const other = [pieces[0]!, Buffer.from("XYZ"), pieces[2]!];
    const r = await read(verifiedStream(hash, 8, other, "test"));
    expect(r.error).toMatchObject({ code: "ARTIFACT_CORRUPT" });
    expect(r.received.toString()).toBe("abcXYZ");
  });

  it("fails with ARTIFACT_CORRUPT when there are more or fewer bytes than recorded", async () => {
    const longer = await read(verifiedStream(hash, 7, pieces, "test"));
    expect(longer.error).toMatchObject({ code: "ARTIFACT_CORRUPT", details: { expectedSize: 7 } });
    expect(longer.received.length).toBeLessThan(7);
    const shorter = await read(verifiedStream(hash, 9, pieces, "test"));
    expect(shorter.error).toMatchObject({
      code: "ARTIFACT_CORRUPT",
      details: { expectedSize: 9, actualSize: 8 },
    });
    expect(shorter.received.length).toBeLessThan(8);
  });

  it("turns a failure of its source into STORE_UNAVAILABLE naming where it read from", async () => {
    async function* broken() {
      yield pieces[0]!;
      throw new Error("connection reset");
    }
    const r = await read(verifiedStream(hash, 8, broken(), "s3://b/p"));
    expect(r.error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect((r.error as Error).message).toContain("s3://b/p failed after 3 bytes: connection reset");
  });
});
