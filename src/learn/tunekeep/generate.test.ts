import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSextantError } from "../../core/index.js";
import type { Table } from "../data/index.js";
import { csvChunks, loadTable } from "../data/index.js";
import {
  DATA_DICTIONARY,
  generateTuneKeep,
  TUNEKEEP_COLUMNS,
  TUNEKEEP_FEATURES,
  TUNEKEEP_SEGMENTS,
  writeTuneKeep,
} from "./index.js";

function csvHash(t: Table): string {
  const h = createHash("sha256");
  for (const chunk of csvChunks(t)) h.update(chunk);
  return h.digest("hex");
}

/** Rows matching `when`, and the share of them that churned. */
function churnRate(t: Table, when: (i: number) => boolean): { rows: number; rate: number } {
  const y = t.numbers("churned");
  let rows = 0;
  let pos = 0;
  for (let i = 0; i < t.numRows; i++) {
    if (!when(i)) continue;
    rows++;
    pos += y[i]!;
  }
  return { rows, rate: Math.round((pos / rows) * 1000) / 1000 };
}

describe("generateTuneKeep: the default dataset (50,000 users, 18 months, seed 42)", () => {
  let t: Table;
  let month: (i: number) => number;
  beforeAll(() => {
    t = generateTuneKeep();
    const snap = t.category("snapshot_date").codes;
    month = (i) => snap[i]! + 1;
  });

  it("is pinned: the same CSV bytes as when docs/data-dictionary.md was measured", () => {
    // Changing the generator changes the data: re-run calibration.py, then update this hash and the doc.
    expect(csvHash(t)).toBe("827f8f1e15393e1d2b4432d2ee9e49312db0addbbcb3e3528be32149d0db8dcd");
    expect(t.numRows).toBe(304_228);
    expect(new Set(t.numbers("user_id")).size).toBe(50_000);
  });

  it("has the documented columns, types and missing values", () => {
    expect(t.columnNames).toEqual([...TUNEKEEP_COLUMNS]);
    expect(TUNEKEEP_FEATURES).toHaveLength(23);
    expect(t.category("segment").dictionary).toEqual([...TUNEKEEP_SEGMENTS]);
    const dates = t.category("snapshot_date").dictionary;
    expect(dates).toHaveLength(18);
    expect(dates[0]).toBe("2024-01-01");
    expect(dates[17]).toBe("2025-06-01");
    const types = Object.fromEntries(t.schema.map((f) => [f.name, `${f.type}${f.nullable ? "?" : ""}`]));
    expect(types).toMatchObject({
      user_id: "number",
      snapshot_date: "category",
      segment: "category",
      hours_prev_month: "number?",
      skips_per_hour: "number?",
      discovery_ratio: "number?",
      podcast_share: "number?",
      days_to_renewal: "number?",
      ads_per_hour: "number?",
      days_since_listen: "number",
      churned: "number",
    });
  });

  it("has about 12% churners, with the free tier churning most and power users least", () => {
    expect(churnRate(t, () => true).rate).toBe(0.125);
    const seg = t.category("segment").codes;
    expect(churnRate(t, (i) => seg[i] === 0)).toEqual({ rows: 135_557, rate: 0.113 }); // casual
    expect(churnRate(t, (i) => seg[i] === 1)).toEqual({ rows: 93_482, rate: 0.191 }); // free
    expect(churnRate(t, (i) => seg[i] === 2)).toEqual({ rows: 75_189, rate: 0.066 }); // power
  });

  it("calibrates the 14-day rule near 40% recall at 65-70% precision on months 1-12", () => {
    const dsl = t.numbers("days_since_listen");
    const y = t.numbers("churned");
    let tp = 0;
    let flagged = 0;
    let churners = 0;
    for (let i = 0; i < t.numRows; i++) {
      if (month(i) > 12) continue;
      churners += y[i]!;
      if (dsl[i]! >= 14) {
        flagged++;
        tp += y[i]!;
      }
    }
    expect(Math.round((tp / flagged) * 1000) / 1000).toBe(0.703);
    expect(Math.round((tp / churners) * 1000) / 1000).toBe(0.382);
  });

  it("shifts feature-churn relations at the product change (month 10) and the rival launch (month 14)", () => {
    const skips = t.numbers("skips_per_hour");
    const disc = t.numbers("discovery_ratio");
    const crashes = t.numbers("app_crashes");
    const pod = t.numbers("podcast_share");
    const dsl = t.numbers("days_since_listen");
    const seg = t.category("segment").codes;
    const frustrated = (i: number) => skips[i]! > 12 && disc[i]! < 0.2;
    // many skips and little discovery meant churn before the redesign, far less after it
    expect(churnRate(t, (i) => month(i) <= 9 && frustrated(i))).toEqual({ rows: 4130, rate: 0.756 });
    expect(churnRate(t, (i) => month(i) >= 13 && frustrated(i))).toEqual({ rows: 11_171, rate: 0.169 });
    // the new app crashes on old devices, and crashing users leave
    expect(churnRate(t, (i) => month(i) <= 9 && crashes[i]! >= 4)).toEqual({ rows: 82, rate: 0.037 });
    expect(churnRate(t, (i) => month(i) >= 13 && crashes[i]! >= 4)).toEqual({ rows: 3011, rate: 0.615 });
    // podcast listeners on paid plans are drawn away by the rival
    const podcastPaid = (i: number) => seg[i] !== 1 && pod[i]! >= 0.4;
    expect(churnRate(t, (i) => month(i) <= 13 && podcastPaid(i))).toEqual({ rows: 10_330, rate: 0.082 });
    expect(churnRate(t, (i) => month(i) >= 16 && podcastPaid(i))).toEqual({ rows: 1332, rate: 0.341 });
    // and drifting users leave sooner: a week or two without listening churns more
    const drifting = (i: number) => dsl[i]! >= 7 && dsl[i]! < 14;
    expect(churnRate(t, (i) => month(i) <= 12 && drifting(i)).rate).toBe(0.403);
    expect(churnRate(t, (i) => month(i) >= 16 && drifting(i)).rate).toBe(0.587);
  });

  it("has users with under 7 days of history, without last month's hours", () => {
    const tenure = t.numbers("tenure_days");
    const prev = t.numbers("hours_prev_month");
    let cold = 0;
    for (let i = 0; i < t.numRows; i++) {
      if (tenure[i]! >= 7) continue;
      cold++;
      expect(prev[i]).toBeNaN();
    }
    expect(cold).toBe(6603);
  });
});

