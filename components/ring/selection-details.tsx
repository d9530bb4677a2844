'use client';
// The selected key in words: its position, its primary and replicas, whether each really holds it, who served the last read.
import { angleOf } from '@/lib/geometry';
import { formatCount } from '../format';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';

export function SelectionDetails() {
  const { snapshot } = useLive();
  const { selectedKey, selectKey, selected: placement, lookup, lastRead } = useSelection();
  const color = useNodeColors();
  if (selectedKey === null) {
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">Click a key on the ring, or find one, to see its primary and replicas.</p>;
  }
  return (
    <div className="space-y-2 text-sm" data-selection={selectedKey}>
      <div className="flex items-start justify-between gap-2">
        <p className="font-mono break-all">{selectedKey}</p>
        <button type="button" className="btn btn-small" onClick={() => selectKey(null)}>
          Clear
        </button>
      </div>
      {!placement ? (
        <p className="text-zinc-600 dark:text-zinc-400">{lookup?.state === 'asking' ? 'Asking the replicas…' : 'Not on the ring (yet, or any more).'}</p>
      ) : (
        <>
          {lookup?.state === 'server' && snapshot.keyCount > snapshot.keys.length && (
            <p className="text-zinc-600 dark:text-zinc-400" data-located="server">
              Not among the first {formatCount(snapshot.keys.length)} keys this page holds: its replicas were asked directly.
            </p>
          )}
          <p className="text-zinc-600 dark:text-zinc-400">
            hash {placement.position.toString(16).padStart(8, '0')} · {((angleOf(placement.position) * 180) / Math.PI).toFixed(1)}°
          </p>
          <ul className="space-y-1">
            {placement.preference.map((node, rank) => {
              const holds = placement.holders.includes(node);
              const served = lastRead?.key === selectedKey && lastRead.servedBy === node;
              return (
                <li key={node} className="flex flex-wrap items-center gap-x-2" data-replica-row={node}>
                  <span className="size-3 shrink-0 rounded-full" style={{ background: color(node) }} aria-hidden />
                  <span className="font-medium">{node}</span>
                  <span className="text-xs text-zinc-600 dark:text-zinc-400">{rank === 0 ? 'primary' : `replica ${rank}`}</span>
                  <span className={`ml-auto ${holds ? 'text-emerald-700 dark:text-emerald-400' : 'font-semibold text-red-600 dark:text-red-400'}`}>{holds ? 'holds it' : 'missing'}</span>
                  {served && <span className="w-full pl-5 text-xs text-sky-700 dark:text-sky-300">served the last read</span>}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}
