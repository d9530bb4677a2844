// What the adapters show, computed from a ring and what the nodes hold: key placements, per-node counts, move previews.
import { ringShares } from '../balance';
import { keyPosition } from '../hash';
import { Holdings } from '../holdings';
import { planMoves, type Inventory } from '../plan';
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

function placementOf(ring: Ring, key: string, position: number, holders: string[]): KeyPlacement {
  const preference = [...preferenceListAt(ring, position)];
  return { key, position, preference, holders: holders.sort(), missing: preference.filter((n) => !holders.includes(n)) };
}

/** The first `limit` keys in key order (one node's when `nodeId` is given) with placement, and how many there are in all. */
export function firstPlacements(ring: Ring, inventory: Inventory, { nodeId, limit = Infinity }: { nodeId?: string; limit?: number } = {}): { keys: KeyPlacement[]; total: number } {
  const holdings = new Holdings(inventory);
  const only = nodeId === undefined ? -1 : holdings.nodes.indexOf(nodeId);
  const chosen: number[] = [];
  for (let k = 0; k < holdings.size; k++) if (nodeId === undefined || (only >= 0 && holdings.holds(k, only))) chosen.push(k);
  const first = smallestKeys(chosen, Math.min(limit, chosen.length), (a, b) => compareKeys(holdings.keys[a], holdings.keys[b]));
  return { keys: first.map((k) => placementOf(ring, holdings.keys[k], keyPosition(holdings.keys[k]), holdings.holders(k))), total: chosen.length };
}

export interface KeyView {
  /** Distinct keys on the nodes. */
  keyCount: number;
  /** The first `limit` keys in key order, with placement. */
  placements: KeyPlacement[];
  /** Every key's ring position, for drawing density. */
  positions: Float64Array;
  counts: Record<string, NodeKeyCounts | null>;
}

/**
 * What the dashboard shows of the keys, in one pass that hashes each key once: counts per node, every
 * position, and placements for only the first `limit` keys, so a million keys cost no million objects.
 */
export function keyViewOf(ring: Ring, ids: readonly string[], inventory: Inventory, limit: number): KeyView {
  const holdings = new Holdings(inventory);
  const positions = new Float64Array(holdings.size);
  const tallies = holdings.nodes.map(() => ({ primary: 0, replica: 0, misplaced: 0 }));
  const nodeIndex = new Map(holdings.nodes.map((id, n) => [id, n]));
  for (let k = 0; k < holdings.size; k++) {
    const position = keyPosition(holdings.keys[k]);
    positions[k] = position;
    const preference = preferenceListAt(ring, position);
    let listed = 0;
    preference.forEach((node, rank) => {
      const n = nodeIndex.get(node);
      if (n === undefined || !holdings.holds(k, n)) return;
      listed++;
      if (rank === 0) tallies[n].primary++;
      else tallies[n].replica++;
    });
    if (listed < holdings.count(k)) for (const node of holdings.holders(k)) if (!preference.includes(node)) tallies[nodeIndex.get(node)!].misplaced++;
  }
  const first = smallestKeys(holdings.keys.map((_, k) => k), limit, (a, b) => compareKeys(holdings.keys[a], holdings.keys[b]));
  const counts: Record<string, NodeKeyCounts | null> = {};
  for (const id of ids) counts[id] = nodeIndex.has(id) ? tallies[nodeIndex.get(id)!] : null;
  return {
    keyCount: holdings.size,
    placements: first.map((k) => placementOf(ring, holdings.keys[k], positions[k], holdings.holders(k))),
    positions,
    counts,
  };
}

/** The `limit` smallest items in order: a quickselect first when there are many more, so a million are never fully sorted. */
function smallestKeys(items: number[], limit: number, compare: (a: number, b: number) => number): number[] {
  if (limit <= 0) return [];
  if (items.length <= limit * 2) return items.sort(compare).slice(0, limit);
  const target = limit - 1;
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    // Hoare partition round a middle pivot: afterwards [lo, j] <= pivot <= [i, hi].
    const pivot = items[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compare(items[i], pivot) < 0) i++;
      while (compare(items[j], pivot) > 0) j--;
      if (i <= j) {
        const swap = items[i];
        items[i] = items[j];
        items[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return items.slice(0, limit).sort(compare);
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
    minimumCopies: plan.minimumCopies,
    movedShare: plan.keys === 0 ? 0 : plan.primariesMoved / plan.keys,
    theoreticalShare: variation / 2,
  };
}
