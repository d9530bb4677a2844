// What the adapters show, computed from a ring and what the nodes hold: key placements, per-node counts, move previews.
import { ringShares } from '../balance';
import { keyPosition } from '../hash';
import { holdingsOf, minimumCopies, planMoves, type Inventory } from '../plan';
import { preferenceListAt, type Ring } from '../ring';
import type { LocateResult } from './types';

export interface KeyPlacement {
  key: string;
  /** The key's ring position (hash of its hashed part). */
  position: number;
  preference: string[];
  /** Nodes that really hold it. */
  holders: string[];
  /** Nodes of its preference list that lack it: the key is under-replicated until they get it. */
  missing: string[];
}

export interface NodeKeyCounts {
  primary: number;
  replica: number;
  /** Copies outside the key's preference list, to be removed by a repair. */
  misplaced: number;
}

/** The order of keys in placements and snapshots: by UTF-16 code units, the same in every process. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every key found on the nodes, sorted, with its list and holders; only one node's keys when `nodeId` is given. */
export function placementsOf(ring: Ring, inventory: Inventory, nodeId?: string): KeyPlacement[] {
  const placements: KeyPlacement[] = [];
  for (const [key, { holders }] of holdingsOf(inventory)) {
    if (nodeId !== undefined && !holders.includes(nodeId)) continue;
    const position = keyPosition(key);
    const preference = [...preferenceListAt(ring, position)];
    placements.push({ key, position, preference, holders: holders.sort(), missing: preference.filter((n) => !holders.includes(n)) });
  }
  return placements.sort((a, b) => compareKeys(a.key, b.key));
}

/**
 * A key's placement from a lookup on the server (its preference list, each replica asked): for a key the dashboard's
 * snapshot does not carry. Only the list is asked, so copies outside it do not show; an unreachable replica counts as missing.
 */
export function placementFromLocate(located: Pick<LocateResult, 'key' | 'position' | 'replicas'>): KeyPlacement {
  const preference = located.replicas.map((r) => r.node);
  const holders = located.replicas.filter((r) => r.holds === true).map((r) => r.node);
  return { key: located.key, position: located.position, preference, holders: holders.sort(), missing: preference.filter((n) => !holders.includes(n)) };
}

/** Per node, keys held as primary, as a further replica, and outside their list; null for a node not listed. */
export function countsOf(ring: Ring, ids: readonly string[], inventory: Inventory): Record<string, NodeKeyCounts | null> {
  const counts: Record<string, NodeKeyCounts | null> = {};
  for (const id of ids) {
    const entries = inventory[id];
    if (!entries) {
      counts[id] = null;
      continue;
    }
    const count = { primary: 0, replica: 0, misplaced: 0 };
    for (const { key } of entries) {
      const rank = preferenceListAt(ring, keyPosition(key)).indexOf(id);
      if (rank === 0) count.primary++;
      else if (rank > 0) count.replica++;
      else count.misplaced++;
    }
    counts[id] = count;
  }
  return counts;
}

export interface MovePreview {
  keys: number;
  primariesMoved: number;
  copies: number;
  deletes: number;
  /** The copies the ring change requires at the least, for keys on their lists. */
  minimumCopies: number;
  /** Share of primaries that would move, and the ring's own share of the change (what consistent hashing promises). */
  movedShare: number;
  theoreticalShare: number;
}

/** What a change from `from` to `to` would move, without moving anything. */
export function previewOf(from: Ring, to: Ring, inventory: Inventory): MovePreview {
  const plan = planMoves(from, to, inventory);
  const keys = [...holdingsOf(inventory).keys()];
  const before = ringShares(from);
  const after = ringShares(to);
  // The hash space whose owner changes: half the total variation between the two share tables.
  const ids = new Set([...Object.keys(before), ...Object.keys(after)]);
  let variation = 0;
  for (const id of ids) variation += Math.abs((after[id] ?? 0) - (before[id] ?? 0));
  return {
    keys: plan.keys,
    primariesMoved: plan.primariesMoved,
    copies: plan.copies.length,
    deletes: plan.deletes.length,
    minimumCopies: minimumCopies(from, to, keys),
    movedShare: plan.keys === 0 ? 0 : plan.primariesMoved / plan.keys,
    theoreticalShare: variation / 2,
  };
}
