/**
 * `sextant models …`: the model registry from the shell — list, show, versions, register, promote,
 * alias, rollback, history, lineage, policy.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { SextantError } from "../core/index.js";
import type { PromotionPolicy } from "../registry/index.js";
import type { AuditEvent, Evidence, ModelVersion } from "../store/index.js";
import type { Sextant } from "../tracking/index.js";
import { formatTime, keyValues, table, toJson } from "./format.js";
import type { CliIO } from "./main.js";

type WithClient = <T>(fn: (sx: Sextant) => Promise<T>) => Promise<T>;

/** `NAME/3` → ["NAME", 3]; a bare NAME gives its newest version. */
function nameVersion(ref: string): [string, number | null] {
  const m = /^(.+)\/(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, null];
}

function aliasesOf(v: ModelVersion): string {
  return v.aliases.map((a) => `@${a}`).join(" ");
}

function describeEvent(e: AuditEvent): string {
  const who = `${e.actor}${e.forced ? " (FORCED)" : ""}`;
  let what: string;
  switch (e.action) {
    case "transition":
      what = `v${e.version} ${e.fromStage} → ${e.toStage}`;
      break;
    case "rollback":
      what =
        e.alias !== null
          ? `rollback @${e.alias} → ${e.version === null ? "(removed)" : `v${e.version}`} (undoes #${e.undoes})`
          : `rollback v${e.version} ${e.fromStage} → ${e.toStage} (undoes #${e.undoes})`;
      break;
    case "set_alias":
      what = `@${e.alias} → v${e.version}${e.previousVersion !== null ? ` (was v${e.previousVersion})` : ""}`;
      break;
    case "delete_alias":
      what = `@${e.alias} removed (was v${e.previousVersion})`;
      break;
    case "create_version":
      what = `v${e.version} registered`;
      break;
    default:
      what = e.action.replace(/_/g, " ") + (e.version !== null ? ` v${e.version}` : "");
  }
  for (const d of e.displaced) what += `; v${d.version} ${d.fromStage} → ${d.toStage}`;
  return `${what} by ${who}`;
}

function evidenceText(evidence: readonly Evidence[]): string {
  return evidence.map((e) => `${e.kind}:${e.id}`).join(", ");
}

