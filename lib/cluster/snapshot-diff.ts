// Snapshots as deltas: the keys one snapshot added, changed or removed since an earlier one, and applying them back.
import type { ClusterSnapshot } from './snapshot';
import { compareKeys, type KeyPlacement } from './views';

export interface KeyChanges {
  /** Placements new or changed since the base, sorted by key. */
  upserts: KeyPlacement[];
  /** Keys in the base that are gone, sorted. */
  removals: string[];
}

/** A whole snapshot, with the id a later request may name as its base. */
export interface FullSnapshot extends ClusterSnapshot {
  kind: 'full';
  id: string;
}

/** Only what changed since the snapshot `base`: the keys, and the vnodes when the ring changed (else null). */
export interface SnapshotDelta extends Omit<ClusterSnapshot, 'keys' | 'vnodes'> {
  kind: 'delta';
  id: string;
  base: string;
  keyChanges: KeyChanges;
  vnodes: ClusterSnapshot['vnodes'] | null;
}

/** What GET /api/snapshot answers. */
export type SnapshotMessage = FullSnapshot | SnapshotDelta;

/** The same items in the same order. */
export const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function samePlacement(a: KeyPlacement, b: KeyPlacement): boolean {
  if (a === b) return true;
  const sameTarget = a.target === b.target || (a.target !== undefined && b.target !== undefined && sameList(a.target, b.target));
  return a.key === b.key && a.position === b.position && sameList(a.preference, b.preference) && sameList(a.holders, b.holders) && sameList(a.missing, b.missing) && sameTarget;
}

/** The changes that turn `before` into `after`; both sorted by key, as snapshots are. */
export function diffKeys(before: readonly KeyPlacement[], after: readonly KeyPlacement[]): KeyChanges {
  const upserts: KeyPlacement[] = [];
  const removals: string[] = [];
  let i = 0;
  let j = 0;
  // One merge walk over two sorted lists: linear, and the output comes out sorted.
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : compareKeys(before[i].key, after[j].key);
    if (order < 0) removals.push(before[i++].key);
    else if (order > 0) upserts.push(after[j++]);
    else {
      if (!samePlacement(before[i], after[j])) upserts.push(after[j]);
      i++;
      j++;
    }
  }
  return { upserts, removals };
}

export const noKeyChanges = (changes: KeyChanges) => changes.upserts.length === 0 && changes.removals.length === 0;

/**
 * `before` with the changes applied, sorted by key. Unchanged placements stay the same objects (so memoised marks
 * skip re-rendering), and with no changes at all the list itself is returned.
 */
export function applyKeyChanges(before: readonly KeyPlacement[], changes: KeyChanges): KeyPlacement[] {
  if (noKeyChanges(changes)) return before as KeyPlacement[];
  const removed = new Set(changes.removals);
  const { upserts } = changes;
  const result: KeyPlacement[] = [];
  let j = 0;
  for (const placement of before) {
    while (j < upserts.length && compareKeys(upserts[j].key, placement.key) < 0) result.push(upserts[j++]);
    if (j < upserts.length && upserts[j].key === placement.key) result.push(upserts[j++]);
    else if (!removed.has(placement.key)) result.push(placement);
  }
  while (j < upserts.length) result.push(upserts[j++]);
  return result;
}

/** The delta from a remembered snapshot (its keys and ring checksum) to `snapshot`. */
export function deltaOf(base: { id: string; checksum: string; keys: readonly KeyPlacement[] }, snapshot: ClusterSnapshot, id: string, changes = diffKeys(base.keys, snapshot.keys)): SnapshotDelta {
  const { keys: _keys, vnodes, ...rest } = snapshot;
  return { ...rest, kind: 'delta', id, base: base.id, keyChanges: changes, vnodes: base.checksum === snapshot.checksum ? null : vnodes };
}

/** The snapshot a message describes, given the one it may be a delta of; null when it is a delta of another. */
export function snapshotFrom(current: ClusterSnapshot, currentId: string | null, message: SnapshotMessage): ClusterSnapshot | null {
  if (message.kind === 'full') {
    const { kind: _kind, id: _id, ...snapshot } = message;
    return snapshot;
  }
  if (message.base !== currentId) return null;
  const { kind: _kind, id: _id, base: _base, keyChanges, vnodes, ...rest } = message;
  return { ...rest, vnodes: vnodes ?? current.vnodes, keys: applyKeyChanges(current.keys, keyChanges) };
}
