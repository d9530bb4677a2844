// Primary keys per node before and after the change, as paired bars: the view for algorithms without a ring (jump, rendezvous, Maglev).
import { scaleBand, scaleLinear } from 'd3-scale';
import type { LabMotion } from '@/lib/lab-view/motion';
import { formatCount } from '../format';

const WIDTH = 480;
const LABEL = 70;
const ROW = 30;

export function ShareBars({ motion, name, color }: { motion: LabMotion; name: string; color: (id: string) => string }) {
  const rows = motion.perNode;
  const max = Math.max(1, ...rows.flatMap((r) => [r.before, r.after]));
  const height = rows.length * ROW + 8;
  const x = scaleLinear()
    .domain([0, max * 1.1])
    .range([LABEL, WIDTH - 60]);
  const y = scaleBand()
    .domain(rows.map((r) => r.id))
    .range([0, rows.length * ROW])
    .paddingInner(0.2);
  const half = y.bandwidth() / 2;
  return (
    <figure className="space-y-1" data-lab-bars={motion.algorithm}>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="w-full max-w-2xl"
        role="img"
        aria-label={`${name}: primary keys per node before and after: ${rows.map((r) => `${r.id} ${formatCount(r.before)} to ${formatCount(r.after)}`).join(', ')}`}
      >
        {rows.map((r) => {
          const top = y(r.id) ?? 0;
          return (
            <g key={r.id} data-share-node={r.id}>
              <text x={LABEL - 6} y={top + half} textAnchor="end" dominantBaseline="middle" className="fill-zinc-700 text-[11px] dark:fill-zinc-300">
                {r.id}
              </text>
              {[r.before, r.after].map((value, i) => (
                <g key={i}>
                  <rect x={LABEL} y={top + i * half} width={Math.max(value ? 1 : 0, x(value) - LABEL)} height={half - 1} rx={1.5} fill={color(r.id)} fillOpacity={i === 0 ? 0.45 : 1} />
                  <text x={x(value) + 4} y={top + i * half + half / 2} dominantBaseline="middle" className="fill-zinc-700 text-[10px] tabular-nums dark:fill-zinc-300">
                    {i === 0 ? 'before' : 'after'} {formatCount(value)}
                  </text>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption className="text-sm text-zinc-600 dark:text-zinc-400">{name} places keys without a ring: each node&apos;s primary keys before (pale) and after (solid) the change.</figcaption>
    </figure>
  );
}
