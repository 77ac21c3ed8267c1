import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { likeMatch } from "../../store/index.js";
import { snapshot } from "../../store/testing/index.js";
import {
  API,
  createExperiment,
  errorOf,
  type Harness,
  openHarness,
  type Reply,
  T0,
} from "./testing/index.js";

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

/** Runs `request`, checks it failed as expected, and that the store is as it was. */
async function rejects(request: () => Promise<Reply>, status: number, errorCode: string, code?: string) {
  const before = await snapshot(h.store);
  const r = await request();
  expect(errorOf(r)).toMatchObject({ status, error_code: errorCode, ...(code ? { code } : {}) });
  expect(typeof (r.json as { message?: unknown }).message).toBe("string");
  expect(await snapshot(h.store)).toEqual(before);
  return r;
}

const DEFAULT = {
  experiment_id: "0",
  name: "Default",
  artifact_location: "mlflow-artifacts:/0",
  lifecycle_stage: "active",
  last_update_time: 0,
  creation_time: 0,
};

describe("experiments/create, get, get-by-name", () => {
  it("creates an experiment and returns it by id and by name", async () => {
    const r = await h.post(`${API}/experiments/create`, {
      name: "churn",
      tags: [
        { key: "team", value: "retention" },
        { key: "area", value: "growth" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ experiment_id: "1" });
    const expected = {
      experiment: {
        experiment_id: "1",
        name: "churn",
        artifact_location: "mlflow-artifacts:/1",
        lifecycle_stage: "active",
        last_update_time: T0,
        creation_time: T0,
        tags: [
          { key: "area", value: "growth" },
          { key: "team", value: "retention" },
        ],
      },
    };
    expect((await h.get(`${API}/experiments/get`, { experiment_id: "1" })).json).toEqual(expected);
    expect((await h.get(`${API}/experiments/get-by-name`, { experiment_name: "churn" })).json).toEqual(
      expected,
    );
  });

  it("has the Default experiment with id 0 and leaves out empty tags", async () => {
    const r = await h.get(`${API}/experiments/get`, { experiment_id: "0" });
    expect(r).toMatchObject({ status: 200, json: { experiment: DEFAULT } });
  });

  it("keeps a given artifact location", async () => {
    await createExperiment(h, "s3", { artifact_location: "s3://bucket/path" });
    const r = await h.get(`${API}/experiments/get-by-name`, { experiment_name: "s3" });
    expect((r.json as { experiment: { artifact_location: string } }).experiment.artifact_location).toBe(
      "s3://bucket/path",
    );
  });

  it("rejects a duplicate name with RESOURCE_ALREADY_EXISTS (400)", async () => {
    await createExperiment(h, "churn");
    await rejects(
      () => h.post(`${API}/experiments/create`, { name: "churn" }),
      400,
      "RESOURCE_ALREADY_EXISTS",
    );
  });

  it("answers unknown experiments with RESOURCE_DOES_NOT_EXIST (404)", async () => {
    await rejects(
      () => h.get(`${API}/experiments/get`, { experiment_id: "42" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    const r = await rejects(
      () => h.get(`${API}/experiments/get-by-name`, { experiment_name: "nope" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    expect((r.json as { message: string }).message).toBe("Could not find experiment with name 'nope'");
  });

  it("rejects missing, mistyped and unknown fields and malformed JSON, changing nothing", async () => {
    const missing = await rejects(
      () => h.post(`${API}/experiments/create`, {}),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    expect((missing.json as { message: string }).message).toContain(
      "Missing value for required parameter 'name'",
    );
    await rejects(() => h.post(`${API}/experiments/create`, { name: "" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(() => h.post(`${API}/experiments/create`, { name: 7 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      () => h.post(`${API}/experiments/create`, { name: "x", colour: "red" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/experiments/create`, { name: "x", tags: { a: "b" } }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(() => h.post(`${API}/experiments/create`, '{"name": "x"'), 400, "MALFORMED_REQUEST");
    await rejects(() => h.get(`${API}/experiments/get`, {}), 400, "INVALID_PARAMETER_VALUE");
    await rejects(
      () => h.get(`${API}/experiments/get`, { experiment_id: "0", extra: "1" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("experiments/search", () => {
  async function seed() {
    await createExperiment(h, "exp-a", { tags: [{ key: "team", value: "vision" }] });
    h.clock.advance(1000);
    await createExperiment(h, "exp-b", { tags: [{ key: "team", value: "nlp" }] });
    h.clock.advance(1000);
    await createExperiment(h, "other", { tags: [{ key: "extra-key", value: "Yes" }] });
  }
  const names = (r: Reply) =>
    ((r.json as { experiments?: Array<{ name: string }> }).experiments ?? []).map((e) => e.name);

  it("orders by creation_time DESC by default and pages with page_token (POST and GET)", async () => {
    await seed();
    const p1 = await h.post(`${API}/experiments/search`, { max_results: 2 });
    expect(names(p1)).toEqual(["other", "exp-b"]);
    const token = (p1.json as { next_page_token: string }).next_page_token;
    expect(typeof token).toBe("string");
    const p2 = await h.post(`${API}/experiments/search`, { max_results: 2, page_token: token });
    expect(p2.json).toEqual({
      experiments: [
        {
          experiment_id: "1",
          name: "exp-a",
          artifact_location: "mlflow-artifacts:/1",
          lifecycle_stage: "active",
          last_update_time: T0,
          creation_time: T0,
          tags: [{ key: "team", value: "vision" }],
        },
        DEFAULT,
      ],
    });
    const g1 = await h.get(`${API}/experiments/search`, { max_results: "2" });
    expect(g1.json).toEqual(p1.json);
    const g2 = await h.get(`${API}/experiments/search`, { max_results: "2", page_token: token });
    expect(g2.json).toEqual(p2.json);
  });

  it("filters by name, tags and times, and orders by order_by", async () => {
    await seed();
    const search = (body: Record<string, unknown>) => h.post(`${API}/experiments/search`, body);
    expect(names(await search({ filter: "name LIKE 'exp-%'", order_by: ["name ASC"] }))).toEqual([
      "exp-a",
      "exp-b",
    ]);
    expect(names(await search({ filter: "name LIKE 'exp-%'", order_by: ["name DESC"] }))).toEqual([
      "exp-b",
      "exp-a",
    ]);
    expect(names(await search({ filter: "attribute.name ILIKE 'EXP-A'" }))).toEqual(["exp-a"]);
    expect(names(await search({ filter: "name LIKE 'EXP-%'" }))).toEqual([]);
    expect(names(await search({ filter: "name != 'other' AND tags.team = 'nlp'" }))).toEqual(["exp-b"]);
    expect(names(await search({ filter: "tags.`extra-key` = 'Yes'" }))).toEqual(["other"]);
    expect(names(await search({ filter: `tags."extra-key" ILIKE 'y%'` }))).toEqual(["other"]);
    expect(
      names(await search({ filter: `creation_time >= ${T0 + 1000}`, order_by: ["experiment_id"] })),
    ).toEqual(["exp-b", "other"]);
    expect(names(await search({ filter: "last_update_time < 1" }))).toEqual(["Default"]);
    expect(await search({ filter: "name = 'nope'" })).toMatchObject({ status: 200, json: {} });
  });

  it("filters by view_type", async () => {
    await seed();
    await h.post(`${API}/experiments/delete`, { experiment_id: "2" });
    const search = (view_type: unknown) =>
      h.post(`${API}/experiments/search`, { view_type, order_by: ["name"] });
    expect(names(await search("ACTIVE_ONLY"))).toEqual(["Default", "exp-a", "other"]);
    expect(names(await search("DELETED_ONLY"))).toEqual(["exp-b"]);
    expect(names(await search("ALL"))).toEqual(["Default", "exp-a", "exp-b", "other"]);
    expect(names(await search(2))).toEqual(["exp-b"]);
  });

  it("takes the one filter grammar: OR, parentheses, IN, and tags in the order", async () => {
    await seed();
    const search = (body: Record<string, unknown>) => h.post(`${API}/experiments/search`, body);
    expect(
      names(await search({ filter: "tags.team = 'nlp' OR (name LIKE 'exp%' AND tags.team = 'vision')" })),
    ).toEqual(["exp-b", "exp-a"]);
    expect(names(await search({ filter: "name IN ('other', 'exp-a')", order_by: ["name ASC"] }))).toEqual([
      "exp-a",
      "other",
    ]);
    expect(names(await search({ filter: "tags.team IS NULL" }))).toEqual(["other", "Default"]);
    // experiments without the tag sort last either way
    expect(names(await search({ order_by: ["tags.team DESC"] })).slice(0, 2)).toEqual(["exp-a", "exp-b"]);
  });

  it("rejects malformed filters, orders and page tokens with INVALID_PARAMETER_VALUE", async () => {
    await seed();
    const search = (body: Record<string, unknown>) => () => h.post(`${API}/experiments/search`, body);
    for (const filter of [
      "name = ",
      "name LIKE exp",
      "owner = 'x'",
      "metrics.x > 1",
      "name > 'a'",
      "creation_time LIKE '1'",
      "name = 'a' OR",
      "(name = 'a'",
      "name = 'a",
    ]) {
      await rejects(search({ filter }), 400, "INVALID_PARAMETER_VALUE");
    }
    await rejects(search({ order_by: ["params.team"] }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ order_by: ["name sideways"] }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ page_token: "garbage" }), 400, "INVALID_PARAMETER_VALUE", "INVALID_PAGE_TOKEN");
    const p1 = await h.post(`${API}/experiments/search`, { max_results: 1 });
    const token = (p1.json as { next_page_token: string }).next_page_token;
    await rejects(
      search({ max_results: 1, page_token: token, filter: "name = 'x'" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(search({ max_results: 0 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ max_results: 50_001 }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ max_results: "ten" }), 400, "INVALID_PARAMETER_VALUE");
    await rejects(search({ view_type: "SOME" }), 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("experiments/update, delete, restore, set-experiment-tag", () => {
  it("renames an experiment", async () => {
    const id = await createExperiment(h, "old");
    h.clock.advance(5);
    expect(await h.post(`${API}/experiments/update`, { experiment_id: id, new_name: "new" })).toMatchObject({
      status: 200,
      json: {},
    });
    const r = await h.get(`${API}/experiments/get`, { experiment_id: id });
    expect(r.json).toMatchObject({
      experiment: { name: "new", last_update_time: T0 + 5, creation_time: T0 },
    });
    await createExperiment(h, "taken");
    await rejects(
      () => h.post(`${API}/experiments/update`, { experiment_id: id, new_name: "taken" }),
      400,
      "RESOURCE_ALREADY_EXISTS",
    );
    await rejects(
      () => h.post(`${API}/experiments/update`, { experiment_id: id }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/experiments/update`, { experiment_id: "99", new_name: "x" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("deletes and restores an experiment", async () => {
    const id = await createExperiment(h, "e");
    expect((await h.post(`${API}/experiments/delete`, { experiment_id: id })).json).toEqual({});
    expect((await h.get(`${API}/experiments/get`, { experiment_id: id })).json).toMatchObject({
      experiment: { lifecycle_stage: "deleted" },
    });
    expect((await h.post(`${API}/experiments/restore`, { experiment_id: id })).json).toEqual({});
    expect((await h.get(`${API}/experiments/get`, { experiment_id: id })).json).toMatchObject({
      experiment: { lifecycle_stage: "active" },
    });
    await rejects(
      () => h.post(`${API}/experiments/delete`, { experiment_id: "0" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/experiments/delete`, { experiment_id: "77" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(
      () => h.post(`${API}/experiments/restore`, { experiment_id: "77" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
  });

  it("sets experiment tags", async () => {
    const id = await createExperiment(h, "e");
    await h.post(`${API}/experiments/set-experiment-tag`, { experiment_id: id, key: "note", value: "v1" });
    await h.post(`${API}/experiments/set-experiment-tag`, { experiment_id: id, key: "note", value: "v2" });
    const r = await h.get(`${API}/experiments/get`, { experiment_id: id });
    expect((r.json as { experiment: { tags: unknown } }).experiment.tags).toEqual([
      { key: "note", value: "v2" },
    ]);
    await rejects(
      () => h.post(`${API}/experiments/set-experiment-tag`, { experiment_id: "99", key: "k", value: "v" }),
      404,
      "RESOURCE_DOES_NOT_EXIST",
    );
    await rejects(
      () => h.post(`${API}/experiments/set-experiment-tag`, { experiment_id: id, key: "../x", value: "v" }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
    await rejects(
      () => h.post(`${API}/experiments/set-experiment-tag`, { experiment_id: id, key: "k", value: 3 }),
      400,
      "INVALID_PARAMETER_VALUE",
    );
  });
});

describe("LIKE in experiment filters", () => {
  it("treats % and _ as wildcards and everything else literally, without exponential backtracking", () => {
    expect(likeMatch("a.b", "a_b", false)).toBe(true);
    expect(likeMatch("axb", "a.b", false)).toBe(false);
    expect(likeMatch("a(b)*[c]", "a(b)*[c]", false)).toBe(true);
    expect(likeMatch("ABC", "a%", true)).toBe(true);
    expect(likeMatch("ABC", "a%", false)).toBe(false);
    expect(likeMatch("", "%", false)).toBe(true);
    expect(likeMatch("ab", "a%%b%", false)).toBe(true);
    expect(likeMatch("a".repeat(5000), `${"%a".repeat(2000)}b`, false)).toBe(false);
  });
});
