// Keeps unchanged parts of a refetched snapshot identical by reference, so memoised marks skip re-rendering.
import type { StampedEvent } from '@/lib/cluster/events';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import type { KeyPlacement } from '@/lib/cluster/views';

const sameList = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function samePlacement(a: KeyPlacement, b: KeyPlacement): boolean {
  return a.position === b.position && sameList(a.preference, b.preference) && sameList(a.holders, b.holders) && sameList(a.missing, b.missing);
}

function mergeKeys(previous: KeyPlacement[], next: KeyPlacement[]): KeyPlacement[] {
  const byKey = new Map(previous.map((p) => [p.key, p]));
  let changed = previous.length !== next.length;
  const merged = next.map((placement, i) => {
    const old = byKey.get(placement.key);
    if (old && samePlacement(old, placement)) {
      if (previous[i] !== old) changed = true;
      return old;
    }
    changed = true;
    return placement;
  });
  return changed ? merged : previous;
}

export function mergeSnapshot(previous: ClusterSnapshot, next: ClusterSnapshot): ClusterSnapshot {
  const sameRing = previous.checksum === next.checksum && previous.vnodes.length === next.vnodes.length;
  return {
    ...next,
    vnodes: sameRing ? previous.vnodes : next.vnodes,
    keys: mergeKeys(previous.keys, next.keys),
    density: sameList(previous.density, next.density) ? previous.density : next.density,
  };
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
