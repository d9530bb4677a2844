// Versions through the cluster, on real memcached: two processes racing on the same keys converge on the last write by version,
// moves never put an older copy over a newer write, values from earlier Ringside keep working, tombstones order like writes.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '@/lib/cluster/cluster';
import { mapLimit } from '@/lib/concurrency';
import { freeze, thaw } from '@/lib/drill/faults';
import { checkLastWriteByVersion, type VersionedWrite } from '@/lib/drill/history';
import { compareItemVersions, encodeTombstone, encodeValue, HEADER_BYTES, itemVersion, TOMBSTONE_FLAGS, TOMBSTONE_RETENTION_SECONDS, VALUE_FLAGS, type ItemVersion } from '@/lib/envelope';
import { hash } from '@/lib/hash';
import { NodeClient, type VersionedItem } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';
import { decodeVersion, HybridClock } from '@/lib/version';
import { startEtcd, type EtcdCluster } from '../support/etcd';
import { openFixture, type Fixture } from '../support/cluster-fixture';

/** A direct client per node of `cluster`, for reading and writing behind its back. */
function directClients(cluster: Cluster): Map<string, NodeClient> {
  const clients = new Map<string, NodeClient>();
  for (const node of cluster.nodes()) {
    const parsed = parseAddress(node.address);
    if (!parsed.ok) throw new Error(parsed.message);
    clients.set(node.id, new NodeClient(parsed.address, { deadlineMs: 3000 }));
  }
  return clients;
}

/** What each replica of each key holds, read node by node. */
async function replicaItems(cluster: Cluster, clients: Map<string, NodeClient>, keys: readonly string[]): Promise<Map<string, (VersionedItem | null)[]>> {
  const held = new Map<string, (VersionedItem | null)[]>();
  await mapLimit(keys, 16, async (key) => {
    held.set(key, await Promise.all(preferenceList(cluster.currentRing, key).map((node) => clients.get(node)!.getVersioned(key))));
  });
  return held;
}

const versionOf = (encoded: string): ItemVersion => itemVersion(decodeVersion(encoded)!);
const same = (a: VersionedItem | null, b: VersionedItem | null) => (a === null ? b === null : b !== null && a.flags === b.flags && a.value.equals(b.value));

