/**
 * Blob downloads for the native and MLflow-compatible routes. A blob up to SMALL_BLOB_BYTES is
 * read and verified before the answer starts, so a corrupt one is a clean ARTIFACT_CORRUPT error
 * body. A larger one is streamed with its content-length; should it turn out corrupt, the stream
 * fails before its last chunk and Fastify destroys the connection, so no client ever receives a
 * complete-looking response.
 */
import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import { type ArtifactStore, readAll, SMALL_BLOB_BYTES } from "../store/index.js";

/** The payload that sends blob `hash` as application/octet-stream. */
export async function blobPayload(
  reply: FastifyReply,
  artifacts: ArtifactStore,
  hash: string,
): Promise<Buffer | Readable> {
  const blob = await artifacts.getStream(hash);
  reply.type("application/octet-stream");
  if (blob.size <= SMALL_BLOB_BYTES) return readAll(blob.stream);
  reply.header("content-length", blob.size);
  return blob.stream;
}

/**
 * Sends bytes from a route whose declared (JSON) response is another format: the metric history's
 * binary form. The reply's type follows the JSON schema, so the bytes go through an untyped send.
 */
export function sendBytes(reply: FastifyReply, bytes: Uint8Array): FastifyReply {
  return (reply as FastifyReply).type("application/octet-stream").send(bytes);
}
