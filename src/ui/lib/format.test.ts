import { describe, expect, it } from "vitest";
import {
  displayStatus,
  formatBytes,
  formatDuration,
  formatInt,
  formatNumber,
  formatRelative,
  formatTimestamp,
  runDuration,
} from "./format.js";

describe("formatNumber", () => {
  it("spells non-finite values", () => {
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe("Infinity");
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe("-Infinity");
    expect(formatNumber(null)).toBe("");
    expect(formatNumber(undefined)).toBe("");
  });
  it("keeps 6 significant digits", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(-0)).toBe("0");
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(12.5)).toBe("12.5");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(-2.000004)).toBe("-2");
    expect(formatNumber(123456.789)).toBe("123457");
    expect(formatNumber(0.00123456789)).toBe("0.00123457");
  });
  it("switches to exponent form for extreme magnitudes", () => {
    expect(formatNumber(123456789)).toBe("1.23457e+8");
    expect(formatNumber(999999.7)).toBe("1e+6");
    expect(formatNumber(0.0000123456789)).toBe("1.23457e-5");
    expect(formatNumber(1.5e-7)).toBe("1.5e-7");
    expect(formatNumber(-4.2e21)).toBe("-4.2e+21");
  });
});

describe("formatInt", () => {
  it("groups thousands", () => {
    expect(formatInt(0)).toBe("0");
    expect(formatInt(999)).toBe("999");
    expect(formatInt(1000)).toBe("1,000");
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt(-100000)).toBe("-100,000");
  });
});

describe("formatDuration", () => {
  it("picks a unit", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4m 05s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000 + 10_000)).toBe("2h 03m");
    expect(formatDuration(3 * 86400_000 + 4 * 3600_000)).toBe("3d 04h");
    expect(formatDuration(null)).toBe("");
  });
  it("computes run durations", () => {
    expect(runDuration(100, 350, false, 1000)).toBe(250);
    expect(runDuration(100, null, true, 1000)).toBe(900);
    expect(runDuration(100, null, false, 1000)).toBeNull();
  });
});

describe("formatRelative", () => {
  const now = 1_700_000_000_000;
  it("says how long ago", () => {
    expect(formatRelative(now - 2000, now)).toBe("just now");
    expect(formatRelative(now - 42_000, now)).toBe("42 s ago");
    expect(formatRelative(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatRelative(now - 3 * 3600_000, now)).toBe("3 h ago");
    expect(formatRelative(now - 12 * 86400_000, now)).toBe("12 d ago");
    expect(formatRelative(now - 120 * 86400_000, now)).toBe("3 mo ago");
    expect(formatRelative(now - 800 * 86400_000, now)).toBe("2 y ago");
  });
});

describe("formatTimestamp", () => {
  it("formats in UTC", () => {
    expect(formatTimestamp(Date.UTC(2024, 4, 1, 13, 5, 9), true)).toBe("2024-05-01 13:05:09");
  });
  it("formats in local time", () => {
    const d = new Date(2023, 0, 2, 3, 4, 5);
    expect(formatTimestamp(d.getTime())).toBe("2023-01-02 03:04:05");
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3.25 * 2 ** 20)).toBe("3.25 MiB");
    expect(formatBytes(200 * 1024)).toBe("200 KiB");
  });
});

describe("displayStatus", () => {
  it("marks crashed runs", () => {
    expect(displayStatus("FAILED", true)).toBe("CRASHED");
    expect(displayStatus("FINISHED", false)).toBe("FINISHED");
  });
});