describe('two processes on one etcd writing the same keys', () => {
  let etcd: EtcdCluster;
  const dirs: string[] = [];
  const clusters: Cluster[] = [];
  let clients = new Map<string, NodeClient>();

  beforeAll(async () => {
    etcd = await startEtcd(1);
  });

  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await clusters[0]?.stopLocalNodes();
    for (const cluster of clusters) await cluster.close();
    await etcd?.cleanup();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function open(writer: string, env: Record<string, string>, bootstrapLocalNodes = 0): Promise<Cluster> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-versioned-'));
    dirs.push(dataDir);
    const cluster = await Cluster.open({ dataDir, env, writer, probeIntervalMs: false, bootstrapLocalNodes, localMemoryMb: 16 });
    clusters.push(cluster);
    return cluster;
  }

  it('after both stop and a repair runs, every key holds the same bytes on all its replicas: the write with the highest version', async () => {
    const env = { RINGSIDE_ETCD: etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: `/ringside-test/${randomUUID()}/` };
    const alpha = await open('alpha', env, 3);
    const beta = await open('beta', env);
    clients = directClients(alpha);
    const KEYS = 500;
    const ROUNDS = 4;
    const keys = Array.from({ length: KEYS }, (_, i) => `race:${i}`);
    const writes: (VersionedWrite & { writer: string; start: number; end: number })[] = [];
    // Both work through the same keys in the same order, so the same key is in flight in both at once; one write in
    // four is a delete. In the last round each writes only half of the keys (the first the even ones, the second the
    // odd ones), so each process has the last word on some.
    const writer = (cluster: Cluster, name: string, lastHalf: 0 | 1) =>
      mapLimit(
        Array.from({ length: KEYS * ROUNDS }, (_, i) => ({ index: i % KEYS, round: Math.floor(i / KEYS) })).filter(({ index, round }) => round < ROUNDS - 1 || index % 2 === lastHalf),
        32,
        async ({ index, round }) => {
          const key = keys[index];
          const start = performance.now();
          if ((round + index) % 4 === 3) {
            const deleted = await cluster.delete(key);
            writes.push({ kind: 'delete', key, version: deleted.ok ? deleted.version : undefined, outcome: deleted.ok ? 'ok' : 'unknown', writer: name, start, end: performance.now() });
          } else {
            const value = `${name}:${round}:${key}`;
            const put = await cluster.put(key, value);
            writes.push({ kind: 'put', key, value, version: put.ok ? put.version : undefined, outcome: put.ok ? 'ok' : 'unknown', writer: name, start, end: performance.now() });
          }
        },
      );
    await Promise.all([writer(alpha, 'alpha', 0), writer(beta, 'beta', 1)]);
    expect(writes.filter((w) => w.outcome !== 'ok')).toEqual([]);
    // The two really raced: writes of one key by both processes at the same time.
    const byKey = new Map<string, typeof writes>();
    for (const write of writes) byKey.set(write.key, [...(byKey.get(write.key) ?? []), write]);
    let overlapping = 0;
    for (const list of byKey.values()) for (const a of list) for (const b of list) if (a.writer === 'alpha' && b.writer === 'beta' && a.start < b.end && b.start < a.end) overlapping++;
    console.log(`${writes.length} writes, ${overlapping} pairs of writes of one key by both processes at once`);
    expect(overlapping).toBeGreaterThan(10);
    const newest = new Map<string, (typeof writes)[number]>();
    for (const write of writes) {
      const before = newest.get(write.key);
      if (!before || compareItemVersions(versionOf(write.version!), versionOf(before.version!)) > 0) newest.set(write.key, write);
    }
    expect(new Set([...newest.values()].map((w) => w.writer))).toEqual(new Set(['alpha', 'beta']));

    const repaired = await beta.repair();
    expect(repaired.ok).toBe(true);
    const held = await replicaItems(alpha, clients, keys);
    const final = new Map<string, string | null>();
    for (const key of keys) {
      const copies = held.get(key)!;
      expect(copies.length).toBe(3);
      for (const copy of copies) expect(same(copy, copies[0]), `${key}: every replica holds the same bytes`).toBe(true);
      const item = copies[0];
      const last = newest.get(key)!;
      // The last write by version, exactly: a value with its bytes, or a delete's tombstone, with that write's version.
      expect(item?.kind, key).toBe(last.kind === 'put' ? 'value' : 'tombstone');
      expect(item?.version, key).toEqual(versionOf(last.version!));
      final.set(key, item?.kind === 'value' ? item.bytes.toString() : null);
    }
    expect(checkLastWriteByVersion(writes, final)).toEqual({ keys: KEYS, stale: [], phantom: [] });
    // And reads through either process agree with the nodes.
    for (const key of keys.slice(0, 50)) {
      for (const cluster of [alpha, beta]) {
        const read = await cluster.get(key);
        expect(read.ok ? read.value.toString() : null).toBe(final.get(key));
      }
    }
  });

  it('never lets a put land over a newer write another process made', async () => {
    const [alpha] = clusters;
    // Another writer whose clock runs ahead: its write is newer than the put that follows it in real time.
    const ahead = new HybridClock('gamma', () => Date.now() + 60_000);
    const newer = encodeValue(itemVersion(ahead.now()), Buffer.from('from the future'));
    const list = preferenceList(alpha.currentRing, 'skewed');
    for (const node of list) await clients.get(node)!.setVersioned('skewed', newer);
    const put = await alpha.put('skewed', 'now');
    expect(put.ok && put.acknowledged).toBe(3);
    for (const node of list) expect((await clients.get(node)!.getVersioned('skewed'))?.bytes.toString()).toBe('from the future');
    // Having read it, this process writes after it.
    expect((await alpha.get('skewed')).ok).toBe(true);
    expect((await alpha.put('skewed', 'later')).ok).toBe(true);
    for (const node of list) expect((await clients.get(node)!.getVersioned('skewed'))?.bytes.toString()).toBe('later');
  });

  it("lets a move run by one process never put an older copy over the other process's writes: after a repair every replica holds its last write", async () => {
    const [alpha, beta] = clusters;
    const keys = Array.from({ length: 500 }, (_, i) => `race:${i}`);
    const last = new Map<string, string>();
    let moving = true;
    let round = 0;
    const writing = (async () => {
      while (moving) {
        round++;
        await mapLimit(keys, 32, async (key) => {
          const value = `during move ${round}: ${key}`;
          const put = await beta.put(key, value);
          if (put.ok) last.set(key, put.version);
        });
      }
    })();
    const added = await alpha.addNode({ id: 'node-4' });
    moving = false;
    await writing;
    expect(added.ok && added.copied).toBeGreaterThan(0);
    expect(round).toBeGreaterThan(1);
    expect((await alpha.repair()).ok).toBe(true);
    for (const client of clients.values()) client.close();
    clients = directClients(alpha);
    const held = await replicaItems(alpha, clients, keys);
    for (const key of keys) {
      const copies = held.get(key)!;
      for (const copy of copies) expect(same(copy, copies[0]), `${key}: every replica holds the same bytes`).toBe(true);
      expect(copies[0]?.version, key).toEqual(versionOf(last.get(key)!));
    }
  });
});

