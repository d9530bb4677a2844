// Jump consistent hash (Lamping & Veach 2014): no structure beyond a bucket count, and a bucket-to-node table for weights and removals.
import { hashPart } from '../hash';
import { TablePlacement, type Algorithm, type Placement, type Settings } from './algorithm';
import { keyBytes, murmur32 } from './key-bytes';
import type { LabNode } from './types';

// The paper's 64-bit LCG multiplier, 2862933555777941757, as two 32-bit halves and the low half's 16-bit halves.
const MUL_HI = 0x27bb2ee6;
const MUL_LO = 0x87b0b0fd;
const MUL_LO_HI = MUL_LO >>> 16;
const MUL_LO_LO = MUL_LO & 0xffff;

/**
 * JumpConsistentHash(key, buckets) of the paper, the key given as its high and low 32 bits. The 64-bit
 * state is kept in two 32-bit halves (multiplied in 16-bit pieces, exact in doubles), so no BigInt is needed.
 */
export function jumpHash(keyHi: number, keyLo: number, buckets: number): number {
  let hi = keyHi >>> 0;
  let lo = keyLo >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key * MUL + 1 (mod 2^64): lo * MUL_LO in full, plus the cross terms' low 32 bits in the high half.
    const p00 = (lo & 0xffff) * MUL_LO_LO;
    const mid = (lo & 0xffff) * MUL_LO_HI + (lo >>> 16) * MUL_LO_LO;
    const p11 = (lo >>> 16) * MUL_LO_HI;
    const low = p00 + (mid % 0x10000) * 0x10000 + 1;
    const carry = Math.floor(low / 0x100000000);
    hi = (p11 + Math.floor(mid / 0x10000) + carry + Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) >>> 0;
    lo = low >>> 0;
    // (key >> 33) + 1 is the high half shifted once, plus one.
    j = Math.floor((b + 1) * (2147483648 / ((hi >>> 1) + 1)));
  }
  return b;
}

/** The same with BigInt, line for line as published: the reference the fast version is tested against. */
export function jumpHashBigInt(key: bigint, buckets: number): number {
  let k = BigInt.asUintN(64, key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2147483648 / Number((k >> 33n) + 1n)));
  }
  return b;
}

/**
 * Buckets per node (node index per bucket). A fresh table lists each node's buckets in the nodes' order. From an
 * earlier membership, buckets are only appended (a node added or weighted up) or removed by moving the last
 * bucket into the hole (a node removed or weighted down): jump can only grow or shrink at the end, so this
 * indirection is the usual way to remove a node other than the last.
 */
export function bucketTable(nodes: readonly LabNode[], count: (weight: number) => number, from?: readonly LabNode[]): Uint16Array {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  if (!from) return Uint16Array.from(nodes.flatMap((n, i) => Array<number>(count(n.weight)).fill(i)));
  // The earlier table, by id, changed in place.
  const table: string[] = from.flatMap((n) => Array<string>(count(n.weight)).fill(n.id));
  const want = new Map(nodes.map((n) => [n.id, count(n.weight)]));
  const held = new Map<string, number>();
  for (const id of table) held.set(id, (held.get(id) ?? 0) + 1);
  for (let b = table.length - 1; b >= 0; b--) {
    const id = table[b];
    if ((held.get(id) ?? 0) <= (want.get(id) ?? 0)) continue;
    held.set(id, held.get(id)! - 1);
    table[b] = table[table.length - 1];
    table.pop();
  }
  for (const node of nodes) for (let k = held.get(node.id) ?? 0; k < want.get(node.id)!; k++) table.push(node.id);
  return Uint16Array.from(table, (id) => index.get(id)!);
}

/** Replicas: the next distinct nodes in bucket order, wrapping. */
class JumpPlacement extends TablePlacement {
  protected slot(key: string): number {
    const bytes = keyBytes(hashPart(key));
    return jumpHash(murmur32(bytes, 1), murmur32(bytes, 0), this.table.length);
  }
}

export const jump: Algorithm = {
  id: 'jump',
  name: 'jump consistent hash',
  notes:
    "The 64-bit key is MurmurHash3 of the hashed part with seed 1 (high half) and seed 0 (low half). Weights by whole buckets per node. Buckets can only be added or removed at the end: a removed node's buckets are filled by the last ones (indirection table); `rebuilt` is the cost of renumbering instead. Replicas: the next distinct nodes in bucket order.",
  historyDependent: true,
  workaround(before, after, settings) {
    // Appending buckets or dropping the last ones is jump's own change; a kept bucket whose node changed is a hole filled from the end.
    const was = bucketTable(before, settings.repeat);
    const now = bucketTable(after, settings.repeat, before);
    let holes = false;
    for (let b = 0; b < Math.min(was.length, now.length) && !holes; b++) holes = before[was[b]].id !== after[now[b]].id;
    if (!holes) return null;
    const removed = before.find((n) => !after.some((m) => m.id === n.id));
    if (removed) {
      return {
        reason: 'remove_not_last',
        description: `Jump can only remove its last bucket, and ${removed.id} is not last: its buckets are filled by the last ones (an indirection table from bucket to node).`,
      };
    }
    const lowered = before.find((n) => after.some((m) => m.id === n.id && m.weight < n.weight));
    return {
      reason: 'weight_down',
      description: `Jump can only remove buckets at the end: ${lowered?.id ?? 'a node'}'s weight goes down by giving up buckets, filled by the last ones (an indirection table).`,
    };
  },
  build(nodes: readonly LabNode[], settings: Settings, from?: readonly LabNode[]): Placement {
    return new JumpPlacement(bucketTable(nodes, settings.repeat, from), settings.replicas, nodes.length);
  },
};
