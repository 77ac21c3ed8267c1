/**
 * http-latency: round trips of MLflow's `runs/log-metric` (one point per request) from 50
 * concurrent clients, each on its own keep-alive connection.
 *  - paced: every client logs `--rate` points per second on average, with exponential gaps
 *    between requests (independent training loops, not a synchronized burst), the load the
 *    latency target is about;
 *  - saturated: autocannon's clients send as fast as the server answers, reported for capacity.
 * Options: --connections --rate --seconds
 */
import { rmSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import autocannon from "autocannon";
import { Rng } from "../src/core/index.js";
import { sampler, startBenchServer } from "./server-proc.js";
import { parseArgs, percentile, progress, tempDir } from "./util.js";

interface Shot {
  requestsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
}

/** Clients with Poisson arrivals; each waits for its answer before its next request. */
async function paced(
  url: string,
  body: string,
  clients: number,
  rate: number,
  seconds: number,
  seed: number,
): Promise<Shot> {
  const rng = new Rng(seed);
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const deadline = Date.now() + seconds * 1000;
  const one = (agent: http.Agent) =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (res.statusCode !== 200) non2xx++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let next = Date.now() + rng.random() * (1000 / rate);
      while (next < deadline) {
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await one(agent);
        next += -Math.log(1 - rng.random()) * (1000 / rate);
      }
      agent.destroy();
    }),
  );
  latencies.sort((x, y) => x - y);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    requestsPerSec: Math.round(latencies.length / ((Date.now() - started) / 1000)),
    p50Ms: round(percentile(latencies, 50)),
    p90Ms: round(percentile(latencies, 90)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
    errors,
    non2xx,
  };
}

async function shoot(
  url: string,
  body: string,
  connections: number,
  seconds: number,
  connectionRate?: number,
): Promise<Shot> {
  const r = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: seconds,
    ...(connectionRate ? { connectionRate } : {}),
  });
  return {
    requestsPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const connections = Number(a.connections ?? 50);
  const rate = Number(a.rate ?? 20);
  const seconds = Number(a.seconds ?? 20);
  const dir = tempDir("http-latency");
  const server = await startBenchServer(join(dir, "store"));
  try {
    const api = `${server.url}/api/2.0/mlflow`;
    const created = (await (
      await fetch(`${api}/runs/create`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ experiment_id: "0", start_time: Date.now(), run_name: "latency" }),
      })
    ).json()) as { run: { info: { run_id: string } } };
    const body = JSON.stringify({
      run_id: created.run.info.run_id,
      key: "loss",
      value: 0.25,
      timestamp: Date.now(),
      step: 1,
    });
    const rss = sampler(() => server.rssMb());
    progress(`warm-up`);
    await paced(`${api}/runs/log-metric`, body, connections, rate, 2, 1);
    progress(`paced: ${connections} clients × ${rate} req/s (Poisson) for ${seconds} s`);
    const steady = await paced(`${api}/runs/log-metric`, body, connections, rate, seconds, 2);
    progress(`saturated: ${connections} clients as fast as answered for ${Math.min(seconds, 10)} s`);
    const saturated = await shoot(`${api}/runs/log-metric`, body, connections, Math.min(seconds, 10));
    return {
      bench: "http-latency",
      connections,
      paced: { ratePerClient: rate, ...steady },
      saturated,
      serverPeakRssMb: rss.stop(),
      targets: { p50Ms: 1, p99Ms: 5 },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
