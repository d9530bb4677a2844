// One figure of the lab as horizontal bars, an algorithm a row, with the fair-share minimum (or perfect balance) as a rule.
import { scaleBand, scaleLinear } from 'd3-scale';
import type { Plot } from '@/lib/lab-view/figures';
import { formatFigure } from './format-figure';

const WIDTH = 360;
const LABEL = 96;
const ROW = 26;
const TOP = 14;
/** Series colours: the measured figure dark, the alternative (after, or renumbered) lighter. */
const SERIES_CLASSES = ['fill-sky-700 dark:fill-sky-400', 'fill-amber-500 dark:fill-amber-300'];

/** The rule's label stays inside the plot: centred on the rule, or ending (starting) at it near the right (left) edge. */
const ruleAnchor = (at: number) => (at > WIDTH - 80 ? 'end' : at < LABEL + 70 ? 'start' : 'middle');

export function MetricPlot({ plot, picked }: { plot: Plot; picked?: string }) {
  const values = plot.rows.flatMap((r) => r.values.filter((v): v is number => v !== null));
  const max = Math.max(plot.reference?.value ?? 0, ...values, 1e-9);
  const height = TOP + plot.rows.length * ROW + 6;
  const x = scaleLinear()
    .domain([0, max * 1.05])
    .range([LABEL, WIDTH - 58]);
  const y = scaleBand()
    .domain(plot.rows.map((r) => r.id))
    .range([TOP, TOP + plot.rows.length * ROW])
    .paddingInner(0.2);
  const bar = y.bandwidth() / plot.series.length;
  const summary = plot.rows.map((r) => `${r.id} ${r.values.map((v) => formatFigure(v, plot.unit)).join(' / ')}`).join(', ');

  return (
    <figure className="min-w-0 rounded-md border border-zinc-200 p-2 dark:border-zinc-800" data-plot={plot.id}>
      <figcaption className="mb-1 text-sm font-medium">
        {plot.title}
        {plot.series.length > 1 && (
          <span className="ml-2 text-xs font-normal text-zinc-600 dark:text-zinc-400">
            {plot.series.map((s, i) => (
              <span key={s} className="mr-2 whitespace-nowrap">
                <svg width="10" height="10" aria-hidden="true" className="mr-1 inline">
                  <rect width="10" height="10" className={SERIES_CLASSES[i]} />
                </svg>
                {s}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="w-full"
        role="img"
        aria-label={`${plot.title} (${plot.series.join(' / ')}): ${summary}${plot.reference ? `; ${plot.reference.label} ${formatFigure(plot.reference.value, plot.unit)}` : ''}`}
      >
        {plot.rows.map((row) => (
          <g key={row.id}>
            <text
              x={LABEL - 6}
              y={(y(row.id) ?? 0) + y.bandwidth() / 2}
              textAnchor="end"
              dominantBaseline="middle"
              className={`text-[11px] ${row.id === picked ? 'fill-zinc-950 font-bold dark:fill-white' : 'fill-zinc-700 dark:fill-zinc-300'}`}
            >
              {row.id}
            </text>
            {row.values.map((value, s) =>
              value === null ? null : (
                <g key={plot.series[s]}>
                  <rect x={LABEL} y={(y(row.id) ?? 0) + s * bar} width={Math.max(1, x(value) - LABEL)} height={bar - 1} rx={1.5} className={SERIES_CLASSES[s]} />
                  <text x={x(value) + 3} y={(y(row.id) ?? 0) + s * bar + bar / 2} dominantBaseline="middle" className="fill-zinc-700 text-[10px] tabular-nums dark:fill-zinc-300">
                    {formatFigure(value, plot.unit)}
                  </text>
                </g>
              ),
            )}
          </g>
        ))}
        {plot.reference && (
          <g>
            <line x1={x(plot.reference.value)} x2={x(plot.reference.value)} y1={TOP - 4} y2={height - 4} className="stroke-zinc-900 dark:stroke-zinc-100" strokeDasharray="4 3" />
            <text x={x(plot.reference.value)} y={TOP - 5} textAnchor={ruleAnchor(x(plot.reference.value))} className="fill-zinc-800 text-[10px] dark:fill-zinc-200">
              {plot.reference.label} {formatFigure(plot.reference.value, plot.unit)}
            </text>
          </g>
        )}
      </svg>
    </figure>
  );
}
