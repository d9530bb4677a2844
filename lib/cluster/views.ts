// What the adapters show, computed from a ring and what the nodes hold: key placements and per-node counts.
import { keyPosition } from '../hash';
import { Holdings } from '../holdings';
import { columnsOf, type Inventory } from '../key-columns';
import { gatherHolders } from '../plan-columns';
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
  const first = smallestKeys(
    chosen.map((k) => holdings.keys[k]),
    limit,
  ).map((i) => chosen[i]);
  return { keys: first.map((k) => placementOf(ring, change, holdings.keys[k], keyPosition(holdings.keys[k]), holdings.holders(k))), total: chosen.length };
}

export interface KeyView {
  /** Distinct keys on the nodes. */
  keyCount: number;
  /** The first `limit` keys in key order, with placement. */
  placements: KeyPlacement[];
  /** Every key's ring position, for drawing density. */
  positions: Uint32Array;
  counts: Record<string, NodeKeyCounts | null>;
  /** Keys, of all of them, missing a replica with no copy on the way. */
  underReplicated: number;
  /** Keys, of all of them, that the change in flight moves. */
  moving: number;
}

/**
 * What the dashboard shows of the keys, from the listings' columns in passes over typed arrays: counts per node,
 * every position (hashed when the key was first listed), and placements for only the first `limit` keys, so a
 * million keys cost no million objects. Holders are gathered only for the keys that need them: those drawn, and
 * those missing from a node of their list. During a change (`change`), keys it moves are judged against both rings,
 * so moving is not missing.
 */
export function keyViewOf(ring: Ring, ids: readonly string[], inventory: Inventory, limit: number, change: ChangeInFlight | null = null): KeyView {
  const columns = columnsOf(inventory);
  const { keys, positions, nodes } = columns;
  const size = keys.length;
  const nodeIndex = new Map(nodes.map((id, n) => [id, n]));
  // Each preference list once as the inventory's node numbers (-1: a node not listed), so counting a key looks up no id.
  const numbers = ring.preferences.map((list) => Int32Array.from(list, (id) => nodeIndex.get(id) ?? -1));
  const owners = new Int32Array(size);
  // Each key's list packed three to a number (node number plus one, 10 bits each): the pass over every listed item
  // then reads one array per item rather than chasing its list (it is bound by memory).
  const packed = nodes.length < 1023 && numbers.every((list) => list.length <= 3) ? new Int32Array(size) : null;
  for (let k = 0; k < size; k++) {
    const v = ownerVnode(ring, positions[k]);
    owners[k] = v;
    if (packed && v >= 0) {
      const list = numbers[v];
      packed[k] = (list.length > 0 ? list[0] + 1 : 0) | (list.length > 1 ? (list[1] + 1) << 10 : 0) | (list.length > 2 ? (list[2] + 1) << 20 : 0);
    }
  }
  const primary = new Int32Array(nodes.length);
  const replica = new Int32Array(nodes.length);
  const misplaced = new Int32Array(nodes.length);
  // Per key, its holders (low 16 bits) and those on its own list (above).
  const tally = new Uint32Array(size);
  for (let n = 0; n < nodes.length; n++) {
    const held = columns.column(nodes[n])!.ids;
    const tag = n + 1;
    let primaries = 0;
    let replicas = 0;
    for (let i = 0; i < held.length; i++) {
      const k = held[i];
      let rank = -1;
      if (packed) {
        const pack = packed[k];
        rank = (pack & 1023) === tag ? 0 : ((pack >>> 10) & 1023) === tag ? 1 : pack >>> 20 === tag ? 2 : -1;
      } else if (owners[k] >= 0) {
        const list = numbers[owners[k]];
        for (let r = 0; r < list.length; r++) if (list[r] === n) rank = r;
      }
      if (rank < 0) {
        tally[k] += 1;
        continue;
      }
      tally[k] += 0x10001;
      if (rank === 0) primaries++;
      else replicas++;
    }
    primary[n] = primaries;
    replica[n] = replicas;
    misplaced[n] = held.length - primaries - replicas;
  }
  const listed = (k: number) => tally[k] >>> 16;
  const first = smallestKeys(keys, limit);
  // A key on every node of its list misses nothing: only the others are judged, with their holders gathered.
  const gathered = new Int32Array(size).fill(-1);
  let wanted = 0;
  for (let k = 0; k < size; k++) if (listed(k) < (owners[k] < 0 ? 0 : numbers[owners[k]].length)) gathered[k] = wanted++;
  for (const k of first) if (gathered[k] < 0) gathered[k] = wanted++;
  const held = gatherHolders(columns, gathered, (k) => tally[k] & 0xffff, wanted);
  const holders = { of: (k: number): readonly string[] => (gathered[k] < 0 ? [] : held(k).holders) };
  const test = { at: 0, holds: (node: string) => holders.of(test.at).includes(node) };
  let underReplicated = 0;
  let moving = 0;
  for (let k = 0; k < size; k++) {
    if (change && targetOf(ring, change, positions[k])) moving++;
    if (gathered[k] < 0 || listed(k) >= (owners[k] < 0 ? 0 : numbers[owners[k]].length)) continue;
    test.at = k;
    if (missingReplicas(ring, change, keys[k], positions[k], test.holds).length > 0) underReplicated++;
  }
  const counts: Record<string, NodeKeyCounts | null> = {};
  for (const id of ids) {
    const n = nodeIndex.get(id);
    counts[id] = n === undefined ? null : { primary: primary[n], replica: replica[n], misplaced: misplaced[n] };
  }
  return {
    keyCount: size,
    placements: first.map((k) => placementOf(ring, change, keys[k], positions[k], [...holders.of(k)])),
    positions,
    counts,
    underReplicated,
    moving,
  };
}

/**
 * The numbers of the `limit` smallest keys, in key order. A sample's quantile first bounds them: only the keys at or
 * under it are sorted, so a million keys are compared once each and never sorted whole.
 */
export function smallestKeys(keys: readonly string[], limit: number): number[] {
  const size = keys.length;
  const byKey = (a: number, b: number) => compareKeys(keys[a], keys[b]);
  if (limit <= 0 || size === 0) return [];
  const all = () => Array.from({ length: size }, (_, k) => k);
  if (size <= limit * 4) return all().sort(byKey).slice(0, limit);
  // Evenly spread, so keys listed in order are sampled as well as any.
  const samples = Math.min(size, 16_384);
  const sample = Array.from({ length: samples }, (_, i) => keys[Math.floor((i * size) / samples)]).sort(compareKeys);
  // Past the rank `limit` would take in the sample, with room for the sample's error.
  const rank = Math.ceil((limit * samples * 1.25) / size) + 32;
  if (rank < samples) {
    const bound = sample[rank];
    const under: number[] = [];
    for (let k = 0; k < size; k++) if (keys[k] <= bound) under.push(k);
    // At least `limit` keys are at or under the bound, so the `limit` smallest are among them.
    if (under.length >= limit) return under.sort(byKey).slice(0, limit);
  }
  return all().sort(byKey).slice(0, limit);
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
