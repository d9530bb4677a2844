// Listings against real memcached: tombstones apart from keys, found by size and confirmed by reading only the items that match.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeTombstone, encodeValue, TOMBSTONE_RETENTION_SECONDS, VALUE_FLAGS } from '@/lib/envelope';
import { mapLimit } from '@/lib/concurrency';
import { startLocalNode, stopLocalNode, type LocalProcess } from '@/lib/memcached/local-nodes';
import { NodeClient } from '@/lib/memcached/node-client';
import { PROBE_KEYS } from '@/lib/memcached/tombstones';

let node: LocalProcess;
let client: NodeClient;

const version = (wall: number) => ({ wall, counter: 0, writerHash: 7 });
const tombstone = (key: string, wall = 1) => {
  const { flags, value } = encodeTombstone(version(wall));
  return client.set(key, value, TOMBSTONE_RETENTION_SECONDS, flags);
};
const sorted = (keys: string[]) => [...keys].sort();

beforeAll(async () => {
  node = await startLocalNode({ memoryMb: 64 });
  client = new NodeClient(node, { deadlineMs: 2000 });
});

afterAll(async () => {
  client.close();
  await stopLocalNode(node.pid, 'SIGKILL');
});

beforeEach(async () => {
  await client.flush();
});

describe('listing a node', () => {
  it('tells tombstones from values of exactly their size, reading only those', async () => {
    await tombstone('k:1', 42);
    // The same item size as a tombstone under a key of the same length: flags 0 store no flags word, hence 4 more bytes.
    await client.set('k:2', Buffer.alloc(21, 'x'));
    // A versioned empty value is the tombstone's header under the value marker.
    const empty = encodeValue(version(3), Buffer.alloc(0));
    await client.set('k:3', empty.value, 0, empty.flags);
    // A plain client's value that is the tombstone's bytes without the marker.
    await client.set('k:4', encodeTombstone(version(5)).value, 0, 0);
    await client.set('k:5', Buffer.alloc(22, 'y'));
    const listing = await client.listing();
    expect(sorted(listing.keys.map((k) => k.key))).toEqual(['k:2', 'k:3', 'k:4', 'k:5']);
    expect(listing.tombstones).toEqual([{ key: 'k:1', exp: expect.any(Number), version: version(42) }]);
    expect(listing.tombstones[0].exp).toBeGreaterThan(Date.now() / 1000 + TOMBSTONE_RETENTION_SECONDS - 5);
    expect(listing.candidates).toBe(3); // k:1, k:2, k:3; k:4 (flags 0, 17 bytes) and k:5 are smaller and larger
    expect(listing.reads).toBe(3);
    expect((await client.inventory()).map((k) => k.key).sort()).toEqual(['k:2', 'k:3', 'k:4', 'k:5']);
  });

  it('never lists its calibration probes, though they are on the node', async () => {
    await client.set('user', Buffer.from('v'));
    // A fresh client knows nothing of this server yet, so it writes the probes before listing.
    const fresh = new NodeClient(node);
    try {
      expect((await fresh.inventory()).map((k) => k.key)).toEqual(['user']);
      for (const key of PROBE_KEYS) expect((await client.getVersioned(key))?.kind).toBe('tombstone');
      expect(Number((await client.stats()).curr_items)).toBe(3);
    } finally {
      fresh.close();
    }
  });

  it('classifies 10,000 tombstones among 10,000 values with one read per candidate, then rereads only what changed', async () => {
    const N = 10_000;
    await mapLimit(
      Array.from({ length: N }, (_, i) => i),
      64,
      async (i) => {
        await tombstone(`tomb:${i}`, i + 1);
        // Values of 1 to 300 bytes, versioned and not: some share a tombstone's size.
        const bytes = Buffer.alloc(1 + (i % 300), 'v');
        if (i % 2) await client.set(`value:${i}`, bytes);
        else await client.set(`value:${i}`, encodeValue(version(i), bytes).value, 0, VALUE_FLAGS);
      },
    );
    const first = await client.listing();
    expect(first.keys.length).toBe(N);
    expect(first.keys.every((k) => k.key.startsWith('value:'))).toBe(true);
    expect(first.tombstones.length).toBe(N);
    expect(first.tombstones.every((t) => t.key === `tomb:${t.version.wall - 1}`)).toBe(true);
    // Tombstones, plus the few values whose item size equals a tombstone's for their key length.
    expect(first.candidates).toBeGreaterThanOrEqual(N);
    expect(first.candidates).toBeLessThan(N + 200);
    expect(first.reads).toBe(first.candidates);

    const again = await client.listing();
    expect(again.reads).toBe(0);
    expect(again.tombstones.length).toBe(N);

    // Five new tombstones, three tombstones replaced by values of the same size, one value deleted.
    for (let i = 0; i < 5; i++) await tombstone(`tomb:new:${i}`);
    for (let i = 0; i < 3; i++) await client.set(`tomb:${i}`, encodeValue(version(1), Buffer.alloc(0)).value, 0, VALUE_FLAGS);
    await client.delete('value:1');
    const third = await client.listing();
    expect(third.reads).toBe(8);
    expect(third.tombstones.length).toBe(N + 5 - 3);
    expect(third.keys.length).toBe(N - 1 + 3);
    expect(third.keys.map((k) => k.key)).toEqual(expect.arrayContaining(['tomb:0', 'tomb:1', 'tomb:2']));
  });

  it('starts afresh on a restarted server, whose CAS numbering starts again', async () => {
    const victim = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(victim);
    try {
      const { flags, value } = encodeTombstone(version(9));
      await c.set('x', value, 60, flags);
      expect((await c.listing()).tombstones.map((t) => t.key)).toEqual(['x']);
      await stopLocalNode(victim.pid, 'SIGKILL');
      victim.pid = (await startLocalNode({ port: victim.port, memoryMb: 8 })).pid;
      // Same key, a value of the tombstone's size, very likely the same CAS as before the restart.
      const empty = encodeValue(version(10), Buffer.alloc(0));
      await c.set('x', empty.value, 60, empty.flags);
      const after = await c.listing();
      expect(after.tombstones).toEqual([]);
      expect(after.keys.map((k) => k.key)).toEqual(['x']);
    } finally {
      c.close();
      await stopLocalNode(victim.pid, 'SIGKILL');
    }
  });
});
