// The dashboard's snapshot on real memcached: shared by concurrent callers, never stale after a change, and cheap at scale.
import { afterEach, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});

describe('snapshots', () => {
  it('are shared by callers that ask at once, and computed anew after any change', async () => {
    fixture = await openFixture(3);
    const { cluster } = fixture;
    const [a, b] = await Promise.all([cluster.snapshot(), cluster.snapshot()]);
    expect(a).toBe(b);
    expect(await cluster.snapshot()).toBe(a); // nothing changed since
    expect((await cluster.put('fresh', 'x')).ok).toBe(true);
    const after = await cluster.snapshot();
    expect(after).not.toBe(a);
    expect(after.keys.map((k) => k.key)).toContain('fresh');
  });

  it('show a read repair at once: the replica it refilled no longer counts as missing', async () => {
    fixture = await openFixture(3);
    const { cluster } = fixture;
    expect((await cluster.put('healed', 'x')).ok).toBe(true);
    const before = await cluster.snapshot();
    const holder = before.keys.find((k) => k.key === 'healed')!.preference[0];
    expect(await fixture.rawDelete(holder, 'healed')).toBe(true);
    expect((await cluster.put('other', 'y')).ok).toBe(true); // a change, so the next snapshot reads the nodes again
    expect((await cluster.snapshot()).keys.find((k) => k.key === 'healed')!.missing).toEqual([holder]);
    const read = await cluster.get('healed');
    expect(read.ok && read.repaired).toEqual([holder]);
    expect((await cluster.snapshot()).keys.find((k) => k.key === 'healed')!.missing).toEqual([]);
  });

  it('show the end of a membership change: not busy once it is over', async () => {
    fixture = await openFixture(3);
    const { cluster } = fixture;
    const adding = cluster.addNode({ id: 'node-4' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await cluster.snapshot()).busy).toBe(true);
    expect((await adding).ok).toBe(true);
    const after = await cluster.snapshot();
    expect(after.busy).toBe(false);
    expect(after.nodes.map((n) => n.id)).toContain('node-4');
  });

  it('carry the first 10,000 keys in key order, every key in the density and counts', async () => {
    fixture = await openFixture(3);
    const { cluster } = fixture;
    const keys = Array.from({ length: 10_500 }, (_, i) => `k:${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((key) => cluster.put(key, 'v')));
    const snapshot = await cluster.snapshot();
    expect(snapshot.keyCount).toBe(10_500);
    expect(snapshot.keys.map((k) => k.key)).toEqual(keys.slice(0, 10_000));
    expect(snapshot.density.reduce((a, b) => a + b, 0)).toBe(10_500);
    expect(snapshot.nodes.reduce((sum, n) => sum + n.keys!.primary, 0)).toBe(10_500);
  });
});
