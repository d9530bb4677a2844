// One node: identity, status, vnodes, key counts, memory against its limit, request load and memcached's own statistics, with its failure-drill and membership buttons.
import { useState } from 'react';
import type { NodeStats, SnapshotNode } from '@/lib/cluster/snapshot';
import { MAX_VNODES } from '@/lib/validate';
import { formatBytes, formatCount, formatPercent, formatUptime, hitRatio } from '../format';
import { NodeLoad } from './node-load';
import { StatusBadge } from './status-badge';

interface Props {
  node: SnapshotNode;
  color: string;
  disabled: boolean;
  lastNode: boolean;
  onHover: (id: string | null) => void;
  onRemove: () => void;
  onKill: () => void;
  onRevive: () => void;
  onVnodes: (vnodes: number) => void;
}

function Figure({ label, value, name }: { label: string; value: string; name?: string }) {
  return (
    <div>
      <dt className="text-xs text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="font-medium tabular-nums" data-count={name}>
        {value}
      </dd>
    </div>
  );
}

/** Memory taken against the node's limit; when it is full, the slab class that refuses writes and the ways out. */
function Memory({ id, stats }: { id: string; stats: NodeStats }) {
  const labelId = `memory-${id}`;
  const used = Math.min(stats.usedBytes, stats.limitBytes);
  const fraction = stats.limitBytes > 0 ? used / stats.limitBytes : 0;
  const text = `${formatBytes(stats.usedBytes)} of ${formatBytes(stats.limitBytes)}${stats.full ? ', full' : ''}`;
  const tone = stats.full ? 'bg-red-600 dark:bg-red-500' : fraction >= 0.9 ? 'bg-amber-500' : 'bg-emerald-600 dark:bg-emerald-500';
  const slab = stats.fullSlabs[0];
  return (
    <div className="space-y-1 text-sm" data-memory={stats.full ? 'full' : 'room'}>
      <div className="flex items-baseline justify-between gap-2">
        <span id={labelId} className="text-xs text-zinc-600 dark:text-zinc-400">
          Memory
        </span>
        <span className={`tabular-nums ${stats.full ? 'font-semibold text-red-700 dark:text-red-400' : ''}`}>{text}</span>
      </div>
      <div
        role="meter"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={stats.limitBytes}
        aria-valuenow={used}
        aria-valuetext={text}
        className="h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
      >
        <div className={`h-full ${tone}`} style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      {slab && (
        <p className="text-xs text-red-700 dark:text-red-400" data-full-slab={slab.id}>
          Slab class {slab.id} (chunks of {formatBytes(slab.chunkSize)}) is full{slab.refused ? `: ${formatCount(slab.refused)} writes refused` : ''}
          {stats.fullSlabs.length > 1 ? `, and ${stats.fullSlabs.length - 1} more ${stats.fullSlabs.length === 2 ? 'class' : 'classes'}` : ''}. Add a node, delete keys, or give nodes more memory.
        </p>
      )}
    </div>
  );
}

/**
 * aria-disabled rather than disabled: a button that disables itself once pressed (Kill, then the node is down)
 * would throw keyboard focus back to the top of the page.
 */
function when(enabled: boolean, action: () => void) {
  return { 'aria-disabled': !enabled, onClick: () => enabled && action() };
}

export function NodeCard({ node, color, disabled, lastNode, onHover, onRemove, onKill, onRevive, onVnodes }: Props) {
  const [vnodes, setVnodes] = useState(String(node.vnodes));
  const { stats, keys } = node;
  const inputId = `vnodes-${node.id}`;
  const canKill = node.local && !node.killed && node.status !== 'down';
  const canRevive = node.local && (node.killed || node.status === 'down');
  return (
    <li
      className="space-y-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
      style={{ borderLeft: `6px solid ${color}` }}
      data-node-card={node.id}
      onMouseEnter={() => onHover(node.id)}
      onMouseLeave={() => onHover(null)}
    >
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="font-semibold">{node.id}</h3>
        <StatusBadge status={node.status} />
        <span className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{node.address}</span>
        {node.local && <span className="text-xs text-zinc-600 dark:text-zinc-400">local{node.pid ? ` · pid ${node.pid}` : ''}</span>}
        {node.suspectKeys > 0 && <span className="text-xs text-amber-700 dark:text-amber-400">{formatCount(node.suspectKeys)} suspect</span>}
      </div>
      <dl className="grid grid-cols-3 gap-x-3 gap-y-1 text-sm sm:grid-cols-5">
        <Figure label="Vnodes" value={formatCount(node.vnodes)} name="vnodes" />
        <Figure label="Ring share" value={formatPercent(node.share)} />
        <Figure label="Primary" value={keys ? formatCount(keys.primary) : '—'} name="primary" />
        <Figure label="Replica" value={keys ? formatCount(keys.replica) : '—'} name="replica" />
        <Figure label="Items" value={stats ? formatCount(stats.items) : '—'} />
        <Figure label="Bytes" value={stats ? formatBytes(stats.bytes) : '—'} />
        <Figure label="Hit ratio" value={stats ? hitRatio(stats.hits, stats.misses) : '—'} />
        <Figure label="Evictions" value={stats ? formatCount(stats.evictions) : '—'} />
        <Figure label="Uptime" value={stats ? formatUptime(stats.uptime) : '—'} />
        {keys && keys.misplaced > 0 && <Figure label="Misplaced" value={formatCount(keys.misplaced)} />}
      </dl>
      {stats && stats.limitBytes > 0 && <Memory id={node.id} stats={stats} />}
      <NodeLoad id={node.id} />
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn" {...when(!disabled && !lastNode, onRemove)}>
          Remove<span className="sr-only"> {node.id}</span>
        </button>
        <button type="button" className="btn" {...when(!disabled && canKill, onKill)}>
          Kill<span className="sr-only"> {node.id}</span>
        </button>
        <button type="button" className="btn" {...when(!disabled && canRevive, onRevive)}>
          Revive<span className="sr-only"> {node.id}</span>
        </button>
        <form
          className="ml-auto flex items-center gap-1.5"
          onSubmit={(event) => {
            event.preventDefault();
            if (!disabled && Number(vnodes) !== node.vnodes) onVnodes(Number(vnodes));
          }}
        >
          <label htmlFor={inputId} className="text-sm font-medium text-zinc-700 dark:text-zinc-300">
            Vnodes
          </label>
          <input id={inputId} className="input w-16" type="number" min={1} max={MAX_VNODES} required value={vnodes} onChange={(e) => setVnodes(e.target.value)} />
          <button type="submit" className="btn" aria-disabled={disabled || Number(vnodes) === node.vnodes}>
            Set<span className="sr-only"> vnodes of {node.id}</span>
          </button>
        </form>
      </div>
    </li>
  );
}
