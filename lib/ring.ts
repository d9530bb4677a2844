// The consistent hash ring: vnodes in sorted typed arrays, and preference lists found by binary search.
import murmur from 'murmurhash3js-revisited';
import { hash, keyPosition } from './hash';

export const DEFAULT_VNODES = 160;
export const DEFAULT_REPLICAS = 3;

/** A physical node as the ring sees it: a stable id and its number of virtual nodes (its weight). */
export interface RingNode {
  id: string;
  vnodes: number;
}

export interface Ring {
  /** Nodes sorted by id; every other array refers to nodes by their index here. */
  readonly nodes: readonly RingNode[];
  readonly replicas: number;
  /** Vnode positions in ring order: by (position, node id, vnode index). */
  readonly positions: Uint32Array;
  /** Node index owning each vnode. */
  readonly owners: Uint16Array;
  /** The vnode's own index `i` within its node (`id#i`). */
  readonly vnodeIndexes: Uint32Array;
  /** Preference list starting at each vnode, shared and frozen so lookups allocate nothing. */
  readonly preferences: readonly (readonly string[])[];
  /**
   * A radix index over the top bits of a position: `buckets[b]` is the first vnode at a position >= b << bucketShift,
   * so a lookup searches one bucket (a vnode or two) instead of the whole ring.
   */
  readonly buckets: Uint32Array;
  readonly bucketShift: number;
  readonly checksum: string;
}

const MAX_NODES = 0xffff;

/** Builds the ring of a node set; the same set and vnode counts give the same ring in any order. */
export function buildRing(nodes: readonly RingNode[], replicas = DEFAULT_REPLICAS): Ring {
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);
  if (nodes.length > MAX_NODES) throw new RangeError(`at most ${MAX_NODES} nodes`);
  const sorted = [...nodes].sort((a, b) => compareIds(a.id, b.id));
  for (let n = 0; n < sorted.length; n++) {
    const { id, vnodes } = sorted[n];
    if (n > 0 && sorted[n - 1].id === id) throw new RangeError(`duplicate node id ${id}`);
    if (!Number.isInteger(vnodes) || vnodes < 1) throw new RangeError(`node ${id}: vnodes must be a positive integer, got ${vnodes}`);
  }

  const total = sorted.reduce((sum, node) => sum + node.vnodes, 0);
  const rawPositions = new Uint32Array(total);
  const rawOwners = new Uint16Array(total);
  const rawIndexes = new Uint32Array(total);
  let v = 0;
  sorted.forEach((node, n) => {
    for (let i = 0; i < node.vnodes; i++, v++) {
      rawPositions[v] = hash(`${node.id}#${i}`);
      rawOwners[v] = n;
      rawIndexes[v] = i;
    }
  });
  // Nodes are sorted by id, so comparing owner indexes is comparing ids.
  const order = Array.from({ length: total }, (_, k) => k).sort((a, b) => rawPositions[a] - rawPositions[b] || rawOwners[a] - rawOwners[b] || rawIndexes[a] - rawIndexes[b]);
  const positions = new Uint32Array(total);
  const owners = new Uint16Array(total);
  const vnodeIndexes = new Uint32Array(total);
  order.forEach((k, at) => {
    positions[at] = rawPositions[k];
    owners[at] = rawOwners[k];
    vnodeIndexes[at] = rawIndexes[k];
  });

  const ids = sorted.map((node) => node.id);
  const preferences = buildPreferences(owners, ids, Math.min(replicas, sorted.length));
  const { buckets, bucketShift } = buildBuckets(positions);
  return {
    nodes: sorted.map((node) => ({ ...node })),
    replicas,
    positions,
    owners,
    vnodeIndexes,
    preferences,
    buckets,
    bucketShift,
    checksum: ringChecksum(sorted, replicas, positions),
  };
}