describe('versions on one process', () => {
  let f: Fixture;
  let clients: Map<string, NodeClient>;
  // Another writer, a second ahead: its writes are newer than this process's made just before them.
  const other = new HybridClock('other', () => Date.now() + 1000);

  beforeAll(async () => {
    f = await openFixture(3);
    clients = directClients(f.cluster);
  });

  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await f.teardown();
  });

  it('brings copies that hold different versions to the newest, counted by the preview first', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `diverged:${i}`);
    for (const key of keys) expect((await f.cluster.put(key, `v1 of ${key}`)).ok).toBe(true);
    // Behind Ringside's back: a newer write on one replica only, an older one on another, a newer delete on a third.
    const expected = new Map<string, VersionedItem | null>();
    for (const [i, key] of keys.entries()) {
      const [primary, second, third] = preferenceList(f.cluster.currentRing, key);
      if (i % 4 === 0) {
        await clients.get(second)!.setVersioned(key, encodeValue(itemVersion(other.now()), Buffer.from(`newer on ${second}`)));
        expected.set(key, await clients.get(second)!.getVersioned(key));
      } else if (i % 4 === 1) {
        await clients.get(third)!.setVersioned(key, encodeValue({ wall: 1, counter: 0, writerHash: 7 }, Buffer.from('much older')));
        expected.set(key, await clients.get(primary)!.getVersioned(key));
      } else if (i % 4 === 2) {
        await clients.get(third)!.setVersioned(key, encodeTombstone(itemVersion(other.now())), TOMBSTONE_RETENTION_SECONDS);
        expected.set(key, await clients.get(third)!.getVersioned(key));
      } else expected.set(key, await clients.get(primary)!.getVersioned(key));
    }
    const preview = await f.cluster.preview({ type: 'repair' });
    expect(preview.ok && preview.preview.divergent).toBe(45);
    const repaired = await f.cluster.repair();
    // The newer deletes spread first, as tombstone copies (to two replicas each); the compare brings the other 30 keys in line.
    expect(repaired.ok && { tombstones: repaired.repair.tombstones, converged: repaired.repair.converged }).toEqual({ tombstones: 30, converged: 30 });
    const held = await replicaItems(f.cluster, clients, keys);
    for (const key of keys) for (const copy of held.get(key)!) expect(same(copy, expected.get(key)!), key).toBe(true);
    const again = await f.cluster.preview({ type: 'repair' });
    expect(again.ok && again.preview.divergent).toBe(0);
  });

  it('never puts an older copy over a newer write during a move', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `moving:${i}`);
    for (const key of keys) expect((await f.cluster.put(key, `old ${key}`)).ok).toBe(true);
    // Another writer's newer writes land on the joining node while the move copies to it.
    let racing: Promise<unknown> = Promise.resolve();
    const written = new Map<string, VersionedItem | null>();
    const stop = f.cluster.events.subscribe((event) => {
      if (event.type !== 'move-planned') return;
      const joining = f.cluster.nodes().find((n) => n.id === 'node-4')!;
      const parsed = parseAddress(joining.address);
      if (!parsed.ok) throw new Error(parsed.message);
      const client = new NodeClient(parsed.address, { deadlineMs: 3000 });
      racing = mapLimit(keys, 8, async (key) => {
        await client.setVersioned(key, encodeValue(itemVersion(other.now()), Buffer.from(`newer ${key}`)));
        written.set(key, await client.getVersioned(key));
      }).finally(() => client.close());
    });
    const added = await f.cluster.addNode({ id: 'node-4' });
    await racing;
    stop();
    expect(added.ok).toBe(true);
    clients = directClients(f.cluster);
    const onNew = keys.filter((key) => preferenceList(f.cluster.currentRing, key).includes('node-4'));
    expect(onNew.length).toBeGreaterThan(50);
    for (const key of onNew) expect((await clients.get('node-4')!.getVersioned(key))?.bytes.toString(), key).toBe(`newer ${key}`);
    // The explicit repair then carries the newer write to the key's other replicas.
    expect((await f.cluster.repair()).ok).toBe(true);
    const held = await replicaItems(f.cluster, clients, onNew);
    for (const key of onNew) for (const copy of held.get(key)!) expect(same(copy, written.get(key)!), key).toBe(true);
  });

  it('reads values written by earlier Ringside as they are, and replaces them with any versioned write', async () => {
    const list = preferenceList(f.cluster.currentRing, 'legacy');
    for (const node of list) await clients.get(node)!.set('legacy', Buffer.from('RS plain bytes'), 0, 0);
    const read = await f.cluster.get('legacy');
    expect(read.ok && read.value.toString()).toBe('RS plain bytes');
    const put = await f.cluster.put('legacy', 'versioned');
    expect(put.ok).toBe(true);
    const version = decodeVersion(put.ok ? put.version : '')!;
    for (const node of list) {
      // Exactly the documented envelope: flags 0x52530001, "RS", kind 1, wall (6 bytes), counter (4), writer hash (4), the user's bytes.
      const raw = (await clients.get(node)!.get('legacy'))!;
      expect(raw.flags).toBe(VALUE_FLAGS);
      expect(raw.value.length).toBe(HEADER_BYTES + 'versioned'.length);
      expect([...raw.value.subarray(0, 3)]).toEqual([0x52, 0x53, 0x01]);
      expect(raw.value.readUIntBE(3, 6)).toBe(version.wall);
      expect(raw.value.readUInt32BE(9)).toBe(version.counter);
      expect(raw.value.readUInt32BE(13)).toBe(hash(version.writer));
      expect(raw.value.subarray(HEADER_BYTES).toString()).toBe('versioned');
    }
    const deleted = await f.cluster.delete('legacy');
    expect(deleted.ok && deleted.deleted).toBe(true);
    for (const node of list) {
      // A delete: flags 0x52530002, the 17-byte header alone (kind 2), kept for the retention time.
      const raw = (await clients.get(node)!.get('legacy'))!;
      expect(raw.flags).toBe(TOMBSTONE_FLAGS);
      expect(raw.value.length).toBe(HEADER_BYTES);
      expect(raw.value[2]).toBe(0x02);
      expect(await clients.get(node)!.ttl('legacy')).toBeGreaterThan(TOMBSTONE_RETENTION_SECONDS - 10);
    }
    const again = await f.cluster.delete('legacy');
    expect(again.ok && again.deleted).toBe(false);
    expect((await f.cluster.get('legacy')).ok).toBe(false);
  });

  it('lets a delete win over older writes that arrive later and lose to newer ones', async () => {
    const list = preferenceList(f.cluster.currentRing, 'tomb');
    const first = await f.cluster.put('tomb', 'first');
    if (!first.ok) throw new Error(first.message);
    const deleted = await f.cluster.delete('tomb');
    if (!deleted.ok) throw new Error(deleted.message);
    // A write older than the delete (made before it, delayed in flight) arrives at every replica: it loses.
    const older = encodeValue({ ...versionOf(deleted.version), wall: versionOf(deleted.version).wall - 1 }, Buffer.from('late'));
    for (const node of list) expect(await clients.get(node)!.putIfNewer('tomb', older)).toBe('older');
    const read = await f.cluster.get('tomb');
    expect(read.ok ? read.value.toString() : read.error).toBe('not_found');
    // A stale value on one replica behind the primary's tombstone: reads believe the tombstone, and the repair replaces the value.
    await clients.get(list[1])!.setVersioned('tomb', older);
    expect((await f.cluster.get('tomb')).ok).toBe(false);
    expect((await f.cluster.repair()).ok).toBe(true);
    for (const node of list) expect((await clients.get(node)!.getVersioned('tomb'))?.kind).toBe('tombstone');
    // A newer write wins over the delete.
    expect((await f.cluster.put('tomb', 'after')).ok).toBe(true);
    const after = await f.cluster.get('tomb');
    expect(after.ok && after.value.toString()).toBe('after');
    for (const node of list) expect((await clients.get(node)!.getVersioned('tomb'))?.bytes.toString()).toBe('after');
  });
});

