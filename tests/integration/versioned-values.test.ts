// Versioned writes against real memcached: newer wins on every interleaving, tombstones order like writes, unversioned items are oldest.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareItemVersions, encodeTombstone, encodeValue, TOMBSTONE_RETENTION_SECONDS, type Envelope, type ItemVersion } from '@/lib/envelope';
import { mapLimit } from '@/lib/concurrency';
import { startLocalNode, stopLocalNode, type LocalProcess } from '@/lib/memcached/local-nodes';
import { NodeClient, NodeError } from '@/lib/memcached/node-client';

const DEADLINE = 2000;
let node: LocalProcess;
let client: NodeClient;
let other: NodeClient;

const v = (wall: number, counter = 0, writerHash = 1): ItemVersion => ({ wall, counter, writerHash });
const value = (version: ItemVersion, text: string) => encodeValue(version, Buffer.from(text));

/** What a key holds, in a form to compare: kind, version and text. */
async function held(key: string) {
  const item = await client.getVersioned(key);
  return item && { kind: item.kind, version: item.version, text: item.bytes.toString() };
}

beforeAll(async () => {
  node = await startLocalNode({ memoryMb: 64 });
  client = new NodeClient(node, { deadlineMs: DEADLINE });
  other = new NodeClient(node, { deadlineMs: DEADLINE });
});

afterAll(async () => {
  client.close();
  other.close();
  await stopLocalNode(node.pid, 'SIGKILL');
});

beforeEach(async () => {
  await client.flush();
});

