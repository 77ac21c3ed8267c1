/**
 * In-memory buffer of metric points for one run, column-wise per key. `logMetrics` appends here
 * and returns at once; a flush takes the filled columns away (ownership moves to the writer) and
 * leaves empty ones behind.
 */
import { validateKey, validateMetric } from "../core/index.js";
import type { MetricSeriesInput } from "../store/index.js";

/** Points per block. Blocks are filled in turn and never copied until a write takes them. */
const BLOCK = 4096;
/**
 * Points in a series' first block: many runs log a few points per key (a final score), and
 * 96 KB per key and run for those would be most of what logging them costs.
 */
const FIRST_BLOCK = 64;

interface Block {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

function newBlock(size: number): Block {
  const buf = new ArrayBuffer(3 * 8 * size);
  return {
    steps: new Float64Array(buf, 0, size),
    timestamps: new Float64Array(buf, 8 * size, size),
    values: new Float64Array(buf, 16 * size, size),
  };
}

const EMPTY = newBlock(0);

class SeriesBuffer {
  /** Filled blocks, oldest first. */
  #full: Block[] = [];
  /** Points in the filled blocks. */
  #fullPoints = 0;
  steps!: Float64Array;
  timestamps!: Float64Array;
  values!: Float64Array;
  /** Points in the current block. */
  n = 0;

  constructor() {
    // the first block is allocated by the first push
    this.#use(EMPTY);
  }

  #use(b: Block): void {
    this.steps = b.steps;
    this.timestamps = b.timestamps;
    this.values = b.values;
    this.n = 0;
  }

  get count(): number {
    return this.#fullPoints + this.n;
  }

  push(step: number, timestamp: number, value: number): void {
    if (this.n === this.values.length) {
      if (this.n > 0) {
        this.#full.push({ steps: this.steps, timestamps: this.timestamps, values: this.values });
        this.#fullPoints += this.n;
      }
      this.#use(newBlock(this.#fullPoints === 0 ? FIRST_BLOCK : BLOCK));
    }
    const i = this.n++;
    this.steps[i] = step;
    this.timestamps[i] = timestamp;
    this.values[i] = value;
  }

  /** Removes the last point (the caller knows there is one in the current block). */
  pop(): void {
    this.n--;
  }

  /** Hands everything over as one fragment and starts empty. */
  take(key: string): MetricSeriesInput {
    const total = this.count;
    let out: MetricSeriesInput;
    if (this.#full.length === 0) {
      out = {
        key,
        steps: this.steps.subarray(0, total),
        timestamps: this.timestamps.subarray(0, total),
        values: this.values.subarray(0, total),
      };
    } else {
      out = {
        key,
        steps: new Float64Array(total),
        timestamps: new Float64Array(total),
        values: new Float64Array(total),
      };
      let at = 0;
      for (const b of [
        ...this.#full,
        { steps: this.steps, timestamps: this.timestamps, values: this.values },
      ]) {
        const len = Math.min(b.values.length, total - at);
        out.steps.set(b.steps.subarray(0, len), at);
        out.timestamps.set(b.timestamps.subarray(0, len), at);
        out.values.set(b.values.subarray(0, len), at);
        at += len;
      }
    }
    this.#full = [];
    this.#fullPoints = 0;
    // the next push allocates afresh: the arrays handed over belong to the writer now
    this.#use(EMPTY);
    return out;
  }
}

export class MetricBuffer {
  readonly #series = new Map<string, SeriesBuffer>();
  /**
   * The keys of recent calls, by position, with their buffers. Training loops log the same keys in
   * the same order every step, so a string comparison usually replaces the map lookup. A cached
   * pair is always right (a key's buffer never changes), only possibly not the one asked for.
   */
  readonly #lastKeys: string[] = [];
  readonly #lastSeries: SeriesBuffer[] = [];
  #points = 0;

  /** Points waiting to be written. */
  get size(): number {
    return this.#points;
  }

  /**
   * Appends one point per key of `metrics`. The step and timestamp are already checked. A bad key
   * or value throws and leaves the buffer as it was.
   */
  append(metrics: Record<string, number>, step: number, timestamp: number): void {
    const keys = this.#lastKeys;
    const cached = this.#lastSeries;
    let i = 0;
    try {
      for (const key in metrics) {
        const value = metrics[key];
        let s: SeriesBuffer;
        if (keys[i] === key) s = cached[i]!;
        else {
          s = this.#series.get(key) ?? this.#add(key);
          keys[i] = key;
          cached[i] = s;
        }
        if (typeof value !== "number") validateMetric(key, value, step, timestamp);
        s.push(step, timestamp, value as number);
        i++;
      }
    } catch (e) {
      for (let j = 0; j < i; j++) this.#series.get(keys[j]!)!.pop();
      throw e;
    }
    this.#points += i;
  }

  #add(key: string): SeriesBuffer {
    validateKey("metric", key);
    const s = new SeriesBuffer();
    this.#series.set(key, s);
    return s;
  }

  /** Everything buffered so far, one fragment per key; the buffer is empty afterwards. */
  drain(): MetricSeriesInput[] {
    const out: MetricSeriesInput[] = [];
    for (const [key, s] of this.#series) if (s.count > 0) out.push(s.take(key));
    this.#points = 0;
    return out;
  }
}
