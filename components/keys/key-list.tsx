'use client';
// The keys with their placement: primary and replicas, and which are missing; filtered (by text, or to under-replicated keys), and capped so it stays quick.
import { memo, useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import type { KeyPlacement } from '@/lib/cluster/views';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';
import { formatCount } from '../format';
import { UNDER_ONLY_ID, useKeyFilter } from './key-filter';

const ROWS = 200;

/** One row; memoised, because a snapshot usually changes a handful of the rows shown, if any. */
const KeyRow = memo(function KeyRow({ placement: k, selected, color, onSelect }: { placement: KeyPlacement; selected: boolean; color: (id: string) => string; onSelect: (key: string) => void }) {
  return (
    <li>
      <button
        type="button"
        className={`flex w-full items-center gap-2 px-2 py-1 text-left text-xs hover:bg-zinc-50 focus-visible:bg-zinc-100 dark:hover:bg-zinc-800/60 dark:focus-visible:bg-zinc-800 ${selected ? 'bg-sky-50 dark:bg-sky-950/50' : ''}`}
        aria-current={selected ? 'true' : undefined}
        onClick={() => onSelect(k.key)}
      >
        <span className="min-w-0 flex-1 truncate font-mono">{k.key}</span>
        <span className="flex shrink-0 gap-1">
          {k.preference.map((node, rank) => (
            <span
              key={node}
              className={`inline-flex items-center gap-0.5 ${k.holders.includes(node) ? 'text-zinc-600 dark:text-zinc-300' : 'font-semibold text-red-700 line-through dark:text-red-400'}`}
              title={`${rank === 0 ? 'primary' : `replica ${rank}`}: ${node}${k.holders.includes(node) ? '' : ' (missing)'}`}
            >
              <span className="size-2 rounded-full" style={{ background: color(node) }} aria-hidden />
              {node}
            </span>
          ))}
        </span>
      </button>
    </li>
  );
});

/**
 * The under-replicated keys to list: from the snapshot when it holds every key, else asked of the server, since
 * the snapshot carries only the first keys in order and the ones lacking a replica may lie beyond them.
 */
function useUnderReplicated(snapshot: ClusterSnapshot, on: boolean): { keys: KeyPlacement[]; total: number } | null {
  const complete = snapshot.keyCount <= snapshot.keys.length;
  const [asked, setAsked] = useState<{ keys: KeyPlacement[]; total: number } | null>(null);
  const local = useMemo(() => (on && complete ? snapshot.keys.filter((k) => k.missing.length > 0) : null), [on, complete, snapshot.keys]);
  useEffect(() => {
    if (!on || complete) return;
    const controller = new AbortController();
    fetch(`/api/keys?missing=1&limit=${ROWS}`, { cache: 'no-store', signal: controller.signal })
      .then((response) => (response.ok ? response.json() : null))
      .then((body: { keys: KeyPlacement[]; total: number } | null) => body && setAsked({ keys: body.keys, total: body.total }))
      .catch(() => undefined); // superseded by the next snapshot's request, or the server is gone (the header says so)
    return () => controller.abort();
  }, [on, complete, snapshot]);
  if (!on) return null;
  return local ? { keys: local, total: local.length } : (asked ?? { keys: [], total: snapshot.underReplicated });
}

export function KeyList() {
  const { snapshot } = useLive();
  const { selectedKey, selectKey } = useSelection();
  const { underOnly, setUnderOnly } = useKeyFilter();
  const color = useNodeColors();
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim());
  const id = useId();
  const under = useUnderReplicated(snapshot, underOnly);
  const source = under?.keys ?? snapshot.keys;
  const matches = useMemo(() => (deferred ? source.filter((k) => k.key.includes(deferred)) : source), [deferred, source]);
  const rows = matches.slice(0, ROWS);

  return (
    <div className="space-y-2" data-key-list>
      <div>
        <label htmlFor={id} className="field-label">
          Filter keys
        </label>
        <input id={id} className="input w-full font-mono" value={filter} onChange={(e) => setFilter(e.target.value)} autoComplete="off" spellCheck={false} placeholder="session:" />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input id={UNDER_ONLY_ID} type="checkbox" checked={underOnly} onChange={(e) => setUnderOnly(e.target.checked)} />
        Under-replicated only ({formatCount(snapshot.underReplicated)})
      </label>
      <p className="text-xs text-zinc-600 dark:text-zinc-400" data-key-list-count>
        {under
          ? `Showing ${formatCount(rows.length)} of ${formatCount(deferred ? matches.length : under.total)}${deferred ? ' matching' : ''} under-replicated keys.`
          : `Showing ${formatCount(rows.length)} of ${formatCount(matches.length)}${deferred ? ' matching' : ''} keys${snapshot.keyCount > snapshot.keys.length ? ` (${formatCount(snapshot.keyCount)} in the cluster; the first ${formatCount(snapshot.keys.length)} are listed)` : ''}.`}
      </p>
      <ul className="max-h-80 divide-y divide-zinc-100 overflow-auto rounded border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" aria-label="Keys and their placement">
        {rows.map((k) => (
          <KeyRow key={k.key} placement={k} selected={selectedKey === k.key} color={color} onSelect={selectKey} />
        ))}
      </ul>
    </div>
  );
}
