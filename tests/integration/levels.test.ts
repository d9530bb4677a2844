// Consistency levels against real memcached: W=all and W=one with a replica down, majority reads returning the newest copy.
import { afterEach, describe, expect, it } from 'vitest';
import { mapLimit } from '@/lib/concurrency';
import { freeze, thaw } from '@/lib/drill/faults';
import { NodeClient } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
const frozen: number[] = [];
afterEach(async () => {
  for (const pid of frozen.splice(0)) thaw(pid);
  await fixture?.teardown();
  fixture = undefined;
});

/** Writes an item's stored bytes to one node behind the cluster's back: a replica left holding an older write. */
async function rawSet(f: Fixture, nodeId: string, key: string, item: { value: Buffer; flags: number }): Promise<void> {
  const node = f.cluster.nodes().find((n) => n.id === nodeId)!;
  const parsed = parseAddress(node.address);
  if (!parsed.ok) throw new Error(parsed.message);
  const client = new NodeClient(parsed.address, { deadlineMs: 2000 });
  try {
    await client.set(key, item.value, 0, item.flags);
  } finally {
    client.close();
  }
}

/** SIGSTOP on a node's memcached: its answers wait until it is thawed. */
async function freezeNode(f: Fixture, nodeId: string): Promise<number> {
  const pid = f.cluster.nodes().find((n) => n.id === nodeId)!.pid!;
  frozen.push(pid);
  await freeze(pid);
  return pid;
}

function thawNode(pid: number): void {
  frozen.splice(frozen.indexOf(pid), 1);
  thaw(pid);
}

/** Writes 'old', then 'new' at W=all, and puts 'old' back on the key's primary: the other two hold the newest copy. */
async function staleOnPrimary(f: Fixture, key: string): Promise<{ lists: string[]; version: string }> {
  const lists = preferenceList(f.cluster.currentRing, key);
  expect((await f.cluster.put(key, 'old', { w: 'all' })).ok).toBe(true);
  const old = await f.rawItem(lists[0], key);
  const put = await f.cluster.put(key, 'new', { w: 'all' });
  if (!put.ok) throw new Error(put.message);
  // The primary loses the newer write (as a replica another process wrote around would).
  await rawSet(f, lists[0], key, old!);
  return { lists: [...lists], version: put.version };
}

describe('the default levels', () => {
  it('are one and one, are set for the whole cluster and kept across a reopen; a bad level changes nothing', async () => {
    fixture = await openFixture(3);
    expect(fixture.cluster.consistency()).toEqual({ w: 'one', r: 'one' });
    const bad = await fixture.cluster.setConsistency({ w: 'quorum' });
    expect(!bad.ok && bad.error).toBe('invalid_level');
    expect(!bad.ok && bad.message).toMatch(/w must be one, majority or all/);
    expect(fixture.cluster.consistency()).toEqual({ w: 'one', r: 'one' });

    const set = await fixture.cluster.setConsistency({ w: 'majority', r: 'majority' });
    expect(set.ok && set.consistency).toEqual({ w: 'majority', r: 'majority' });
    const put = await fixture.cluster.put('k', 'v');
    expect(put.ok && put.w).toBe('majority');
    const get = await fixture.cluster.get('k');
    expect(get.ok && get.r).toBe('majority');

    const reopened = await fixture.reopen();
    expect(reopened.consistency()).toEqual({ w: 'majority', r: 'majority' });
    expect((await reopened.snapshot()).consistency).toEqual({ w: 'majority', r: 'majority' });
    // A call's own level wins over the default.
    const one = await reopened.get('k', { r: 'one' });
    expect(one.ok && one.r).toBe('one');
    const refused = await reopened.put('k', 'x', { w: 'most' as never });
    expect(!refused.ok && refused.error).toBe('invalid_level');
    const still = await reopened.get('k', { r: 'all' });
    expect(still.ok && still.value.toString()).toBe('v');
  });
});

