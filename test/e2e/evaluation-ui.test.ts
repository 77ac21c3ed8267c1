/**
 * The evaluation page in headless Debian Chromium (playwright-core, never a downloaded browser):
 * a TuneKeep evaluation stored by sx.evaluate (temporal split, baseline, segments, a 5-window
 * backtest), reached from its run's page; the numbers on screen checked against the stored record,
 * and the REST routes behind it. Screenshots go to test-artifacts/ui/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Evaluation } from "../../src/evaluate/index.js";
import { temporalSplit } from "../../src/evaluate/index.js";
import { Sextant } from "../../src/index.js";
import type { Table } from "../../src/learn/index.js";
import { generateTuneKeep, LogisticRegression } from "../../src/learn/index.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { launchChromium } from "../../src/ui/testing/index.js";

const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const shots = join(root, "test-artifacts", "ui");
const haveUi = existsSync(join(root, "dist", "ui", "index.html"));
const FEATURES = ["days_since_listen", "hours_last_month", "payment_failures", "tenure_days"];

let dir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let runId: string;
let evaluation: Evaluation;

const fitModel = (t: Table) =>
  new LogisticRegression({ standardize: true, onWarning: () => {} }).fit({
    X: t.pick(...FEATURES),
    y: t.numbers("churned"),
  });

async function seed(uri: string): Promise<void> {
  const sx = await Sextant.open({ uri, capture: false, onWarning: () => {} });
  await sx.setExperiment("tunekeeper-churn");
  const tk = generateTuneKeep({ users: 1500, months: 8, seed: 3 });
  const split = temporalSplit(tk, {
    timeColumn: "snapshot_date",
    cutoff: "2024-07-01",
    entityColumn: "user_id",
  });
  await sx.withRun({ name: "logreg-v1" }, async (run) => {
    runId = run.id;
    const model = await fitModel(split.train);
    const base = await new LogisticRegression({ onWarning: () => {} }).fit({
      X: split.train.pick("tenure_days"),
      y: split.train.numbers("churned"),
    });
    evaluation = await sx.evaluate({
      runId: run.id,
      name: "holdout 2024-07/08",
      model,
      split,
      label: "churned",
      metrics: ["roc_auc", "f1", "brier"],
      baseline: { name: "tenure only", predictions: base.predictProba(split.test.pick("tenure_days")) },
      segments: "segment",
      backtest: {
        data: tk,
        timeColumn: "snapshot_date",
        labelColumn: "churned",
        windows: "expanding",
        testPeriods: 5,
        fit: fitModel,
        predict: (m, t) => (m as LogisticRegression).predictProba(t.pick(...FEATURES)),
      },
      nBoot: 300,
      compareBoot: 2000,
      seed: 7,
    });
  });
  await sx.close();
}

async function shot(name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** The page's number format: 4 significant digits, then the UI's formatNumber. */
function num(v: number): string {
  return String(Number(Number(v.toPrecision(4)).toPrecision(6)));
}

async function cells(selector: string): Promise<string[][]> {
  const rows = await page.locator(`${selector} tbody tr`).all();
  return Promise.all(rows.map(async (r) => (await r.locator("td").allTextContents()).map((t) => t.trim())));
}

