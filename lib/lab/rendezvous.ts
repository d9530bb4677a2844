// Rendezvous (highest random weight) hashing, weighted by the logarithmic method: every node scores the key, the highest wins.
import { hash, keyPosition } from '../hash';
import type { Algorithm, Placement, Settings } from './algorithm';
import { fmix32 } from './key-bytes';
import type { LabNode } from './types';

/**
 * score = -weight / ln(h), h in (0, 1) from the key's and the node's hashes: a node wins a key with
 * probability exactly its weight over the total, and a change of one node's weight or presence only moves keys
 * to or from that node.
 */
export function rendezvousScore(keyHash: number, nodeSeed: number, weight: number): number {
  const h = (fmix32((keyHash ^ nodeSeed) >>> 0) + 0.5) / 4294967296;
  return -weight / Math.log(h);
}

class RendezvousPlacement implements Placement {
  readonly length: number;
  readonly memoryBytes: number;
  private readonly scores: Float64Array;

  constructor(
    private readonly seeds: Uint32Array,
    private readonly weights: Float64Array,
    replicas: number,
  ) {
    this.length = Math.min(replicas, seeds.length);
    this.memoryBytes = seeds.byteLength + weights.byteLength;
    this.scores = new Float64Array(this.length);
  }

  /** The top `length` scores, best first, by keeping a short sorted list: O(nodes x replicas). */
  place(key: string, _load: number, out: Uint16Array, at: number): number {
    const k = keyPosition(key);
    const top = this.scores;
    let filled = 0;
    for (let n = 0; n < this.seeds.length; n++) {
      const score = rendezvousScore(k, this.seeds[n], this.weights[n]);
      if (filled === this.length && score <= top[filled - 1]) continue;
      let r = filled < this.length ? filled++ : filled - 1;
      while (r > 0 && top[r - 1] < score) {
        top[r] = top[r - 1];
        out[at + r] = out[at + r - 1];
        r--;
      }
      top[r] = score;
      out[at + r] = n;
    }
    return -1;
  }

  primary(key: string): number {
    const k = keyPosition(key);
    let best = -1;
    let bestScore = -Infinity;
    for (let n = 0; n < this.seeds.length; n++) {
      const score = rendezvousScore(k, this.seeds[n], this.weights[n]);
      if (score > bestScore) {
        bestScore = score;
        best = n;
      }
    }
    return best;
  }
}

export const rendezvous: Algorithm = {
  id: 'rendezvous',
  name: 'rendezvous (HRW), weighted',
  notes:
    'Each node scores a key -weight / ln(h), h = (fmix32(hash(key) ^ hash(node id)) + 0.5) / 2^32 (MurmurHash3 of the hashed part and of the id); the highest wins. Replicas: the nodes with the next highest scores. A lookup costs one score per node.',
  build(nodes: readonly LabNode[], settings: Settings): Placement {
    return new RendezvousPlacement(
      Uint32Array.from(nodes, (n) => hash(n.id)),
      Float64Array.from(nodes, (n) => n.weight),
      settings.replicas,
    );
  },
};