describe('writes with a replica down', () => {
  it('W=all fails naming the replicas (the write landed on those that answered), W=majority and W=one succeed', async () => {
    fixture = await openFixture(3);
    const f = fixture;
    expect((await f.cluster.killNode('node-2')).ok).toBe(true);

    const all = await f.cluster.put('cart', 'v1', { w: 'all' });
    if (all.ok) throw new Error('a write at W=all went through with a replica down');
    expect(all.error).toBe('too_few_replicas');
    expect(all.message).toMatch(/^the write of cart at W=all needs 3 of 3 replicas \(all\); 2 acknowledged: /);
    expect(all.message).toMatch(/node-2 down/);
    expect(all.message).toMatch(/may still have landed on node-\d and node-\d/);
    expect(all.replicas?.map((r) => [r.node, r.ok]).sort()).toEqual([
      ['node-1', true],
      ['node-2', false],
      ['node-3', true],
    ]);
    // Not undone: the two replicas that answered hold it.
    expect((await f.rawGet('node-1', 'cart'))?.toString()).toBe('v1');
    expect((await f.rawGet('node-3', 'cart'))?.toString()).toBe('v1');

    const majority = await f.cluster.put('cart', 'v2', { w: 'majority' });
    expect(majority.ok && majority.acknowledged).toBe(2);
    const one = await f.cluster.put('cart', 'v3', { w: 'one' });
    expect(one.ok && one.acknowledged).toBe(2);
    const deleted = await f.cluster.delete('cart', { w: 'all' });
    expect(!deleted.ok && deleted.error).toBe('too_few_replicas');
    expect(!deleted.ok && deleted.message).toMatch(/^the delete of cart at W=all/);
  });

  it('W=majority fails with two of three replicas down, W=one still succeeds', async () => {
    fixture = await openFixture(3);
    expect((await fixture.cluster.killNode('node-1')).ok).toBe(true);
    expect((await fixture.cluster.killNode('node-2')).ok).toBe(true);
    const majority = await fixture.cluster.put('k', 'v', { w: 'majority' });
    expect(!majority.ok && majority.message).toMatch(/needs 2 of 3 replicas \(majority\); 1 acknowledged: .*node-1 down/);
    expect((await fixture.cluster.put('k', 'v', { w: 'one' })).ok).toBe(true);
    const read = await fixture.cluster.get('k', { r: 'majority' });
    expect(!read.ok && read.error).toBe('too_few_replicas');
    expect(!read.ok && read.message).toMatch(/^a read of k at R=majority needs 2 of 3 replicas \(majority\); 1 answered/);
  });
});

