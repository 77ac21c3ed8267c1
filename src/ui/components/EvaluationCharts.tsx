/**
 * The evaluation page's small charts, drawn as SVG: line plots (ROC, precision-recall,
 * calibration, a backtest metric over windows) and a histogram (the bootstrap distribution of a
 * difference). Small and static, so no chart library is loaded for them; the geometry is computed
 * by the pure functions below.
 */

export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  /** Dashed reference lines (the diagonal of a ROC or calibration plot). */
  dashed?: boolean;
  /** Draw a dot at each point. */
  dots?: boolean;
}

export interface Domain {
  x: [number, number];
  y: [number, number];
}

const W = 320;
const H = 220;
const PAD = { left: 44, right: 24, top: 10, bottom: 34 };
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"];

/** The data bounds of every series, padded a little when they collapse to a point. */
export function domainOf(series: readonly Series[]): Domain {
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (let i = 0; i < s.xs.length; i++) {
      x0 = Math.min(x0, s.xs[i]!);
      x1 = Math.max(x1, s.xs[i]!);
      y0 = Math.min(y0, s.ys[i]!);
      y1 = Math.max(y1, s.ys[i]!);
    }
  }
  if (!Number.isFinite(x0)) return { x: [0, 1], y: [0, 1] };
  if (x0 === x1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y0 === y1) [y0, y1] = [y0 - 0.05, y1 + 0.05];
  return { x: [x0, x1], y: [y0, y1] };
}

/** An SVG path through the points of a series, in the plot's pixel space. */
export function pathOf(s: Series, d: Domain): string {
  const sx = (W - PAD.left - PAD.right) / (d.x[1] - d.x[0]);
  const sy = (H - PAD.top - PAD.bottom) / (d.y[1] - d.y[0]);
  const pts: string[] = [];
  for (let i = 0; i < s.xs.length; i++) {
    const x = PAD.left + (s.xs[i]! - d.x[0]) * sx;
    const y = H - PAD.bottom - (s.ys[i]! - d.y[0]) * sy;
    pts.push(`${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`);
  }
  return pts.join("");
}

