import { useEffect, useMemo } from "react";
import { lazyModule, useLazyModule } from "./components/lazyModule.js";
import { ErrorPanel, Spinner } from "./components/States.js";
import { TopBar } from "./components/TopBar.js";
import { matchRoute } from "./lib/routes.js";
import { ExperimentsPage } from "./pages/ExperimentsPage.js";
import { RunsPage } from "./pages/RunsPage.js";
import { prefetchRoute } from "./queries.js";
import { Link, useLocation } from "./router.js";

// Pages with charts come in their own chunks (loaded without Suspense: see lazyModule).
const runPage = lazyModule(() => import("./pages/RunPage.js"));
const comparePage = lazyModule(() => import("./pages/ComparePage.js"));

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

export function App() {
  const { pathname } = useLocation();
  const route = useMemo(() => matchRoute(pathname), [pathname]);
  // A page in its own chunk starts its first request while the chunk loads.
  useEffect(() => prefetchRoute(route, window.location.search), [route]);
  if (route.page === "run") runPage.preload();
  else if (route.page === "compare") comparePage.preload();
  return (
    <>
      <TopBar route={route} />
      <main className="main">
        {route.page === "experiments" && <ExperimentsPage />}
        {route.page === "runs" && <RunsPage key={route.experimentId} experimentId={route.experimentId} />}
        {route.page === "run" && <RunRoute key={route.runId} runId={route.runId} />}
        {route.page === "compare" && <CompareRoute />}
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
