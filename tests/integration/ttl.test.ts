// TTLs through repairs on real memcached: a repaired copy expires when the original does, and a key without one never gains one.
import { afterEach, describe, expect, it } from 'vitest';
import { preferenceList } from '@/lib/ring';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TTLs', () => {
  it('survive the repair of a node revived empty, and the key then expires everywhere on time', async () => {
    fixture = await openFixture(3);
    const f = fixture;
    expect((await f.cluster.put('brief', 'soon gone', { ttl: 3 })).ok).toBe(true);
    expect((await f.cluster.put('forever', 'stays')).ok).toBe(true);
    expect((await f.cluster.killNode('node-1')).ok).toBe(true);
    const revived = await f.cluster.reviveNode('node-1');
    expect(revived.ok && revived.repair.copied).toBe(2);
    const ttl = await f.rawTtl('node-1', 'brief');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3);
    expect(await f.rawTtl('node-1', 'forever')).toBe(-1);

    await sleep(4200);
    const read = await f.cluster.get('brief');
    expect(!read.ok && read.error).toBe('not_found');
    for (const node of ['node-1', 'node-2', 'node-3']) expect(await f.rawGet(node, 'brief')).toBeNull();
    expect((await f.cluster.get('forever')).ok).toBe(true);
  });

  it('survive read repair: the copy given back to a replica keeps the remaining lifetime', async () => {
    fixture = await openFixture(3);
    const f = fixture;
    expect((await f.cluster.put('brief', 'soon gone', { ttl: 3 })).ok).toBe(true);
    const [primary] = preferenceList(f.cluster.currentRing, 'brief');
    expect(await f.rawDelete(primary, 'brief')).toBe(true);
    const read = await f.cluster.get('brief');
    expect(read.ok && read.repaired).toEqual([primary]);
    const ttl = await f.rawTtl(primary, 'brief');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3);
    await sleep(4200);
    expect(await f.rawGet(primary, 'brief')).toBeNull();
  });
});
