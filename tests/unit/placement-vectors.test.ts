// The golden placement vectors (docs/placement.md): hash, hash tags, vnode order and preference lists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hash, hashPart } from '@/lib/hash';
import { buildRing, preferenceList } from '@/lib/ring';

interface Vectors {
  hash: Record<string, number>;
  hashPart: Record<string, string>;
  ring: { nodes: string[]; vnodesPerNode: number; vnodes: { node: string; index: number; position: number }[] };
  cases: { nodes: string[]; vnodesPerNode: number; replicas: number; placement: Record<string, string[]> }[];
}

// A copy of the language-independent vectors that any implementation of the spec must pass.
const vectorsPath = fileURLToPath(new URL('../fixtures/placement-vectors.json', import.meta.url));
const vectors: Vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));

describe('placement vectors', () => {
  it.each(Object.entries(vectors.hash))('hash(%j) = %d', (input, expected) => {
    expect(hash(input)).toBe(expected);
  });

  it.each(Object.entries(vectors.hashPart))('hashPart(%j) = %j', (key, expected) => {
    expect(hashPart(key)).toBe(expected);
  });

  it('orders vnodes by position, node id and index', () => {
    const { nodes, vnodesPerNode, vnodes } = vectors.ring;
    const ring = buildRing(nodes.map((id) => ({ id, vnodes: vnodesPerNode })));
    const actual = Array.from(ring.positions, (position, v) => ({
      node: ring.nodes[ring.owners[v]].id,
      index: ring.vnodeIndexes[v],
      position,
    }));
    expect(actual).toEqual(vnodes);
  });

  describe.each(vectors.cases)('$nodes.length nodes, $vnodesPerNode vnodes, $replicas replicas', (c) => {
    const ring = buildRing(
      c.nodes.map((id) => ({ id, vnodes: c.vnodesPerNode })),
      c.replicas,
    );
    it.each(Object.entries(c.placement))('%s', (key, expected) => {
      expect(preferenceList(ring, key)).toEqual(expected);
    });
  });
});
