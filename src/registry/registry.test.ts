/** Model URIs as MLflow users write them. */
import { describe, expect, it } from "vitest";
import { parseModelUri } from "./uri.js";

describe("model URIs", () => {
  it("parses the forms MLflow users write and refuses others", () => {
    expect(parseModelUri("models:/churn/3")).toEqual({ name: "churn", kind: "version", version: 3 });
    expect(parseModelUri("models:/churn/production")).toEqual({
      name: "churn",
      kind: "stage",
      stage: "Production",
    });
    expect(parseModelUri("models:/churn@champion")).toEqual({
      name: "churn",
      kind: "alias",
      alias: "champion",
    });
    expect(parseModelUri("models:/churn/latest")).toEqual({ name: "churn", kind: "latest" });
    for (const bad of ["runs:/x/model", "models:/churn", "models:/churn/Live", "models:/@x"]) {
      expect(() => parseModelUri(bad)).toThrow(/not a model URI/);
    }
  });
});
