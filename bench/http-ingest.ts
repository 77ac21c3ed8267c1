/**
 * http-ingest: metric points through a `sextant server` on loopback.
 *  - sdk: R runs × K keys × S steps logged with the SDK (binary batches), points/s;
 *  - mlflowLogBatch: MLflow-style `runs/log-batch` requests of 1000 metrics each (JSON), from
 *    C concurrent clients, points/s;
 *  - rss: the server's peak resident memory while the SDK ingests at full speed for --seconds.
 * Options: --runs --keys --steps --requests --concurrency --seconds
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Sextant } from "../src/index.js";
import { sampler, startBenchServer } from "./server-proc.js";
import { ms, now, parseArgs, progress, tempDir } from "./util.js";

/** One SDK client logging `runs` runs of `keys` keys × `steps` steps through the server at `url`. */
export async function sdkIngest(
  url: string,
  runs: number,
  keys: number,
  steps: number,
): Promise<{ points: number; ms: number }> {
  const names = Array.from({ length: keys }, (_, i) => `metric_${i}`);
  const sx = await Sextant.open({ uri: url, mode: "online", capture: false });
  const row: Record<string, number> = {};
  const t0 = now();
  for (let r = 0; r < runs; r++) {
    const run = await sx.startRun({ name: `run-${r}` });
    for (let s = 0; s < steps; s++) {
      for (let k = 0; k < keys; k++) row[names[k]!] = Math.sin(s * 0.001 + k) + r;
      run.logMetrics(row, { step: s });
      // yield now and then, as a training loop does, so background sends overlap logging
      if (s % 1000 === 999) await new Promise((res) => setImmediate(res));
    }
    await run.end();
  }
  const elapsed = ms(t0);
  await sx.close();
  return { points: runs * keys * steps, ms: elapsed };
}

async function mlflowLogBatch(
  url: string,
  requests: number,
  concurrency: number,
): Promise<{ points: number; ms: number; failed: number }> {
  const api = `${url}/api/2.0/mlflow`;
  const created = (await (
    await fetch(`${api}/runs/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ experiment_id: "0", start_time: Date.now(), run_name: "mlflow-bench" }),
    })
  ).json()) as { run: { info: { run_id: string } } };
  const runId = created.run.info.run_id;
  const bodies: string[] = [];
  let next = 0;
  let failed = 0;
  const body = (i: number) => {
    const ts = Date.now();
    const metrics = [];
    for (let k = 0; k < 10; k++)
      for (let s = 0; s < 100; s++)
        metrics.push({ key: `m${k}`, value: Math.cos(i + s + k), timestamp: ts, step: i * 100 + s });
    return JSON.stringify({ run_id: runId, metrics });
  };
  for (let i = 0; i < requests; i++) bodies.push(body(i));
  const t0 = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= requests) return;
        const res = await fetch(`${api}/runs/log-batch`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bodies[i]!,
        });
        await res.arrayBuffer();
        if (!res.ok) failed++;
      }
    }),
  );
  return { points: requests * 1000, ms: ms(t0), failed };
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const runs = Number(a.runs ?? 10);
  const keys = Number(a.keys ?? 50);
  const steps = Number(a.steps ?? 10_000);
  const requests = Number(a.requests ?? 300);
  const concurrency = Number(a.concurrency ?? 4);
  const seconds = Number(a.seconds ?? 60);
  const dir = tempDir("http-ingest");
  const server = await startBenchServer(join(dir, "store"));
  try {
    progress(`sdk: ${runs} runs × ${keys} keys × ${steps} steps through ${server.url}`);
    const sdk = await sdkIngest(server.url, runs, keys, steps);
    progress(`mlflow log-batch: ${requests} requests × 1000 metrics, ${concurrency} clients`);
    const mlflow = await mlflowLogBatch(server.url, requests, concurrency);
    progress(`rss: ingesting at full speed for ${seconds} s`);
    const rss = sampler(() => server.rssMb());
    const anon = sampler(() => server.rssParts().anonMb);
    const deadline = Date.now() + seconds * 1000;
    let sustained = 0;
    let sustainedMs = 0;
    while (Date.now() < deadline) {
      const r = await sdkIngest(server.url, 1, keys, steps);
      sustained += r.points;
      sustainedMs += r.ms;
    }
    const peakRss = rss.stop();
    const peakAnon = anon.stop();
    const pps = (x: { points: number; ms: number }) => Math.round(x.points / (x.ms / 1000));
    return {
      bench: "http-ingest",
      sdk: { points: sdk.points, ms: Math.round(sdk.ms), pointsPerSec: pps(sdk) },
      mlflowLogBatch: {
        points: mlflow.points,
        requests,
        concurrency,
        failed: mlflow.failed,
        ms: Math.round(mlflow.ms),
        pointsPerSec: pps(mlflow),
      },
      fullSpeed: {
        seconds,
        points: sustained,
        pointsPerSec: pps({ points: sustained, ms: sustainedMs }),
        serverPeakRssMb: peakRss,
        serverPeakAnonMb: peakAnon,
      },
      targets: { sdkPointsPerSec: 500_000, mlflowPointsPerSec: 100_000, serverRssMb: 300 },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
