// Two Ringside processes on one etcd: the second follows the first's ring changes and events through the store's watch.
import { describe, expect, it, vi } from 'vitest';
import { Cluster } from '@/lib/cluster/cluster';
import { mapLimit } from '@/lib/concurrency';
import { NodeClient } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';
import { etcdProcesses } from '../support/etcd-processes';

const processes = etcdProcesses();
const open = (writer: string, env: Record<string, string>, bootstrapLocalNodes = 0) => processes.open(writer, env, bootstrapLocalNodes);

describe('two processes on one etcd', () => {
  it('the second sees the first ring, follows its add and remove within a second, and reads what the first wrote', async () => {
    const env = processes.freshEnv();
    const first = await open('first', env, 3);
    const second = await open('second', env);
    expect({ version: second.version, checksum: second.currentRing.checksum }).toEqual({ version: first.version, checksum: first.currentRing.checksum });

    const keys = Array.from({ length: 200 }, (_, i) => `follow:${i}`);
    for (const key of keys) expect((await first.put(key, `v:${key}`)).ok).toBe(true);

    // From the first process's ring switch to the second process holding the new ring.
    let switchedAt = 0;
    let followedAt = 0;
    const stopWatching = first.events.subscribe((e) => e.type === 'ring-changed' && (switchedAt ||= Date.now()));
    const target = first.version + 1;
    const stopFollowing = second.onChange(() => second.version >= target && (followedAt ||= Date.now()));
    expect((await first.addNode({ id: 'node-4' })).ok).toBe(true);
    await vi.waitFor(() => expect(second.version).toBe(first.version), { timeout: 1000, interval: 5 });
    stopWatching();
    stopFollowing();
    console.log(`the second process held the new ring ${followedAt - switchedAt} ms after the first announced it (ring-changed; the watch may be first)`);
    expect(followedAt - switchedAt).toBeLessThan(1000);
    expect(second.currentRing.checksum).toBe(first.currentRing.checksum);
    expect(second.nodes().find((n) => n.id === 'node-4')).toMatchObject({ status: 'up', local: true });
    await vi.waitFor(() => expect(second.events.recent().some((e) => e.type === 'node-added' && e.node === 'node-4')).toBe(true), { timeout: 1000, interval: 5 });
    // Keys now on node-4 are read by the second process from there too.
    const moved = keys.filter((key) => preferenceList(second.currentRing, key)[0] === 'node-4');
    expect(moved.length).toBeGreaterThan(0);
    for (const key of moved) {
      const read = await second.get(key);
      expect(read.ok && { value: read.value.toString(), servedBy: read.servedBy }).toEqual({ value: `v:${key}`, servedBy: 'node-4' });
    }

    const removed = Date.now();
    expect((await first.removeNode('node-4')).ok).toBe(true);
    const switched = Date.now();
    await vi.waitFor(() => expect(second.nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']), { timeout: 1000, interval: 5 });
    console.log(`the remove took ${switched - removed} ms; the second process followed ${Date.now() - switched} ms after it returned`);
    for (const key of keys) {
      const read = await second.get(key);
      expect(read.ok && read.value.toString()).toBe(`v:${key}`);
    }
  });

  it('refuses a change in the second process while the first holds the change lock', async () => {
    const env = processes.freshEnv();
    const first = await open('first-b', env, 2);
    const second = await open('second-b', env);
    for (let i = 0; i < 1000; i++) expect((await first.put(`lock:${i}`, 'v')).ok).toBe(true);
    // Asked the moment the first process has planned its change (it holds the lock then), while it copies.
    const refused = new Promise<Awaited<ReturnType<Cluster['setVnodes']>>>((resolve) => {
      const stop = first.events.subscribe((event) => {
        if (event.type !== 'move-planned') return;
        stop();
        resolve(second.setVnodes('node-1', 40));
      });
    });
    const added = await first.addNode({ id: 'node-3' });
    const answer = await refused;
    expect(!answer.ok && answer.error).toBe('busy');
    expect(added.ok).toBe(true);
    expect(first.currentRing.nodes.map((n) => n.vnodes)).toEqual([160, 160, 160]);
    await first.stopLocalNodes();
  });

  it("writes through the second process during the first's change reach both lists and end exactly on the new ones", async () => {
    const env = processes.freshEnv();
    const first = await open('first-c', env, 3);
    const second = await open('second-c', env);
    const latest = new Map<string, string>();
    await mapLimit(
      Array.from({ length: 600 }, (_, i) => `seed:${i}`),
      32,
      async (key) => {
        expect((await first.put(key, `a:${key}`)).ok).toBe(true);
        latest.set(key, `a:${key}`);
      },
    );
    // From the moment the first process plans, the second writes new keys and overwrites old ones while keys move.
    let writes: Promise<void> = Promise.resolve();
    const stop = first.events.subscribe((event) => {
      if (event.type !== 'move-planned') return;
      stop();
      writes = (async () => {
        for (let i = 0; i < 200; i++) {
          for (const key of [`during:${i}`, `seed:${i}`]) {
            expect((await second.put(key, `b:${key}`)).ok).toBe(true);
            latest.set(key, `b:${key}`);
          }
        }
      })();
    });
    expect((await first.addNode({ id: 'node-4' })).ok).toBe(true);
    await writes;
    await vi.waitFor(() => expect(second.version).toBe(first.version), { timeout: 1000, interval: 5 });

    // Every key on exactly its new list, node by node: the sweep took what the second wrote to the old lists.
    const held: Record<string, string[]> = {};
    for (const node of first.nodes()) {
      const parsed = parseAddress(node.address);
      if (!parsed.ok) throw new Error(parsed.message);
      const client = new NodeClient(parsed.address, { deadlineMs: 2000 });
      held[node.id] = (await client.inventory()).map((item) => item.key).sort();
      client.close();
    }
    const expected: Record<string, string[]> = Object.fromEntries(first.currentRing.nodes.map((n) => [n.id, [] as string[]]));
    for (const key of latest.keys()) for (const node of preferenceList(first.currentRing, key)) expected[node].push(key);
    for (const list of Object.values(expected)) list.sort();
    expect(held).toEqual(expected);
    for (const cluster of [first, second]) {
      const wrong: string[] = [];
      await mapLimit([...latest], 32, async ([key, value]) => {
        const read = await cluster.get(key);
        if (!read.ok || read.value.toString() !== value) wrong.push(key);
      });
      expect(wrong).toEqual([]);
    }
    await first.stopLocalNodes();
  });

  it('suspect marks made by one process are seen by the other, and a repair there settles them for both', async () => {
    const env = processes.freshEnv();
    const first = await open('first-d', env, 3);
    const second = await open('second-d', env);
    expect((await first.killNode('node-1')).ok).toBe(true);
    await vi.waitFor(() => expect(second.nodes().find((n) => n.id === 'node-1')?.status).toBe('down'), { timeout: 1000, interval: 5 });
    // Written through the second process while node-1 is down: its copies of these keys are suspect.
    const keys = Array.from({ length: 50 }, (_, i) => `marked:${i}`).filter((key) => preferenceList(second.currentRing, key).includes('node-1'));
    for (const key of keys) expect((await second.put(key, 'v')).ok).toBe(true);
    expect(second.nodes().find((n) => n.id === 'node-1')?.suspectKeys).toBe(keys.length);
    await vi.waitFor(() => expect(first.nodes().find((n) => n.id === 'node-1')?.suspectKeys).toBe(keys.length), { timeout: 1000, interval: 5 });
    // The first revives and repairs node-1: the marks are settled there, and cleared in the second too.
    expect((await first.reviveNode('node-1')).ok).toBe(true);
    expect(first.nodes().find((n) => n.id === 'node-1')?.suspectKeys).toBe(0);
    await vi.waitFor(() => expect(second.nodes().find((n) => n.id === 'node-1')).toMatchObject({ status: 'up', suspectKeys: 0 }), { timeout: 2000, interval: 5 });
    for (const key of keys) expect((await second.get(key)).ok).toBe(true);
    await first.stopLocalNodes();
  });

  it("levels set through one process are the other's defaults, and its majority read finds the newer write past a stale replica", async () => {
    const env = processes.freshEnv();
    const first = await open('first-e', env, 3);
    const second = await open('second-e', env);
    expect((await first.setConsistency({ w: 'majority', r: 'majority' })).ok).toBe(true);
    await vi.waitFor(() => expect(second.consistency()).toEqual({ w: 'majority', r: 'majority' }), { timeout: 1000, interval: 5 });

    const old = await second.put('profile', 'old');
    expect(old.ok && old.w).toBe('majority');
    const [primary] = preferenceList(first.currentRing, 'profile');
    const node = first.nodes().find((n) => n.id === primary)!;
    const parsed = parseAddress(node.address);
    if (!parsed.ok) throw new Error(parsed.message);
    const direct = new NodeClient(parsed.address, { deadlineMs: 2000 });
    try {
      const stale = await direct.getVersioned('profile');
      expect((await first.put('profile', 'new')).ok).toBe(true);
      // The primary is left holding the older write, as a replica that missed the newer one would be.
      await direct.set('profile', stale!.value, 0, stale!.flags);
      const one = await second.get('profile', { r: 'one' });
      expect(one.ok && one.value.toString()).toBe('old');
      const majority = await second.get('profile');
      expect(majority.ok && { value: majority.value.toString(), r: majority.r }).toEqual({ value: 'new', r: 'majority' });
    } finally {
      direct.close();
    }
    await first.stopLocalNodes();
  });
});
