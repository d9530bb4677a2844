'use client';
// A node's request load over the recent window: requests that reached it, those for keys it is primary of, and its part of all.
import { loadShares } from '@/lib/hot-view';
import { useHot } from '../live/use-hot';
import { formatCount, formatPercent } from '../format';

export function NodeLoad({ id }: { id: string }) {
  const view = useHot();
  const load = view?.nodes.find((n) => n.id === id);
  if (!view || !load) return null;
  const share = loadShares(view.nodes)[id] ?? 0;
  const labelId = `load-${id}`;
  const text = `${formatCount(load.served)} served · ${formatCount(load.primary)} as primary`;
  return (
    <div className="space-y-1 text-sm" data-load={id} data-served={load.served} data-primary={load.primary}>
      <div className="flex items-baseline justify-between gap-2">
        <span
          id={labelId}
          className="text-xs text-zinc-600 dark:text-zinc-400"
          title="Requests that reached this node (each replica a request touched counts once), and requests for keys it is the primary of"
        >
          Requests, last {Math.round(view.window.spanMs / 1000)} s
        </span>
        <span className="tabular-nums">{text}</span>
      </div>
      <div
        role="meter"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={1}
        aria-valuenow={share}
        aria-valuetext={`${text}, ${formatPercent(share)} of the node visits`}
        className="h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
      >
        <div className="h-full bg-zinc-500 dark:bg-zinc-400" style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}
