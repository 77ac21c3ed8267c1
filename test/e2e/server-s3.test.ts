/**
 * `sextant server --artifacts s3://bucket/prefix --s3-endpoint URL`: a real server process keeps
 * its blobs in an S3-protocol server (s3rver, in the test's process on 127.0.0.1), credentials
 * from the usual AWS variables; the SDK and the MLflow artifact routes work as on files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Sextant } from "../../src/index.js";
import { artifactBackends } from "../../src/store/testing/index.js";

const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const cli = join(root, "dist", "cli", "main.js");
const backends = artifactBackends();
const dir = mkdtempSync(join(tmpdir(), "sx-srv-s3-"));
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("sextant server on S3", () => {
  it("keeps artifacts in the bucket under the prefix and serves them back", async () => {
    const s3 = await backends.s3Server();
    const server = spawn(
      process.execPath,
      [
        cli,
        "server",
        "--store",
        join(dir, "store"),
        "--port",
        "0",
        "--log-level",
        "warn",
        "--artifacts",
        `s3://${s3.bucket}/served`,
        "--s3-endpoint",
        s3.endpoint,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        },
      },
    );
    child = server;
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      server.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /Sextant server on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      server.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
    });

    const sx = await Sextant.open({ uri: url, capture: false, cwd: dir });
    const runId = await sx.withRun({ name: "on-s3" }, async (r) => {
      await r.logJson({ trees: 200 }, "model/config.json");
      return r.id;
    });
    expect(JSON.parse((await sx.readArtifact(runId, "model/config.json")).toString())).toEqual({
      trees: 200,
    });
    const [entry] = await sx.listArtifacts(runId);
    expect(await s3.keys("served/")).toEqual([
      `served/sha256/${entry!.sha256.slice(0, 2)}/${entry!.sha256.slice(2, 4)}/${entry!.sha256}`,
    ]);
    const run = await sx.getRun(runId);
    const proxied = `${url}/api/2.0/mlflow-artifacts/artifacts/${run.info.experimentId}/${runId}/artifacts/model/config.json`;
    const res = await fetch(proxied);
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text())).toEqual({ trees: 200 });
    await sx.close();
    server.kill("SIGTERM");
    await new Promise((resolve) => server.on("exit", resolve));
    expect(server.exitCode).toBe(0);
  });
});
