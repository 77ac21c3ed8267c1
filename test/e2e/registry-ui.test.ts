/**
 * The model registry pages in headless Debian Chromium (playwright-core, never a downloaded
 * browser). A store seeded through the SDK (three versions of "churn", a policy only version 2
 * meets, a forced promotion, a rollback, two aliases) behind a real server; the tables, the
 * timeline, the policy marks and the lineage links on screen are checked against what the SDK did
 * and what the REST API returns. Screenshots go to test-artifacts/ui/.
 */

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelDetail } from "../../src/api/index.js";
import { ManualClock } from "../../src/core/index.js";
import { Sextant } from "../../src/index.js";
import { buildServer } from "../../src/server/index.js";
import { ACTOR, MODEL, type RegistryFixture, seedRegistry } from "../../src/server/testing/index.js";
import { type AuditEvent, isDatabaseStore, openStore } from "../../src/store/index.js";
import { launchChromium } from "../../src/ui/testing/index.js";

const root = join(new URL(".", import.meta.url).pathname, "..", "..");
const shots = join(root, "test-artifacts", "ui");
const haveUi = existsSync(join(root, "dist", "ui", "index.html"));

let dir: string;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let fx: RegistryFixture;
let detail: ModelDetail;
let trail: AuditEvent[];

/**
 * A private copy of the built UI: other test runs on this machine rebuild dist/ui (the global
 * setup), and a page must not load an index.html whose chunks were just replaced. The copy is
 * taken again until every asset index.html names is in it.
 */
function snapshotUi(to: string): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    rmSync(to, { recursive: true, force: true });
    try {
      cpSync(join(root, "dist", "ui"), to, { recursive: true });
      // index.html names the entry chunks, and those name the lazily loaded ones
      const html = readFileSync(join(to, "index.html"), "utf8");
      const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
      for (const entry of assets.filter((a) => a.endsWith(".js") && existsSync(join(to, a)))) {
        const code = readFileSync(join(to, entry), "utf8");
        for (const m of code.matchAll(/"(assets\/[\w.-]+\.(?:js|css))"/g)) assets.push(m[1]!);
      }
      if (assets.length > 0 && assets.every((a) => existsSync(join(to, a)))) return to;
    } catch {
      // a build was replacing the directory: try again
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  throw new Error("could not copy a complete dist/ui");
}