describe('reads at majority and all', () => {
  // A long deadline: a frozen replica's answer must still come once it is thawed, however busy the machine.
  it('return the newest copy where R=one returns an older one, and repair it', async () => {
    fixture = await openFixture(3, { deadlineMs: 10_000 });
    const f = fixture;
    const { lists, version } = await staleOnPrimary(f, 'doc');
    const [primary, second, third] = lists;

    const one = await f.cluster.get('doc', { r: 'one' });
    expect(one.ok && [one.value.toString(), one.servedBy]).toEqual(['old', primary]);
    // The third replica frozen, the two answers the read settles on are the stale primary's and the second's.
    const pid = await freezeNode(f, third);
    const majority = await f.cluster.get('doc', { r: 'majority' });
    thawNode(pid);
    if (!majority.ok) throw new Error(majority.message);
    expect([majority.value.toString(), majority.servedBy]).toEqual(['new', second]);
    expect(majority.version?.slice(0, 21)).toBe(version.slice(0, 21));
    expect(majority.tried.map((t) => [t.node, t.held, t.repaired ?? false])).toEqual([
      [primary, 'value', true],
      [second, 'value', false],
    ]);
    expect(majority.repaired).toEqual([primary]);
    expect((await f.rawGet(primary, 'doc'))?.toString()).toBe('new');

    const all = await f.cluster.get('doc', { r: 'all' });
    expect(all.ok && all.tried.map((t) => [t.held, t.version])).toEqual(Array(3).fill(['value', majority.version]));
    expect(all.ok && all.repaired).toEqual([]);
  });

  it('compare a copy that answers after the read has returned, and give it the newest then', async () => {
    fixture = await openFixture(3, { deadlineMs: 10_000 });
    const f = fixture;
    const { lists, version } = await staleOnPrimary(f, 'doc');
    const [primary, second, third] = lists;

    // The stale primary frozen, the read settles on the two newer copies without waiting for it.
    const pid = await freezeNode(f, primary);
    const majority = await f.cluster.get('doc', { r: 'majority' });
    if (!majority.ok) throw new Error(majority.message);
    expect([majority.value.toString(), majority.servedBy]).toEqual(['new', second]);
    expect(majority.tried.map((t) => t.node)).toEqual([second, third]);
    expect(majority.repaired).toEqual([]);
    // Its answer, once thawed, is compared with the copy returned; closing waits for that repair.
    thawNode(pid);
    await f.reopen();
    expect((await f.rawItem(primary, 'doc'))?.bytes.toString()).toBe('new');
    const all = await f.cluster.get('doc', { r: 'all' });
    expect(all.ok && all.tried.map((t) => [t.node, t.held, t.version?.slice(0, 21)])).toEqual(lists.map((node) => [node, 'value', version.slice(0, 21)]));
    expect(all.ok && all.repaired).toEqual([]);
  });

  it('a delete newer than a value is not found, and the replica still holding the value is given the delete', async () => {
    fixture = await openFixture(3);
    const f = fixture;
    const [primary] = preferenceList(f.cluster.currentRing, 'gone');
    expect((await f.cluster.put('gone', 'v', { w: 'all' })).ok).toBe(true);
    const value = await f.rawItem(primary, 'gone');
    expect((await f.cluster.delete('gone', { w: 'all' })).ok).toBe(true);
    await rawSet(f, primary, 'gone', value!);
    const one = await f.cluster.get('gone', { r: 'one' });
    expect(one.ok && one.value.toString()).toBe('v');
    const all = await f.cluster.get('gone', { r: 'all' });
    expect(!all.ok && all.error).toBe('not_found');
    expect(!all.ok && all.message).toMatch(/holds its delete, the newest of 3 answers/);
    expect((await f.rawItem(primary, 'gone'))?.kind).toBe('tombstone');
  });

  it('R=all fails with a replica down, R=majority reads on; both name the replicas that answered', async () => {
    fixture = await openFixture(3);
    expect((await fixture.cluster.put('k', 'v', { w: 'all' })).ok).toBe(true);
    expect((await fixture.cluster.killNode('node-3')).ok).toBe(true);
    const all = await fixture.cluster.get('k', { r: 'all' });
    expect(!all.ok && all.error).toBe('too_few_replicas');
    expect(!all.ok && all.message).toMatch(/needs 3 of 3 replicas \(all\); 2 answered: .*node-3 down/);
    const majority = await fixture.cluster.get('k', { r: 'majority' });
    expect(majority.ok && majority.value.toString()).toBe('v');
    expect(majority.ok && majority.tried.filter((t) => t.ok).length).toBe(2);
    expect(majority.ok && majority.tried.find((t) => t.node === 'node-3')).toEqual({ node: 'node-3', ok: false, error: 'down' });
  });
});

describe('a write acknowledged at W=majority', () => {
  it('survives the loss of one of its three replicas: read at R=one and R=majority, every key holds its value', async () => {
    fixture = await openFixture(3);
    const f = fixture;
    const keys = Array.from({ length: 300 }, (_, i) => `survivor:${i}`);
    await mapLimit(keys, 32, async (key) => expect((await f.cluster.put(key, `${key}=1`, { w: 'majority' })).ok).toBe(true));
    expect((await f.cluster.killNode('node-1')).ok).toBe(true);
    await mapLimit(keys, 32, async (key) => expect((await f.cluster.put(key, `${key}=2`, { w: 'majority' })).ok).toBe(true));
    for (const r of ['one', 'majority'] as const) {
      const reads = await mapLimit(keys, 32, (key) => f.cluster.get(key, { r }));
      expect(reads.map((read) => (read.ok ? read.value.toString() : read.message))).toEqual(keys.map((key) => `${key}=2`));
    }
  });
});
