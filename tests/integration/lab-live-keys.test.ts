// The lab's live keys on real memcached: every listed key once, in order, with its item size from the nodes' metadump and its requests from the hot-key counts; deleted keys left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveLabKeys } from '@/lib/cluster/lab-keys';
import { compareAlgorithms } from '@/lib/lab';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await openFixture(3);
  for (let i = 0; i < 40; i++) expect((await fixture.cluster.put(`small:${i}`, 'x'.repeat(10))).ok).toBe(true);
  for (let i = 0; i < 10; i++) expect((await fixture.cluster.put(`large:${i}`, 'y'.repeat(5000))).ok).toBe(true);
  expect((await fixture.cluster.delete('small:0')).ok).toBe(true);
});

afterAll(() => fixture?.teardown());

describe('liveLabKeys', () => {
  it('lists each live key once, sorted, with the size its nodes store it at', async () => {
    const live = await liveLabKeys(fixture.cluster);
    if (!live.ok) throw new Error(live.message);
    expect(live.unreachable).toEqual([]);
    const names = live.keys.map((k) => k.key);
    expect(names).toHaveLength(49);
    expect(names).not.toContain('small:0');
    expect(names).toEqual([...names].sort());
    const size = (key: string) => live.keys.find((k) => k.key === key)!.bytes!;
    // memcached's item: the value, the key and a header of some tens of bytes.
    expect(size('small:1')).toBeGreaterThanOrEqual(10);
    expect(size('small:1')).toBeLessThan(200);
    expect(size('large:1')).toBeGreaterThanOrEqual(5000);
    expect(size('large:1') - size('small:1')).toBeGreaterThan(4900);
    // The cluster's own request mix: each listed key was written once (small:0's put and delete are its own).
    expect(live.keys.map((k) => k.requests)).toEqual(names.map(() => 1));
  });

  it('carries request counts where the cluster has them, and the lab then balances by bytes and requests', async () => {
    const live = await liveLabKeys(fixture.cluster, new Map([['large:3', 900]]));
    if (!live.ok) throw new Error(live.message);
    expect(live.keys.find((k) => k.key === 'large:3')!.requests).toBe(900);
    const report = compareAlgorithms({ nodes: fixture.cluster.nodes().map((n) => ({ id: n.id, weight: 1 })), keys: live.keys, timingRounds: 0 });
    if (!report.ok) throw new Error(report.message);
    expect(report.algorithms.ringside.current.bytes).toBeGreaterThan(1);
    // Every request is on one key, so one node serves them all: three times its fair share.
    expect(report.algorithms.ringside.current.requests).toBeCloseTo(3);
  });
});
