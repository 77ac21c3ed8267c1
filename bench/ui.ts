/**
 * ui: the dashboards in headless Chromium against a store with 100,000 runs (10 params, 20
 * metrics, 3 tags) and one run with a 1,000,000-point series, served by `sextant server`.
 * Measures, over --reps navigations each (p50 and max, ms):
 *  - runsFirstPage: navigation to the runs page → first rows rendered;
 *  - sortByMetric: click on a metric column header → rows re-ordered by it;
 *  - chart1M: navigation to the long run → its chart drawn;
 *  - compare20: navigation to a compare of 20 runs → params table and overlay chart drawn.
 * The store is generated once and kept in the temp dir (--fresh regenerates).
 */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/core/index.js";
import { SqliteStore } from "../src/store/index.js";
import { launchChromium } from "../src/ui/testing/index.js";
import { startBenchServer } from "./server-proc.js";
import { parseArgs, percentile, progress } from "./util.js";

const T0 = 1_780_000_000_000;
const MODELS = ["rf", "gbdt", "logreg", "svm", "mlp"];

async function generate(dir: string, runs: number): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const store = await SqliteStore.open(join(dir, "sextant.db"));
  const exp = await store.runs.createExperiment({ name: "bench-ui" }, T0);
  const rng = new Rng(3);
  for (let i = 0; i < runs; i++) {
    const { runId } = await store.runs.createRun({
      experimentId: exp.experimentId,
      runName: `run-${i}`,
      userId: "bench",
      startTime: T0 + i * 1000,
      artifactUri: `${exp.artifactLocation}/{runId}/artifacts`,
      tags: { team: `team-${i % 5}`, stage: i % 2 ? "dev" : "prod", seed: String(i % 17) },
    });
    await store.runs.updateRun(runId, { status: "FINISHED", endTime: T0 + i * 1000 + 600 });
    await store.runs.logBatch(runId, {
      params: [
        { key: "model", value: MODELS[rng.int(0, MODELS.length - 1)]! },
        ...Array.from({ length: 9 }, (_, k) => ({ key: `p${k}`, value: String(rng.int(0, 100)) })),
      ],
      metrics: Array.from({ length: 20 }, (_, k) => ({
        key: k === 0 ? "f1" : `m${k}`,
        steps: Float64Array.of(0),
        timestamps: Float64Array.of(T0 + i),
        values: Float64Array.of(rng.random()),
      })),
    });
    if (i % 20_000 === 0 && i > 0) progress(`  ${i} runs`);
  }
  const { runId } = await store.runs.createRun({
    experimentId: exp.experimentId,
    runName: "long-series",
    userId: "bench",
    startTime: T0 + runs * 1000,
    artifactUri: `${exp.artifactLocation}/{runId}/artifacts`,
  });
  const n = 1_000_000;
  const steps = new Float64Array(n);
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    steps[s] = s;
    ts[s] = T0 + s;
    values[s] = 1 / (1 + s / 1000) + 0.01 * Math.sin(s / 50) + (s === 777_777 ? 1 : 0);
  }
  await store.runs.logBatch(runId, { metrics: [{ key: "loss", steps, timestamps: ts, values }] });
  await store.runs.updateRun(runId, { status: "FINISHED", endTime: T0 + runs * 1000 + 5000 });
  await store.runs.createExperiment({ name: `bench-ui-ready-${runs}` }, T0);
  await store.close();
}

function summarize(xs: number[]): { p50: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: Math.round(percentile(s, 50)), max: Math.round(s[s.length - 1]!) };
}

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const runs = Number(a.runs ?? 100_000);
  const reps = Number(a.reps ?? 5);
  const dir = join(tmpdir(), `sx-bench-ui-${runs}`);
  const ready = existsSync(join(dir, "sextant.db")) && a.fresh !== "true";
  let okStore = false;
  if (ready) {
    const s = await SqliteStore.open(join(dir, "sextant.db"));
    okStore = (await s.runs.getExperimentByName(`bench-ui-ready-${runs}`)) !== null;
    await s.close();
  }
  if (!okStore) {
    progress(`generating ${runs} runs and a 1M-point series in ${dir}`);
    await generate(dir, runs);
  }
  const server = await startBenchServer(dir);
  const browser = await launchChromium();
  try {
    const api = `${server.url}/api/v1`;
    const exp = (await (await fetch(`${api}/experiments/by-name?name=bench-ui`)).json()) as {
      experimentId: string;
    };
    const search = async (body: unknown) =>
      (await (
        await fetch(`${api}/runs/search`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json()) as { runs: Array<{ info: { runId: string } }> };
    const long = (
      await search({ experimentIds: [exp.experimentId], filter: "attributes.run_name = 'long-series'" })
    ).runs[0]!.info.runId;
    const twenty = (
      await search({
        experimentIds: [exp.experimentId],
        maxResults: 20,
        columns: { params: [], metrics: [], tags: [] },
      })
    ).runs.map((r) => r.info.runId);
    const topByF1 = (
      await search({
        experimentIds: [exp.experimentId],
        orderBy: ["metrics.f1 DESC"],
        maxResults: 1,
        columns: { params: [], metrics: [], tags: [] },
      })
    ).runs[0]!.info.runId;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const times = {
      runsFirstPage: [] as number[],
      sortByMetric: [] as number[],
      chart1M: [] as number[],
      compare20: [] as number[],
    };
    for (let i = 0; i < reps + 1; i++) {
      const keep = i > 0; // the first round warms the server and the browser cache
      progress(`round ${i + 1}/${reps + 1}`);
      let t0 = Date.now();
      await page.goto(`${server.url}/experiments/${exp.experimentId}`);
      await page.waitForSelector('[data-testid="runs-row"]');
      if (keep) times.runsFirstPage.push(Date.now() - t0);

      const header = page.locator('[data-testid="sort-metrics.f1"]');
      t0 = Date.now();
      await header.click();
      await page.waitForFunction(
        `document.querySelector('[data-testid="runs-row"]')?.getAttribute("data-run-id") === ${JSON.stringify(topByF1)}`,
      );
      if (keep) times.sortByMetric.push(Date.now() - t0);

      t0 = Date.now();
      await page.goto(`${server.url}/runs/${long}`);
      await page.waitForSelector('[data-testid="metric-chart"][data-metric="loss"][data-ready="true"]');
      if (keep) times.chart1M.push(Date.now() - t0);

      t0 = Date.now();
      await page.goto(`${server.url}/compare?runs=${twenty.join(",")}`);
      await page.waitForSelector('[data-testid="compare-params"]');
      await page.waitForSelector('[data-testid="compare-chart"][data-ready="true"]');
      if (keep) times.compare20.push(Date.now() - t0);
    }
    return {
      bench: "ui",
      runs,
      reps,
      runsFirstPageMs: summarize(times.runsFirstPage),
      sortByMetricMs: summarize(times.sortByMetric),
      chart1MPointsMs: summarize(times.chart1M),
      compare20RunsMs: summarize(times.compare20),
      targets: { runsFirstPageMs: 1000, sortByMetricMs: 500, chart1MPointsMs: 500, compare20RunsMs: 1000 },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
