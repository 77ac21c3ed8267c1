/**
 * The OpenAPI document's schemas. Requests are shown as zod's transform shows them (what a client
 * sends). Responses are shown by their wire side: the API shapes (src/api) parse JSON into the
 * objects code works with, so a response's JSON is the shape's *input* — numbers that may be the
 * strings "NaN", "Infinity" and "-Infinity", for instance.
 *
 * Answers are serialized as JSON with those strings for non-finite numbers and are not validated
 * again on the way out: the shapes are checked where it costs nothing per request — the HTTP
 * clients parse every answer with them, so the conformance suites, run through the server, fail
 * on any answer that does not fit its route's shape (and a test holds every route to having one).
 */
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import { type ZodType, z } from "zod";
import { wireReplacer } from "../api/index.js";

type Transform = (input: { schema: unknown; url: string; [k: string]: unknown }) => {
  schema: Record<string, unknown>;
  url: string;
};
const requestTransform = createJsonSchemaTransform({}) as unknown as Transform;
type TransformInput = Parameters<Transform>[0];

function isZod(s: unknown): s is ZodType {
  return typeof s === "object" && s !== null && "_zod" in s;
}

export function openApiTransform(input: TransformInput): ReturnType<Transform> {
  const schema = input.schema as Record<string, unknown> & { response?: Record<string, unknown> };
  const { response, ...rest } = schema;
  const out = requestTransform({ ...input, schema: rest });
  if (response && !(out.schema as { hide?: boolean }).hide) {
    const converted: Record<string, unknown> = {};
    for (const [status, s] of Object.entries(response)) {
      converted[status] = isZod(s)
        ? z.toJSONSchema(s, { io: "input", target: "openapi-3.0", unrepresentable: "any" })
        : s;
    }
    (out.schema as Record<string, unknown>).response = converted;
  }
  return out;
}

/** Serializes an answer as JSON (non-finite numbers as strings) whatever its declared schema. */
export function jsonSerializerCompiler() {
  return (data: unknown) => JSON.stringify(data, wireReplacer);
}
