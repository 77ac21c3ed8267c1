/** The HTTP blob client's own edge: a download without its size. */
import { describe, expect, it } from "vitest";
import { HttpClient } from "../remote/index.js";
import { HttpArtifactStore } from "./http.js";

describe("HttpArtifactStore.getStream", () => {
  it("refuses a download whose size the server does not give", async () => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("abc"));
        c.close();
      },
    });
    const fetchStub = (async () => new Response(body, { status: 200 })) as typeof fetch;
    const blobs = new HttpArtifactStore(
      new HttpClient("http://127.0.0.1:1", { fetch: fetchStub, retryForMs: 0 }),
    );
    await expect(blobs.getStream("a".repeat(64))).rejects.toMatchObject({ code: "INTERNAL" });
  });
});
