/**
 * Hyperband (Li et al. 2018) as Optuna runs it: several successive-halving brackets, bracket b
 * starting its first rung at minResource × reductionFactor^b. A trial's bracket is fixed by
 * hashing: crc32("<study name>_<trial number>") modulo the total allocation budget, walked over
 * the brackets' budgets ⌈n × reductionFactor^s / (s + 1)⌉ (s = n − 1 − b) — the same assignment
 * as Optuna for the same study name. Each bracket's pruner sees only its own bracket's trials.
 * Without the study's name in the view (the study passes it), the trial's study id is hashed.
 *
 * The defaults are Optuna's (minResource 1, reductionFactor 3, maxResource "auto"), and so are
 * the decisions (src/hpo/pruners/pruners.test.ts). On the learning-curve benchmark
 * (analysis/learning-curves.ts, 10 curve sets) they use 20% of the no-pruning budget and lose
 * 0.007 of the best final value on average (0.015 at worst): the most aggressive bracket judges
 * at step 1, before slow curves separate. A later first rung keeps more (minResource 5: 31% of
 * the budget, 0.0015 lost); SuccessiveHalvingPruner's default is the cheaper safe choice there.
 */
import { SextantError } from "../../core/index.js";
import type { Pruner, StudyView } from "../sampler.js";
import type { FrozenTrial, TrialState } from "../storage.js";
import { SuccessiveHalvingPruner } from "./successive-halving.js";
import {
  checkInt,
  checkObjective,
  crc32,
  lastStep,
  type NamedStudyView,
  type ObjectiveOption,
} from "./util.js";

export interface HyperbandPrunerOptions extends ObjectiveOption {
  /** The first rung's step in the most aggressive bracket. Default 1. */
  minResource?: number;
  /**
   * The largest step a trial reaches; "auto" (the default) takes last step + 1 of the first
   * COMPLETE trials, and prunes nothing until one has completed.
   */
  maxResource?: "auto" | number;
  /** Default 3. */
  reductionFactor?: number;
  /** As in SuccessiveHalvingPruner. Default 0. */
  bootstrapCount?: number;
}

export class HyperbandPruner implements Pruner {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  readonly objective: number;
  #maxResource: number | null;
  #pruners: SuccessiveHalvingPruner[] = [];
  #budgets: number[] = [];
  #totalBudget = 0;
  readonly #bracketCache = new Map<string, number>();

  constructor(options: HyperbandPrunerOptions = {}) {
    this.minResource = options.minResource ?? 1;
    const maxResource = options.maxResource ?? "auto";
    this.reductionFactor = options.reductionFactor ?? 3;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    this.objective = checkObjective(options.objective);
    checkInt("minResource", this.minResource, 1);
    if (maxResource !== "auto") checkInt("maxResource", maxResource, 1);
    checkInt("reductionFactor", this.reductionFactor, 2);
    checkInt("bootstrapCount", this.bootstrapCount, 0);
    if (this.bootstrapCount > 0 && maxResource === "auto") {
      throw new SextantError("INVALID_ARGUMENT", "bootstrapCount > 0 needs a maxResource, not 'auto'");
    }
    this.#maxResource = maxResource === "auto" ? null : maxResource;
  }

  /** The number of brackets, once the max resource is known. */
  get nBrackets(): number | null {
    return this.#pruners.length === 0 ? null : this.#pruners.length;
  }

  get maxResource(): number | null {
    return this.#maxResource;
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (this.#pruners.length === 0) {
      this.#init(study);
      if (this.#pruners.length === 0) return false;
    }
    const id = this.bracketOf(study, trial.number, trial.studyId);
    return this.#pruners[id]!.prune(this.#bracketView(study, id), trial);
  }

  /** The bracket of trial `number` (0 is the most aggressive); 0 before the brackets are set up. */
  bracketOf(study: StudyView, number: number, studyId = ""): number {
    if (this.#pruners.length === 0) return 0;
    const name = (study as NamedStudyView).studyName ?? (study as NamedStudyView).studyId ?? studyId;
    const key = `${name}_${number}`;
    let id = this.#bracketCache.get(key);
    if (id === undefined) {
      let n = crc32(key) % this.#totalBudget;
      id = 0;
      for (; id < this.#budgets.length; id++) {
        n -= this.#budgets[id]!;
        if (n < 0) break;
      }
      if (this.#bracketCache.size > 100_000) this.#bracketCache.clear();
      this.#bracketCache.set(key, id);
    }
    return id;
  }

  #init(study: StudyView): void {
    if (this.#maxResource === null) {
      let last = -1;
      for (const t of study.trials(["COMPLETE"])) {
        const s = lastStep(t);
        if (s !== null && s > last) last = s;
      }
      if (last < 0) return;
      this.#maxResource = last + 1;
    }
    const rf = this.reductionFactor;
    const n = Math.floor(Math.log(this.#maxResource / this.minResource) / Math.log(rf)) + 1;
    for (let b = 0; b < n; b++) {
      const s = n - 1 - b;
      const budget = Math.ceil((n * rf ** s) / (s + 1));
      this.#budgets.push(budget);
      this.#totalBudget += budget;
      this.#pruners.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: rf,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
          objective: this.objective,
        }),
      );
    }
  }

  #bracketView(study: StudyView, id: number): NamedStudyView {
    const named = study as NamedStudyView;
    return {
      directions: study.directions,
      studyName: named.studyName,
      studyId: named.studyId,
      trials: (states?: readonly TrialState[]) =>
        study.trials(states).filter((t) => this.bracketOf(study, t.number, t.studyId) === id),
    };
  }
}
