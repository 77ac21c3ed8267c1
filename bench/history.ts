/**
 * history: one run with a 1,000,000-point series; time to read it back whole, as typed-array
 * columns and as the SDK's array of points, from a fresh client (cold) and again (warm).
 */
import { rmSync } from "node:fs";
import { Sextant } from "../src/index.js";
import { ms, now, parseArgs, percentile, progress, tempDir } from "./util.js";

export async function main(args: string[]): Promise<unknown> {
  const a = parseArgs(args);
  const points = Number(a.points ?? 1_000_000);
  const reps = Number(a.reps ?? 10);
  const dir = tempDir("history");
  let sx = await Sextant.open({ uri: dir, capture: false });
  progress(`history: logging ${points} points`);
  const run = await sx.startRun({ name: "long" });
  for (let s = 0; s < points; s++) run.logMetric("loss", 1 / (1 + s) + Math.sin(s) * 1e-3, { step: s });
  await run.end();
  await sx.close();

  const columns: number[] = [];
  const objects: number[] = [];
  for (let i = 0; i < reps; i++) {
    sx = await Sextant.open({ uri: dir, capture: false });
    let t0 = now();
    const c = await sx.getMetricHistoryColumns(run.id, "loss");
    columns.push(ms(t0));
    if (c.values.length !== points) throw new Error(`read ${c.values.length} points`);
    t0 = now();
    const o = await sx.getMetricHistory(run.id, "loss");
    objects.push(ms(t0));
    if (o.length !== points || o[points - 1]!.step !== points - 1) throw new Error("bad history");
    await sx.close();
  }
  rmSync(dir, { recursive: true, force: true });
  columns.sort((x, y) => x - y);
  objects.sort((x, y) => x - y);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    bench: "history",
    points,
    reps,
    columnsMs: { p50: r(percentile(columns, 50)), max: r(columns[columns.length - 1]!) },
    pointObjectsMs: { p50: r(percentile(objects, 50)), max: r(objects[objects.length - 1]!) },
    target: { ms: 100 },
  };
}
