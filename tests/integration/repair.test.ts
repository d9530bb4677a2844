// Moving is not missing, and repair is previewed before it runs: on real memcached, snapshots taken while a node joins, and a repair's dry run against what it then does.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { NodeClient } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});

async function seed(fixture: Fixture, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `item:${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((key) => fixture.cluster.put(key, `value of ${key}`)));
  return keys;
}

describe('while a node joins', () => {
  it('no snapshot counts a moving key as under-replicated, but a replica deleted behind its back is', async () => {
    // Two copies in flight, so the change lasts long enough to be caught many times.
    fixture = await openFixture(3, { moveConcurrency: 2 });
    const { cluster } = fixture;
    const keys = await seed(fixture, 3000);
    const version = cluster.version;
    const adding = cluster.addNode({ id: 'node-4' });
    let finished = false;
    void adding.finally(() => (finished = true));
    const during: ClusterSnapshot[] = [];
    while (!finished) {
      const snapshot = await cluster.snapshot();
      if (snapshot.busy && during.at(-1) !== snapshot) during.push(snapshot);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const added = await adding;
    expect(added.ok && added.copied).toBeGreaterThan(1000);

    const caught = during.filter((s) => s.moving > 0);
    expect(caught.length).toBeGreaterThanOrEqual(3);
    // Caught while copying (before the ring switched) and while deleting the old copies (after).
    expect(caught.some((s) => s.version === version)).toBe(true);
    expect(during.some((s) => s.version === version + 1)).toBe(true);
    for (const snapshot of during) {
      expect(snapshot.underReplicated).toBe(0);
      expect(snapshot.keys.filter((k) => k.missing.length > 0)).toEqual([]);
    }
    // The snapshot says which keys are moving, and to which list.
    const moving = caught[0].keys.filter((k) => k.target);
    expect(moving.length).toBeGreaterThan(0);
    for (const k of moving) expect(k.target).toContain('node-4');

    const after = await cluster.snapshot();
    expect({ under: after.underReplicated, moving: after.moving, busy: after.busy }).toEqual({ under: 0, moving: 0, busy: false });

    const victim = keys[1234];
    const replica = preferenceList(cluster.currentRing, victim)[1];
    expect(await fixture.rawDelete(replica, victim)).toBe(true);
    expect((await cluster.put('nudge', 'x')).ok).toBe(true); // a change, so the next snapshot lists the nodes again
    const broken = await cluster.snapshot();
    expect(broken.underReplicated).toBe(1);
    expect(broken.keys.find((k) => k.key === victim)!.missing).toEqual([replica]);
    const listed = await cluster.keys(undefined, 10, { missing: true });
    expect(listed.ok && { keys: listed.keys.map((k) => k.key), total: listed.total }).toEqual({ keys: [victim], total: 1 });
  });
});

describe('a repair preview', () => {
  it('changes nothing, and counts exactly the copies and deletes the repair then makes', async () => {
    fixture = await openFixture(4);
    const { cluster } = fixture;
    const keys = await seed(fixture, 400);
    const ring = cluster.currentRing;
    // Three replicas lost behind the cluster's back, and one copy on a node outside its key's list.
    const lost = [keys[3], keys[40], keys[41]];
    for (const [i, key] of lost.entries()) expect(await fixture.rawDelete(preferenceList(ring, key)[i % 3], key)).toBe(true);
    const strayKey = keys[99];
    const outsider = ['node-1', 'node-2', 'node-3', 'node-4'].find((id) => !preferenceList(ring, strayKey).includes(id))!;
    await writeBehind(fixture, outsider, strayKey);

    const before = await fixture.holdings();
    const previewed = await cluster.preview({ type: 'repair' });
    expect(previewed.ok).toBe(true);
    if (!previewed.ok) return;
    expect(previewed.preview).toMatchObject({ keys: 400, copies: 3, keysCopied: 3, deletes: 1, primariesMoved: 0, deferred: 0, settles: 0 });
    expect(await fixture.holdings()).toEqual(before);
    expect((await cluster.snapshot()).underReplicated).toBe(3);

    const repaired = await cluster.repair();
    expect(repaired.ok).toBe(true);
    if (!repaired.ok) return;
    const { repair } = repaired;
    expect({ planned: repair.planned, copied: repair.copied, plannedDeletes: repair.plannedDeletes, deleted: repair.deleted, settled: repair.settled }).toEqual({
      planned: previewed.preview.copies,
      copied: previewed.preview.copies,
      plannedDeletes: previewed.preview.deletes,
      deleted: previewed.preview.deletes,
      settled: previewed.preview.settles,
    });
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    const clean = await cluster.preview({ type: 'repair' });
    expect(clean.ok && clean.preview).toMatchObject({ copies: 0, deletes: 0, settles: 0 });
  });
});

/** Writes a key on one node directly, as another client of that memcached would. */
async function writeBehind(fixture: Fixture, nodeId: string, key: string): Promise<void> {
  const parsed = parseAddress(fixture.cluster.nodes().find((n) => n.id === nodeId)!.address);
  if (!parsed.ok) throw new Error(parsed.message);
  const client = new NodeClient(parsed.address, { deadlineMs: 2000 });
  try {
    await client.set(key, Buffer.from('stray'), 0, 0);
  } finally {
    client.close();
  }
}
