/** The top bar: product name, breadcrumb for the current route, and the document title. */
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { parseRunIds, paths, type Route } from "../lib/index.js";
import { experimentQuery, runQuery } from "../queries.js";
import { Link, useSearchParams } from "../router.js";

interface Crumb {
  label: ReactNode;
  href?: string;
}

export function TopBar({ route }: { route: Route }) {
  const q = useSearchParams();
  const runId = route.page === "run" ? route.runId : null;
  const run = useQuery({ ...runQuery(runId ?? ""), enabled: runId !== null });
  const expId = route.page === "runs" ? route.experimentId : (run.data?.info.experimentId ?? null);
  const exp = useQuery({ ...experimentQuery(expId ?? ""), enabled: expId !== null });
  const expName = exp.data?.name ?? (expId !== null ? `Experiment ${expId}` : "");

  const crumbs: Crumb[] = [{ label: "Experiments", href: paths.experiments() }];
  let title = "Experiments";
  if (route.page === "runs") {
    crumbs.push({ label: expName });
    title = `${expName} · Runs`;
  } else if (route.page === "run") {
    const name = run.data
      ? run.data.info.runName || run.data.info.runId.slice(0, 8)
      : route.runId.slice(0, 8);
    if (expId !== null) crumbs.push({ label: expName, href: paths.runs(expId) });
    if (run.data?.info.parentRunId)
      crumbs.push({ label: "parent run", href: paths.run(run.data.info.parentRunId) });
    crumbs.push({ label: name });
    title = `${name} · ${expName || "Run"}`;
  } else if (route.page === "compare") {
    const n = parseRunIds(q.get("runs")).length;
    crumbs.push({ label: `Compare ${n} runs` });
    title = `Compare ${n} runs`;
  } else if (route.page === "studies" || route.page === "study") {
    crumbs[0] = { label: "Studies", href: paths.studies() };
    title = "Studies";
    if (route.page === "study") {
      crumbs.push({ label: route.name });
      title = `${route.name} · Study`;
    }
  } else if (route.page === "models" || route.page === "model" || route.page === "modelVersion") {
    crumbs[0] = { label: "Models", href: paths.models() };
    title = "Models";
    if (route.page === "model") {
      crumbs.push({ label: route.name });
      title = `${route.name} · Model`;
    } else if (route.page === "modelVersion") {
      crumbs.push({ label: route.name, href: paths.model(route.name) });
      crumbs.push({ label: `v${route.version}` });
      title = `${route.name} v${route.version} · Model`;
    }
  } else if (route.page === "notFound") {
    crumbs.push({ label: "Not found" });
    title = "Not found";
  }

  const inStudies = route.page === "studies" || route.page === "study";
  const inModels = route.page === "models" || route.page === "model" || route.page === "modelVersion";

  useEffect(() => {
    document.title = `${title} · Sextant`;
  }, [title]);

  return (
    <header className="topbar">
      <Link href="/" className="brand">
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M3 20 L12 4 L21 20 Z" fill="none" stroke="currentColor" strokeWidth="2" />
          <path d="M7 20 A8 8 0 0 1 17 20" fill="none" stroke="currentColor" strokeWidth="2" />
        </svg>
        Sextant
      </Link>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        {crumbs.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: crumbs are positional
          <span key={i} className="crumb">
            {i > 0 && <span className="crumb-sep">/</span>}
            {c.href && i < crumbs.length - 1 ? (
              <Link href={c.href}>{c.label}</Link>
            ) : (
              <span aria-current="page">{c.label}</span>
            )}
          </span>
        ))}
      </nav>
      <nav className="topnav" aria-label="Sections">
        <Link href={paths.experiments()} className={inStudies || inModels ? "" : "active"}>
          Experiments
        </Link>
        <Link href={paths.studies()} className={inStudies ? "active" : ""}>
          Studies
        </Link>
        <Link href={paths.models()} className={inModels ? "active" : ""}>
          Models
        </Link>
      </nav>
    </header>
  );
}
