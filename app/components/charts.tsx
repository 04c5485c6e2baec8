/**
 * Bar charts drawn as SVG on the server: no script, no third-party service,
 * no inline styles (the CSP forbids them; SVG presentation attributes are
 * not styles). Each chart has a title and a description for screen readers,
 * and every page that shows one also shows its figures in a table.
 */
export interface BarSeries {
  /** Shown in the legend. */
  label: string;
  fill: string;
}

export interface BarRow {
  label: string;
  /** One value per series; null draws nothing. */
  values: (number | null)[];
}

const ROW_HEIGHT = 18;
const GROUP_GAP = 14;
const LABEL_WIDTH = 190;
const PLOT_WIDTH = 420;
const VALUE_WIDTH = 70;
const TOP = 30;
const AXIS = 26;

/** A nice upper bound for the axis: 1, 2 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function HorizontalBarChart({
  id,
  title,
  description,
  series,
  rows,
  format,
}: {
  id: string;
  title: string;
  description: string;
  series: BarSeries[];
  rows: BarRow[];
  /** How a value reads next to its bar (and on the axis). */
  format: (value: number) => string;
}) {
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => r.values.filter((v): v is number => v !== null))));
  const groupHeight = series.length * ROW_HEIGHT + GROUP_GAP;
  const height = TOP + rows.length * groupHeight + AXIS;
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const x = (value: number) => LABEL_WIDTH + (value / max) * PLOT_WIDTH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      xmlns="http://www.w3.org/2000/svg"
      data-testid={id}
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{description}</desc>
      <g>
        {series.map((s, i) => (
          <g key={s.label} transform={`translate(${LABEL_WIDTH + i * 150}, 8)`}>
            <rect width="12" height="12" fill={s.fill} />
            <text x="18" y="11" fontSize="12" fill="#1d2b29">
              {s.label}
            </text>
          </g>
        ))}
      </g>
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={x(tick)} x2={x(tick)} y1={TOP - 4} y2={height - AXIS} stroke="#c9d3d1" strokeWidth="1" />
          <text x={x(tick)} y={height - AXIS + 16} fontSize="11" textAnchor="middle" fill="#44524f">
            {format(tick)}
          </text>
        </g>
      ))}
      {rows.map((row, r) => {
        const top = TOP + r * groupHeight;
        return (
          <g key={`${row.label}-${r}`}>
            <text x={LABEL_WIDTH - 8} y={top + (series.length * ROW_HEIGHT) / 2 + 4} fontSize="12" textAnchor="end" fill="#1d2b29">
              {row.label.length > 28 ? `${row.label.slice(0, 27)}…` : row.label}
            </text>
            {row.values.map((value, i) =>
              value === null ? null : (
                <g key={i}>
                  <rect x={LABEL_WIDTH} y={top + i * ROW_HEIGHT + 2} width={Math.max(1, x(value) - LABEL_WIDTH)} height={ROW_HEIGHT - 4} fill={series[i].fill} />
                  <text x={x(value) + 4} y={top + i * ROW_HEIGHT + ROW_HEIGHT - 5} fontSize="11" fill="#1d2b29">
                    {format(value)}
                  </text>
                </g>
              ),
            )}
          </g>
        );
      })}
    </svg>
  );
}
