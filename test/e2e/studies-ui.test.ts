/**
 * The studies pages in headless Debian Chromium: a study made through the Study API (sx.createStudy,
 * so every trial is a run) with COMPLETE, PRUNED (after reporting intermediate values), FAIL and
 * one RUNNING trial; the charts drawn with the series the report implies; the trials table's rows,
 * states and run links checked against the store; the run page linking back; and trials added
 * while the page is open appearing without a reload. Screenshots go to test-artifacts/ui/.
 */

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RandomSampler, type Study, type Trial, TrialPruned } from "../../src/hpo/index.js";
import { Sextant } from "../../src/index.js";
import { buildServer } from "../../src/server/index.js";
import { isDatabaseStore } from "../../src/store/index.js";
import { launchChromium } from "../../src/ui/testing/index.js";

const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const shots = join(root, "test-artifacts", "ui");
const haveUi = existsSync(join(root, "dist", "ui", "index.html"));
const NAME = "churn tuning/v1";
const PRUNED = new Set([2, 6]);
const FAILED = new Set([4]);
const N = 10;

let dir: string;
let sx: Sextant;
let study: Study;
let pareto: Study;
let running: Trial;
let server: { app: FastifyInstance; url: string };
let browser: Browser;
let page: Page;

function objective(trial: Trial): number {
  const lr = trial.suggestFloat("lr", 1e-3, 0.3, { log: true });
  const depth = trial.suggestInt("depth", 2, 8);
  const booster = trial.suggestCategorical("booster", ["gbdt", "rf"]);
  if (FAILED.has(trial.number)) throw new Error("out of memory");
  let loss = 0;
  for (let step = 0; step < 5; step++) {
    loss = 1 / (1 + step * lr * 10) + depth * 0.01 + (booster === "rf" ? 0.2 : 0);
    trial.report(loss, step);
    if (PRUNED.has(trial.number) && step === 2) throw new TrialPruned();
  }
  return loss;
}

/**
 * A private copy of the built UI: other test runs may rebuild dist/ui (emptying it) while this one
 * runs. Copied once every asset index.html names is there.
 */
