// The key inventory kept between calls, on real memcached: this process's writes are seen without listing a node again,
// and a write behind its back (another client's set, delete, touch or flush, a server restarted) is seen at the next look.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyInventory } from '@/lib/cluster/key-inventory';
import { NodePool } from '@/lib/cluster/node-pool';
import { encodeTombstone, encodeValue } from '@/lib/envelope';
import { recordOf } from '@/lib/key-columns';
import { asciiCommand } from '@/lib/memcached/ascii';
import { NodeClient } from '@/lib/memcached/node-client';
import { parseAddress } from '@/lib/validate';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture;
let pool: NodePool;
let ids: string[];
const others: NodeClient[] = [];

beforeEach(async () => {
  fixture = await openFixture(2);
  pool = new NodePool(2000, { down: () => undefined, suspectsChanged: () => undefined });
  ids = fixture.cluster.nodes().map((n) => n.id);
  for (const node of fixture.cluster.nodes()) pool.track(node.id, address(node.address), 'up');
  for (let i = 0; i < 50; i++) await fixture.cluster.put(`seed:${i}`, 'v');
});
afterEach(async () => {
  for (const client of others.splice(0)) client.close();
  pool.closeAll();
  await fixture.teardown();
});

function address(text: string) {
  const parsed = parseAddress(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.address;
}

/** Another client of the node, as a tool or another program would write to it. */
function another(id: string): NodeClient {
  const client = new NodeClient(address(fixture.cluster.nodes().find((n) => n.id === id)!.address), { deadlineMs: 2000 });
  others.push(client);
  return client;
}

const keysOn = (view: Awaited<ReturnType<KeyInventory['current']>>, id: string) => (recordOf(view.inventory)[id] ?? []).map((e) => e.key).sort();
const write = <T>(id: string, op: (client: NodeClient) => Promise<T>) => pool.call(id, op);

describe('a key inventory kept between calls', () => {
  it("folds in this process's writes without listing a node again", async () => {
    const inventory = new KeyInventory(pool);
    const first = await inventory.current(ids);
    expect(first.listed).toEqual([...ids].sort());
    const [a, b] = ids;
    const before = keysOn(first, a);
    expect(before.length).toBeGreaterThan(10);

    expect((await write(a, (c) => c.set('mine:1', Buffer.from('x')))).ok).toBe(true);
    expect((await write(a, (c) => c.add('mine:2', Buffer.from('x'), 300))).ok).toBe(true);
    expect((await write(a, (c) => c.add('mine:2', Buffer.from('y')))).ok).toBe(true); // exists: nothing changes
    expect((await write(a, (c) => c.delete(before[0]))).ok).toBe(true);
    expect((await write(a, (c) => c.delete('never-there'))).ok).toBe(true);
    // The data path's plain set, in a quiet batch on a connection of its own.
    expect((await write(a, (c) => c.setVersioned('mine:3', encodeValue({ wall: Date.now(), counter: 0, writerHash: 1 }, Buffer.from('q'))))).ok).toBe(true);
    const tombstone = encodeTombstone({ wall: Date.now(), counter: 0, writerHash: 1 });
    expect((await write(b, (c) => c.set('gone:1', tombstone.value, 600, tombstone.flags))).ok).toBe(true);
    expect((await write(b, (c) => c.set('odd:1', Buffer.from('not a delete'), 0, tombstone.flags))).ok).toBe(true);

    const second = await inventory.current(ids);
    expect(second.listed).toEqual([]);
    expect(keysOn(second, a)).toEqual([...before.slice(1), 'mine:1', 'mine:2', 'mine:3'].sort());
    expect(second.tombstones[b].map((t) => t.key)).toContain('gone:1');
    expect(keysOn(second, b)).not.toContain('gone:1');
    expect(keysOn(second, b)).toContain('odd:1');
    const exp = recordOf(second.inventory)[a].find((e) => e.key === 'mine:2')!.exp;
    expect(Math.abs(exp - (Date.now() / 1000 + 300))).toBeLessThan(3);
    // What a listing now shows, exactly.
    const listed = await inventory.current(ids, { fresh: true });
    expect(listed.listed).toEqual([...ids].sort());
    for (const id of ids) expect(keysOn(second, id)).toEqual(keysOn(listed, id));
  });

  it('folds in conditional deletes, the refused ones included, without listing a node again', async () => {
    const inventory = new KeyInventory(pool);
    const [a] = ids;
    const first = await inventory.current(ids);
    const [kept, gone] = keysOn(first, a);
    const casOn = async (key: string) => (await another(a).getVersioned(key))!.cas;
    const refused = await write(a, async (c) => c.deleteIfUnchanged(kept, (await casOn(kept)) + BigInt(1)));
    expect(refused).toEqual({ ok: true, value: 'changed' });
    expect(await write(a, async (c) => c.deleteIfUnchanged(gone, await casOn(gone)))).toEqual({ ok: true, value: 'deleted' });
    expect(await write(a, (c) => c.deleteIfUnchanged('never-there', BigInt(5)))).toEqual({ ok: true, value: 'absent' });

    const second = await inventory.current(ids);
    expect(second.listed).toEqual([]);
    expect(keysOn(second, a)).toEqual(keysOn(first, a).filter((key) => key !== gone));
  });

  it('lists a node again after a write behind its back: a set, a delete, a touch, a flush', async () => {
    const inventory = new KeyInventory(pool);
    const [a, b] = ids;
    const first = await inventory.current(ids);

    await another(a).set('theirs', Buffer.from('x'));
    const afterSet = await inventory.current(ids);
    expect(afterSet.listed).toEqual([a]);
    expect(keysOn(afterSet, a)).toContain('theirs');

    const victim = keysOn(first, b)[0];
    expect(await another(b).delete(victim)).toBe(true);
    const afterDelete = await inventory.current(ids);
    expect(afterDelete.listed).toEqual([b]);
    expect(keysOn(afterDelete, b)).not.toContain(victim);

    // A touch changes no key, but its expiry.
    const touched = await asciiCommand(address(fixture.cluster.nodes().find((n) => n.id === a)!.address), 'touch theirs 300', (tail) => /\r\n$/.test(tail), 2000);
    expect(touched).toBe('TOUCHED\r\n');
    const afterTouch = await inventory.current(ids);
    expect(afterTouch.listed).toEqual([a]);
    const exp = recordOf(afterTouch.inventory)[a].find((e) => e.key === 'theirs')!.exp;
    expect(Math.abs(exp - (Date.now() / 1000 + 300))).toBeLessThan(10);

    await another(a).flush();
    const afterFlush = await inventory.current(ids);
    expect(afterFlush.listed).toEqual([a]);
    expect(keysOn(afterFlush, a)).toEqual([]);
    expect((await inventory.current(ids)).listed).toEqual([]);
  });

  it('lists a node again when a write of its own was in flight while the counters were read, or failed', async () => {
    const inventory = new KeyInventory(pool);
    const [a] = ids;
    await inventory.current(ids);
    const inFlight = write(a, (c) => c.set('racing', Buffer.from('x')));
    const during = await inventory.current(ids);
    await inFlight;
    expect(during.listed).toEqual([a]);
    expect(keysOn(await inventory.current(ids), a)).toContain('racing');

    // Refused as too large: whether memcached dropped the key's old value the answer does not say.
    expect((await write(a, (c) => c.set('racing', Buffer.alloc(2 * 1024 * 1024)))).ok).toBe(false);
    expect((await inventory.current(ids)).listed).toEqual([a]);
  });

  it('drops keys of its own writes as they expire, without listing', async () => {
    const inventory = new KeyInventory(pool);
    const [a] = ids;
    await inventory.current(ids);
    await write(a, (c) => c.set('brief', Buffer.from('x'), 3));
    const soon = await inventory.current(ids);
    expect(soon.listed).toEqual([]);
    expect(keysOn(soon, a)).toContain('brief');
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const later = await inventory.current(ids);
    expect(later.listed).toEqual([]);
    expect(keysOn(later, a)).not.toContain('brief');
  });

  it('lists a restarted server again, and leaves out a node that does not answer', async () => {
    const inventory = new KeyInventory(pool);
    const [a, b] = ids;
    await inventory.current(ids);
    expect((await fixture.cluster.killNode(a)).ok).toBe(true);
    const down = await inventory.current(ids);
    expect(down.unreachable).toEqual([a]);
    expect(Object.keys(recordOf(down.inventory))).toEqual([b]);
    expect((await fixture.cluster.reviveNode(a)).ok).toBe(true);
    pool.markUp(a);
    const back = await inventory.current(ids);
    expect(back.listed).toContain(a);
  });
});

describe("the cluster's snapshot", () => {
  it('shows a key set and a replica deleted behind its back, once its reuse window (a second, or as long as one took) is over', async () => {
    const { cluster } = fixture;
    const before = await cluster.snapshot();
    const node = cluster.nodes()[0].id;
    await another(node).set('behind:1', Buffer.from('x'));
    const victim = before.keys.find((k) => k.holders.length > 1)!;
    expect(await another(victim.holders[1]).delete(victim.key)).toBe(true);
    let after = await cluster.snapshot();
    for (const until = Date.now() + 10_000; after.keyCount === before.keyCount && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await cluster.snapshot();
    }
    expect(after.keyCount).toBe(before.keyCount + 1);
    expect(after.underReplicated).toBe(before.underReplicated + 2); // the new key lacks its other replica too
    expect(after.keys.find((k) => k.key === victim.key)!.missing).toEqual([victim.holders[1]]);
  });
});
