// Balance figures: ring shares cover the circle exactly once, spread statistics, and per-node key counts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placementCounts, ringShares, spreadOf } from '@/lib/balance';
import { buildRing, preferenceList } from '@/lib/ring';

const nodeSet = fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z0-9-]{1,10}$/), vnodes: fc.integer({ min: 1, max: 40 }) }), { selector: (n) => n.id, minLength: 1, maxLength: 8 });
const named = (count: number, vnodes = 160) => Array.from({ length: count }, (_, i) => ({ id: `node-${i + 1}`, vnodes }));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('ringShares', () => {
  it('gives every node a share and sums to 1', () => {
    fc.assert(
      fc.property(nodeSet, (nodes) => {
        const shares = ringShares(buildRing(nodes));
        expect(Object.keys(shares).sort()).toEqual(nodes.map((n) => n.id).sort());
        for (const share of Object.values(shares)) expect(share).toBeGreaterThanOrEqual(0);
        expect(Math.abs(sum(Object.values(shares)) - 1)).toBeLessThan(1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('gives a lone node the whole ring, with one vnode or many', () => {
    expect(ringShares(buildRing([{ id: 'solo', vnodes: 1 }]))).toEqual({ solo: 1 });
    expect(ringShares(buildRing([{ id: 'solo', vnodes: 160 }])).solo).toBeCloseTo(1, 12);
  });

  it('is empty for an empty ring', () => {
    expect(ringShares(buildRing([]))).toEqual({});
  });

  it('gives each vnode the arc from its predecessor, the first one wrapping round', () => {
    const ring = buildRing([
      { id: 'a', vnodes: 1 },
      { id: 'b', vnodes: 1 },
    ]);
    const [first, second] = ring.positions;
    const firstOwner = ring.nodes[ring.owners[0]].id;
    const secondOwner = ring.nodes[ring.owners[1]].id;
    const shares = ringShares(ring);
    expect(shares[secondOwner]).toBeCloseTo((second - first) / 2 ** 32, 12);
    expect(shares[firstOwner]).toBeCloseTo((2 ** 32 - second + first) / 2 ** 32, 12);
  });

  // Measured: max/mean 1.090 for node-1..node-5. Over 2,000 random five-node rings the median is 1.089
  // and the 99th percentile 1.215, so other names can exceed 1.15; this ring's names are fixed.
  it('keeps five nodes of 160 vnodes within a measured band', () => {
    const spread = spreadOf(Object.values(ringShares(buildRing(named(5)))));
    expect(spread.maxOverMean).toBeGreaterThan(1);
    expect(spread.maxOverMean).toBeLessThan(1.15);
    expect(spread.min / spread.mean).toBeGreaterThan(0.85);
  });

  it('agrees with the share of keys each node gets as primary', () => {
    const ring = buildRing(named(5));
    const keys = Array.from({ length: 50_000 }, (_, i) => `user:${i}:profile`);
    const { primary } = placementCounts(
      ring,
      keys.map((k) => preferenceList(ring, k)),
    );
    const shares = ringShares(ring);
    // Sampling error on 50k keys is about 0.002 per node.
    for (const id of Object.keys(shares)) expect(Math.abs(primary[id] / keys.length - shares[id])).toBeLessThan(0.01);
  });
});

describe('spreadOf', () => {
  it('computes mean, extremes, max/mean and the coefficient of variation', () => {
    const spread = spreadOf([1, 2, 3, 4]);
    expect(spread.mean).toBe(2.5);
    expect(spread.max).toBe(4);
    expect(spread.min).toBe(1);
    expect(spread.maxOverMean).toBeCloseTo(1.6, 12);
    // Population variance: (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
    expect(spread.relativeDeviation).toBeCloseTo(Math.sqrt(1.25) / 2.5, 12);
  });

  it('is 1 and 0 for perfectly even values', () => {
    expect(spreadOf([7, 7, 7])).toEqual({ maxOverMean: 1, relativeDeviation: 0, mean: 7, max: 7, min: 7 });
  });

  it('is all zeros for no values or all-zero values, never NaN', () => {
    expect(spreadOf([])).toEqual({ maxOverMean: 0, relativeDeviation: 0, mean: 0, max: 0, min: 0 });
    expect(spreadOf([0, 0])).toEqual({ maxOverMean: 0, relativeDeviation: 0, mean: 0, max: 0, min: 0 });
  });
});

describe('placementCounts', () => {
  it('counts the first of each list as primary and the rest as replicas, listing idle nodes at zero', () => {
    const ring = buildRing(
      ['a', 'b', 'c', 'd'].map((id) => ({ id, vnodes: 4 })),
      2,
    );
    const counts = placementCounts(ring, [
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'c'],
    ]);
    expect(counts.primary).toEqual({ a: 2, b: 1, c: 0, d: 0 });
    expect(counts.replica).toEqual({ a: 0, b: 1, c: 2, d: 0 });
  });

  it('adds up to one primary and replicas - 1 further copies per key', () => {
    const ring = buildRing(named(6));
    const keys = Array.from({ length: 5_000 }, (_, i) => `session:${i}`);
    const counts = placementCounts(
      ring,
      keys.map((k) => preferenceList(ring, k)),
    );
    expect(sum(Object.values(counts.primary))).toBe(keys.length);
    expect(sum(Object.values(counts.replica))).toBe(keys.length * 2);
  });

  it('takes any iterable of lists', () => {
    const ring = buildRing(named(2), 2);
    function* lists() {
      yield ['node-1', 'node-2'];
      yield ['node-2', 'node-1'];
    }
    expect(placementCounts(ring, lists())).toEqual({ primary: { 'node-1': 1, 'node-2': 1 }, replica: { 'node-1': 1, 'node-2': 1 } });
  });
});
