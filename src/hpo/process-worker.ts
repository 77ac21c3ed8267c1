/**
 * One worker process of `study.optimize(script, { processes })` (see processes.ts): receives its
 * job over IPC, reopens the store (its token in $SEXTANT_TRACKING_TOKEN), loads the study and the
 * script (its `sampler` and `pruner` exports, else the defaults), and runs the objective, asking
 * its parent before each trial and telling it each trial that finished. A "stop" from the parent,
 * or the parent going away, lets the trials in flight finish and starts no more.
 */
import { Sextant } from "../tracking/index.js";
import type { FromWorker, ToWorker, WorkerJob } from "./processes.js";
import { loadWorkerScript } from "./script.js";
import { createStudy, type Study } from "./study.js";
import { toWire } from "./thread-objective.js";

let stopping = false;
let nextPermit = 0;
const permits = new Map<number, (ok: boolean) => void>();

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });
}

function permit(): Promise<boolean> {
  if (stopping || !process.connected) return Promise.resolve(false);
  const id = nextPermit++;
  return new Promise((resolve) => {
    permits.set(id, resolve);
    void send({ type: "permit", id });
  });
}

function stop(): void {
  stopping = true;
  for (const resolve of permits.values()) resolve(false);
  permits.clear();
}

const warn = (message: string) => void send({ type: "warning", message });

async function main(job: WorkerJob): Promise<number> {
  let sx: Sextant | undefined;
  let study: Study;
  let objective: Parameters<Study["optimize"]>[0];
  try {
    const script = await loadWorkerScript(job.script);
    objective = job.threads ? job.script : script.objective;
    sx = await Sextant.open({
      ...job.store,
      token: process.env.SEXTANT_TRACKING_TOKEN,
      // a study lives on the server: a worker never spools
      mode: "online",
      capture: false,
      onWarning: warn,
    });
    const options = {
      name: job.study.name,
      directions: job.study.directions,
      sampler: script.sampler,
      pruner: script.pruner,
      loadIfExists: true,
      heartbeatIntervalMs: job.study.heartbeatIntervalMs,
      staleAfterMs: job.study.staleAfterMs,
      metricNames: job.study.metricNames,
      onWarning: warn,
    };
    study = job.study.tracked
      ? await sx.createStudy(options)
      : await createStudy({ ...options, storage: sx.store.studies });
  } catch (e) {
    await send({ type: "error", phase: "setup", error: toWire(e) });
    await sx?.close().catch(() => undefined);
    return 1;
  }
  try {
    await study.optimize(objective, {
      concurrency: job.concurrency,
      permit,
      onProgress: (p) => void send({ type: "trial", trial: p.trial }),
      onWarning: warn,
    });
    await sx.close();
  } catch (e) {
    await send({ type: "error", phase: "run", error: toWire(e) });
    await sx.close().catch(() => undefined);
    return 1;
  }
  await send({ type: "done" });
  return 0;
}

process.on("message", (m: ToWorker) => {
  if (m.type === "start") {
    // leave once done, whatever the objective left behind (timers, sockets)
    void main(m.job).then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  } else if (m.type === "permit") {
    permits.get(m.id)?.(m.ok);
    permits.delete(m.id);
  } else if (m.type === "stop") stop();
});
process.on("disconnect", stop);
