// The lab's algorithms against their references: hashring for ketama, published jump vectors, the Maglev paper's Table 1, Node's MD5.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashRing } from '@/bench/hashring';
import { jumpHash, jumpHashBigInt } from '@/lib/lab/jump';
import { keyBytes } from '@/lib/lab/key-bytes';
import { ketama } from '@/lib/lab/ketama';
import { populate } from '@/lib/lab/maglev';
import { md5Words } from '@/lib/lab/md5';
import type { LabNode } from '@/lib/lab/types';
import { seededRandom } from '@/lib/lab/synthetic-keys';
import { labSettings } from '../support/lab-settings';

describe('md5', () => {
  it("matches Node's MD5 on every length across block boundaries, and on non-ASCII text", () => {
    const out = new Uint32Array(4);
    for (let n = 0; n < 200; n++) {
      const text = `${'k'.repeat(n)}${n % 3 === 0 ? 'é字' : ''}`;
      md5Words(keyBytes(text), out);
      const digest = createHash('md5').update(text).digest();
      expect([0, 1, 2, 3].map((j) => digest.readUInt32LE(j * 4))).toEqual([...out]);
    }
  });
});

describe('ketama', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => (i % 2 ? `user:${i}:profile` : `session-${(i * 2654435761) >>> 0}`));

  const idsOf = (nodes: LabNode[], replicas: number) => {
    const placement = ketama.build(nodes, labSettings(nodes, { replicas }));
    const out = new Uint16Array(placement.length);
    return (key: string) => {
      placement.place(key, 1, out, 0);
      return [...out].map((n) => nodes[n].id);
    };
  };

  it.each([3, 5, 10, 17])('places %i equal servers exactly as the hashring package does: get() and range(key, 3)', (count) => {
    const nodes = Array.from({ length: count }, (_, i) => ({ id: `cache-${i + 1}:11211`, weight: 1 }));
    const reference = new HashRing(nodes.map((n) => n.id));
    const place = idsOf(nodes, 3);
    for (const key of keys) {
      const list = place(key);
      expect(list[0]).toBe(reference.get(key));
      expect(list).toEqual(reference.range(key, 3));
    }
  });

  it('places weighted servers exactly as hashring does with the same weights', () => {
    const weights: Record<string, number> = { 'node-a': 1, 'node-b': 1, 'node-c': 2, 'node-d': 1.5, 'node-e': 0.5 };
    const nodes = Object.entries(weights).map(([id, weight]) => ({ id, weight }));
    const reference = new (HashRing as unknown as new (servers: Record<string, number>) => InstanceType<typeof HashRing>)(weights);
    const place = idsOf(nodes, 2);
    for (const key of keys) expect(place(key)).toEqual(reference.range(key, 2));
  });

  it('has 160 points per server at equal weight (40 hashes x 4)', () => {
    const nodes = [1, 2, 3].map((i) => ({ id: `n${i}`, weight: 1 }));
    // Three Uint32 positions, Uint16 owners and a 3-long list per point.
    expect(ketama.build(nodes, labSettings(nodes)).memoryBytes).toBe(480 * (4 + 2 + 3 * 2));
  });
});

describe('jump consistent hash', () => {
  // dgryski/go-jump's test vectors, and ClickHouse's jumpConsistentHash(16045690984833335023, 255) = 237.
  it.each([
    [1n, 1, 0],
    [42n, 57, 43],
    [0xdead10ccn, 1, 0],
    [0xdead10ccn, 666, 361],
    [256n, 1024, 520],
    [16045690984833335023n, 255, 237],
  ])('jump(%s, %i) = %i', (key, buckets, expected) => {
    expect(jumpHash(Number(key >> 32n), Number(key & 0xffffffffn), buckets)).toBe(expected);
    expect(jumpHashBigInt(key, buckets)).toBe(expected);
  });

  it('the 32-bit-safe version agrees with the BigInt one on random 64-bit keys', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 3000; i++) {
      const hi = Math.floor(next() * 2 ** 32);
      const lo = Math.floor(next() * 2 ** 32);
      const buckets = 1 + Math.floor(next() * 5000);
      expect(jumpHash(hi, lo, buckets)).toBe(jumpHashBigInt((BigInt(hi) << 32n) | BigInt(lo), buckets));
    }
  });

  it.each([4, 10, 31])('going from %i to n + 1 buckets moves exactly the keys that land in the new bucket, about 1/(n + 1)', (n) => {
    const next = seededRandom(n);
    const count = 60_000;
    let moved = 0;
    for (let i = 0; i < count; i++) {
      const hi = Math.floor(next() * 2 ** 32);
      const lo = Math.floor(next() * 2 ** 32);
      const before = jumpHash(hi, lo, n);
      const after = jumpHash(hi, lo, n + 1);
      if (before !== after) {
        expect(after).toBe(n);
        moved++;
      }
    }
    expect(moved / count).toBeGreaterThan((1 / (n + 1)) * 0.93);
    expect(moved / count).toBeLessThan((1 / (n + 1)) * 1.07);
  });
});

describe('Maglev', () => {
  // Eisenbud et al., NSDI 2016, Table 1: offsets and skips (3, 4), (0, 2), (3, 1), M = 7.
  it("fills the paper's Table 1, before and after B1 is removed", () => {
    expect([...populate([3, 0, 3], [4, 2, 1], [1, 1, 1], 7)]).toEqual([1, 0, 1, 0, 2, 2, 0]);
    expect([...populate([3, 3], [4, 1], [1, 1], 7)].map((i) => [0, 2][i])).toEqual([0, 0, 0, 0, 2, 2, 2]);
  });
});
