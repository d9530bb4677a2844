// The cluster against real memcached processes: placement, moves, failures and repair, checked on each node directly.
import { afterEach, describe, expect, it } from 'vitest';
import { fakeEntries } from '@/lib/fake-data';
import { recordOf } from '@/lib/key-columns';
import { minimumCopies } from '@/lib/plan';
import { encodeValue } from '@/lib/envelope';
import { buildRing, preferenceList } from '@/lib/ring';
import { stopLocalNode } from '@/lib/memcached/local-nodes';
import { writeFromAnotherProcess } from '../support/another-process';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});

async function seeded(nodes: number, count: number) {
  fixture = await openFixture(nodes);
  const entries = fakeEntries(count, 42);
  for (const { key, value } of entries) {
    const result = await fixture.cluster.put(key, value);
    expect(result.ok && result.acknowledged).toBe(Math.min(3, nodes));
  }
  return { fixture, entries, keys: entries.map((e) => e.key) };
}

describe('placement on real memcached', () => {
  it('stores each key on exactly its preference list, byte for byte', async () => {
    const { fixture, entries, keys } = await seeded(4, 200);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    for (const { key, value } of entries.slice(0, 20)) {
      for (const node of fixture.cluster.currentRing.nodes.map((n) => n.id)) {
        const raw = await fixture.rawGet(node, key);
        if (fixture.expected([key])[node].length) expect(raw?.toString('utf8')).toBe(value);
        else expect(raw).toBeNull();
      }
    }
  });

  it('moves only what the ring change requires when a node is added, and every key ends on its new list only', async () => {
    const { fixture, keys } = await seeded(3, 300);
    const before = fixture.cluster.currentRing;
    const added = await fixture.cluster.addNode({ id: 'node-9' });
    expect(added.ok).toBe(true);
    if (!added.ok) return;
    const after = fixture.cluster.currentRing;
    expect(after.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3', 'node-9']);
    expect(added.copied).toBe(minimumCopies(before, after, keys));
    expect(added.failed).toBe(0);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    for (const key of keys.slice(0, 30)) expect((await fixture.cluster.get(key)).ok).toBe(true);
  });

  it('removes a node gracefully: its keys move first, nothing is lost', async () => {
    const { fixture, entries, keys } = await seeded(4, 300);
    const before = fixture.cluster.currentRing;
    const removed = await fixture.cluster.removeNode('node-2');
    expect(removed.ok).toBe(true);
    if (!removed.ok) return;
    expect(removed.copied).toBe(minimumCopies(before, fixture.cluster.currentRing, keys));
    expect(fixture.cluster.nodes().map((n) => n.id)).toEqual(['node-1', 'node-3', 'node-4']);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    for (const { key, value } of entries) {
      const read = await fixture.cluster.get(key);
      expect(read.ok && read.value.toString('utf8')).toBe(value);
    }
  });

  it("changes a node's weight, moving keys only between it and the others", async () => {
    const { fixture, keys } = await seeded(3, 200);
    const result = await fixture.cluster.setVnodes('node-1', 320);
    expect(result.ok).toBe(true);
    expect(fixture.cluster.currentRing.nodes.find((n) => n.id === 'node-1')?.vnodes).toBe(320);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
  });
});

describe('writes during a move', () => {
  it('keeps a key written during a change on every node of its new list, though the plan found it there alone', async () => {
    const { fixture, keys } = await seeded(4, 100);
    const before = fixture.cluster.currentRing;
    const after = buildRing(
      before.nodes.filter((n) => n.id !== 'node-2').map(({ id, vnodes }) => ({ id, vnodes })),
      3,
    );
    const lone = Array.from({ length: 400 }, (_, i) => `lone:${i}`)
      .map((key) => ({ key, newcomer: preferenceList(after, key).find((node) => !preferenceList(before, key).includes(node)) }))
      .filter((entry): entry is { key: string; newcomer: string } => entry.newcomer !== undefined)
      .slice(0, 40);
    // What listings taken a moment apart show of a key written between them: absent from its old list, held by a node of its new one.
    for (const { key, newcomer } of lone) await fixture.rawSet(newcomer, key, encodeValue({ wall: 1, counter: 0, writerHash: 7 }, Buffer.from('listed')));
    // Half the keys are written while the change copies (to both lists), half once the ring has switched (to the new list).
    const writes: Promise<unknown>[] = [];
    const stop = fixture.cluster.events.subscribe((event) => {
      const half = event.type === 'move-planned' ? lone.slice(0, 20) : event.type === 'ring-changed' ? lone.slice(20) : [];
      for (const { key } of half) writes.push(fixture.cluster.put(key, `written ${key}`).then((put) => expect(put.ok).toBe(true)));
    });
    const removed = await fixture.cluster.removeNode('node-2');
    stop();
    await Promise.all(writes);
    expect(removed.ok).toBe(true);
    expect(writes).toHaveLength(40);
    for (const { key } of lone) {
      for (const node of preferenceList(fixture.cluster.currentRing, key)) expect((await fixture.rawGet(node, key))?.toString(), `${key} on ${node}`).toBe(`written ${key}`);
    }
    expect(await fixture.holdings()).toEqual(fixture.expected([...keys, ...lone.map((entry) => entry.key)]));
  });

  it('keeps a key another process wrote after the listing on exactly its new list, without a repair', async () => {
    const { fixture, keys } = await seeded(4, 100);
    const before = fixture.cluster.currentRing;
    const after = buildRing(
      before.nodes.filter((n) => n.id !== 'node-2').map(({ id, vnodes }) => ({ id, vnodes })),
      3,
    );
    const lone = Array.from({ length: 400 }, (_, i) => `other:${i}`)
      .map((key) => ({ key, newcomer: preferenceList(after, key).find((node) => !preferenceList(before, key).includes(node)) }))
      .filter((entry): entry is { key: string; newcomer: string } => entry.newcomer !== undefined)
      .slice(0, 20);
    // Copies on a node of the new list alone, as an interrupted change leaves them: the plan deletes them.
    for (const { key, newcomer } of lone) await fixture.rawSet(newcomer, key, encodeValue({ wall: 1, counter: 0, writerHash: 7 }, Buffer.from('stale')));
    const rewritten = lone.slice(0, 10).map((entry) => entry.key);
    const addressOf = (id: string) => fixture.cluster.nodes().find((n) => n.id === id)!.address;
    let wrote: unknown = 'not yet';
    const stop = fixture.cluster.events.subscribe((event) => {
      if (event.type !== 'move-planned') return;
      // Another process writes half the keys once the nodes are listed, to both lists as a Ringside process does while a
      // change runs. This one waits until it is done, so the writes land before any copy or delete of the change.
      try {
        writeFromAnotherProcess(
          rewritten.flatMap((key) => {
            const envelope = encodeValue({ wall: Date.now(), counter: 0, writerHash: 99 }, Buffer.from(`other ${key}`));
            return [...new Set([...preferenceList(before, key), ...preferenceList(after, key)])].map((node) => ({ address: addressOf(node), key, envelope }));
          }),
        );
        wrote = 'written';
      } catch (error) {
        wrote = error;
      }
    });
    const removed = await fixture.cluster.removeNode('node-2');
    stop();
    expect(wrote).toBe('written');
    expect(removed.ok).toBe(true);
    for (const key of rewritten) {
      for (const node of preferenceList(fixture.cluster.currentRing, key)) expect((await fixture.rawGet(node, key))?.toString(), `${key} on ${node}`).toBe(`other ${key}`);
    }
    // The stale copies went; the written ones sit on their new lists.
    expect(await fixture.holdings()).toEqual(fixture.expected([...keys, ...rewritten]));
  });
});

describe('failures', () => {
  it('serves every key while a node is killed, and refills the node when it is revived empty', async () => {
    const { fixture, entries, keys } = await seeded(4, 200);
    expect((await fixture.cluster.killNode('node-3')).ok).toBe(true);
    expect(fixture.cluster.nodes().find((n) => n.id === 'node-3')?.status).toBe('down');
    for (const { key, value } of entries) {
      const read = await fixture.cluster.get(key);
      expect(read.ok && read.value.toString('utf8')).toBe(value);
    }
    // Writes while it is down reach the other replicas and mark node-3's copy suspect.
    const onNode3 = keys.find((key) => fixture.expected([key])['node-3'].length > 0)!;
    const write = await fixture.cluster.put(onNode3, 'written while node-3 was down');
    expect(write.ok && write.acknowledged).toBe(2);
    const revived = await fixture.cluster.reviveNode('node-3');
    expect(revived.ok).toBe(true);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    expect((await fixture.rawGet('node-3', onNode3))?.toString()).toBe('written while node-3 was down');
  });

  it('keeps a key deleted while one of its replicas was down deleted after the replica returns', async () => {
    const { fixture, keys } = await seeded(3, 60);
    const victim = keys[0];
    await fixture.cluster.killNode('node-2');
    expect((await fixture.cluster.delete(victim)).ok).toBe(true);
    await fixture.cluster.reviveNode('node-2');
    const read = await fixture.cluster.get(victim);
    expect(read.ok ? 'found' : read.error).toBe('not_found');
    const holdings = await fixture.holdings();
    for (const list of Object.values(holdings)) expect(list).not.toContain(victim);
  });

  it("notices a node restarted empty behind Ringside's back and repairs it", async () => {
    const { fixture, keys } = await seeded(3, 100);
    const node = fixture.cluster.nodes().find((n) => n.id === 'node-1')!;
    // Restart node-1's process on the same port, as an operator or a crash-and-supervisor would.
    await stopLocalNode(node.pid!, 'SIGKILL');
    await fixture.reopen();
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
  });

  it('rebuilds from surviving copies when a node is removed while unreachable', async () => {
    const { fixture, entries, keys } = await seeded(4, 200);
    await fixture.cluster.killNode('node-4');
    const removed = await fixture.cluster.removeNode('node-4');
    expect(removed.ok).toBe(true);
    expect(await fixture.holdings()).toEqual(fixture.expected(keys));
    for (const { key, value } of entries.slice(0, 50)) {
      const read = await fixture.cluster.get(key);
      expect(read.ok && read.value.toString('utf8')).toBe(value);
    }
  });

  it('repairs a replica found missing a value on read', async () => {
    const { fixture, keys } = await seeded(3, 20);
    const key = keys[0];
    const located = await fixture.cluster.locate(key);
    if (!located.ok) throw new Error(located.message);
    const primary = located.replicas[0].node;
    expect(await fixture.rawDelete(primary, key)).toBe(true);
    const read = await fixture.cluster.get(key);
    expect(read.ok && read.repaired).toEqual([primary]);
    expect(await fixture.rawGet(primary, key)).not.toBeNull();
  });
});

describe('lifecycle and TTLs', () => {
  it('loses no key when Ringside quits and starts again', async () => {
    const { fixture, entries } = await seeded(3, 100);
    const checksum = fixture.cluster.currentRing.checksum;
    const cluster = await fixture.reopen();
    expect(cluster.currentRing.checksum).toBe(checksum);
    for (const { key, value } of entries) {
      const read = await cluster.get(key);
      expect(read.ok && read.value.toString('utf8')).toBe(value);
    }
  });

  it('keeps a TTL across a move: the copy expires when the original would', async () => {
    fixture = await openFixture(3);
    const keys = Array.from({ length: 40 }, (_, i) => `ttl:${i}`);
    for (const key of keys) expect((await fixture.cluster.put(key, 'short-lived', { ttl: 600 })).ok).toBe(true);
    const added = await fixture.cluster.addNode({ id: 'node-4' });
    expect(added.ok && added.copied).toBeGreaterThan(0);
    const { inventory } = await fixture.cluster.inventory(['node-4']);
    const listed = recordOf(inventory)['node-4'];
    const now = Date.now() / 1000;
    expect(listed.length).toBeGreaterThan(0);
    for (const { exp } of listed) {
      expect(exp).toBeGreaterThan(now + 590);
      expect(exp).toBeLessThan(now + 610);
    }
  });

  it('rings in separate processes agree: same checksum for the same membership', async () => {
    fixture = await openFixture(2);
    const other = buildRing(fixture.cluster.currentRing.nodes.map((n) => ({ ...n })).reverse(), 3);
    expect(other.checksum).toBe(fixture.cluster.ringSummary().checksum);
  });
});

describe('bad input changes nothing', () => {
  it('refuses each with a clear error, leaving ring and data as they were', async () => {
    const { fixture, keys } = await seeded(3, 30);
    const checksum = fixture.cluster.currentRing.checksum;
    const holdings = await fixture.holdings();
    const attempts = [
      await fixture.cluster.put('k'.repeat(251), 'v'),
      await fixture.cluster.put('', 'v'),
      await fixture.cluster.put('has space', 'v'),
      await fixture.cluster.put('tab\there', 'v'),
      await fixture.cluster.put('ok-key', Buffer.alloc(2 * 1024 * 1024)),
      await fixture.cluster.put('ok-key', 'v', { ttl: -1 }),
      await fixture.cluster.get('bad key'),
      await fixture.cluster.addNode({ address: 'not-an-address' }),
      await fixture.cluster.addNode({ address: '127.0.0.1:99999' }),
      await fixture.cluster.addNode({ id: 'has,comma' }),
      await fixture.cluster.addNode({ id: 'node-1' }),
      await fixture.cluster.addNode({ vnodes: 0 }),
      await fixture.cluster.removeNode('nope'),
      await fixture.cluster.killNode('nope'),
      await fixture.cluster.setVnodes('node-1', 1.5),
    ];
    for (const attempt of attempts) {
      expect(attempt.ok).toBe(false);
      if (!attempt.ok) expect(attempt.message.length).toBeGreaterThan(10);
    }
    expect(attempts.map((a) => !a.ok && a.error)).toEqual([
      'invalid_key',
      'invalid_key',
      'invalid_key',
      'invalid_key',
      'invalid_value',
      'invalid_ttl',
      'invalid_key',
      'invalid_address',
      'invalid_address',
      'invalid_id',
      'node_exists',
      'invalid_vnodes',
      'unknown_node',
      'unknown_node',
      'invalid_vnodes',
    ]);
    expect(fixture.cluster.currentRing.checksum).toBe(checksum);
    expect(await fixture.holdings()).toEqual(holdings);
    expect(keys.length).toBe(30);
  });

  it('refuses to remove the last node', async () => {
    fixture = await openFixture(1);
    const result = await fixture.cluster.removeNode('node-1');
    expect(!result.ok && result.error).toBe('last_node');
    expect(fixture.cluster.nodes()).toHaveLength(1);
  });

  it('refuses a node address outside the allow-list without contacting it', async () => {
    fixture = await openFixture(1);
    const result = await fixture.cluster.addNode({ address: '192.0.2.10:11211' });
    expect(!result.ok && result.error).toBe('address_not_allowed');
    expect(fixture.cluster.nodes()).toHaveLength(1);
  });
});
