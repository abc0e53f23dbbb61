import { formatLevel, formatMetric, type Series } from './parseReport';
import { sourceLabel } from '../recommendations/sources';
import { niceStep } from './chartScale';

const COLORS = ['#b91c1c', '#1d4ed8', '#047857', '#a16207', '#7c3aed', '#0e7490', '#be185d'];
const W = 560;
const H = 300;
const PAD = { top: 16, right: 20, bottom: 52, left: 60 };

export interface LineChartProps {
  title: string;
  series: Series[];
  xLabel: string;
}

/** A small dependency-free SVG line chart with CI whiskers. The table beside it carries the same data for screen readers. */
export function LineChart({ title, series, xLabel }: LineChartProps) {
  const xs = series[0]?.points.map((p) => p.x) ?? [];
  const allX = [
    ...new Map(series.flatMap((s) => s.points.map((p) => [String(p.x), p.x] as const))).values(),
  ];
  const numeric = allX.every((x) => typeof x === 'number');
  const numsX = numeric ? (allX as number[]) : [];
  // Sparsity levels are usually geometric (1, 0.5, 0.25, 0.1, 0.05): a log axis spaces them evenly.
  const logX = numeric && numsX.every((x) => x > 0) && Math.max(...numsX) / Math.min(...numsX) >= 8;
  const tx = (x: number) => (logX ? Math.log10(x) : x);
  const xMin = numeric ? Math.min(...numsX.map(tx)) : 0;
  const xMax = numeric ? Math.max(...numsX.map(tx)) : Math.max(1, allX.length - 1);
  const yMax = Math.max(
    0,
    ...series.flatMap((s) => s.points.map((p) => Math.max(p.mean, p.ciHigh ?? 0))),
  );
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;

  const xPos = (x: number | string) => {
    const v = numeric ? tx(x as number) : allX.findIndex((a) => String(a) === String(x));
    const span = xMax - xMin;
    return span === 0 ? PAD.left + innerW / 2 : PAD.left + ((v - xMin) / span) * innerW;
  };
  const step = niceStep(yMax);
  const yTop = Math.max(step, Math.ceil(yMax / step - 1e-9) * step);
  const yPos = (y: number) => PAD.top + innerH - (y / yTop) * innerH;
  const yTicks = Array.from({ length: Math.round(yTop / step) + 1 }, (_, i) => i * step);

  if (series.length === 0 || xs.length === 0) return null;

  return (
    <figure className="chart">
      <figcaption className="chart-title">{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title} by ${xLabel}, one line per source`}
      >
        {yTicks.map((t) => (
          <g key={t}>
            <line
              className="chart-grid"
              x1={PAD.left}
              x2={W - PAD.right}
              y1={yPos(t)}
              y2={yPos(t)}
            />
            <text className="chart-tick" x={PAD.left - 8} y={yPos(t) + 4} textAnchor="end">
              {Number(t.toFixed(6)).toString()}
            </text>
          </g>
        ))}
        {allX.map((x) => (
          <text
            key={String(x)}
            className="chart-tick"
            x={xPos(x)}
            y={H - PAD.bottom + 18}
            textAnchor="middle"
          >
            {formatLevel(x)}
          </text>
        ))}
        <text className="chart-axis-label" x={PAD.left + innerW / 2} y={H - 6} textAnchor="middle">
          {logX ? `${xLabel} (log scale)` : xLabel}
        </text>
        {series.map((s, i) => {
          const color = COLORS[i % COLORS.length];
          const pts = [...s.points].sort((a, b) => xPos(a.x) - xPos(b.x));
          const d = pts
            .map((p, j) => `${j ? 'L' : 'M'}${xPos(p.x).toFixed(1)},${yPos(p.mean).toFixed(1)}`)
            .join(' ');
          return (
            <g key={s.source} data-source={s.source}>
              <path d={d} fill="none" stroke={color} strokeWidth={2.5} />
              {pts.map((p) => (
                <g key={String(p.x)}>
                  {p.ciLow !== null && p.ciHigh !== null && (
                    <line
                      x1={xPos(p.x)}
                      x2={xPos(p.x)}
                      y1={yPos(p.ciLow)}
                      y2={yPos(p.ciHigh)}
                      stroke={color}
                      strokeOpacity={0.5}
                      strokeWidth={6}
                      strokeLinecap="round"
                    />
                  )}
                  <circle
                    cx={xPos(p.x)}
                    cy={yPos(p.mean)}
                    r={4}
                    fill="#fff"
                    stroke={color}
                    strokeWidth={2}
                  >
                    <title>{`${sourceLabel(s.source)} at ${formatLevel(p.x)}: ${formatMetric(p.mean)}`}</title>
                  </circle>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
      <ul className="chart-legend">
        {series.map((s, i) => (
          <li key={s.source}>
            <span
              className="chart-swatch"
              style={{ background: COLORS[i % COLORS.length] }}
              aria-hidden="true"
            />
            {sourceLabel(s.source)}
          </li>
        ))}
      </ul>
    </figure>
  );
}