async function copyUi(to: string): Promise<string> {
  const from = join(root, "dist", "ui");
  for (let attempt = 0; ; attempt++) {
    rmSync(to, { recursive: true, force: true });
    try {
      cpSync(from, to, { recursive: true });
      const html = readFileSync(join(to, "index.html"), "utf8");
      const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
      if (assets.length > 0 && assets.every((a) => existsSync(join(to, a)))) return to;
    } catch (e) {
      if (attempt >= 20) throw e;
    }
    if (attempt >= 20) throw new Error("dist/ui stayed incomplete");
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function shot(name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function attr(testId: string, name: string): Promise<string | null> {
  return page.locator(`[data-testid="${testId}"]`).getAttribute(name);
}

async function tableRows(): Promise<Array<{ number: string; state: string }>> {
  return page.locator('[data-testid="trial-row"]').evaluateAll((rows) =>
    rows.map((r) => ({
      number: r.getAttribute("data-number") ?? "",
      state: r.getAttribute("data-state") ?? "",
    })),
  );
}

describe.skipIf(!haveUi)("studies in the web UI (Chromium)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-studies-ui-"));
    sx = await Sextant.open({ uri: join(dir, "store"), cwd: dir });
    study = await sx.createStudy({
      name: NAME,
      direction: "minimize",
      sampler: new RandomSampler({ seed: 11 }),
      experiment: "tuning",
      onWarning: () => undefined,
    });
    await study.optimize(objective, { nTrials: N });
    pareto = await sx.createStudy({
      name: "pareto",
      directions: ["minimize", "maximize"],
      sampler: new RandomSampler({ seed: 5 }),
      experiment: "tuning",
    });
    await pareto.optimize(
      (t) => {
        const x = t.suggestFloat("x", 0, 1);
        const y = t.suggestFloat("y", 0, 1);
        return [x, Math.sqrt(x) - y];
      },
      { nTrials: 12 },
    );
    // one trial in flight while the page is open
    running = await study.ask();
    running.suggestFloat("lr", 1e-3, 0.3, { log: true });
    running.suggestInt("depth", 2, 8);
    running.suggestCategorical("booster", ["gbdt", "rf"]);
    running.report(0.9, 0);
    // The server shares the study's store (one SQLite connection): a second connection to the
    // same file in this process could wait synchronously on a write lock the first holds
    // across an await.
    if (!isDatabaseStore(sx.store)) throw new Error("the UI test serves a database store");
    const app = await buildServer({
      store: sx.store,
      artifacts: sx.artifacts,
      uiDir: await copyUi(join(dir, "ui")),
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    server = { app, url };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await sx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the study with its trials by state", async () => {
    await page.goto(`${server.url}/studies`);
    const row = page.locator('[data-testid="study-row"]', { hasText: NAME });
    await row.waitFor();
    const counts = await row
      .locator(".study-count")
      .evaluateAll((els) => els.map((e) => [e.getAttribute("data-state"), e.textContent?.trim()]));
    expect(counts).toEqual([
      ["COMPLETE", "complete 7"],
      ["PRUNED", "pruned 2"],
      ["FAIL", "fail 1"],
      ["RUNNING", "running 1"],
    ]);
    expect((await row.locator("td").allTextContents())[2]).toBe("11");
    expect(await page.locator("nav.topnav a.active").textContent()).toBe("Studies");
    await shot("studies");
    await row.locator("a").first().click();
    await page.locator('[data-testid="study-page"]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/studies/${encodeURIComponent(NAME)}`);
  });

  it("draws history, importances, parallel coordinates, slices and intermediate values", async () => {
    await page.goto(`${server.url}/studies/${encodeURIComponent(NAME)}`);
    await page.locator('[data-testid="study-page"]').waitFor();
    const trials = await study.getTrials();
    const complete = trials.filter((t) => t.state === "COMPLETE");
    const finished = trials.filter((t) => t.state !== "RUNNING");
    const firstComplete = complete[0]!.number;
    const withBest = finished.filter((t) => t.number >= firstComplete).length;

    for (const id of ["history", "parallel", "intermediate", "slice-lr", "slice-depth", "slice-booster"]) {
      await expect.poll(() => attr(`study-chart-${id}`, "data-drawn"), { timeout: 15_000 }).toBe("1");
      expect(await page.locator(`[data-testid="study-chart-${id}"] canvas`).count()).toBeGreaterThan(0);
    }
    // history: the values and the best-so-far line
    expect(await attr("study-chart-history", "data-series")).toBe("2");
    expect(await attr("study-chart-history", "data-points")).toBe(String(complete.length + withBest));
    // one parallel series, a line per COMPLETE trial
    expect(await attr("study-chart-parallel", "data-series")).toBe("1");
    expect(await attr("study-chart-parallel", "data-points")).toBe(String(complete.length));
    for (const p of ["lr", "depth", "booster"]) {
      expect(await attr(`study-chart-slice-${p}`, "data-points")).toBe(String(complete.length));
    }
    // a curve per trial that reported: the completed, the pruned (stopped at step 2) and the running one
    const reported = trials.filter((t) => Object.keys(t.intermediate).length > 0);
    expect(reported.map((t) => t.state).sort()).toEqual([
      ...Array(7).fill("COMPLETE"),
      "PRUNED",
      "PRUNED",
      "RUNNING",
    ]);
    expect(await attr("study-chart-intermediate", "data-series")).toBe(String(reported.length));
    expect(await attr("study-chart-intermediate", "data-points")).toBe(String(7 * 5 + 2 * 3 + 1));
    expect(await page.locator('[data-testid="study-chart-intermediate"]').textContent()).toContain(
      "2 pruned",
    );
    // importances: one bar per param, summing to 1
    const imp = await page
      .locator('[data-testid="study-chart-importances"] .importance-row')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute("data-param"), Number(e.getAttribute("data-importance"))]),
      );
    expect(imp.map(([p]) => p).sort()).toEqual(["booster", "depth", "lr"]);
    expect(imp.reduce((s, [, v]) => s + (v as number), 0)).toBeCloseTo(1, 9);
    expect(await page.locator('[data-testid="study-live"]').count()).toBe(1);
    await shot("study");
    // fANOVA on request
    expect(await attr("study-chart-importances", "data-method")).toBe("random-forest-mdi");
    await page.locator('[data-testid="importance-method"]').selectOption("fanova");
    await expect
      .poll(() => attr("study-chart-importances", "data-method"), { timeout: 10_000 })
      .toBe("fanova");
    expect(new URL(page.url()).searchParams.get("imp")).toBe("fanova");
    const fanova = await page
      .locator('[data-testid="study-chart-importances"] .importance-row')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-importance"))));
    expect(fanova).toHaveLength(3);
    expect(fanova.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it("shows every trial with its state and a link to its run, and the run links back", async () => {
    await page.goto(`${server.url}/studies/${encodeURIComponent(NAME)}`);
    await page.locator('[data-testid="trial-row"]').first().waitFor();
    const trials = await study.getTrials();
    await expect
      .poll(tableRows, { timeout: 10_000 })
      .toEqual(trials.map((t) => ({ number: String(t.number), state: t.state })));
    const links = await page
      .locator('[data-testid="trial-row"]')
      .evaluateAll((rows) =>
        rows.map((r) => r.querySelector('[data-testid="trial-run-link"]')?.getAttribute("href") ?? null),
      );
    expect(links).toEqual(trials.map((t) => `/runs/${t.runId}`));
    const best = study.bestTrial;
    const bestRow = page.locator(`[data-testid="trial-row"][data-number="${best.number}"]`);
    expect(await bestRow.locator(".best-mark").count()).toBe(1);
    const pruned = page.locator('[data-testid="trial-row"][data-state="PRUNED"]').first();
    expect(await pruned.locator("td").nth(1).textContent()).toBe("pruned");

    // sort by value: the best first, trials without a value last
    await page.locator('[data-testid="study-trials-table"] th button', { hasText: "Value" }).click();
    await expect
      .poll(async () => (await tableRows())[0]?.number, { timeout: 5_000 })
      .toBe(String(best.number));
    expect((await tableRows()).at(-1)?.state).not.toBe("COMPLETE");

    await page
      .locator(`[data-testid="trial-row"][data-number="${best.number}"] [data-testid="trial-run-link"]`)
      .click();
    await page.locator('[data-testid="run-header"]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/runs/${best.runId}`);
    const back = page.locator('[data-testid="run-study-link"]');
    await back.waitFor();
    expect(await back.textContent()).toBe(`${NAME} · trial #${best.number}`);
    await shot("study-trial-run");
    await back.click();
    await page.locator('[data-testid="study-page"]').waitFor();
  });

  it("shows trials added while the page is open, without a reload", async () => {
    await page.goto(`${server.url}/studies/${encodeURIComponent(NAME)}`);
    await page.locator('[data-testid="trial-row"]').first().waitFor();
    await expect.poll(async () => (await tableRows()).length, { timeout: 10_000 }).toBe(N + 1);
    const marker = await page.evaluate(() => {
      (globalThis as unknown as { __marker: number }).__marker = 42;
      return 42;
    });
    await study.tell(running, 0.001);
    const extra = await study.ask();
    objective(extra);
    await study.tell(extra, 0.0005);

    // the page polls every 2 s while a trial runs; a later poll sees both finished
    const states = async () => {
      const rows = await tableRows();
      const of = (n: number) => rows.find((r) => r.number === String(n))?.state;
      return [rows.length, of(running.number), of(extra.number)];
    };
    await expect.poll(states, { timeout: 15_000, interval: 250 }).toEqual([N + 2, "COMPLETE", "COMPLETE"]);
    await expect
      .poll(() => page.locator('[data-testid="study-best-0"]').textContent(), { timeout: 5_000 })
      .toContain(`trial #${extra.number}`);
    expect(await page.locator('[data-testid="study-trial-count"]').textContent()).toBe(String(N + 2));
    expect(await page.locator('[data-testid="study-live"]').count()).toBe(0);
    // the same document: no reload happened
    expect(await page.evaluate(() => (globalThis as unknown as { __marker?: number }).__marker)).toBe(marker);
    await shot("study-updated");
  });

  it("multi-objective: marks the Pareto front and switches the objective", async () => {
    await page.goto(`${server.url}/studies/pareto`);
    await page.locator('[data-testid="trial-row"]').first().waitFor();
    const front = pareto.bestTrials.map((t) => String(t.number)).sort();
    expect(front.length).toBeGreaterThan(1);
    const starred = await page
      .locator('[data-testid="trial-row"]:has(.best-mark)')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-number") ?? ""));
    expect(starred.sort()).toEqual(front);
    await expect.poll(() => attr("study-chart-history", "data-drawn"), { timeout: 15_000 }).toBe("1");
    expect(await attr("study-chart-history", "data-points")).toBe(String(12 * 2));
    const buttons = page.locator(".study-objectives button");
    expect(await buttons.allTextContents()).toEqual(["Objective 0 (minimize)", "Objective 1 (maximize)"]);
    await buttons.nth(1).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("obj")).toBe("1");
    expect(await buttons.nth(1).getAttribute("aria-pressed")).toBe("true");
    // sorting by objective 1 (maximized): the best of it first
    const best1 = [...pareto.trials].sort((a, b) => b.values![1]! - a.values![1]!)[0]!;
    await page.locator('[data-testid="study-trials-table"] th button', { hasText: "Value 1" }).click();
    await expect
      .poll(async () => (await tableRows())[0]?.number, { timeout: 5_000 })
      .toBe(String(best1.number));
    await shot("study-pareto");
  });

  it("answers an unknown study with a typed error panel", async () => {
    await page.goto(`${server.url}/studies/nope`);
    const panel = page.locator(".error-panel");
    await panel.waitFor();
    expect(await panel.textContent()).toContain("STUDY_NOT_FOUND");
  });
});
