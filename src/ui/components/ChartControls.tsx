/** Chart controls kept in the URL: x axis (step or wall time), EMA smoothing, log scale. */
import { numberParam } from "../lib/index.js";

export interface ChartSettings {
  x: "step" | "time";
  smoothing: number;
  log: boolean;
}

export function readChartSettings(q: URLSearchParams, xKey = "x"): ChartSettings {
  return {
    x: q.get(xKey) === "time" ? "time" : "step",
    smoothing: numberParam(q, "smooth", 0, 0, 0.99),
    log: q.get("log") === "1",
  };
}

export function ChartControls({
  settings,
  onChange,
  xKey = "x",
}: {
  settings: ChartSettings;
  onChange: (patch: Record<string, string | number | null>) => void;
  xKey?: string;
}) {
  return (
    <div className="chart-controls">
      <label className="control">
        <span>X axis</span>
        <select
          className="input input-sm"
          value={settings.x}
          onChange={(e) => onChange({ [xKey]: e.target.value === "time" ? "time" : null })}
        >
          <option value="step">Step</option>
          <option value="time">Wall time</option>
        </select>
      </label>
      <label className="control">
        <span>Smoothing</span>
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          onChange={(e) => {
            const v = Number(e.target.value);
            onChange({ smooth: v > 0 ? v : null });
          }}
        />
        <span className="control-value">{settings.smoothing.toFixed(2)}</span>
      </label>
      <label className="control">
        <input
          type="checkbox"
          checked={settings.log}
          onChange={(e) => onChange({ log: e.target.checked ? "1" : null })}
        />
        <span>Log scale</span>
      </label>
    </div>
  );
}