export function registerModelCommands(program: Command, io: CliIO, withClient: WithClient): void {
  const models = program
    .command("models")
    .description("the model registry: versions, stages, aliases, audit trail");

  models
    .command("list")
    .description("registered models with their Production version and aliases")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const list = await sx.registry.listRegisteredModels();
        if (o.json) return io.out(toJson(list));
        io.out(
          table(
            ["name", "production", "staging", "latest", "aliases", "updated"],
            list.map((m) => [
              m.name,
              m.latestVersions.Production ? `v${m.latestVersions.Production}` : "-",
              m.latestVersions.Staging ? `v${m.latestVersions.Staging}` : "-",
              String(Math.max(0, ...Object.values(m.latestVersions).map(Number))) || "-",
              Object.entries(m.aliases)
                .map(([a, v]) => `@${a}=v${v}`)
                .join(" "),
              formatTime(m.updatedTime),
            ]),
          ),
        );
      });
    });

  models
    .command("show")
    .argument("<name>", "registered model")
    .description("a model: description, versions by stage, aliases and its promotion policy")
    .option("--json", "machine-readable output")
    .action(async (name: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const m = await sx.registry.getRegisteredModel(name);
        const versions = await sx.registry.listModelVersions(name);
        const policy = await sx.registry.getPromotionPolicy(name);
        if (o.json) return io.out(toJson({ model: m, versions, policy }));
        io.out(
          keyValues([
            ["name", m.name],
            ["description", m.description || "-"],
            ["created", formatTime(m.createdTime)],
            [
              "aliases",
              Object.entries(m.aliases)
                .map(([a, v]) => `@${a}=v${v}`)
                .join(" ") || "-",
            ],
            ["versions", String(versions.length)],
            [
              "policy",
              policy
                ? `revision ${policy.revision} by ${policy.actor}: ${JSON.stringify(policy.policy)}`
                : "none (any promotion is allowed)",
            ],
          ]),
        );
        if (versions.length) {
          io.out("");
          io.out(versionTable(versions));
        }
      });
    });

  models
    .command("versions")
    .argument("<name>", "registered model")
    .description("every version, newest first")
    .option("--json", "machine-readable output")
    .action(async (name: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const versions = await sx.registry.listModelVersions(name);
        if (o.json) return io.out(toJson(versions));
        io.out(versionTable(versions));
      });
    });

  models
    .command("register")
    .argument("<source>", "runs:/RUN_ID/PATH of a logged model")
    .argument("<name>", "registered model (created when missing)")
    .option("--description <text>", "what this version is")
    .option("--json", "machine-readable output")
    .action(async (source: string, name: string, o: { description?: string; json?: boolean }) => {
      await withClient(async (sx) => {
        const mv = await sx.registerModel(source, name, { description: o.description });
        if (o.json) return io.out(toJson(mv));
        io.out(
          `registered ${mv.name} version ${mv.version} (content ${mv.contentHash.slice(0, 12)}…) from ${mv.source}`,
        );
      });
    });

  models
    .command("promote")
    .argument("<ref>", "NAME/VERSION")
    .argument("<stage>", "None, Staging, Production or Archived")
    .option("--reason <text>", "why (kept in the audit trail)")
    .option(
      "--evidence <kind:id>",
      "evidence to check and record, e.g. evaluation:3f2a… (repeatable)",
      collect,
      [],
    )
    .option("--archive-existing", "move the model's other versions in that stage to Archived")
    .option("--force", "override the promotion policy (admins only; audited as forced)")
    .option("--json", "machine-readable output")
    .action(
      async (
        ref: string,
        stage: string,
        o: {
          reason?: string;
          evidence: string[];
          archiveExisting?: boolean;
          force?: boolean;
          json?: boolean;
        },
      ) => {
        const [name, version] = nameVersion(ref);
        if (version === null)
          throw new SextantError("INVALID_ARGUMENT", "promote takes NAME/VERSION, e.g. churn/3");
        await withClient(async (sx) => {
          const evidence = o.evidence.map(parseEvidence);
          try {
            const mv = await sx.transitionStage(name, version, stage, {
              reason: o.reason,
              evidence,
              archiveExisting: o.archiveExisting ?? false,
              force: o.force ?? false,
            });
            if (o.json) return io.out(toJson(mv));
            io.out(`${name} version ${version} is now in ${mv.currentStage}`);
          } catch (e) {
            if (e instanceof SextantError && e.code === "POLICY_NOT_MET") {
              const unmet = (e.details as { unmet: Array<{ condition: string; detail: string }> }).unmet;
              io.err(`refused: version ${version} of ${name} does not meet the ${stage} policy:`);
              for (const u of unmet) io.err(`  ✗ ${u.condition}: ${u.detail}`);
            }
            throw e;
          }
        });
      },
    );

  models
    .command("alias")
    .argument("<name>", "registered model")
    .argument("<alias>", "e.g. champion")
    .argument("[version]", "version to point at (omit with --delete)")
    .option("--delete", "remove the alias")
    .option("--reason <text>", "why (kept in the audit trail)")
    .action(
      async (
        name: string,
        alias: string,
        version: string | undefined,
        o: { delete?: boolean; reason?: string },
      ) => {
        await withClient(async (sx) => {
          if (o.delete) {
            await sx.deleteAlias(name, alias, { reason: o.reason });
            return io.out(`removed @${alias} from ${name}`);
          }
          if (version === undefined)
            throw new SextantError("INVALID_ARGUMENT", "give the version the alias points at, or --delete");
          await sx.setAlias(name, alias, version, { reason: o.reason });
          io.out(`${name}@${alias} → version ${version}`);
        });
      },
    );

  models
    .command("rollback")
    .argument("<name>", "registered model")
    .option("--stage <stage>", "the stage to roll back", "Production")
    .option("--alias <alias>", "roll an alias back instead of a stage")
    .option("--reason <text>", "why (kept in the audit trail)")
    .option("--json", "machine-readable output")
    .action(async (name: string, o: { stage: string; alias?: string; reason?: string; json?: boolean }) => {
      await withClient(async (sx) => {
        const e = await sx.rollback(
          name,
          o.alias ? { alias: o.alias, reason: o.reason } : { stage: o.stage, reason: o.reason },
        );
        if (o.json) return io.out(toJson(e));
        io.out(`#${e.id} ${describeEvent(e)}`);
      });
    });

  models
    .command("history")
    .argument("<name>", "registered model")
    .description("the audit trail: who changed what, when, why, on what evidence")
    .option("--json", "machine-readable output")
    .action(async (name: string, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        const events = await sx.getModelHistory(name);
        if (o.json) return io.out(toJson(events));
        io.out(
          table(
            ["#", "when", "change", "reason", "evidence"],
            events.map((e) => [
              String(e.id),
              formatTime(e.at),
              describeEvent(e),
              e.reason ?? "",
              evidenceText(e.evidence),
            ]),
          ),
        );
      });
    });

  models
    .command("lineage")
    .argument("<ref>", "NAME/VERSION")
    .description("version → run → datasets (hashes), code, environment, study, evaluations")
    .option("--json", "machine-readable output")
    .action(async (ref: string, o: { json?: boolean }) => {
      const [name, version] = nameVersion(ref);
      await withClient(async (sx) => {
        const v = version ?? (await sx.registry.resolve(`models:/${name}/latest`)).version;
        const l = await sx.registry.lineage(name, v);
        if (o.json) return io.out(toJson(l));
        const code = l.code as { commit?: string; branch?: string; dirty?: boolean } | null;
        const env = l.environment as { node?: string; os?: string } | null;
        io.out(
          keyValues([
            [
              "version",
              `${name}/${v} (${l.version.currentStage}${l.version.aliases.length ? `, ${aliasesOf(l.version)}` : ""})`,
            ],
            ["content", l.version.contentHash],
            ["run", l.run ? `${l.run.runId} (${l.run.runName}, ${l.run.status})` : "-"],
            [
              "datasets",
              l.datasets
                .map((d) => `${d.name} sha256:${d.digest.slice(0, 12)}…${d.context ? ` [${d.context}]` : ""}`)
                .join("\n") || "-",
            ],
            [
              "code",
              code
                ? `${code.commit ?? "?"}${code.branch ? ` (${code.branch})` : ""}${code.dirty ? " + uncommitted changes" : ""}`
                : "-",
            ],
            ["environment", env ? [env.node && `node ${env.node}`, env.os].filter(Boolean).join(", ") : "-"],
            [
              "study",
              l.study ? `${l.study.name}${l.study.trial !== null ? `, trial ${l.study.trial}` : ""}` : "-",
            ],
            ["evaluations", l.evaluations.map((e) => `${e.evaluationId} (${e.name})`).join("\n") || "-"],
          ]),
        );
      });
    });

  models
    .command("policy")
    .argument("<name>", "registered model")
    .argument(
      "[file]",
      'JSON policy to set, e.g. { "Staging": { "evaluation": { "metric": "f1", "mustBeat": "baseline" } } }',
    )
    .option("--json", "machine-readable output")
    .action(async (name: string, file: string | undefined, o: { json?: boolean }) => {
      await withClient(async (sx) => {
        if (file !== undefined) {
          let policy: PromotionPolicy;
          try {
            policy = JSON.parse(
              readFileSync(resolve(io.cwd ?? process.cwd(), file), "utf8"),
            ) as PromotionPolicy;
          } catch (e) {
            throw new SextantError(
              "INVALID_ARGUMENT",
              `cannot read a JSON policy from '${file}': ${(e as Error).message}`,
            );
          }
          const stored = await sx.setPromotionPolicy(name, policy);
          if (o.json) return io.out(toJson(stored));
          return io.out(`policy of ${name} is now revision ${stored.revision}`);
        }
        const stored = await sx.registry.getPromotionPolicy(name);
        if (o.json) return io.out(toJson(stored));
        io.out(stored ? JSON.stringify(stored.policy, null, 2) : `${name} has no promotion policy`);
      });
    });
}

function versionTable(versions: readonly ModelVersion[]): string {
  return table(
    ["version", "stage", "aliases", "run", "content", "creator", "created"],
    versions.map((v) => [
      String(v.version),
      v.currentStage,
      aliasesOf(v),
      v.runId ?? "-",
      v.contentHash.slice(0, 12),
      v.creator,
      formatTime(v.createdTime),
    ]),
  );
}

function parseEvidence(text: string): Evidence {
  const i = text.indexOf(":");
  if (i <= 0 || i === text.length - 1)
    throw new SextantError("INVALID_ARGUMENT", `evidence is KIND:ID, got '${text}'`);
  return { kind: text.slice(0, i), id: text.slice(i + 1) };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
