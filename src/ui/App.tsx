import { useEffect, useMemo } from "react";
import { ErrorPanel, Spinner, TopBar, useLazyModule } from "./components/index.js";
import { matchRoute } from "./lib/index.js";
import {
  comparePage,
  ExperimentsPage,
  evaluationPage,
  ModelsPage,
  modelPage,
  modelVersionPage,
  RunsPage,
  runPage,
  StudiesPage,
  studyPage,
} from "./pages/index.js";
import { prefetchRoute } from "./queries.js";
import { Link, useLocation } from "./router.js";

function Loading({ error }: { error: unknown }) {
  if (error)
    return (
      <div className="page">
        <ErrorPanel error={error} title="Cannot load this page" />
      </div>
    );
  return (
    <div className="page-loading">
      <Spinner />
    </div>
  );
}

function RunRoute({ runId }: { runId: string }) {
  const { value, error } = useLazyModule(runPage);
  return value ? <value.RunPage runId={runId} /> : <Loading error={error} />;
}

function CompareRoute() {
  const { value, error } = useLazyModule(comparePage);
  return value ? <value.ComparePage /> : <Loading error={error} />;
}

function StudyRoute({ name }: { name: string }) {
  const { value, error } = useLazyModule(studyPage);
  return value ? <value.StudyPage name={name} /> : <Loading error={error} />;
}

function EvaluationRoute({ evaluationId }: { evaluationId: string }) {
  const { value, error } = useLazyModule(evaluationPage);
  return value ? <value.EvaluationPage evaluationId={evaluationId} /> : <Loading error={error} />;
}

function ModelRoute({ name }: { name: string }) {
  const { value, error } = useLazyModule(modelPage);
  return value ? <value.ModelPage name={name} /> : <Loading error={error} />;
}

function ModelVersionRoute({ name, version }: { name: string; version: number }) {
  const { value, error } = useLazyModule(modelVersionPage);
  return value ? <value.ModelVersionPage name={name} version={version} /> : <Loading error={error} />;
}

export function App() {
  const { pathname } = useLocation();
  const route = useMemo(() => matchRoute(pathname), [pathname]);
  // A page in its own chunk starts its first request while the chunk loads.
  useEffect(() => prefetchRoute(route, window.location.search), [route]);
  if (route.page === "run") runPage.preload();
  else if (route.page === "compare") comparePage.preload();
  else if (route.page === "study") studyPage.preload();
  else if (route.page === "evaluation") evaluationPage.preload();
  else if (route.page === "model") modelPage.preload();
  else if (route.page === "modelVersion") modelVersionPage.preload();
  return (
    <>
      <TopBar route={route} />
      <main className="main">
        {route.page === "experiments" && <ExperimentsPage />}
        {route.page === "runs" && <RunsPage key={route.experimentId} experimentId={route.experimentId} />}
        {route.page === "run" && <RunRoute key={route.runId} runId={route.runId} />}
        {route.page === "compare" && <CompareRoute />}
        {route.page === "studies" && <StudiesPage />}
        {route.page === "study" && <StudyRoute key={route.name} name={route.name} />}
        {route.page === "evaluation" && (
          <EvaluationRoute key={route.evaluationId} evaluationId={route.evaluationId} />
        )}
        {route.page === "models" && <ModelsPage />}
        {route.page === "model" && <ModelRoute key={route.name} name={route.name} />}
        {route.page === "modelVersion" && (
          <ModelVersionRoute
            key={`${route.name}/${route.version}`}
            name={route.name}
            version={route.version}
          />
        )}
        {route.page === "notFound" && (
          <div className="page">
            <h1>Not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <Link href="/">Back to the experiments</Link>.
            </p>
          </div>
        )}
      </main>
    </>
  );
}
