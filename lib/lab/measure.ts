// The figures of one placement of a key set: balance per node, movement between two placements, the least a change must move, lookup time.
import type { Placement } from './algorithm';
import type { Balance, LabKey, LabNode, Movement } from './types';

/** Each of `nodes`' index in `all`, the lab's list of every node before and after: what placeAll maps node numbers by. */
export function toAllOf(all: readonly LabNode[], nodes: readonly LabNode[]): Uint16Array {
  return Uint16Array.from(nodes, (n) => all.findIndex((m) => m.id === n.id));
}

/**
 * Every key's preference list, as indexes into the lab's list of all nodes (before and after together),
 * `placement.length` per key; `points`, when given, gets the ring point that took each key.
 */
export function placeAll(placement: Placement, keys: readonly LabKey[], loads: Float64Array, toAll: Uint16Array, points?: Int32Array): Uint16Array {
  const length = placement.length;
  const lists = new Uint16Array(keys.length * length);
  for (let k = 0; k < keys.length; k++) {
    const at = k * length;
    const point = placement.place(keys[k].key, loads[k], lists, at);
    if (points) points[k] = point;
    for (let r = 0; r < length; r++) lists[at + r] = toAll[lists[at + r]];
  }
  return lists;
}

/**
 * Fair shares of `total` by weight, none above `cap`: a node that would exceed it (a heavy node when every key
 * has a copy on most nodes) takes `cap` and the rest is shared among the others again.
 */
export function fairShares(weights: readonly number[], total: number, cap = Infinity): number[] {
  const shares = new Array<number>(weights.length).fill(0);
  const open = new Set(weights.map((_, i) => i));
  let left = total;
  while (open.size > 0) {
    const weight = [...open].reduce((sum, i) => sum + weights[i], 0);
    const over = [...open].filter((i) => (left * weights[i]) / weight > cap);
    if (over.length === 0) {
      for (const i of open) shares[i] = (left * weights[i]) / weight;
      break;
    }
    for (const i of over) {
      shares[i] = cap;
      left -= cap;
      open.delete(i);
    }
  }
  return shares;
}

/** The largest of value / fair share; null when nothing was measured. */
function worst(values: Float64Array, fair: readonly number[]): number {
  let max = 0;
  values.forEach((value, i) => {
    if (fair[i] > 0) max = Math.max(max, value / fair[i]);
  });
  return max;
}

/** Balance of a placement over `nodes` (at indexes `members` of the lab's list of all nodes). */
export function balanceOf(lists: Uint16Array, length: number, keys: readonly LabKey[], all: readonly LabNode[], members: readonly number[]): Balance {
  const count = keys.length;
  const primaries = new Float64Array(all.length);
  const bytes = new Float64Array(all.length);
  const requests = new Float64Array(all.length);
  const copies = new Float64Array(all.length);
  let hasBytes = false;
  let hasRequests = false;
  let totalBytes = 0;
  let totalRequests = 0;
  for (let k = 0; k < count; k++) {
    const primary = lists[k * length];
    const key = keys[k];
    primaries[primary]++;
    if (key.bytes !== undefined) {
      hasBytes = true;
      bytes[primary] += key.bytes;
      totalBytes += key.bytes;
    }
    if (key.requests !== undefined) {
      hasRequests = true;
      requests[primary] += key.requests;
      totalRequests += key.requests;
    }
    for (let r = 0; r < length; r++) copies[lists[k * length + r]]++;
  }
  const weights = all.map((n, i) => (members.includes(i) ? n.weight : 0));
  const share = (total: number, cap?: number) => fairShares(weights, total, cap);
  return {
    keys: worst(primaries, share(count)),
    bytes: hasBytes ? worst(bytes, share(totalBytes)) : null,
    requests: hasRequests ? worst(requests, share(totalRequests)) : null,
    copies: worst(copies, share(count * length, count)),
    perNode: Object.fromEntries(members.map((i) => [all[i].id, primaries[i]])),
  };
}

/** Keys whose primary differs, and copies on nodes that did not hold the key before. */
export function movementOf(before: Uint16Array, beforeLength: number, after: Uint16Array, afterLength: number): Movement {
  const count = beforeLength === 0 ? 0 : before.length / beforeLength;
  let moved = 0;
  let copiesMoved = 0;
  for (let k = 0; k < count; k++) {
    const b = k * beforeLength;
    const a = k * afterLength;
    if (before[b] !== after[a]) moved++;
    for (let r = 0; r < afterLength; r++) {
      let held = false;
      for (let s = 0; s < beforeLength; s++) if (before[b + s] === after[a + r]) held = true;
      if (!held) copiesMoved++;
    }
  }
  return { moved, copiesMoved };
}

/**
 * The least any placement must move: each node's fair share before and after (weights of zero where it is
 * absent), summed over the nodes whose share grows. Copies: the same over `min(replicas, nodes)` copies of each
 * key, a node holding at most one copy of a key.
 */
export function minimumOf(weightsBefore: readonly number[], weightsAfter: readonly number[], keys: number, replicas: number): { primaries: number; copies: number } {
  const gain = (from: number[], to: number[]) => to.reduce((sum, share, i) => sum + Math.max(0, share - from[i]), 0);
  const copies = (weights: readonly number[]) => fairShares(weights, keys * Math.min(replicas, weights.filter((w) => w > 0).length), keys);
  return {
    primaries: Math.round(gain(fairShares(weightsBefore, keys), fairShares(weightsAfter, keys))),
    copies: Math.round(gain(copies(weightsBefore), copies(weightsAfter))),
  };
}

/** Enough lookups per round that a round lasts well over the timer's resolution. */
const LOOKUPS_PER_ROUND = 50_000;

/**
 * The median over `rounds` of the time of one primary lookup, in nanoseconds. Each pass over the keys starts
 * from an empty placement (bounded loads counts the loads it places), reset outside the timed part.
 */
export function lookupNs(placement: Placement, keys: readonly LabKey[], loads: Float64Array, rounds: number): number | null {
  if (rounds === 0) return null;
  const passes = Math.max(1, Math.ceil(LOOKUPS_PER_ROUND / keys.length));
  const times: number[] = [];
  let sink = 0;
  for (let round = -1; round < rounds; round++) {
    let elapsed = 0;
    for (let pass = 0; pass < passes; pass++) {
      placement.reset?.();
      const start = performance.now();
      for (let k = 0; k < keys.length; k++) sink += placement.primary(keys[k].key, loads[k]);
      elapsed += performance.now() - start;
    }
    // Round -1 warms the JIT up and is not counted.
    if (round >= 0) times.push((elapsed * 1e6) / (passes * keys.length));
  }
  placement.reset?.();
  if (sink < 0) throw new Error('unreachable');
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}
