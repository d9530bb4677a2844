// What the adapters show, computed from a ring and what the nodes hold: key placements and per-node counts.
import { keyPosition } from '../hash';
import { Holdings } from '../holdings';
import type { Inventory } from '../plan';
import { ownerVnode, preferenceListAt, type Ring } from '../ring';
import { missingReplicas, targetOf, type ChangeInFlight } from './replication';
import type { LocateResult } from './types';

export interface KeyPlacement {
  key: string;
  /** The key's ring position (hash of its hashed part). */
  position: number;
  preference: string[];
  /** Nodes that really hold it. */
  holders: string[];
  /** Nodes of its preference list that lack it with no copy on the way: the key is under-replicated until they get it. */
  missing: string[];
  /** During a change that moves it: its preference list in the ring it is moving to. */
  target?: string[];
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

function placementOf(ring: Ring, change: ChangeInFlight | null, key: string, position: number, holders: string[]): KeyPlacement {
  const preference = [...preferenceListAt(ring, position)];
  const missing = [...missingReplicas(ring, change, key, position, (node) => holders.includes(node))];
  const target = targetOf(ring, change, position);
  return { key, position, preference, holders: holders.sort(), missing, ...(target && { target: [...target] }) };
}

/** Whether key `k` of `holdings` is held by a node, by id; one function for every key (`at` moves it), so a million keys cost no million closures. */
function holderTest(holdings: Holdings) {
  const nodeIndex = new Map(holdings.nodes.map((id, n) => [id, n]));
  const test = {
    at: 0,
    holds: (node: string) => {
      const n = nodeIndex.get(node);
      return n !== undefined && holdings.holds(test.at, n);
    },
  };
  return test;
}

export interface PlacementQuery {
  /** Only the keys this node holds. */
  nodeId?: string;
  limit?: number;
  /** Only under-replicated keys. */
  missing?: boolean;
  /** The change in flight, if any: keys it is moving are judged against both rings. */
  change?: ChangeInFlight | null;
}

/** The first `limit` keys in key order (one node's when `nodeId` is given, under-replicated ones with `missing`) with placement, and how many there are in all. */
export function firstPlacements(ring: Ring, inventory: Inventory, { nodeId, limit = Infinity, missing = false, change = null }: PlacementQuery = {}): { keys: KeyPlacement[]; total: number } {
  const holdings = new Holdings(inventory);
  const only = nodeId === undefined ? -1 : holdings.nodes.indexOf(nodeId);
  const test = holderTest(holdings);
  const chosen: number[] = [];
  for (let k = 0; k < holdings.size; k++) {
    if (nodeId !== undefined && !(only >= 0 && holdings.holds(k, only))) continue;
    test.at = k;
    if (missing && missingReplicas(ring, change, holdings.keys[k], keyPosition(holdings.keys[k]), test.holds).length === 0) continue;
    chosen.push(k);
  }
  const first = smallestKeys(chosen, Math.min(limit, chosen.length), (a, b) => compareKeys(holdings.keys[a], holdings.keys[b]));
  return { keys: first.map((k) => placementOf(ring, change, holdings.keys[k], keyPosition(holdings.keys[k]), holdings.holders(k))), total: chosen.length };
}

export interface KeyView {
  /** Distinct keys on the nodes. */
  keyCount: number;
  /** The first `limit` keys in key order, with placement. */
  placements: KeyPlacement[];
  /** Every key's ring position, for drawing density. */
  positions: Float64Array;
  counts: Record<string, NodeKeyCounts | null>;
  /** Keys, of all of them, missing a replica with no copy on the way. */
  underReplicated: number;
  /** Keys, of all of them, that the change in flight moves. */
  moving: number;
}

/**
 * What the dashboard shows of the keys, in one pass that hashes each key once: counts per node, every
 * position, and placements for only the first `limit` keys, so a million keys cost no million objects.
 * During a change (`change`), keys it moves are judged against both rings, so moving is not missing.
 */
export function keyViewOf(ring: Ring, ids: readonly string[], inventory: Inventory, limit: number, change: ChangeInFlight | null = null): KeyView {
  const holdings = new Holdings(inventory);
  const positions = new Float64Array(holdings.size);
  const tallies = holdings.nodes.map(() => ({ primary: 0, replica: 0, misplaced: 0 }));
  const nodeIndex = new Map(holdings.nodes.map((id, n) => [id, n]));
  const test = holderTest(holdings);
  let underReplicated = 0;
  let moving = 0;
  // Each preference list once as holdings' node numbers (-1: a node not listed), so counting a key looks up no id.
  const numbers = ring.preferences.map((list) => Int32Array.from(list, (id) => nodeIndex.get(id) ?? -1));
  for (let k = 0; k < holdings.size; k++) {
    const position = keyPosition(holdings.keys[k]);
    positions[k] = position;
    const v = ownerVnode(ring, position);
    const preference = v < 0 ? [] : ring.preferences[v];
    let listed = 0;
    for (let rank = 0; v >= 0 && rank < numbers[v].length; rank++) {
      const n = numbers[v][rank];
      if (n < 0 || !holdings.holds(k, n)) continue;
      listed++;
      if (rank === 0) tallies[n].primary++;
      else tallies[n].replica++;
    }
    test.at = k;
    // A key on every node of its list misses nothing: only the others are judged.
    if (listed < preference.length && missingReplicas(ring, change, holdings.keys[k], position, test.holds).length > 0) underReplicated++;
    if (change && targetOf(ring, change, position)) moving++;
    if (listed < holdings.count(k)) for (const node of holdings.holders(k)) if (!preference.includes(node)) tallies[nodeIndex.get(node)!].misplaced++;
  }
  const first = smallestKeys(
    holdings.keys.map((_, k) => k),
    limit,
    (a, b) => compareKeys(holdings.keys[a], holdings.keys[b]),
  );
  const counts: Record<string, NodeKeyCounts | null> = {};
  for (const id of ids) counts[id] = nodeIndex.has(id) ? tallies[nodeIndex.get(id)!] : null;
  return {
    keyCount: holdings.size,
    placements: first.map((k) => placementOf(ring, change, holdings.keys[k], positions[k], holdings.holders(k))),
    positions,
    counts,
    underReplicated,
    moving,
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