/** Resolves once the nodes' copies of `acct` stop changing: a server woken from SIGSTOP applies what it had buffered. */
async function quiet(clients: Map<string, NodeClient>, nodes: readonly string[]): Promise<void> {
  const read = () => Promise.all(nodes.map(async (node) => (await clients.get(node)!.getVersioned('acct'))?.value.toString('hex')));
  let before = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await read();
    if (now.every((value, i) => value === before[i])) return;
    before = now;
  }
}

describe('a write no replica acknowledged in time', () => {
  it('is settled by the automatic repair once its replicas answer: every copy brought to the newest among them, the marks gone', async () => {
    const f = await openFixture(3, { deadlineMs: 300 });
    const frozen: number[] = [];
    const clients = directClients(f.cluster);
    try {
      expect((await f.cluster.put('acct', 'v1')).ok).toBe(true);
      for (const node of f.cluster.nodes()) {
        frozen.push(node.pid!);
        await freeze(node.pid!);
      }
      // Two failures each: every replica is suspect for the key, and down.
      for (const value of ['v2', 'v3']) expect((await f.cluster.put('acct', value)).ok).toBe(false);
      expect(f.cluster.nodes().map((n) => [n.status, n.suspectKeys])).toEqual([
        ['down', 1],
        ['down', 1],
        ['down', 1],
      ]);
      for (const pid of frozen.splice(0)) thaw(pid);
      const list = preferenceList(f.cluster.currentRing, 'acct');
      // Woken, each server applies whatever writes it had buffered...
      await quiet(clients, list);
      // ...and one of them also gets a later write (from another process, say).
      const later = encodeValue(itemVersion(new HybridClock('other', () => Date.now() + 1000).now()), Buffer.from('landed on one'));
      await clients.get(list[1])!.setVersioned('acct', later);
      await f.cluster.probe();
      const held = await replicaItems(f.cluster, clients, ['acct']);
      for (const copy of held.get('acct')!) expect(copy?.bytes.toString()).toBe('landed on one');
      expect(f.cluster.nodes().map((n) => [n.status, n.suspectKeys])).toEqual([
        ['up', 0],
        ['up', 0],
        ['up', 0],
      ]);
      const read = await f.cluster.get('acct');
      expect(read.ok && read.value.toString()).toBe('landed on one');
    } finally {
      for (const pid of frozen) thaw(pid);
      for (const client of clients.values()) client.close();
      await f.teardown();
    }
  });

  it('lets a suspect copy newer than the trusted ones win everywhere, rather than keep it apart', async () => {
    const f = await openFixture(3, { deadlineMs: 300 });
    const clients = directClients(f.cluster);
    const list = preferenceList(f.cluster.currentRing, 'acct');
    const pid = f.cluster.nodes().find((n) => n.id === list[1])!.pid!;
    try {
      expect((await f.cluster.put('acct', 'v1')).ok).toBe(true);
      await freeze(pid);
      for (const value of ['v2', 'v3']) expect((await f.cluster.put('acct', value)).ok).toBe(true);
      thaw(pid);
      // Woken, it applies whatever writes it had buffered; then it gets a later one, made by another process.
      await quiet(clients, [list[1]]);
      await clients.get(list[1])!.setVersioned('acct', encodeValue(itemVersion(new HybridClock('other', () => Date.now() + 1000).now()), Buffer.from('newest')));
      await f.cluster.probe();
      const held = await replicaItems(f.cluster, clients, ['acct']);
      for (const copy of held.get('acct')!) expect(copy?.bytes.toString()).toBe('newest');
      expect(f.cluster.nodes().map((n) => n.suspectKeys)).toEqual([0, 0, 0]);
    } finally {
      thaw(pid);
      for (const client of clients.values()) client.close();
      await f.teardown();
    }
  });
});
