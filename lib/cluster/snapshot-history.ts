import 'server-only';
// The last few snapshots' keys, by id, so a dashboard that names the one it holds gets only what changed since.
import { randomUUID } from 'node:crypto';
import type { ClusterSnapshot } from './snapshot';
import { deltaOf, diffKeys, noKeyChanges, type KeyChanges, type SnapshotMessage } from './snapshot-diff';
import type { KeyPlacement } from './views';

/** Enough for a few tabs refetching at once; each entry holds up to 10,000 placements, shared with no one else. */
const KEEP = 8;

interface Remembered {
  id: string;
  checksum: string;
  keys: readonly KeyPlacement[];
}

interface History {
  /** Differs in every process, so an id from before a restart is never mistaken for a current one. */
  token: string;
  next: number;
  entries: Remembered[];
}

const slot = Symbol.for('ringside.snapshot-history');

function history(): History {
  const holder = globalThis as { [slot]?: History };
  holder[slot] ??= { token: randomUUID().slice(0, 8), next: 1, entries: [] };
  return holder[slot];
}

/** Remembers the snapshot's keys and returns its id (the latest one's, when nothing changed since it), with the changes since the latest. */
function remember(snapshot: ClusterSnapshot): { id: string; latest: Remembered | undefined; sinceLatest: KeyChanges | undefined } {
  const h = history();
  const latest = h.entries.at(-1);
  const sinceLatest = latest && diffKeys(latest.keys, snapshot.keys);
  // Nothing changed since the latest: keep its id, so idle refetches do not push other tabs' bases out.
  if (latest && sinceLatest && noKeyChanges(sinceLatest) && latest.checksum === snapshot.checksum) return { id: latest.id, latest, sinceLatest };
  const id = `${h.token}.${h.next++}`;
  h.entries.push({ id, checksum: snapshot.checksum, keys: snapshot.keys });
  if (h.entries.length > KEEP) h.entries.shift();
  return { id, latest, sinceLatest };
}

/** The id a later request may name as `since` to get a delta of this snapshot. */
export function rememberSnapshot(snapshot: ClusterSnapshot): string {
  return remember(snapshot).id;
}

/** The snapshot as the dashboard receives it: a delta when `since` names a snapshot still remembered, else whole. */
export function snapshotMessage(snapshot: ClusterSnapshot, since: string | null): SnapshotMessage {
  const { id, latest, sinceLatest } = remember(snapshot);
  const base = since === null ? undefined : history().entries.find((entry) => entry.id === since);
  if (!base) return { ...snapshot, kind: 'full', id };
  return deltaOf(base, snapshot, id, base === latest ? sinceLatest : undefined);
}
