/**
 * /api/v1/studies: hyperparameter-optimization studies, read-only. The list with trial counts and
 * each study's best value(s); a study's analysis (`studyReport`); its trials incrementally by the
 * study's change counter.
 *
 * The server keeps each study's trials in memory and reads only what changed since the last
 * request (`getTrials({ since })`), and remembers the last report until the counter moves and the
 * importances until the set of COMPLETE trials grows, so a UI polling a running study costs one
 * small query per poll; the study's answer carries an ETag (the counter), so a poll that finds
 * nothing new gets 304 Not Modified and no body.
 */

import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  StudyDetail,
  type StudyListItem,
  StudyListItems,
  type StudyReport,
  StudyTrials,
} from "../../api/index.js";
import { SextantError } from "../../core/index.js";
import { externalParams, type ImportanceMethod, studyReport } from "../../hpo/index.js";
import type { Direction, FrozenTrial, StudyStorage, StudySummary } from "../../store/index.js";
import type { ServerContext } from "../context.js";

const tags = ["studies"];
const studyName = z.string().min(1, "a study name is not empty");
const MAX_CACHED_STUDIES = 256;

interface CachedStudy {
  /** Identifies the study across a delete and a re-create under the same name. */
  key: string;
  trials: Map<number, FrozenTrial>;
  cursor: number;
  /** The last report and importances per importance method. */
  reports: Map<ImportanceMethod, { cursor: number; summary: string; report: StudyReport }>;
  importances: Map<ImportanceMethod, { complete: number; byObjective: Array<Record<string, number>> }>;
}

function cacheKey(s: StudySummary): string {
  return `${s.studyId}\u0000${s.name}\u0000${s.createdTime}`;
}

/** A digest of what the report shows of the study itself (its attributes change without trials). */
export function summaryDigest(s: StudySummary): string {
  const text = JSON.stringify([s.studyId, s.createdTime, s.runId, s.userAttrs, s.systemAttrs]);
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}

/** Trials and reports per study, refreshed incrementally, least recently used dropped first. */
export class StudyCache {
  readonly #entries = new Map<string, CachedStudy>();
  readonly #limit: number;

  constructor(limit = MAX_CACHED_STUDIES) {
    this.#limit = limit;
  }

  async #entry(storage: StudyStorage, summary: StudySummary): Promise<CachedStudy> {
    const key = cacheKey(summary);
    let e = this.#entries.get(summary.studyId);
    if (e !== undefined && e.key !== key) e = undefined;
    if (e !== undefined) {
      const { trials, cursor } = await storage.getTrials(summary.studyId, { since: e.cursor });
      if (cursor >= e.cursor) {
        for (const t of trials) e.trials.set(t.number, t);
        e.cursor = cursor;
      } else {
        // a study's counter never goes back: this is another study that got the same id
        e = undefined;
      }
    }
    if (e === undefined) {
      const { trials, cursor } = await storage.getTrials(summary.studyId);
      e = {
        key,
        trials: new Map(trials.map((t) => [t.number, t])),
        cursor,
        reports: new Map(),
        importances: new Map(),
      };
    }
    // most recently used last
    this.#entries.delete(summary.studyId);
    this.#entries.set(summary.studyId, e);
    while (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    return e;
  }

  async trials(
    storage: StudyStorage,
    summary: StudySummary,
  ): Promise<{ trials: FrozenTrial[]; cursor: number }> {
    const e = await this.#entry(storage, summary);
    return { trials: [...e.trials.values()].sort((a, b) => a.number - b.number), cursor: e.cursor };
  }

  async report(
    storage: StudyStorage,
    summary: StudySummary,
    importance: ImportanceMethod = "mdi",
  ): Promise<{ report: StudyReport; cursor: number }> {
    const e = await this.#entry(storage, summary);
    const digest = summaryDigest(summary);
    const last = e.reports.get(importance);
    if (last !== undefined && last.cursor === e.cursor && last.summary === digest) {
      return { report: last.report, cursor: e.cursor };
    }
    const trials = [...e.trials.values()];
    // finished trials never change, so the count of COMPLETE ones identifies their set
    const complete = trials.filter((t) => t.state === "COMPLETE").length;
    const imp = e.importances.get(importance);
    const reuse = imp !== undefined && imp.complete === complete ? imp.byObjective : undefined;
    const report = studyReport(summary, trials, {
      importance,
      ...(reuse === undefined ? {} : { importancesByObjective: reuse }),
    });
    e.importances.set(importance, { complete, byObjective: report.importancesByObjective });
    e.reports.set(importance, { cursor: e.cursor, summary: digest, report });
    return { report, cursor: e.cursor };
  }
}

