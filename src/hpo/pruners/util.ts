/**
 * What the pruners share: the trial's last step, the value they judge (one objective of a
 * reported vector), and the study view's optional name.
 */
import { quantileSorted, SextantError } from "../../core/index.js";
import type { StudyView } from "../sampler.js";
import type { Direction, FrozenTrial } from "../storage.js";

/**
 * The view the study hands to pruners and samplers carries the study's name and id as well;
 * pruners that hash the study name (Hyperband) fall back to the trial's study id without it.
 */
export interface NamedStudyView extends StudyView {
  readonly studyName?: string;
  readonly studyId?: string;
}

/** Options every pruner takes. */
export interface ObjectiveOption {
  /**
   * Which objective of a multi-objective study the pruner judges (an index into `directions` and
   * into each reported vector). Default 0: multi-objective trials are pruned on the first one.
   */
  objective?: number;
}

/** The largest step the trial has reported, or null when it has reported nothing. */
export function lastStep(trial: FrozenTrial): number | null {
  let last = -1;
  for (const k in trial.intermediate) {
    const s = Number(k);
    if (s > last) last = s;
  }
  return last < 0 ? null : last;
}

/** The reported value of one objective at `step`; undefined when that step was not reported. */
export function valueAt(trial: FrozenTrial, step: number, objective: number): number | undefined {
  const v = trial.intermediate[step];
  return v === undefined ? undefined : v[objective];
}

/** The steps the trial reported, as numbers. */
export function reportedSteps(trial: FrozenTrial): number[] {
  return Object.keys(trial.intermediate).map(Number);
}

export function directionOf(study: StudyView, objective: number): Direction {
  const d = study.directions[objective];
  if (d === undefined) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `the pruner judges objective ${objective}, but the study has ${study.directions.length}`,
    );
  }
  return d;
}

export function checkInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new SextantError("INVALID_ARGUMENT", `${name} must be an integer >= ${min}, got ${String(v)}`, {
      [name]: v,
    });
  }
}

export function checkObjective(objective: number | undefined): number {
  const o = objective ?? 0;
  checkInt("objective", o, 0);
  return o;
}

/** numpy.nanpercentile with linear interpolation: NaN when no value is a number. */
export function nanPercentile(values: readonly number[], q: number): number {
  return quantileSorted(
    values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b),
    q / 100,
  );
}

/** CRC-32 (IEEE, as zlib and Python's binascii.crc32 compute it) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
