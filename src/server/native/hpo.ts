/**
 * /api/v1/hpo: the study storage API that HPO workers use over HTTP (HttpStudyStorage), one
 * route per StudyStorage call, so workers on any machine share a study through the server alone.
 * The database behind the server keeps the contract's guarantees (trial numbers once, finished
 * trials immutable, compare-and-set state changes); the server's clock stamps every time, and a
 * stale-trial sweep is given a duration so workers' clocks never matter.
 *
 * Scopes: reads need `read`; every change needs `write`, deleting a study `admin`.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AskAnswer,
  Changed,
  Empty,
  FrozenTrial,
  OptionalStudy,
  OptionalTrial,
  runId,
  StudyListings,
  StudySummary,
  TrialList,
  TrialPage,
  wireNumber,
} from "../../api/index.js";
import type { DistributionJSON } from "../../store/index.js";
import type { ServerContext } from "../context.js";

const tags = ["hpo"];
const id = z.string().regex(/^\d{1,15}$/, "an id is a decimal number");
const studyParams = z.strictObject({ studyId: id });
const trialParams = z.strictObject({ trialId: id });
const direction = z.enum(["minimize", "maximize"]);
const attrs = z.record(z.string(), z.unknown());
const requestId = z.string().min(1).max(128);
const finite = z.number().refine(Number.isFinite, "a finite number");
const choice = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const distribution: z.ZodType<DistributionJSON> = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("float"),
    low: finite,
    high: finite,
    log: z.boolean(),
    step: finite.nullable(),
  }),
  z.strictObject({ type: z.literal("int"), low: finite, high: finite, log: z.boolean(), step: finite }),
  z.strictObject({ type: z.literal("categorical"), choices: z.array(choice).min(1) }),
]);
const values = z.array(wireNumber);
const attrBody = z.strictObject({
  kind: z.enum(["user", "system"]),
  key: z.string().min(1).max(512),
  value: z.unknown(),
});

export function hpoRoutes(ctx: ServerContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const studies = ctx.store.studies;
    const now = () => ctx.clock.now();

    app.post(
      "/hpo/studies",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Create a study",
          response: { 200: StudySummary },
          body: z.strictObject({
            name: z.string(),
            directions: z.array(direction).min(1),
            userAttrs: attrs.optional(),
            runId: runId.nullable().optional(),
          }),
        },
      },
      async (req) => studies.createStudy(req.body, now()),
    );

    app.get(
      "/hpo/studies",
      {
        schema: {
          tags,
          summary: "Every study with its trial counts by state",
          response: { 200: StudyListings },
        },
      },
      async () => ({ studies: await studies.listStudies() }),
    );

    app.get(
      "/hpo/studies/by-name",
      {
        schema: {
          tags,
          summary: "A study found by name (null when none has it)",
          response: { 200: OptionalStudy },
          querystring: z.strictObject({ name: z.string() }),
        },
      },
      async (req) => ({ study: await studies.getStudyByName(req.query.name) }),
    );

    app.get(
      "/hpo/studies/:studyId",
      { schema: { tags, summary: "A study", response: { 200: StudySummary }, params: studyParams } },
      async (req) => studies.getStudy(req.params.studyId),
    );

    app.delete(
      "/hpo/studies/:studyId",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Delete a study and its trials",
          response: { 200: Empty },
          params: studyParams,
        },
      },
      async (req) => {
        await studies.getStudy(req.params.studyId);
        await studies.deleteStudy(req.params.studyId);
        return {};
      },
    );

    app.put(
      "/hpo/studies/:studyId/attrs",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Set a study attribute",
          response: { 200: Empty },
          params: studyParams,
          body: attrBody,
        },
      },
      async (req) => {
        await studies.setStudyAttr(req.params.studyId, req.body.kind, req.body.key, req.body.value);
        return {};
      },
    );

    app.put(
      "/hpo/studies/:studyId/run",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Link a study to its tracking run",
          response: { 200: Empty },
          params: studyParams,
          body: z.strictObject({ runId }),
        },
      },
      async (req) => {
        await studies.setStudyRun(req.params.studyId, req.body.runId);
        return {};
      },
    );

    app.post(
      "/hpo/studies/:studyId/trials",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "A new trial with the study's next number (idempotent by requestId)",
          response: { 200: FrozenTrial },
          params: studyParams,
          body: z.strictObject({
            state: z.enum(["RUNNING", "WAITING"]).optional(),
            requestId: requestId.optional(),
            params: z.record(z.string(), finite).optional(),
            distributions: z.record(z.string(), distribution).optional(),
            userAttrs: attrs.optional(),
            systemAttrs: attrs.optional(),
          }),
        },
      },
      async (req) => studies.createTrial(req.params.studyId, req.body, now()),
    );

    app.post(
      "/hpo/studies/:studyId/trials/claim",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Take the oldest WAITING trial (null when none waits; idempotent by requestId)",
          response: { 200: OptionalTrial },
          params: studyParams,
          body: z.strictObject({ requestId: requestId.optional() }),
        },
      },
      async (req) => ({
        trial: await studies.claimWaitingTrial(req.params.studyId, now(), req.body.requestId),
      }),
    );

    app.post(
      "/hpo/studies/:studyId/ask",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary:
            "Begin a trial in one step: heartbeats for `alive`, fail trials silent for staleForMs (server clock), " +
            "claim a WAITING trial or create one (idempotent by requestId), and the trials changed after `since`",
          response: { 200: AskAnswer },
          params: studyParams,
          body: z.strictObject({
            alive: z.array(id).max(10_000).optional(),
            staleForMs: z.number().nonnegative().optional(),
            since: z.number().int().nonnegative().optional(),
            requestId: requestId.optional(),
          }),
        },
      },
      async (req) => {
        const t = now();
        const { staleForMs, ...rest } = req.body;
        return studies.askTrial(
          req.params.studyId,
          { ...rest, ...(staleForMs === undefined ? {} : { staleBefore: t - staleForMs }) },
          t,
        );
      },
    );

    app.get(
      "/hpo/studies/:studyId/trials",
      {
        schema: {
          tags,
          summary: "Trials changed after a change counter (all without one), and the counter now",
          response: { 200: TrialPage },
          params: studyParams,
          querystring: z.strictObject({ since: z.coerce.number().int().nonnegative().optional() }),
        },
      },
      async (req) =>
        studies.getTrials(
          req.params.studyId,
          req.query.since === undefined ? {} : { since: req.query.since },
        ),
    );

    app.post(
      "/hpo/studies/:studyId/trials/fail-stale",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Fail RUNNING trials silent for staleForMs by the server's clock; answers them",
          response: { 200: TrialList },
          params: studyParams,
          body: z.strictObject({ staleForMs: z.number().nonnegative() }),
        },
      },
      async (req) => {
        const t = now();
        return { trials: await studies.failStaleTrials(req.params.studyId, t - req.body.staleForMs, t) };
      },
    );

    app.get(
      "/hpo/trials/:trialId",
      { schema: { tags, summary: "A trial", response: { 200: FrozenTrial }, params: trialParams } },
      async (req) => studies.getTrial(req.params.trialId),
    );

    app.put(
      "/hpo/trials/:trialId/params",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Record params of a running trial (internal values), all or none",
          response: { 200: Empty },
          params: trialParams,
          body: z.strictObject({
            params: z
              .array(z.strictObject({ name: z.string().min(1), value: finite, distribution }))
              .max(10_000),
          }),
        },
      },
      async (req) => {
        await studies.setTrialParams(req.params.trialId, req.body.params);
        return {};
      },
    );

    app.put(
      "/hpo/trials/:trialId/intermediate",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Report intermediate values at a step",
          response: { 200: Empty },
          params: trialParams,
          body: z.strictObject({ step: z.number().int().nonnegative(), values }),
        },
      },
      async (req) => {
        await studies.setTrialIntermediate(req.params.trialId, req.body.step, req.body.values);
        return {};
      },
    );

    app.post(
      "/hpo/trials/:trialId/state",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Finish (or wait) a trial; compare-and-set: changed is false when it had finished",
          response: { 200: Changed },
          params: trialParams,
          body: z.strictObject({
            state: z.enum(["RUNNING", "WAITING", "COMPLETE", "PRUNED", "FAIL"]),
            values: values.nullable(),
          }),
        },
      },
      async (req) => ({
        changed: await studies.setTrialState(req.params.trialId, req.body.state, req.body.values, now()),
      }),
    );

    app.put(
      "/hpo/trials/:trialId/attrs",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Set a trial attribute",
          response: { 200: Empty },
          params: trialParams,
          body: attrBody,
        },
      },
      async (req) => {
        await studies.setTrialAttr(req.params.trialId, req.body.kind, req.body.key, req.body.value);
        return {};
      },
    );

    app.put(
      "/hpo/trials/:trialId/run",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "Link a trial to its tracking run",
          response: { 200: Empty },
          params: trialParams,
          body: z.strictObject({ runId }),
        },
      },
      async (req) => {
        await studies.setTrialRun(req.params.trialId, req.body.runId);
        return {};
      },
    );

    app.post(
      "/hpo/trials/:trialId/heartbeat",
      {
        config: { scope: "write" },
        schema: {
          tags,
          summary: "The worker running the trial is alive",
          response: { 200: Empty },
          params: trialParams,
        },
      },
      async (req) => {
        await studies.heartbeatTrial(req.params.trialId, now());
        return {};
      },
    );
  };
}
