/**
 * A run in progress: the handle `startRun` / `withRun` give to training code.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import type { Clock, Rng } from "../core/index.js";
import { paramToString, SextantError, validateArtifactPath, validateMetric } from "../core/index.js";
import type { ArtifactStore, RunInfo, RunStatus, Store } from "../store/index.js";
import { profileDataset } from "./capture/index.js";
import { MetricBuffer } from "./metric-buffer.js";

export interface MetricOptions {
  /** Integer step (default 0, as in MLflow). */
  step?: number;
  /** Milliseconds since the epoch (default: the clock at the time of the call). */
  timestamp?: number;
}

export interface LogDatasetOptions {
  /** Name shown for the dataset (default: the file name). */
  name?: string;
  /** What the run used it for: "train", "val", "test" … (default "input"). */
  context?: string;
}

export interface LogArtifactOptions {
  /** Directory inside the run's artifacts to put the file (or directory) in. */
  artifactPath?: string;
}

/** Internal wiring between a run and the client that owns it. */
export interface RunHost {
  readonly store: Store;
  readonly artifacts: ArtifactStore;
  readonly clock: Clock;
  readonly cwd: string;
  /** Points buffered before a write is started in the background. */
  readonly flushPoints: number;
  runEnded(run: ActiveRun): void;
  warn(message: string): void;
}

export class ActiveRun {
  readonly id: string;
  readonly #host: RunHost;
  readonly #rng: Rng | null;
  readonly #buffer = new MetricBuffer();
  #info: RunInfo;
  #writes: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #scheduled = false;
  #ended = false;

  constructor(host: RunHost, info: RunInfo, rng: Rng | null) {
    this.#host = host;
    this.#info = info;
    this.id = info.runId;
    this.#rng = rng;
  }

  /** The run's info as of its start or its last status change. */
  get info(): RunInfo {
    return this.#info;
  }

  /** Whether end() has been called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The run's seeded generator (start the run with `seed` to get one). */
  get rng(): Rng {
    if (!this.#rng) {
      throw new SextantError(
        "INVALID_STATE",
        "this run has no seeded generator: pass { seed } to startRun / withRun",
        {
          runId: this.id,
        },
      );
    }
    return this.#rng;
  }

  /** Points logged with logMetric(s) and not yet written. */
  get pendingPoints(): number {
    return this.#buffer.size;
  }

  async logParams(params: Record<string, unknown>): Promise<void> {
    this.#checkOpen();
    const list = Object.entries(params).map(([key, value]) => ({ key, value: paramToString(value) }));
    await this.#host.store.runs.logBatch(this.id, { params: list });
  }

  async logParam(key: string, value: unknown): Promise<void> {
    await this.logParams({ [key]: value });
  }

