// Keeps unchanged parts of a refetched snapshot identical by reference, so memoised marks skip re-rendering.
import type { StampedEvent } from '@/lib/cluster/events';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { diffKeys, applyKeyChanges, sameList, snapshotFrom, type SnapshotMessage } from '@/lib/cluster/snapshot-diff';

export function mergeSnapshot(previous: ClusterSnapshot, next: ClusterSnapshot): ClusterSnapshot {
  const sameRing = previous.checksum === next.checksum && previous.vnodes.length === next.vnodes.length;
  return {
    ...next,
    vnodes: sameRing ? previous.vnodes : next.vnodes,
    keys: applyKeyChanges(previous.keys, diffKeys(previous.keys, next.keys)),
    density: sameList(previous.density, next.density) ? previous.density : next.density,
  };
}

/** The snapshot after `message`, or null when it is a delta of a snapshot other than `previousId` (refetch it whole). */
export function applySnapshotMessage(previous: ClusterSnapshot, previousId: string | null, message: SnapshotMessage): ClusterSnapshot | null {
  const next = snapshotFrom(previous, previousId, message);
  if (next === null) return null;
  if (message.kind === 'full') return mergeSnapshot(previous, next);
  // A delta already kept every unchanged placement, and the vnodes when the ring did not change.
  return { ...next, density: sameList(previous.density, next.density) ? previous.density : next.density };
}

const EVENT_LIMIT = 200;

/** Events from snapshots and the live stream, once each, oldest first. */
export function mergeEvents(current: readonly StampedEvent[], incoming: readonly StampedEvent[]): StampedEvent[] {
  if (incoming.length === 0) return current as StampedEvent[];
  const bySeq = new Map(current.map((e) => [e.seq, e]));
  let added = false;
  for (const event of incoming) {
    if (!bySeq.has(event.seq)) {
      bySeq.set(event.seq, event);
      added = true;
    }
  }
  if (!added) return current as StampedEvent[];
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-EVENT_LIMIT);
}