/** About four buckets per vnode (at most 2^16): most buckets then hold no vnode or one. */
function buildBuckets(positions: Uint32Array): { buckets: Uint32Array; bucketShift: number } {
  const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(Math.max(1, positions.length))) + 2));
  const bucketShift = 32 - bits;
  const count = 2 ** bits;
  const buckets = new Uint32Array(count + 1);
  let v = 0;
  for (let b = 0; b < count; b++) {
    const start = b * 2 ** bucketShift;
    while (v < positions.length && positions[v] < start) v++;
    buckets[b] = v;
  }
  buckets[count] = positions.length;
  return { buckets, bucketShift };
}

/**
 * prefs(v) is owner(v) followed by prefs(v + 1) without owner(v): walking backwards round the ring
 * builds every list in O(vnodes x replicas), where walking forwards from each vnode could be quadratic.
 */
function buildPreferences(owners: Uint16Array, ids: string[], length: number): (readonly string[])[] {
  const total = owners.length;
  const lists: number[][] = new Array(total);
  if (total === 0) return [];
  const last: number[] = [];
  for (let step = 0; step < total && last.length < length; step++) {
    const owner = owners[(total - 1 + step) % total];
    if (!last.includes(owner)) last.push(owner);
  }
  lists[total - 1] = last;
  for (let v = total - 2; v >= 0; v--) {
    const owner = owners[v];
    const next = lists[v + 1];
    const list = [owner];
    for (let j = 0; j < next.length && list.length < length; j++) if (next[j] !== owner) list.push(next[j]);
    lists[v] = list;
  }
  // Consecutive vnodes often share a list: reuse the frozen array instead of holding thousands of copies.
  const frozen: (readonly string[])[] = new Array(total);
  const cache = new Map<string, readonly string[]>();
  for (let v = 0; v < total; v++) {
    const signature = lists[v].join(',');
    let list = cache.get(signature);
    if (!list) cache.set(signature, (list = Object.freeze(lists[v].map((n) => ids[n]))));
    frozen[v] = list;
  }
  return frozen;
}

/** Index of the vnode owning `position`: the first at a position >= it, wrapping to 0. -1 on an empty ring. */
export function ownerVnode(ring: Ring, position: number): number {
  const positions = ring.positions;
  const total = positions.length;
  if (total === 0) return -1;
  // The answer lies in [buckets[b], buckets[b + 1]]: the first vnode of the next bucket when none in b is >= position.
  const b = position >>> ring.bucketShift;
  let lo = ring.buckets[b];
  let hi = ring.buckets[b + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid] < position) lo = mid + 1;
    else hi = mid;
  }
  return lo === total ? 0 : lo;
}

const NO_NODES: readonly string[] = Object.freeze([]);

/** The key's preference list: `min(replicas, nodes)` distinct node ids, primary first. Do not mutate it. */
export function preferenceList(ring: Ring, key: string): readonly string[] {
  const v = ownerVnode(ring, keyPosition(key));
  return v < 0 ? NO_NODES : ring.preferences[v];
}

/** The preference list for a ring position (for callers that already hashed). */
export function preferenceListAt(ring: Ring, position: number): readonly string[] {
  const v = ownerVnode(ring, position);
  return v < 0 ? NO_NODES : ring.preferences[v];
}

/** The key's primary node id, or undefined on an empty ring. */
export function primaryOf(ring: Ring, key: string): string | undefined {
  return preferenceList(ring, key)[0];
}

/** Ids in code-unit order, the same in every JavaScript engine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A short digest two processes compare to know they hold the same ring (byte order fixed, so any machine agrees). */
function ringChecksum(nodes: readonly RingNode[], replicas: number, positions: Uint32Array): string {
  const membership = `${replicas}|${nodes.map((n) => `${n.id}:${n.vnodes}`).join(',')}`;
  const bytes = new Uint8Array(positions.length * 4);
  const view = new DataView(bytes.buffer);
  positions.forEach((position, v) => view.setUint32(v * 4, position, true));
  const layout = murmur.x86.hash32(bytes, 0) >>> 0;
  return hash(`${membership}|${layout}`).toString(16).padStart(8, '0');
}