function tick(v: number): string {
  return Math.abs(v) >= 100 || v === 0 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

export function LinePlot({
  title,
  series,
  domain,
  xLabel,
  yLabel,
  xTicks,
  testId,
}: {
  title: string;
  series: Series[];
  domain?: Domain;
  xLabel: string;
  yLabel: string;
  /** Labels for integer x positions (window names), instead of numbers. */
  xTicks?: string[];
  testId?: string;
}) {
  const d = domain ?? domainOf(series);
  const sx = (v: number) => PAD.left + ((v - d.x[0]) / (d.x[1] - d.x[0])) * (W - PAD.left - PAD.right);
  const sy = (v: number) => H - PAD.bottom - ((v - d.y[0]) / (d.y[1] - d.y[0])) * (H - PAD.top - PAD.bottom);
  const yTicks = [d.y[0], (d.y[0] + d.y[1]) / 2, d.y[1]];
  const xs = xTicks ? xTicks.map((_, i) => i) : [d.x[0], (d.x[0] + d.x[1]) / 2, d.x[1]];
  const visible = series.filter((s) => !s.dashed);
  return (
    <figure className="eval-chart" data-testid={testId} style={{ margin: 0 }}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={title}>
        <rect
          x={PAD.left}
          y={PAD.top}
          width={W - PAD.left - PAD.right}
          height={H - PAD.top - PAD.bottom}
          fill="none"
          stroke="#e5e7eb"
        />
        {yTicks.map((v) => (
          <text key={`y${v}`} x={PAD.left - 4} y={sy(v) + 4} fontSize={10} fill="#6b7280" textAnchor="end">
            {tick(v)}
          </text>
        ))}
        {xs.map((v, i) => (
          <text
            key={`x${v}`}
            x={sx(v)}
            y={H - PAD.bottom + 14}
            fontSize={10}
            fill="#6b7280"
            textAnchor="middle"
          >
            {xTicks ? xTicks[i] : tick(v)}
          </text>
        ))}
        <text x={(W + PAD.left) / 2} y={H - 4} fontSize={11} fill="#374151" textAnchor="middle">
          {xLabel}
        </text>
        <text
          x={10}
          y={(H - PAD.bottom) / 2}
          fontSize={11}
          fill="#374151"
          textAnchor="middle"
          transform={`rotate(-90 10 ${(H - PAD.bottom) / 2})`}
        >
          {yLabel}
        </text>
        {series.map((s, k) => (
          <g key={s.name} data-series={s.name} data-points={s.xs.length}>
            <path
              d={pathOf(s, d)}
              fill="none"
              stroke={s.dashed ? "#9ca3af" : COLORS[k % COLORS.length]}
              strokeWidth={s.dashed ? 1 : 2}
              strokeDasharray={s.dashed ? "4 3" : undefined}
            />
            {s.dots &&
              s.xs.map((x, i) => (
                <circle
                  key={`${x}-${s.ys[i]}`}
                  cx={sx(x)}
                  cy={sy(s.ys[i]!)}
                  r={3}
                  fill={COLORS[k % COLORS.length]}
                >
                  <title>{`${xTicks?.[i] ?? tick(x)}: ${tick(s.ys[i]!)}`}</title>
                </circle>
              ))}
          </g>
        ))}
      </svg>
      {visible.length > 1 && (
        <div className="eval-legend" style={{ display: "flex", gap: 12, fontSize: 12 }}>
          {series.map((s, k) =>
            s.dashed ? null : (
              <span key={s.name}>
                <span
                  style={{
                    display: "inline-block",
                    width: 10,
                    height: 10,
                    marginRight: 4,
                    background: COLORS[k % COLORS.length],
                  }}
                />
                {s.name}
              </span>
            ),
          )}
        </div>
      )}
    </figure>
  );
}

/** Bars over equal-width bins, with a marker at zero when it is in range. */
export function Histogram({
  title,
  edges,
  counts,
  xLabel,
  testId,
}: {
  title: string;
  edges: readonly number[];
  counts: readonly number[];
  xLabel: string;
  testId?: string;
}) {
  if (counts.length === 0) return null;
  const lo = edges[0]!;
  const hi = edges[edges.length - 1]!;
  const span = hi > lo ? hi - lo : 1;
  const top = Math.max(...counts);
  const sx = (v: number) => PAD.left + ((v - lo) / span) * (W - PAD.left - PAD.right);
  const sy = (c: number) => H - PAD.bottom - (c / top) * (H - PAD.top - PAD.bottom);
  return (
    <figure className="eval-chart" data-testid={testId} style={{ margin: 0 }}>
      <figcaption style={{ fontSize: 13, fontWeight: 600 }}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={title}>
        {counts.map((c, i) => {
          const x0 = sx(edges[i]!);
          const x1 = hi > lo ? sx(edges[i + 1]!) : W - PAD.right;
          return (
            <rect
              key={edges[i]}
              fill="#60a5fa"
              x={x0}
              y={sy(c)}
              width={Math.max(1, x1 - x0 - 1)}
              height={H - PAD.bottom - sy(c)}
              data-count={c}
            >
              <title>{`[${tick(edges[i]!)}, ${tick(edges[i + 1] ?? hi)}): ${c}`}</title>
            </rect>
          );
        })}
        {lo <= 0 && hi >= 0 && (
          <line
            x1={sx(0)}
            x2={sx(0)}
            y1={PAD.top}
            y2={H - PAD.bottom}
            stroke="#dc2626"
            strokeDasharray="3 2"
          />
        )}
        <text x={PAD.left} y={H - PAD.bottom + 14} fontSize={10} fill="#6b7280" textAnchor="start">
          {tick(lo)}
        </text>
        <text x={W - PAD.right} y={H - PAD.bottom + 14} fontSize={10} fill="#6b7280" textAnchor="end">
          {tick(hi)}
        </text>
        <text x={(W + PAD.left) / 2} y={H - 4} fontSize={11} fill="#374151" textAnchor="middle">
          {xLabel}
        </text>
      </svg>
    </figure>
  );
}