describe('versioned items on one node', () => {
  it('reads plain items as unversioned, with their bytes whole, and envelopes with their version and CAS', async () => {
    expect(await client.getVersioned('absent')).toBeNull();
    await client.set('plain', Buffer.from('RS looks like a header'));
    const plain = await client.getVersioned('plain');
    expect(plain).toMatchObject({ kind: 'unversioned', version: null, flags: 0 });
    expect(plain!.bytes.toString()).toBe('RS looks like a header');
    await client.setVersioned('enveloped', value(v(5, 2, 9), 'hello'));
    const enveloped = await client.getVersioned('enveloped');
    expect(enveloped).toMatchObject({ kind: 'value', version: v(5, 2, 9), flags: 0x52530001 });
    expect(enveloped!.bytes.toString()).toBe('hello');
    expect(enveloped!.cas).toBeGreaterThan(plain!.cas);
    // A plain client reads the envelope itself: header then the user's bytes.
    expect((await client.get('enveloped'))!.value.subarray(17).toString()).toBe('hello');
  });

  it('stores over an older version and keeps a newer or equal one', async () => {
    expect(await client.putIfNewer('k', value(v(10), 'ten'))).toBe('stored');
    expect(await client.putIfNewer('k', value(v(9, 99, 99), 'nine'))).toBe('older');
    expect(await client.putIfNewer('k', value(v(10), 'ten again'))).toBe('older');
    expect(await held('k')).toEqual({ kind: 'value', version: v(10), text: 'ten' });
    expect(await client.putIfNewer('k', value(v(10, 0, 2), 'tie broken by writer'))).toBe('stored');
    expect(await held('k')).toEqual({ kind: 'value', version: v(10, 0, 2), text: 'tie broken by writer' });
  });

  it('gives the same outcomes when told the key is likely present, reading first', async () => {
    const present = { present: true };
    expect(await client.putIfNewer('p', value(v(10), 'ten'), 0, present)).toBe('stored');
    expect(await client.putIfNewer('p', value(v(9), 'nine'), 0, present)).toBe('older');
    expect(await client.putIfNewer('p', encodeTombstone(v(11)), TOMBSTONE_RETENTION_SECONDS, present)).toBe('stored');
    expect(await client.putIfNewer('p', value(v(10, 1), 'late'), 0, present)).toBe('older');
    expect(await held('p')).toEqual({ kind: 'tombstone', version: v(11), text: '' });
  });

  it('counts an unversioned item as older than any versioned write', async () => {
    await client.set('legacy', Buffer.from('from earlier Ringside'));
    expect(await client.putIfNewer('legacy', value(v(0, 0, 0), 'oldest possible version'))).toBe('stored');
    expect(await held('legacy')).toEqual({ kind: 'value', version: v(0, 0, 0), text: 'oldest possible version' });
  });

  it('lets a tombstone win over older writes and lose to newer ones, and keeps it for the retention time', async () => {
    await client.putIfNewer('t', value(v(20), 'live'));
    expect(await client.putIfNewer('t', encodeTombstone(v(21)), TOMBSTONE_RETENTION_SECONDS)).toBe('stored');
    expect(await client.putIfNewer('t', value(v(20, 5), 'late, older write'))).toBe('older');
    expect(await client.putIfNewer('t', encodeTombstone(v(19)), TOMBSTONE_RETENTION_SECONDS)).toBe('older');
    expect(await held('t')).toEqual({ kind: 'tombstone', version: v(21), text: '' });
    const ttl = await client.ttl('t');
    expect(ttl).toBeGreaterThan(TOMBSTONE_RETENTION_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(TOMBSTONE_RETENTION_SECONDS);
    expect(await client.putIfNewer('t', value(v(22), 'newer write'))).toBe('stored');
    expect(await held('t')).toEqual({ kind: 'value', version: v(22), text: 'newer write' });
    // A tombstone over a key that is absent still stops older writes.
    expect(await client.putIfNewer('gone', encodeTombstone(v(30)), TOMBSTONE_RETENTION_SECONDS)).toBe('stored');
    expect(await client.putIfNewer('gone', value(v(29), 'resurrection'))).toBe('older');
  });

  it('refuses a plain value as a conditional write: it carries no version', async () => {
    await expect(client.putIfNewer('k', { flags: 0, value: Buffer.from('x') })).rejects.toThrow(/versioned envelope/);
  });
});

describe('racing writers', () => {
  it('leaves the newest version on every key, whatever the interleaving of two writers', async () => {
    const KEYS = 300;
    const WRITES = 12;
    const plans = Array.from({ length: KEYS }, (_, k) =>
      Array.from({ length: WRITES }, (_, i): { envelope: Envelope; version: ItemVersion } => {
        // Distinct versions in a shuffled order; one write in four a tombstone.
        const version = v(1000 + ((i * 7919 + k * 31) % 97), i, (k + i) % 3);
        return { version, envelope: i % 4 === 3 ? encodeTombstone(version) : value(version, `${k}:${i}`) };
      }).sort(() => Math.random() - 0.5),
    );
    const writer = (c: NodeClient, half: 0 | 1) =>
      mapLimit(plans, 32, async (writes, k) => {
        // Both ways of starting a conditional write, mixed.
        for (const { envelope } of writes.filter((_, i) => i % 2 === half)) await c.putIfNewer(`race:${k}`, envelope, TOMBSTONE_RETENTION_SECONDS, { present: Math.random() < 0.5 });
      });
    await Promise.all([writer(client, 0), writer(other, 1)]);
    for (const [k, writes] of plans.entries()) {
      const newest = writes.reduce((a, b) => (compareItemVersions(a.version, b.version) >= 0 ? a : b));
      const item = await client.getVersioned(`race:${k}`);
      expect(item?.version, `race:${k}`).toEqual(newest.version);
      expect(item?.flags).toBe(newest.envelope.flags);
    }
  });

  it('starts again when another write lands between its read and its store', async () => {
    const interfere = (act: () => Promise<unknown>, times = 1) => {
      const racing = new NodeClient(node, { deadlineMs: DEADLINE });
      const read = racing.getVersioned.bind(racing);
      let left = times;
      racing.getVersioned = async (key, until) => {
        const item = await read(key, until);
        if (left-- > 0) await act();
        return item;
      };
      return racing;
    };
    await client.setVersioned('c', value(v(1), 'one'));
    // A newer write lands in between: the CAS store fails, the second read sees it, and nothing is overwritten.
    const loser = interfere(() => other.setVersioned('c', value(v(3), 'three')));
    expect(await loser.putIfNewer('c', value(v(2), 'two'))).toBe('older');
    expect(await held('c')).toEqual({ kind: 'value', version: v(3), text: 'three' });
    // An older (unversioned) write lands in between: the retry replaces it.
    const winner = interfere(() => other.set('c', Buffer.from('plain')));
    expect(await winner.putIfNewer('c', value(v(4), 'four'))).toBe('stored');
    expect(await held('c')).toEqual({ kind: 'value', version: v(4), text: 'four' });
    // The key is deleted in between: the retry adds it.
    const adder = interfere(() => other.delete('c'));
    expect(await adder.putIfNewer('c', value(v(5), 'five'))).toBe('stored');
    expect(await held('c')).toEqual({ kind: 'value', version: v(5), text: 'five' });
    // Interfered with every time: it gives up, and says why.
    const starved = interfere(() => other.set('c', Buffer.from('plain again')), Infinity);
    const error = await starved.putIfNewer('c', value(v(6), 'six')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('contended');
    for (const c of [loser, winner, adder, starved]) c.close();
  });

  it('keeps the newest under many writers on one hot key', async () => {
    const clients = Array.from({ length: 6 }, () => new NodeClient(node, { deadlineMs: DEADLINE }));
    const outcomes = await Promise.all(
      clients.map((c, w) =>
        mapLimit(
          Array.from({ length: 60 }, (_, i) => i),
          4,
          (i) => c.putIfNewer('hot', value(v(i, 0, w), `${w}:${i}`)),
        ),
      ),
    );
    expect(outcomes.flat().filter((o) => o === 'stored').length).toBeGreaterThan(0);
    expect(await held('hot')).toEqual({ kind: 'value', version: v(59, 0, 5), text: '5:59' });
    for (const c of clients) c.close();
  });
});