function notFound(name: string): SextantError {
  return new SextantError("STUDY_NOT_FOUND", `no study named '${name}'`, { name });
}

export function studyRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const { store } = ctx;
    const cache = new StudyCache();

    async function find(name: string): Promise<{ storage: StudyStorage; summary: StudySummary }> {
      const summary = await store.studies.getStudyByName(name);
      if (summary === null) throw notFound(name);
      return { storage: store.studies, summary };
    }

    app.get(
      "/studies",
      {
        schema: {
          tags,
          summary: "List studies with trial counts and best values",
          response: { 200: StudyListItems },
        },
      },
      async () => {
        const storage = store.studies;
        const listed = await storage.listStudies();
        const studies: StudyListItem[] = [];
        for (const s of listed) {
          const { trials } = await cache.trials(storage, s);
          studies.push({
            ...s,
            nTrials: Object.values(s.trialCounts).reduce((a, b) => a + b, 0),
            best: bestPerObjective(s.directions, trials),
            lastChangeTime: lastChange(trials),
          });
        }
        return { studies };
      },
    );

    app.get(
      "/studies/:name",
      {
        schema: {
          tags,
          summary: "A study and its analysis: history, importances, parallel coordinates, slices, trials",
          response: { 200: StudyDetail, 304: z.undefined() },
          params: z.strictObject({ name: studyName }),
          querystring: z.strictObject({
            /** How to compute parameter importances (default mdi: mean decrease in impurity). */
            importance: z.enum(["mdi", "fanova"]).optional(),
          }),
        },
      },
      async (req, reply) => {
        const { storage, summary } = await find(req.params.name);
        const importance = req.query.importance ?? "mdi";
        const { report, cursor } = await cache.report(storage, summary, importance);
        // the report changes with the change counter or the study's attributes: pollers revalidate (If-None-Match)
        const etag = `"study-${summary.studyId}-${cursor}-${summaryDigest(summary)}-${importance}"`;
        reply.header("etag", etag).header("cache-control", "no-cache");
        if (req.headers["if-none-match"] === etag) return reply.code(304).send();
        const detail: StudyDetail = {
          study: { ...summary, trialCounts: report.study.counts },
          cursor,
          report,
        };
        return detail;
      },
    );

    app.get(
      "/studies/:name/trials",
      {
        schema: {
          tags,
          summary: "A study's trials changed after a cursor (all without one), and the cursor now",
          response: { 200: StudyTrials },
          params: z.strictObject({ name: studyName }),
          querystring: z.strictObject({ since: z.coerce.number().int().nonnegative().optional() }),
        },
      },
      async (req) => {
        const { storage, summary } = await find(req.params.name);
        const since = req.query.since;
        const { trials, cursor } = await storage.getTrials(
          summary.studyId,
          since === undefined ? {} : { since },
        );
        return {
          studyId: summary.studyId,
          cursor,
          trials: trials.map((t) => ({ ...t, externalParams: externalParams(t) })),
        };
      },
    );
  };
}

/** Per objective, the best COMPLETE trial (the first of equals), null before any. */
function bestPerObjective(
  directions: readonly Direction[],
  trials: readonly FrozenTrial[],
): Array<{ number: number; value: number } | null> {
  return directions.map((d, j) => {
    let best: { number: number; value: number } | null = null;
    for (const t of trials) {
      const v = t.state === "COMPLETE" ? t.values?.[j] : undefined;
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best === null || (d === "maximize" ? v > best.value : v < best.value))
        best = { number: t.number, value: v };
    }
    return best;
  });
}

/** The latest start or end time of any trial (null without trials). */
function lastChange(trials: readonly FrozenTrial[]): number | null {
  let last: number | null = null;
  for (const t of trials) {
    for (const v of [t.startTime, t.endTime]) if (v !== null && (last === null || v > last)) last = v;
  }
  return last;
}
