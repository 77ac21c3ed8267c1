/**
 * The UI's pages. The list pages load with the app; the pages with charts come in their own
 * chunks, each behind a loader (loaded without Suspense: see lazyModule).
 */
import { lazyModule } from "../components/index.js";

export { ExperimentsPage } from "./ExperimentsPage.js";
export { ModelsPage } from "./ModelsPage.js";
export { RunsPage } from "./RunsPage.js";
export { StudiesPage } from "./StudiesPage.js";

export const runPage = lazyModule(() => import("./RunPage.js"));
export const comparePage = lazyModule(() => import("./ComparePage.js"));
export const studyPage = lazyModule(() => import("./StudyPage.js"));
export const evaluationPage = lazyModule(() => import("./EvaluationPage.js"));
export const modelPage = lazyModule(() => import("./ModelPage.js"));
export const modelVersionPage = lazyModule(() => import("./ModelVersionPage.js"));
