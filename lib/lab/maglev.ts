// Maglev hashing (Eisenbud et al., NSDI 2016): a lookup table of M = 65,537 slots filled from each node's offset/skip permutation.
import { keyPosition } from '../hash';
import { TablePlacement, type Algorithm, type Placement, type Settings } from './algorithm';
import { keyBytes, murmur32 } from './key-bytes';
import type { LabNode } from './types';

/** The paper's table size for production: a prime, so every skip in [1, M - 1] walks all M slots. */
export const MAGLEV_TABLE_SIZE = 65537;

/**
 * The paper's populate (Pseudocode 1): nodes take turns, each claiming the next slot of its permutation
 * (offset + j x skip) mod M that is still free, until every slot is taken. With weights, a node takes a turn in
 * round t when floor(t x weight / largest) grows, so its share of turns is its weight over the largest (the
 * relative frequency of turns the paper suggests for weighted backends); equal weights give the paper's loop.
 */
export function populate(offsets: readonly number[], skips: readonly number[], weights: readonly number[], size: number): Uint16Array {
  const n = offsets.length;
  const entry = new Int32Array(size).fill(-1);
  const next = new Float64Array(n);
  const largest = Math.max(...weights);
  let filled = 0;
  for (let round = 1; n > 0; round++) {
    for (let i = 0; i < n; i++) {
      if (Math.floor((round * weights[i]) / largest) === Math.floor(((round - 1) * weights[i]) / largest)) continue;
      let c = (offsets[i] + next[i] * skips[i]) % size;
      while (entry[c] >= 0) {
        next[i]++;
        c = (offsets[i] + next[i] * skips[i]) % size;
      }
      entry[c] = i;
      next[i]++;
      if (++filled === size) return Uint16Array.from(entry);
    }
  }
  return new Uint16Array(0);
}

/**
 * Replicas: the next distinct nodes in table order. Neighbouring slots belong to unrelated nodes, and a change
 * rewrites few slots, so the lists stay put as the primaries do.
 */
class MaglevPlacement extends TablePlacement {
  protected slot(key: string): number {
    return keyPosition(key) % this.table.length;
  }
}

export const maglev: Algorithm = {
  id: 'maglev',
  name: 'Maglev (M = 65,537)',
  notes:
    'offset = MurmurHash3(id, seed 1) mod M, skip = MurmurHash3(id, seed 2) mod (M - 1) + 1; nodes take turns in id order, weighted by turns; a key takes slot hash(hashed part) mod M. Replicas: the next distinct nodes in table order.',
  build(nodes: readonly LabNode[], settings: Settings): Placement {
    const order = nodes.map((_, i) => i).sort((a, b) => (nodes[a].id < nodes[b].id ? -1 : 1));
    const offsets = order.map((i) => murmur32(keyBytes(nodes[i].id), 1) % MAGLEV_TABLE_SIZE);
    const skips = order.map((i) => (murmur32(keyBytes(nodes[i].id), 2) % (MAGLEV_TABLE_SIZE - 1)) + 1);
    const sorted = populate(
      offsets,
      skips,
      order.map((i) => nodes[i].weight),
      MAGLEV_TABLE_SIZE,
    );
    // Back from id order to the nodes' own indexes.
    return new MaglevPlacement(
      sorted.map((k) => order[k]),
      settings.replicas,
      nodes.length,
    );
  },
};
