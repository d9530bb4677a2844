'use client';
// Keys per node as primary, against the even share; max over mean says how far from even the ring is.
import { scaleBand, scaleLinear } from 'd3-scale';
import { useMemo } from 'react';
import { useLive } from './live/live-provider';
import { useNodeColors } from './live/use-node-colors';
import { formatCount, formatPercent } from './format';

const WIDTH = 420;
const LABEL = 64;
const ROW = 22;

export function BalanceChart() {
  const { snapshot } = useLive();
  const color = useNodeColors();
  const rows = useMemo(() => {
    const onRing = new Set(snapshot.vnodes.map((v) => v.node));
    return snapshot.nodes.filter((n) => onRing.has(n.id)).map((n) => ({ id: n.id, primary: n.keys?.primary ?? 0, share: n.share, known: n.keys !== null }));
  }, [snapshot.nodes, snapshot.vnodes]);
  if (rows.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">No nodes on the ring.</p>;

  // A node that does not answer has no count: the mean is over the nodes that do.
  const counted = rows.filter((r) => r.known);
  const total = counted.reduce((sum, r) => sum + r.primary, 0);
  const mean = counted.length ? total / counted.length : 0;
  const max = Math.max(0, ...counted.map((r) => r.primary));
  const height = rows.length * ROW + 18;
  const x = scaleLinear()
    .domain([0, Math.max(1, max, mean) * 1.08])
    .range([LABEL, WIDTH - 44]);
  const y = scaleBand()
    .domain(rows.map((r) => r.id))
    .range([0, rows.length * ROW])
    .padding(0.25);

  return (
    <figure className="space-y-1">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        className="w-full"
        role="img"
        aria-label={`Keys per node as primary; even share ${mean.toFixed(1)}, max over mean ${mean ? (max / mean).toFixed(2) : '—'}`}
      >
        {rows.map((r) => (
          <g key={r.id} data-balance-node={r.id}>
            <text x={LABEL - 6} y={(y(r.id) ?? 0) + y.bandwidth() / 2} textAnchor="end" dominantBaseline="middle" className="fill-zinc-700 text-[11px] dark:fill-zinc-300">
              {r.id}
            </text>
            <rect x={LABEL} y={y(r.id)} width={Math.max(0, x(r.primary) - LABEL)} height={y.bandwidth()} fill={color(r.id)} rx={2} />
            <text x={x(r.primary) + 4} y={(y(r.id) ?? 0) + y.bandwidth() / 2} dominantBaseline="middle" className="fill-zinc-600 text-[11px] tabular-nums dark:fill-zinc-400">
              {r.known ? formatCount(r.primary) : '—'}
            </text>
          </g>
        ))}
        <line x1={x(mean)} x2={x(mean)} y1={0} y2={rows.length * ROW} className="stroke-zinc-900 dark:stroke-zinc-100" strokeDasharray="4 3" />
        <text x={x(mean)} y={height - 4} textAnchor="middle" className="fill-zinc-700 text-[10px] dark:fill-zinc-300">
          even share {mean.toFixed(1)}
        </text>
      </svg>
      <figcaption className="text-sm text-zinc-600 dark:text-zinc-400">
        {formatCount(total)} keys as primary · mean {mean.toFixed(1)} · max {formatCount(max)} · max/mean <strong data-max-over-mean>{mean ? (max / mean).toFixed(2) : '—'}</strong> · largest ring
        share {formatPercent(Math.max(...rows.map((r) => r.share)))}
      </figcaption>
    </figure>
  );
}