  /**
   * Buffers one point per key and returns at once; the points are written in the background,
   * and by flush() / end(). Bad keys or values throw here, synchronously.
   */
  logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): void {
    this.#checkOpen();
    const step = options.step ?? 0;
    const timestamp = options.timestamp ?? this.#host.clock.now();
    if (!Number.isSafeInteger(step) || !Number.isSafeInteger(timestamp) || timestamp < 0) {
      validateMetric("step/timestamp", 0, step, timestamp);
    }
    this.#buffer.append(metrics, step, timestamp);
    if (this.#buffer.size >= this.#host.flushPoints && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#startWrite();
      });
    }
  }

  logMetric(key: string, value: number, options: MetricOptions = {}): void {
    this.logMetrics({ [key]: value }, options);
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.#checkOpen();
    await this.#host.store.runs.logBatch(this.id, {
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.setTags({ [key]: value });
  }

  async deleteTag(key: string): Promise<void> {
    this.#checkOpen();
    await this.#host.store.runs.deleteTag(this.id, key);
  }

  /** Records a local file or directory as one of the run's inputs, by content hash. */
  async logDataset(path: string, options: LogDatasetOptions = {}): Promise<string> {
    this.#checkOpen();
    const profile = await profileDataset(resolve(this.#host.cwd, path));
    const name = options.name ?? basename(profile.source);
    await this.#host.store.runs.logInputs(this.id, [
      {
        name,
        digest: profile.digest,
        sourceType: profile.sourceType,
        source: profile.source,
        size: profile.size,
        rows: profile.rows,
        columns: profile.columns,
        schema: profile.schema === null ? null : JSON.stringify(profile.schema),
        profile: JSON.stringify({ format: profile.format }),
        context: options.context ?? "input",
      },
    ]);
    return profile.digest;
  }

  /**
   * Stores a local file (or every file under a directory) as run artifacts. A file lands at
   * `artifactPath/<file name>`; a directory's files keep their relative paths under
   * `artifactPath/<directory name>`.
   */
  async logArtifact(localPath: string, options: LogArtifactOptions = {}): Promise<void> {
    this.#checkOpen();
    const abs = resolve(this.#host.cwd, localPath);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(abs);
    } catch {
      throw new SextantError("FILE_NOT_FOUND", `no file or directory at '${localPath}'`, { path: localPath });
    }
    const prefix = options.artifactPath ? `${options.artifactPath.replace(/\/+$/, "")}/` : "";
    if (prefix) validateArtifactPath(prefix.slice(0, -1));
    if (st.isDirectory()) {
      const files = await listFiles(abs);
      for (const f of files) {
        await this.#putFile(f, `${prefix}${basename(abs)}/${relative(abs, f).split(sep).join("/")}`);
      }
    } else {
      await this.#putFile(abs, `${prefix}${basename(abs)}`);
    }
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    this.#checkOpen();
    validateArtifactPath(artifactFile);
    const ref = await this.#host.artifacts.put(text);
    await this.#host.store.runs.recordArtifact(this.id, {
      path: artifactFile,
      ...ref,
      createdTime: this.#host.clock.now(),
    });
  }

  async logJson(value: unknown, artifactFile: string): Promise<void> {
    await this.logText(`${JSON.stringify(value, null, 2)}\n`, artifactFile);
  }

  /**
   * Stores a fitted learner as `artifactPath/model.json` with its signature beside it
   * (`artifactPath/sextant-model.json`), ready for `sx.registerModel(\`runs:/${run.id}/model\`, name)`.
   * The signature defaults to the feature names the model was fitted on.
   * @returns the model's `runs:/` URI
   */
  async logModel(
    model: { readonly kind: string; readonly featureNames: string[] | null; toJSON(): unknown },
    artifactPath = "model",
    options: { signature?: { inputs: Array<{ name: string; type: string }> } } = {},
  ): Promise<string> {
    this.#checkOpen();
    const path = artifactPath.replace(/\/+$/, "");
    validateArtifactPath(path);
    if (typeof model?.toJSON !== "function") {
      throw new SextantError("INVALID_ARGUMENT", "logModel takes a learner (something with toJSON())");
    }
    const signature =
      options.signature ??
      (model.featureNames ? { inputs: model.featureNames.map((name) => ({ name, type: "double" })) } : null);
    await this.logText(JSON.stringify(model.toJSON()), `${path}/model.json`);
    await this.logJson({ format: 1, kind: model.kind, signature }, `${path}/sextant-model.json`);
    return `runs:/${this.id}/${path}`;
  }

  async #putFile(abs: string, artifactPath: string): Promise<void> {
    validateArtifactPath(artifactPath);
    const ref = await this.#host.artifacts.putFile(abs);
    await this.#host.store.runs.recordArtifact(this.id, {
      path: artifactPath,
      ...ref,
      createdTime: this.#host.clock.now(),
    });
  }

  /** Resolves once every metric point logged so far is stored; rethrows a failed background write. */
  async flush(): Promise<void> {
    this.#startWrite();
    await this.#writes;
    if (this.#failure !== null) {
      const e = this.#failure;
      this.#failure = null;
      throw e;
    }
  }

  /** Flushes, then marks the run ended with `status` (FINISHED by default) and the clock's time. */
  async end(status: RunStatus = "FINISHED"): Promise<RunInfo> {
    if (this.#ended) return this.#info;
    try {
      await this.flush();
    } finally {
      this.#ended = true;
      this.#host.runEnded(this);
    }
    this.#info = await this.#host.store.runs.updateRun(this.id, { status, endTime: this.#host.clock.now() });
    return this.#info;
  }

  /** Queues a write of what is buffered behind the writes already under way. */
  #startWrite(): void {
    const batch = this.#buffer.drain();
    if (batch.length === 0) return;
    this.#writes = this.#writes
      .then(() => this.#host.store.runs.logBatch(this.id, { metrics: batch }))
      .catch((e: unknown) => {
        this.#failure ??= e;
        this.#host.warn(`metric write for run ${this.id} failed: ${(e as Error).message}`);
      });
  }

  #checkOpen(): void {
    if (this.#ended) {
      throw new SextantError("INVALID_STATE", `run ${this.id} has ended; start a new run to log more`, {
        runId: this.id,
      });
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
