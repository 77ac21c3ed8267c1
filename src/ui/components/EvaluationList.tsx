/** A run's evaluation records, as a panel of links to their pages (shown only when there are some). */
import { useQuery } from "@tanstack/react-query";
import { formatNumber, formatTimestamp, paths } from "../lib/index.js";
import { runEvaluationsQuery } from "../queries.js";
import { Link } from "../router.js";

export function RunEvaluations({ runId }: { runId: string }) {
  const q = useQuery(runEvaluationsQuery(runId));
  const list = q.data ?? [];
  if (list.length === 0) return null;
  return (
    <section className="panel panel-wide" data-testid="run-evaluations">
      <h2>
        Evaluations <span className="muted">{list.length}</span>
      </h2>
      <div className="panel-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Created</th>
              <th className="num">Rows</th>
              <th>Metrics</th>
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.evaluationId}>
                <td>
                  <Link href={paths.evaluation(e.evaluationId)} data-testid="evaluation-link">
                    {e.name}
                  </Link>
                </td>
                <td>{formatTimestamp(e.createdTime)}</td>
                <td className="num">{e.rows}</td>
                <td>{e.metrics.map((m) => `${m.name} ${formatNumber(m.value)}`).join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
