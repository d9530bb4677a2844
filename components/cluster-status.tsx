'use client';
// The header's live line: ring version and checksum, whether keys are moving or lack a replica, the control plane, and whether this tab is connected.
import { useLive } from './live/live-provider';
import { useKeyFilter } from './keys/key-filter';
import { formatCount } from './format';

const CONNECTION = {
  connecting: { dot: 'bg-amber-400', text: 'connecting' },
  live: { dot: 'bg-emerald-500', text: 'live' },
  offline: { dot: 'bg-red-500', text: 'offline' },
} as const;

export function ClusterStatus() {
  const { snapshot, connection } = useLive();
  const { showUnderReplicated } = useKeyFilter();
  const down = snapshot.nodes.filter((n) => n.status === 'down').length;
  // Counted by the server over every key, not only the keys this page holds.
  const under = snapshot.underReplicated;
  const plane = snapshot.controlPlane;
  return (
    <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-zinc-600 dark:text-zinc-300" data-connection={connection}>
      <span className="inline-flex items-center gap-1.5">
        <span className={`size-2 rounded-full ${CONNECTION[connection].dot}`} aria-hidden />
        {CONNECTION[connection].text}
      </span>
      <span>
        ring v{snapshot.version} · <span className="font-mono">{snapshot.checksum}</span>
      </span>
      <span>replication {snapshot.replicas}</span>
      {snapshot.busy && (
        <span className="font-semibold text-sky-700 dark:text-sky-300" data-moving={snapshot.moving}>
          {snapshot.moving > 0 ? `moving ${formatCount(snapshot.moving)} keys…` : 'moving keys…'}
        </span>
      )}
      {plane?.kind === 'etcd' &&
        (plane.reachable ? (
          <span data-control-plane="etcd" data-leader={plane.leader ?? ''}>
            etcd · {plane.leader === null ? 'electing a leader' : plane.leader === plane.self ? 'this process leads' : `leader ${plane.leader}`}
          </span>
        ) : (
          <span role="status" data-control-plane="unreachable" className="font-semibold text-red-700 dark:text-red-400">
            etcd unreachable: membership changes refused, reads and writes go on
          </span>
        ))}
      {down > 0 && <span className="font-semibold text-red-700 dark:text-red-400">{down} down</span>}
      {under > 0 && (
        <button type="button" className="font-semibold text-red-700 underline underline-offset-2 hover:no-underline dark:text-red-400" onClick={showUnderReplicated} data-under-replicated={under}>
          {formatCount(under)} under-replicated
        </button>
      )}
    </p>
  );
}