/** The server `sextant server` runs, over the store at `uri`, serving the UI copy. */
async function serve(uri: string, uiDir: string) {
  const opened = await openStore({ uri });
  const store = opened.store;
  if (!isDatabaseStore(store)) throw new Error("the UI test serves a database store");
  const app: FastifyInstance = await buildServer({ store, artifacts: opened.artifacts, uiDir });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

async function shot(name: string): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function cells(selector: string): Promise<string[][]> {
  const rows = await page.locator(`${selector} tbody tr`).all();
  return Promise.all(rows.map(async (r) => (await r.locator("td").allTextContents()).map((t) => t.trim())));
}

async function api<T>(path: string): Promise<T> {
  return (await (await fetch(`${server.url}/api/v1${path}`)).json()) as T;
}

/** The timeline's entries on screen, top (newest) first. */
async function timeline(scope: string) {
  const items = await page.locator(`${scope} [data-testid="timeline-event"]`).all();
  return Promise.all(
    items.map(async (li) => ({
      id: Number((await li.getAttribute("id"))!.replace("event-", "")),
      action: await li.getAttribute("data-action"),
      title: (await li.locator('[data-testid="event-title"]').textContent())!.trim(),
      actor: (await li.locator('[data-testid="event-actor"]').textContent())!.trim(),
      reason: (await li.locator('[data-testid="event-reason"]').count())
        ? (await li.locator('[data-testid="event-reason"]').textContent())!.trim()
        : null,
      forced: (await li.locator('[data-testid="event-forced"]').count()) === 1,
      rollback: (await li.locator('[data-testid="event-rollback"]').count()) === 1,
      undoes: (await li.locator('[data-testid="event-undoes"]').count())
        ? (await li.locator('[data-testid="event-undoes"]').textContent())!.trim()
        : null,
      evidence: await li
        .locator('[data-testid="evidence-link"]')
        .evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
    })),
  );
}

describe.skipIf(!haveUi)("model registry pages in Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sx-registry-ui-"));
    const uri = join(dir, "store");
    const clock = new ManualClock(1_700_000_000_000);
    const sx = await Sextant.open({ uri, clock, userId: ACTOR, capture: false, onWarning: () => {} });
    fx = await seedRegistry(sx, clock, dir);
    await sx.close();
    server = await serve(uri, snapshotUi(join(dir, "ui")));
    detail = await api<ModelDetail>(`/models/${MODEL}/detail`);
    trail = (await api<{ events: AuditEvent[] }>(`/models/${MODEL}/history`)).events;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the model with its Production and Staging versions, aliases and last change", async () => {
    await page.goto(`${server.url}/`);
    await page.locator('.topnav a:has-text("Models")').click();
    await page.waitForURL(/\/models$/);
    const row = page.locator(`[data-testid="model-row"][data-model="${MODEL}"]`);
    await row.waitFor();
    expect(await page.locator('[data-testid="model-row"]').count()).toBe(1);
    const [r] = await cells('[data-testid="models-table"]');
    // name, Production, Staging, aliases, versions (after the rollback: v1 back in Production)
    expect(r!.slice(0, 5)).toEqual([MODEL, "v1", "v2", "@challenger → v3@champion → v2", "3"]);
    expect(r![5]).toContain("@challenger → v3");
    expect(r![5]).toContain(`by ${ACTOR}`);
    expect(await row.locator('[data-testid="model-production"] a').getAttribute("href")).toBe(
      `/models/${MODEL}/versions/1`,
    );
    await shot("models");
    await row.locator(`a:has-text("${MODEL}")`).first().click();
    await page.waitForURL(new RegExp(`/models/${MODEL}$`));
    await page.locator('[data-testid="model-versions"]').waitFor();
  });

  it("shows the versions table with stage, aliases, run, hash, creator and policy marks", async () => {
    await page.goto(`${server.url}/models/${MODEL}`);
    await page.locator('[data-testid="version-row"]').first().waitFor();
    const rows = await cells('[data-testid="model-versions"]');
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[7]])).toEqual([
      [
        "v3",
        "None",
        "@challenger",
        fx.runIds[2].slice(0, 8),
        detail.versions[0]!.contentHash.slice(0, 12),
        ACTOR,
        "Staging ✗ · Production ✗",
      ],
      [
        "v2",
        "Staging",
        "@champion",
        fx.runIds[1].slice(0, 8),
        detail.versions[1]!.contentHash.slice(0, 12),
        ACTOR,
        "Staging ✓ · Production ✓",
      ],
      [
        "v1",
        "Production",
        "—",
        fx.runIds[0].slice(0, 8),
        detail.versions[2]!.contentHash.slice(0, 12),
        ACTOR,
        "Staging ✗ · Production ✗",
      ],
    ]);
    const runLinks = await page
      .locator('[data-testid="model-versions"] [data-testid="version-run-link"]')
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(runLinks).toEqual([`/runs/${fx.runIds[2]}`, `/runs/${fx.runIds[1]}`, `/runs/${fx.runIds[0]}`]);
    expect(
      await page.locator('[data-testid="model-header"] [data-testid="model-production"]').textContent(),
    ).toBe("v1");
    expect(
      await page.locator('[data-testid="model-header"] [data-testid="model-staging"]').textContent(),
    ).toBe("v2");
  });

  it("marks per version which policy conditions it meets", async () => {
    await page.goto(`${server.url}/models/${MODEL}`);
    const policy = page.locator('[data-testid="policy-checks"]');
    await policy.waitFor();
    expect(await page.locator('[data-testid="policy-requirements"]').textContent()).toContain("roc_auc");
    for (const c of detail.checks) {
      const row = policy.locator(`[data-testid="policy-row"][data-version="${c.version}"]`);
      for (const stage of ["Staging", "Production"] as const) {
        const cell = row.locator(`td[data-stage="${stage}"]`);
        expect([c.version, stage, await cell.getAttribute("data-pass")]).toEqual([
          c.version,
          stage,
          c[stage].pass ? "1" : "0",
        ]);
        const shown = await cell.locator('[data-testid="policy-condition"]').evaluateAll((lis) =>
          lis.map((li) => ({
            ok: li.getAttribute("data-ok") === "1",
            mark: li.querySelector(".check")?.textContent,
            condition: li.querySelector(".policy-condition")?.textContent,
          })),
        );
        expect(shown).toEqual(
          c[stage].conditions.map((k) => ({ ok: k.ok, mark: k.ok ? "✓" : "✗", condition: k.condition })),
        );
      }
    }
    // version 2 meets every condition on its run's evaluation, version 3 has no evaluation at all
    const v2 = policy.locator('[data-testid="policy-row"][data-version="2"] td[data-stage="Staging"]');
    expect(await v2.locator('[data-testid="policy-condition"][data-ok="0"]').count()).toBe(0);
    expect(await v2.locator('[data-testid="policy-condition"]').count()).toBeGreaterThanOrEqual(2);
    expect(await v2.locator('[data-testid="policy-evidence-link"]').first().getAttribute("href")).toBe(
      `/evaluations/${fx.evaluationId}`,
    );
    const v3 = policy.locator('[data-testid="policy-row"][data-version="3"] td[data-stage="Staging"]');
    expect(await v3.locator('[data-testid="policy-condition"]').allTextContents()).toEqual([
      expect.stringMatching(/✗ evaluation gate on roc_auc — no evaluation is recorded for run/),
    ]);
    await page.locator('[data-testid="model-policy"]').scrollIntoViewIfNeeded();
    await shot("model");
  });

  it("shows the timeline with actors, reasons, evidence, forced and rollback markers", async () => {
    await page.goto(`${server.url}/models/${MODEL}`);
    await page.locator('[data-testid="model-timeline"] [data-testid="timeline-event"]').first().waitFor();
    const shown = await timeline('[data-testid="model-timeline"]');
    expect(shown.map((e) => e.id)).toEqual([...trail].reverse().map((e) => e.id));
    expect(shown.every((e) => e.actor === ACTOR)).toBe(true);
    const newestFirst = shown.map((e) => [e.title, e.reason, e.forced, e.rollback]);
    expect(newestFirst).toEqual([
      ["@challenger → v3", null, false, false],
      ["@champion → v2", "best offline", false, false],
      ["v2: Production → Staging, v1: Archived → Production", "v2 misbehaves online", false, true],
      ["v2: Staging → Production", "promote after review", false, false],
      ["v2: None → Staging", "beats the x0 rule", false, false],
      ["v1: None → Production", "first model, before any evaluation", true, false],
      ["Promotion policy set", null, false, false],
      ["Version 3 registered", null, false, false],
      ["Version 2 registered", null, false, false],
      ["Version 1 registered", null, false, false],
      ["Model created", null, false, false],
    ]);
    const promoted = trail.find((e) => e.action === "transition" && e.toStage === "Production" && !e.forced)!;
    const rollback = shown.find((e) => e.rollback)!;
    expect(rollback.undoes).toBe(
      `undoes #${promoted.id}: v2: Staging → Production by ${ACTOR} (“promote after review”)`,
    );
    // the evaluation behind the two policy-checked promotions of v2
    const withEvidence = shown.filter((e) => e.evidence.length > 0);
    expect(withEvidence.map((e) => [e.title, e.evidence])).toEqual([
      ["v2: Staging → Production", [`/evaluations/${fx.evaluationId}`]],
      ["v2: None → Staging", [`/evaluations/${fx.evaluationId}`]],
    ]);
    // the forced promotion lists what it overrode
    const forced = page.locator('[data-testid="timeline-event"][data-forced="1"]');
    expect(await forced.count()).toBe(1);
    expect(await forced.locator('[data-testid="event-evidence"]').textContent()).toMatch(
      /policy overridden \(1 unmet condition\): evaluation gate on roc_auc \(no evaluation is recorded/,
    );
    // a rollback's move: v1 back to Production and v2 back to Staging
    const moves = await page
      .locator('[data-testid="timeline-event"][data-action="rollback"] [data-testid="event-move"]')
      .allTextContents();
    expect(moves.map((m) => m.replace(/\s+/g, " ").trim()).sort()).toEqual([
      "v1 Archived → Production",
      "v2 Production → Staging",
    ]);
    // the evidence link opens the evaluation's page
    await page.locator('[data-testid="timeline-event"] [data-testid="evidence-link"]').first().click();
    await page.waitForURL(new RegExp(`/evaluations/${fx.evaluationId}$`));
  });

  it("keeps the timeline filter in a shareable URL", async () => {
    await page.goto(`${server.url}/models/${MODEL}`);
    const box = page.locator('[data-testid="model-timeline"] input[type="checkbox"]');
    await box.waitFor();
    await box.check();
    await page.waitForURL(/trail=changes/);
    const changes = trail.filter((e) =>
      ["transition", "rollback", "set_alias", "delete_alias"].includes(e.action),
    );
    expect(changes).toHaveLength(6);
    expect(await page.locator('[data-testid="timeline-event"]').count()).toBe(6);
    await page.goto(`${server.url}/models/${MODEL}?trail=changes`);
    await page.locator('[data-testid="timeline-event"]').first().waitFor();
    expect(await page.locator('[data-testid="timeline-event"]').count()).toBe(6);
    expect(await box.isChecked()).toBe(true);
  });

  it("traces version 2 to its run, dataset hash and evaluation", async () => {
    await page.goto(`${server.url}/models/${MODEL}/versions/2`);
    await page.locator('[data-testid="lineage-flow"]').waitFor();
    expect(await page.locator('[data-testid="version-header"] h1').textContent()).toBe(`${MODEL} v2`);
    expect(await page.locator('[data-testid="version-hash"]').textContent()).toBe(
      detail.versions[1]!.contentHash,
    );
    expect(await page.locator('[data-testid="lineage-run-link"]').getAttribute("href")).toBe(
      `/runs/${fx.runIds[1]}`,
    );
    expect(await page.locator('[data-testid="lineage-run-link"]').textContent()).toBe("lr-C0.5");
    expect(await cells('[data-testid="lineage-datasets"]')).toEqual([
      ["train", "training", fx.datasetDigest],
    ]);
    expect(await page.locator('[data-testid="lineage-params"]').textContent()).toContain("C0.5");
    const evals = page.locator('[data-testid="lineage-evaluation-link"]');
    expect(await evals.evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.textContent]))).toEqual([
      [`/evaluations/${fx.evaluationId}`, "holdout"],
    ]);
    expect(await page.locator('[data-testid="lineage-study"]').textContent()).toContain("Not from a study");
    expect(await page.locator('[data-testid="lineage-environment"]').textContent()).toContain(
      `Node${process.version}`,
    );
    const policy = page.locator('[data-testid="version-policy"] .policy-stage');
    expect(
      await policy.evaluateAll((ds) =>
        ds.map((d) => [d.getAttribute("data-stage"), d.getAttribute("data-pass")]),
      ),
    ).toEqual([
      ["Staging", "1"],
      ["Production", "1"],
    ]);
    // its part of the trail: registration, both promotions, the rollback, the champion alias
    const mine = await timeline('[data-testid="version-timeline"]');
    expect(mine.map((e) => e.title)).toEqual([
      "@champion → v2",
      "v2: Production → Staging, v1: Archived → Production",
      "v2: Staging → Production",
      "v2: None → Staging",
      "Version 2 registered",
    ]);
    await shot("model-version-2");
    await page.locator('[data-testid="lineage-run-link"]').click();
    await page.waitForURL(new RegExp(`/runs/${fx.runIds[1]}$`));
  });

  it("links version 3 to the study trial it came from, and shows it does not meet the policy", async () => {
    await page.goto(`${server.url}/models/${MODEL}/versions/3`);
    const link = page.locator('[data-testid="lineage-study-link"]');
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe(`/studies/${fx.studyName}`);
    expect(await page.locator('[data-testid="lineage-study"]').textContent()).toContain(
      `Trial #${fx.trialNumber} of ${fx.studyName}`,
    );
    expect(await page.locator('[data-testid="lineage-evaluations"]').textContent()).toContain(
      "No evaluation",
    );
    const policy = page.locator('[data-testid="version-policy"] .policy-stage');
    expect(await policy.evaluateAll((ds) => ds.map((d) => d.getAttribute("data-pass")))).toEqual(["0", "0"]);
    await shot("model-version-3");
    await link.click();
    await page.waitForURL(new RegExp(`/studies/${fx.studyName}$`));
  });

  it("links a run to the model versions registered from it", async () => {
    await page.goto(`${server.url}/runs/${fx.runIds[1]}`);
    const reg = page.locator('[data-testid="run-model-versions"]');
    await reg.waitFor();
    expect((await reg.locator("dd").textContent())!.trim()).toBe(`${MODEL} v2 (Staging)`);
    await shot("run-registered-as");
    await reg.locator('[data-testid="run-model-version-link"]').click();
    await page.waitForURL(new RegExp(`/models/${MODEL}/versions/2$`));
    await page.locator('[data-testid="lineage-flow"]').waitFor();
  });

  it("says when a model or a version does not exist", async () => {
    for (const [path, code] of [
      ["/models/nope", "MODEL_NOT_FOUND"],
      [`/models/${MODEL}/versions/9`, "MODEL_VERSION_NOT_FOUND"],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      const err = page.locator(".error-panel");
      await err.waitFor();
      expect(await err.textContent()).toContain(code);
    }
  });
});
