import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { artifactBackends, snapshot } from "../../store/testing/index.js";
import {
  API,
  ARTIFACTS,
  createExperiment,
  createRun,
  errorOf,
  type Harness,
  openHarness,
  type Reply,
} from "./testing/index.js";

const backends = artifactBackends();

describe.each([backends.memory, backends.s3])("mlflow-artifacts routes over $name blobs", (backend) => {
  let h: Harness;
  let exp: string;
  let run: string;
  let root: string;
  beforeEach(async () => {
    h = await openHarness({ maxArtifactBytes: 1024, artifacts: await backend.open() });
    exp = await createExperiment(h, "exp");
    run = await createRun(h, { experiment_id: exp });
    root = `${exp}/${run}/artifacts`;
  });
  afterEach(async () => {
    await h.close();
    await backend.dispose?.(h.artifacts);
  });

  async function rejects(request: () => Promise<Reply>, status: number, errorCode: string, code?: string) {
    const before = await snapshot(h.store);
    const blobsBefore = await backend.residue?.(h.artifacts);
    const r = await request();
    expect(errorOf(r)).toMatchObject({ status, error_code: errorCode, ...(code ? { code } : {}) });
    expect(await snapshot(h.store)).toEqual(before);
    expect(await backend.residue?.(h.artifacts)).toEqual(blobsBefore);
    return r;
  }

  const put = (path: string, payload: string | Buffer, contentType?: string) =>
    h.request({
      method: "PUT",
      url: `${ARTIFACTS}/${path}`,
      payload,
      ...(contentType ? { headers: { "content-type": contentType } } : {}),
    });
  const download = (path: string) => h.request({ method: "GET", url: `${ARTIFACTS}/${path}` });

  describe("mlflow-artifacts upload, download and list", () => {
    it("stores uploads of any content type and returns the same bytes", async () => {
      const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      const json = '{"not": "parsed", "n": 1}';
      expect(await put(`${root}/model/model.pkl`, binary)).toMatchObject({ status: 200, json: {} });
      expect((await put(`${root}/model/MLmodel`, "flavors: {}\n", "text/plain")).status).toBe(200);
      expect((await put(`${root}/metrics.json`, json, "application/json")).status).toBe(200);
      expect((await put(`${root}/empty.txt`, Buffer.alloc(0), "application/octet-stream")).status).toBe(200);
      expect((await put(`${root}/my%20notes.txt`, "hi", "text/plain")).status).toBe(200);

      const pkl = await download(`${root}/model/model.pkl`);
      expect(pkl.status).toBe(200);
      expect(pkl.headers["content-type"]).toBe("application/octet-stream");
      expect(Buffer.compare(pkl.raw, binary)).toBe(0);
      expect((await download(`${root}/metrics.json`)).raw.toString()).toBe(json);
      expect((await download(`${root}/empty.txt`)).raw.length).toBe(0);
      expect((await download(`${root}/my%20notes.txt`)).raw.toString()).toBe("hi");
      expect((await h.store.runs.listArtifacts(run)).map((a) => [a.path, a.size])).toEqual([
        ["empty.txt", 0],
        ["metrics.json", json.length],
        ["model/MLmodel", 12],
        ["model/model.pkl", 7],
        ["my notes.txt", 2],
      ]);
    });

    it("lists the direct children of a directory, MLflow style", async () => {
      await put(`${root}/model/model.pkl`, "pkl");
      await put(`${root}/model/sub/deep.txt`, "deep!");
      await put(`${root}/a.txt`, "a");
      const list = (path?: string) => h.get(ARTIFACTS, path === undefined ? {} : { path });
      expect((await list(root)).json).toEqual({
        files: [
          { path: "a.txt", is_dir: false, file_size: 1 },
          { path: "model", is_dir: true },
        ],
      });
      expect((await list(`${root}/model`)).json).toEqual({
        files: [
          { path: "model.pkl", is_dir: false, file_size: 3 },
          { path: "sub", is_dir: true },
        ],
      });
      expect((await list(`${root}/model/sub/`)).json).toEqual({
        files: [{ path: "deep.txt", is_dir: false, file_size: 5 }],
      });
      expect((await list(`${root}/a.txt`)).json).toEqual({});
      expect((await list(`${root}/nothing`)).json).toEqual({});
      expect((await list()).json).toEqual({});
      const byRun = await h.get(`${API}/artifacts/list`, { run_id: run, path: "model" });
      expect(byRun.json).toEqual({
        root_uri: `mlflow-artifacts:/${root}`,
        files: [
          { path: "model/model.pkl", is_dir: false, file_size: 3 },
          { path: "model/sub", is_dir: true },
        ],
      });
      expect((await h.get(`${API}/artifacts/list`, { run_id: run })).json).toEqual({
        root_uri: `mlflow-artifacts:/${root}`,
        files: [
          { path: "a.txt", is_dir: false, file_size: 1 },
          { path: "model", is_dir: true },
        ],
      });
    });

    it("replaces an artifact uploaded again at the same path", async () => {
      await put(`${root}/a.txt`, "one");
      await put(`${root}/a.txt`, "two!");
      expect((await download(`${root}/a.txt`)).raw.toString()).toBe("two!");
      expect((await h.get(ARTIFACTS, { path: root })).json).toEqual({
        files: [{ path: "a.txt", is_dir: false, file_size: 4 }],
      });
    });
  });

  describe("mlflow-artifacts errors", () => {
    it("rejects unsafe paths with 400 and stores nothing", async () => {
      await rejects(
        () => put(`${root}/a%2F..%2F..%2Fescape`, "x"),
        400,
        "INVALID_PARAMETER_VALUE",
        "INVALID_NAME",
      );
      await rejects(() => put(`${root}/..%2Fb`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(() => put(`/etc/passwd`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(() => put(`${root}//abs`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(() => put(`${root}/a%00b`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(() => put(`${root}/a%5Cb`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(() => put(`${root}/.%2Fa`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(
        () => h.get(ARTIFACTS, { path: `${root}/../other` }),
        400,
        "INVALID_PARAMETER_VALUE",
        "INVALID_NAME",
      );
      await rejects(() => h.get(ARTIFACTS, { path: "/etc" }), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(
        () => h.get(ARTIFACTS, { path: `${root}/a\u0000` }),
        400,
        "INVALID_PARAMETER_VALUE",
        "INVALID_NAME",
      );
      await rejects(() => download(`${root}/..%2F..%2Fx`), 400, "INVALID_PARAMETER_VALUE", "INVALID_NAME");
      await rejects(
        () => h.get(`${API}/artifacts/list`, { run_id: run, path: "../x" }),
        400,
        "INVALID_PARAMETER_VALUE",
      );
      expect(await h.store.runs.listArtifacts(run)).toEqual([]);
    });

    it("answers unknown runs, misplaced roots and missing files with 404", async () => {
      await rejects(
        () => put(`${exp}/${"0".repeat(32)}/artifacts/a.txt`, "x"),
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );
      await rejects(() => put(`999/${run}/artifacts/a.txt`, "x"), 404, "RESOURCE_DOES_NOT_EXIST");
      await rejects(() => download(`${root}/missing.txt`), 404, "RESOURCE_DOES_NOT_EXIST");
      await rejects(
        () => h.get(`${API}/artifacts/list`, { run_id: "0".repeat(32) }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );
    });

    it("rejects paths outside a run, uploads over the size limit and uploads to deleted runs", async () => {
      await rejects(() => put(`${exp}/a.txt`, "x"), 400, "INVALID_PARAMETER_VALUE");
      await rejects(() => put(root, "x"), 400, "INVALID_PARAMETER_VALUE");
      await rejects(
        () => put(`${root}/big.bin`, Buffer.alloc(1025)),
        400,
        "INVALID_PARAMETER_VALUE",
        "REQUEST_TOO_LARGE",
      );
      await h.post(`${API}/runs/delete`, { run_id: run });
      await rejects(() => put(`${root}/a.txt`, "x"), 400, "INVALID_PARAMETER_VALUE", "INVALID_STATE");
      await rejects(() => h.get(ARTIFACTS, { path: root, extra: "1" }), 400, "INVALID_PARAMETER_VALUE");
    });
  });
});
