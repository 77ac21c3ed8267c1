/**
 * The web UI in headless Debian Chromium (playwright-core, never a downloaded browser): each page
 * on a seeded store, filtering with the grammar, select → compare, artifacts, and the numbers on
 * screen checked against the store. A screenshot of each page goes to test-artifacts/ui/.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sextant } from "../../src/index.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { launchChromium } from "../../src/ui/testing/index.js";

const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const shots = join(root, "test-artifacts", "ui");
const haveUi = existsSync(join(root, "dist", "ui", "index.html"));
// A 2×2 PNG (red, green / blue, white).
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000020000000208020000fdd49a73000000164944415478da63f8cfc0f01f0818fe03010003e0047cc9e7bb7a0000000049454e44ae426082",
  "hex",
);

let dir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let expId: string;
const ids: Record<string, string> = {};

async function seed(uri: string, cwd: string): Promise<void> {
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd });
  git("init", "-q", "-b", "main");
  writeFileSync(join(cwd, "train.ts"), "export const lr = 0.1;\n");
  git("add", ".");
  git("commit", "-q", "-m", "first");
  writeFileSync(join(cwd, "train.ts"), "export const lr = 0.05;\n");
  writeFileSync(join(cwd, "users.csv"), "user_id,days_since_listen,churned\nu1,3,0\nu2,21,1\nu3,9,0\n");
  writeFileSync(join(cwd, "pixels.png"), PNG);
  const sx = await Sextant.open({ uri, cwd, capture: { environment: true, code: true, command: true } });
  expId = (await sx.setExperiment("tunekeeper-churn")).experimentId;
  await sx.withRun({ name: "baseline-rule", seed: 1 }, async (run) => {
    ids["baseline-rule"] = run.id;
    await run.logParams({ model: "rule", threshold_days: 14 });
    run.logMetrics({ f1: 0.49, precision: 0.65, recall: 0.4 });
    await run.logDataset("users.csv", { name: "users", context: "val" });
    await run.logText("days_since_listen >= 14", "rule.txt");
    await run.logJson({ feature: "days_since_listen", threshold: 14 }, "rule.json");
    await run.logArtifact("users.csv", { artifactPath: "data" });
    await run.logArtifact("pixels.png", { artifactPath: "plots" });
  });
  await sx.withRun({ name: "sweep" }, async (parent) => {
    ids.sweep = parent.id;
    for (const [model, lr, f1] of [
      ["rf", 0.1, 0.71],
      ["rf", 0.05, 0.74],
      ["gbdt", 0.1, 0.78],
    ] as const) {
      await sx.withRun({ name: `${model}-${lr}`, parentRunId: parent.id, seed: 7 }, async (run) => {
        ids[`${model}-${lr}`] = run.id;
        await run.logParams({ model, lr });
        for (let s = 0; s < 50; s++)
          run.logMetrics({ loss: 1 / (1 + s * lr), f1: f1 - (49 - s) * 0.002 }, { step: s });
      });
    }
  });
  await sx.close();
}

async function shot(name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function rowIds(): Promise<string[]> {
  return page
    .locator('[data-testid="runs-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id") ?? ""));
}

describe.skipIf(!haveUi)("web UI in Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-ui-"));
    const work = join(dir, "project");
    mkdirSync(work);
    await seed(join(dir, "store"), work);
    server = await startServer({ storeUri: join(dir, "store"), port: 0, logLevel: false });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists experiments with their run counts", async () => {
    await page.goto(`${server.url}/`);
    const row = page.locator('[data-testid="experiment-row"]', { hasText: "tunekeeper-churn" });
    await row.waitFor();
    // 1 rule run + 1 parent + 3 children
    await expect.poll(async () => await row.locator("td").allTextContents()).toContain("5");
    await shot("experiments");
  });

  it("shows the runs, filters with the grammar, keeps results on a bad filter, and sorts", async () => {
    await page.goto(`${server.url}/experiments/${expId}?group=0`);
    await page.locator('[data-testid="runs-row"]').first().waitFor();
    await expect.poll(rowIds).toHaveLength(5);
    await expect.poll(() => page.locator('[data-testid="runs-count"]').getAttribute("data-count")).toBe("5");

    const filter = page.locator('[data-testid="filter-input"]');
    await filter.fill("params.model = 'rf'");
    await filter.press("Enter");
    await expect.poll(async () => (await rowIds()).sort()).toEqual([ids["rf-0.1"], ids["rf-0.05"]].sort());
    expect(page.url()).toContain("filter=");

    await filter.fill("metrics.f1 >> 0.5");
    await filter.press("Enter");
    await page.locator('[data-testid="filter-error"]').waitFor();
    expect(await page.locator('[data-testid="filter-error"]').textContent()).toMatch(/position 11/);
    expect((await rowIds()).length).toBe(2); // the previous results stay on screen

    await filter.fill("");
    await filter.press("Enter");
    await expect.poll(rowIds).toHaveLength(5);
    await page.locator('[data-testid="sort-metrics.f1"]').click();
    await expect.poll(async () => (await rowIds())[0]).toBeDefined();
    const first = (await rowIds())[0];
    // descending or ascending, the ends are the best and the worst f1
    expect([ids["gbdt-0.1"], ids["baseline-rule"]]).toContain(first);
    await shot("runs");
  });

  it("groups nested runs under their parent", async () => {
    await page.goto(`${server.url}/experiments/${expId}`);
    await page.locator('[data-testid="runs-row"]').first().waitFor();
    await expect.poll(async () => (await rowIds()).sort()).toEqual([ids["baseline-rule"], ids.sweep].sort());
    await page.getByRole("button", { name: "Show child runs" }).first().click();
    await expect.poll(rowIds).toHaveLength(5);
  });

  it("selects runs and compares them", async () => {
    await page.goto(`${server.url}/experiments/${expId}?group=0`);
    await page.locator('[data-testid="runs-row"]').first().waitFor();
    await page.getByRole("checkbox", { name: "Select rf-0.1" }).check();
    await page.getByRole("checkbox", { name: "Select gbdt-0.1" }).check();
    await page.locator('[data-testid="compare-button"]').click();
    await page.waitForURL(/\/compare\?/);
    const params = page.locator('[data-testid="compare-params"]');
    await params.waitFor();
    const text = (await params.textContent()) ?? "";
    expect(text).toContain("gbdt");
    expect(text).toContain("rf");
    await page.locator('[data-testid="compare-chart"][data-ready="true"]').waitFor();
    await page.locator('[data-testid="parallel-plot"]').waitFor();
    await page.locator('[data-testid="scatter-plot"]').waitFor();
    await shot("compare");
  });

  it("shows a run's numbers as the store has them, its charts, code and artifacts", async () => {
    await page.goto(`${server.url}/runs/${ids["gbdt-0.1"]}`);
    await page.locator('[data-testid="run-header"]').waitFor();
    expect(await page.locator('[data-testid="run-header"]').textContent()).toContain("gbdt-0.1");
    const metrics = (await page.locator('[data-testid="run-metrics"]').textContent()) ?? "";
    expect(metrics).toContain("0.78"); // latest f1 at step 49
    expect(metrics).toContain("0.682"); // min f1 (step 0): 0.78 − 49 × 0.002
    await page.locator('[data-testid="metric-chart"][data-metric="f1"][data-ready="true"]').waitFor();
    await page.locator('[data-testid="metric-chart"][data-metric="loss"][data-ready="true"]').waitFor();
    await shot("run");

    const rule = `${server.url}/runs/${ids["baseline-rule"]}`;
    await page.goto(`${rule}?tab=datasets`);
    const datasets = page.locator('[data-testid="run-datasets"]');
    await datasets.waitFor();
    expect(await datasets.textContent()).toContain("users");
    await page.goto(`${rule}?tab=code`);
    await expect.poll(async () => (await page.textContent("body")) ?? "").toMatch(/dirty/i);
    await expect.poll(async () => (await page.textContent("body")) ?? "").toContain("lr = 0.05");
    await shot("code");
    await page.goto(`${rule}?tab=artifacts`);
    const tree = page.locator('[data-testid="artifact-tree"]');
    await tree.waitFor();
    for (const dirName of ["data", "plots"]) {
      const toggle = tree.getByRole("button", { name: dirName });
      if ((await toggle.getAttribute("aria-expanded")) === "false") await toggle.click();
    }
    await tree.locator('[data-path="data/users.csv"]').click();
    const preview = page.locator('[data-testid="artifact-preview"]');
    await expect
      .poll(async () => (await preview.locator("th").allTextContents()).join(","))
      .toContain("days_since_listen");
    await tree.locator('[data-path="rule.json"]').click();
    await expect.poll(async () => (await preview.textContent()) ?? "").toContain('"threshold": 14');
    await tree.locator('[data-path="plots/pixels.png"]').click();
    await preview.locator("img").waitFor();
    await shot("artifacts");
  });
});