describe.skipIf(!haveUi)("evaluation page in Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-eval-ui-"));
    await seed(join(dir, "store"));
    server = await startServer({ storeUri: join(dir, "store"), port: 0, logLevel: false });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the record over REST, by id and by run", async () => {
    const one = (await (
      await fetch(`${server.url}/api/v1/evaluations/${evaluation.evaluationId}`)
    ).json()) as {
      evaluationId: string;
      runId: string;
      content: { metrics: unknown };
    };
    expect(one.evaluationId).toBe(evaluation.evaluationId);
    expect(one.runId).toBe(runId);
    expect(one.content.metrics).toEqual(evaluation.metrics);
    const list = (await (await fetch(`${server.url}/api/v1/runs/${runId}/evaluations`)).json()) as {
      evaluations: Array<{ evaluationId: string }>;
    };
    expect(list.evaluations.map((e) => e.evaluationId)).toEqual([evaluation.evaluationId]);
    const missing = await fetch(`${server.url}/api/v1/evaluations/${"0".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("EVALUATION_NOT_FOUND");
  });

  it("links the run page to its evaluation", async () => {
    await page.goto(`${server.url}/runs/${runId}`);
    const panel = page.locator('[data-testid="run-evaluations"]');
    await panel.waitFor();
    expect(await panel.textContent()).toContain("holdout 2024-07/08");
    await panel.locator('[data-testid="evaluation-link"]').click();
    await page.waitForURL(new RegExp(`/evaluations/${evaluation.evaluationId}$`));
    await page.locator('[data-testid="eval-metrics"]').waitFor();
  });

  it("shows the metrics with their intervals and the baseline comparison as stored", async () => {
    await page.goto(`${server.url}/evaluations/${evaluation.evaluationId}`);
    await page.locator('[data-testid="eval-metrics"]').waitFor();
    expect(await page.locator('[data-testid="eval-header"]').textContent()).toContain(
      "Temporal split on snapshot_date at 2024-07-01",
    );
    const metricRows = await cells('[data-testid="eval-metrics"]');
    expect(metricRows.map((r) => [r[0]!.replace(" (lower is better)", ""), r[1], r[2]])).toEqual(
      evaluation.metrics.map((m) => [m.name, num(m.value!), `[${num(m.ci![0])}, ${num(m.ci![1])}]`]),
    );
    const cmp = await cells('[data-testid="eval-comparison"]');
    expect(cmp.map((r) => r.slice(0, 4))).toEqual(
      evaluation.comparisons.map((c) => [c.metric, num(c.model), num(c.baseline), num(c.meanDiff)]),
    );
    // the bootstrap distribution: one bar per bin, the counts adding up to the resamples
    for (const c of evaluation.comparisons) {
      const bars = page.locator(`[data-testid="eval-hist-${c.metric}"] rect[data-count]`);
      const counts = await bars.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("data-count"))));
      expect(counts).toEqual(c.histogram.counts);
      expect(counts.reduce((s, v) => s + v, 0)).toBe(2000);
    }
    expect(await page.locator('[data-testid="eval-leakage"]').textContent()).toContain("ENTITY_OVERLAP");
    await shot("evaluation");
  });

  it("draws the backtest over its windows, the segment table and the curves", async () => {
    await page.goto(`${server.url}/evaluations/${evaluation.evaluationId}`);
    const bt = page.locator('[data-testid="eval-backtest"]');
    await bt.waitFor();
    const windows = evaluation.backtest!.windows;
    expect(windows).toHaveLength(5);
    const line = page.locator('[data-testid="eval-backtest-roc_auc"] [data-series="roc_auc"]');
    expect(await line.getAttribute("data-points")).toBe("5");
    expect(await line.locator("circle").count()).toBe(5);
    const ticks = await page.locator('[data-testid="eval-backtest-roc_auc"] text').allTextContents();
    for (const w of windows) expect(ticks).toContain(w.testPeriod.slice(0, 7));
    const summary = await cells('[data-testid="eval-backtest-summary"]');
    const s = evaluation.backtest!.summary.roc_auc!;
    expect(summary[0]).toEqual(["roc_auc", num(s.mean), num(s.std), num(s.min), num(s.max), num(s.trend)]);
    const winRows = await cells('[data-testid="eval-backtest-windows"]');
    expect(winRows.map((r) => r[0])).toEqual(windows.map((w) => w.testPeriod.slice(0, 10)));
    expect(winRows.map((r) => r[4])).toEqual(windows.map((w) => num(w.metrics.roc_auc!)));

    const seg = await cells('[data-testid="eval-segments"]');
    const segs = evaluation.segments!;
    expect(seg.map((r) => r.slice(0, 3))).toEqual([
      ...segs.segments.map((r) => [r.segment, String(r.rows), String(r.positives)]),
      ["(all)", String(evaluation.rows), String(evaluation.positives)],
    ]);
    expect(seg[0]![3]).toBe(num(segs.segments[0]!.metrics.roc_auc!));

    const roc = page.locator('[data-testid="eval-roc"] [data-series="model"]');
    expect(await roc.getAttribute("data-points")).toBe(String(evaluation.curves.roc!.fpr.length));
    expect(
      await page.locator('[data-testid="eval-pr"] [data-series="model"]').getAttribute("data-points"),
    ).toBe(String(evaluation.curves.pr!.recall.length));
    expect(await page.locator('[data-testid="eval-calibration"] [data-series="model"] circle').count()).toBe(
      evaluation.curves.calibration!.probPred.length,
    );
    await shot("evaluation-backtest");
  });

  it("says when an evaluation does not exist", async () => {
    await page.goto(`${server.url}/evaluations/${"0".repeat(32)}`);
    const err = page.locator(".error-panel");
    await err.waitFor();
    expect(await err.textContent()).toContain("EVALUATION_NOT_FOUND");
  });
});
