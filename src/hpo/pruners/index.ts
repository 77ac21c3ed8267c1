export { HyperbandPruner, type HyperbandPrunerOptions } from "./hyperband.js";
export { NopPruner } from "./nop.js";
export {
  isFirstInIntervalStep,
  MedianPruner,
  PercentilePruner,
  type PercentilePrunerOptions,
} from "./percentile.js";
export {
  completedRungKey,
  currentRung,
  SuccessiveHalvingPruner,
  type SuccessiveHalvingPrunerOptions,
} from "./successive-halving.js";
export { lastStep, type NamedStudyView, type ObjectiveOption } from "./util.js";