describe("generateTuneKeep: invariants", () => {
  const t = generateTuneKeep({ users: 3000, months: 9, seed: 11, productChangeMonth: 4, competitorMonth: 6 });

  it("has one row per active user per month and no rows after a user churns", () => {
    const ids = t.numbers("user_id");
    const snap = t.category("snapshot_date").codes;
    const y = t.numbers("churned");
    const tenure = t.numbers("tenure_days");
    const last = new Map<number, { month: number; churned: number; tenure: number }>();
    for (let i = 0; i < t.numRows; i++) {
      const prev = last.get(ids[i]!);
      if (prev) {
        expect(prev.churned).toBe(0);
        expect(snap[i]).toBe(prev.month + 1);
        expect(tenure[i]! - prev.tenure).toBeGreaterThanOrEqual(28);
        expect(tenure[i]! - prev.tenure).toBeLessThanOrEqual(31);
      }
      last.set(ids[i]!, { month: snap[i]!, churned: y[i]!, tenure: tenure[i]! });
    }
    expect(last.size).toBe(3000);
    // everyone who left before the last month churned on their last row
    for (const v of last.values()) if (v.month < 8) expect(v.churned).toBe(1);
  });

  it("keeps every feature in its documented range", () => {
    const ranges: Record<string, [number, number]> = {
      tenure_days: [1, 4000],
      days_since_listen: [0, 90],
      hours_last_month: [0, 400],
      hours_prev_month: [0, 400],
      active_days_last_month: [0, 30],
      sessions_last_week: [0, 100],
      discovery_ratio: [0, 1],
      podcast_share: [0, 1],
      device_count: [0, 5],
      plan_price: [0, 17.99],
      discount_active: [0, 1],
      days_to_renewal: [1, 365],
      churned: [0, 1],
    };
    const extent = (name: string): [number, number] => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of t.numbers(name)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      return [lo, hi];
    };
    for (const [name, [lo, hi]] of Object.entries(ranges)) {
      const [min, max] = extent(name);
      expect(min, name).toBeGreaterThanOrEqual(lo);
      expect(max, name).toBeLessThanOrEqual(hi);
    }
    for (const name of TUNEKEEP_FEATURES) expect(extent(name)[0], name).toBeGreaterThanOrEqual(0);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const a = generateTuneKeep({ users: 1500, months: 6, seed: 7 });
    const b = generateTuneKeep({ users: 1500, months: 6, seed: 7 });
    const c = generateTuneKeep({ users: 1500, months: 6, seed: 8 });
    expect(csvHash(a)).toBe(csvHash(b));
    expect(csvHash(a)).not.toBe(csvHash(c));
  });

  it("reports progress once a month", () => {
    const seen: [number, number, number][] = [];
    const small = generateTuneKeep({
      users: 200,
      months: 3,
      onProgress: (m, n, rows) => seen.push([m, n, rows]),
    });
    expect(seen.map((s) => s.slice(0, 2))).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(seen[2]![2]).toBe(small.numRows);
  });

  it("rejects bad sizes and dates", () => {
    for (const bad of [{ users: 0 }, { months: 1.5 }, { seed: Number.NaN }, { start: "2024-01-15" }]) {
      let code = "";
      try {
        generateTuneKeep(bad);
      } catch (e) {
        if (isSextantError(e)) code = e.code;
      }
      expect(code, JSON.stringify(bad)).toBe("INVALID_ARGUMENT");
    }
  });
});

describe("writeTuneKeep", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sx-tunekeep-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a CSV that loads back to the same table, and the data dictionary", async () => {
    const out = join(dir, "nested", "data");
    const r = await writeTuneKeep(out, { users: 800, months: 5, seed: 3 });
    expect(r.csv).toBe(join(out, "tunekeep.csv"));
    expect(r.users).toBe(800);
    expect(r.rows).toBe(r.table.numRows);
    expect(readFileSync(r.dictionary, "utf8")).toBe(DATA_DICTIONARY);
    const back = await loadTable(r.csv);
    expect(back.columnNames).toEqual(r.table.columnNames);
    expect(back.schema).toEqual(r.table.schema);
    expect(back.toRows()).toEqual(r.table.toRows());
  });

  it("ships the same dictionary text as docs/data-dictionary.md", () => {
    const doc = join(dirname(fileURLToPath(import.meta.url)), "../../../docs/data-dictionary.md");
    expect(DATA_DICTIONARY).toBe(readFileSync(doc, "utf8"));
  });
});
