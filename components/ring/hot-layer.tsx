'use client';
// Hot keys on the ring: a glowing halo on each of the hottest keys' marks, its area in proportion to the key's share of requests.
import { memo } from 'react';
import { hotHalos } from '@/lib/hot-geometry';
import type { HotView } from '@/lib/hot-view';
import { useHot } from '../live/use-hot';
import { formatCount, formatPercent } from '../format';
import { RADIUS } from './dimensions';

/** Orange: apart from red (under-replicated keys, down nodes), and a glow rather than a fill, so no node colour is mistaken for it. */
const HOT_COLOR = '#f97316';
const MIN_RADIUS = 5;
/** A key taking every request: a halo spanning about a third of the key band. */
const MAX_RADIUS = 40;

function Glow({ id }: { id: string }) {
  return (
    <radialGradient id={id}>
      <stop offset="0%" stopColor={HOT_COLOR} stopOpacity={0.7} />
      <stop offset="60%" stopColor={HOT_COLOR} stopOpacity={0.3} />
      <stop offset="100%" stopColor={HOT_COLOR} stopOpacity={0} />
    </radialGradient>
  );
}

const Halos = memo(function Halos({ view }: { view: HotView }) {
  const halos = hotHalos(view.keys, { inner: RADIUS.keyInner, outer: RADIUS.keyOuter }, MIN_RADIUS, MAX_RADIUS);
  return (
    <g pointerEvents="none" data-hot-layer>
      <defs>
        <Glow id="hot-glow" />
      </defs>
      {halos.map((halo) => (
        <circle
          key={halo.key}
          cx={halo.x}
          cy={halo.y}
          r={halo.radius}
          fill="url(#hot-glow)"
          fillOpacity={0.4 + 0.6 * halo.heat}
          stroke={HOT_COLOR}
          strokeOpacity={0.25 + 0.6 * halo.heat}
          strokeWidth={1.25}
          data-hot-key={halo.key}
          data-heat={halo.heat.toFixed(3)}
        />
      ))}
    </g>
  );
});

/** The hottest keys of the recent window, drawn over the key marks; nothing until a request was counted. */
export function HotLayer() {
  const view = useHot();
  return view && view.keys.length > 0 ? <Halos view={view} /> : null;
}

/** The ring legend's entry for the halos: what they mean, and the hottest keys in words. */
export function HotLegendEntry() {
  const view = useHot();
  const top = view?.keys.slice(0, 3) ?? [];
  return (
    <li className="flex items-center gap-1.5 px-1 text-sm text-zinc-700 dark:text-zinc-300" data-hot-legend>
      <svg viewBox="-8 -8 16 16" className="size-4" aria-hidden>
        <Glow id="hot-glow-swatch" />
        <circle r={7} fill="url(#hot-glow-swatch)" stroke={HOT_COLOR} strokeWidth={1.25} />
      </svg>
      <span>
        Hot keys{view ? `, last ${Math.round(view.window.spanMs / 1000)} s` : ''}
        {view && view.total > 0 ? `: ${formatCount(view.total)} requests` : ''}
        {top.length > 0 && <span className="text-zinc-600 dark:text-zinc-400"> ({top.map((k) => `${k.key} ${formatPercent(k.share, 0)}`).join(', ')})</span>}
      </span>
    </li>
  );
}
