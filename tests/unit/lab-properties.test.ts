// The lab's algorithms against their papers' figures and promises: shares, disruption, peak-to-mean, bounded loads.
import { describe, expect, it } from 'vitest';
import { buildRing, preferenceList } from '@/lib/ring';
import { repetitions, type Algorithm, type Settings } from '@/lib/lab/algorithm';
import { boundedLoads } from '@/lib/lab/bounded-loads';
import { bucketTable } from '@/lib/lab/jump';
import { maglev, MAGLEV_TABLE_SIZE, populate } from '@/lib/lab/maglev';
import { multiProbe } from '@/lib/lab/multi-probe';
import { rendezvous } from '@/lib/lab/rendezvous';
import { ringsideAlgorithm } from '@/lib/lab/ringside';
import type { LabNode } from '@/lib/lab/types';
import { seededRandom } from '@/lib/lab/synthetic-keys';
import { labSettings } from '../support/lab-settings';

// Tests that place 100,000 keys or more: give them room on a loaded machine.
const HEAVY = 30_000;

const equal = (count: number, prefix = 'node') => Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i + 1}`, weight: 1 }));
const keys = (count: number, prefix = 'key') => Array.from({ length: count }, (_, i) => `${prefix}:${i}`);

/** Every key's preference list as node ids. */
function lists(algorithm: Algorithm, nodes: readonly LabNode[], keySet: readonly string[], extra: Partial<Settings> = {}): string[][] {
  const placement = algorithm.build(nodes, labSettings(nodes, extra));
  const out = new Uint16Array(placement.length);
  return keySet.map((key) => {
    placement.place(key, 1, out, 0);
    return [...out].map((n) => nodes[n].id);
  });
}

function primaryCounts(placed: string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [primary] of placed) counts.set(primary, (counts.get(primary) ?? 0) + 1);
  return counts;
}

describe("Ringside's ring in the lab", () => {
  it('gives exactly the preference lists of lib/ring for the same nodes and vnodes', () => {
    const nodes = [...equal(4), { id: 'heavy', weight: 2 }];
    const ring = buildRing(
      nodes.map((n) => ({ id: n.id, vnodes: n.weight * 160 })),
      3,
    );
    const keySet = [...keys(3000), 'user:{42}:cart', 'user:{42}:profile'];
    lists(ringsideAlgorithm(), nodes, keySet).forEach((list, i) => expect(list).toEqual(preferenceList(ring, keySet[i])));
  });
});

describe('rendezvous', () => {
  it(
    'gives each node its weight share of the keys, and distinct replicas',
    () => {
      const nodes = [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 2 },
        { id: 'c', weight: 3 },
        { id: 'd', weight: 4 },
      ];
      const placed = lists(rendezvous, nodes, keys(100_000));
      const counts = primaryCounts(placed);
      for (const node of nodes) expect((counts.get(node.id) ?? 0) / 100_000).toBeCloseTo(node.weight / 10, 2);
      for (const list of placed) expect(new Set(list).size).toBe(3);
    },
    HEAVY,
  );

  it('adding a node moves keys only onto it; its replica sets change only by it', () => {
    const keySet = keys(20_000);
    const before = lists(rendezvous, equal(6), keySet);
    const after = lists(rendezvous, equal(7), keySet);
    let moved = 0;
    before.forEach((list, i) => {
      if (after[i][0] !== list[0]) {
        expect(after[i][0]).toBe('node-7');
        moved++;
      }
      expect(after[i].filter((id) => id !== 'node-7')).toEqual(list.slice(0, after[i].filter((id) => id !== 'node-7').length));
    });
    expect(moved / keySet.length).toBeCloseTo(1 / 7, 1);
  });
});

describe('Maglev', () => {
  it(
    'gives equal nodes table shares within one slot of each other (M = 65,537), and keys accordingly',
    () => {
      const next = seededRandom(3);
      for (const count of [3, 10, 37]) {
        const offsets = Array.from({ length: count }, () => Math.floor(next() * MAGLEV_TABLE_SIZE));
        const skips = Array.from({ length: count }, () => 1 + Math.floor(next() * (MAGLEV_TABLE_SIZE - 1)));
        const table = populate(offsets, skips, new Array<number>(count).fill(1), MAGLEV_TABLE_SIZE);
        const slots = new Array<number>(count).fill(0);
        for (const node of table) slots[node]++;
        expect(Math.max(...slots) - Math.min(...slots)).toBeLessThanOrEqual(1);
      }
      const counts = primaryCounts(lists(maglev, equal(10), keys(200_000)));
      for (const count of counts.values()) expect(Math.abs(count / 20_000 - 1)).toBeLessThan(0.03);
    },
    HEAVY,
  );

  it('removing one of 10 nodes moves little beyond its own keys (the paper: small disruption)', () => {
    const keySet = keys(50_000);
    const before = lists(maglev, equal(10), keySet);
    const after = lists(
      maglev,
      equal(10).filter((n) => n.id !== 'node-4'),
      keySet,
    );
    let own = 0;
    let others = 0;
    before.forEach((list, i) => {
      if (list[0] === 'node-4') own++;
      else if (after[i][0] !== list[0]) others++;
    });
    expect(own / keySet.length).toBeCloseTo(0.1, 1);
    expect(others / keySet.length).toBeLessThan(0.03);
  });
});

describe('multi-probe', () => {
  // The paper's 1.05 is typical, not a bound: a node whose point sits just after another's wins less, so a few
  // node sets reach 1.2 (measured over these eight: 1.01 to 1.21, mean 1.06).
  it(
    'keeps the peak-to-mean load near 1.05 with 21 probes and one point per node',
    () => {
      const ratios = ['node', 'srv', 'cache', 'db', 'mc', 'shard', 'host', 'box'].map((prefix) => {
        const counts = primaryCounts(lists(multiProbe, equal(10, prefix), keys(100_000)));
        return Math.max(...counts.values()) / 10_000;
      });
      const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
      expect(mean).toBeLessThan(1.08);
      expect(Math.max(...ratios)).toBeLessThan(1.25);
    },
    HEAVY,
  );
});

describe('bounded loads', () => {
  it.each([
    [5, 16],
    [10, 8],
    [23, 40],
  ])('never puts more than ceil(1.25 x mean) keys on any of %i nodes (%i vnodes each)', (count, vnodes) => {
    const keySet = keys(30_011);
    const counts = primaryCounts(lists(boundedLoads, equal(count), keySet, { vnodes, totalLoad: keySet.length }));
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(Math.ceil((1.25 * keySet.length) / count));
    // With few vnodes the plain ring is well above that bound, so the bound is doing the work.
    const plain = primaryCounts(lists(ringsideAlgorithm(), equal(count), keySet, { vnodes }));
    expect(Math.max(...plain.values())).toBeGreaterThan(Math.ceil((1.25 * keySet.length) / count));
  });
});

describe('jump removal by the last bucket', () => {
  it("fills the removed node's bucket with the last one, so only those two buckets' keys move", () => {
    const nodes = equal(6);
    const repeat = repetitions([1]);
    expect([...bucketTable(nodes, repeat)]).toEqual([0, 1, 2, 3, 4, 5]);
    const after = nodes.filter((n) => n.id !== 'node-2');
    // node-6 (the last bucket) takes bucket 1; indexes are into `after`.
    expect([...bucketTable(after, repeat, nodes)].map((i) => after[i].id)).toEqual(['node-1', 'node-6', 'node-3', 'node-4', 'node-5']);
    expect([...bucketTable([...nodes, { id: 'node-7', weight: 2 }], repeat, nodes)]).toEqual([0, 1, 2, 3, 4, 5, 6, 6]);
  });
});
