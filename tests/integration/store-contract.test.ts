// The state store contract, run against both stores: the file in a temporary data directory, and a real etcd member.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStore, type EtcdStoreOptions } from '@/lib/store/etcd-store';
import { FileStore } from '@/lib/store/file-store';
import type { Membership, StateStore, StoreChange } from '@/lib/store/types';
import { startEtcd, type EtcdCluster } from '../support/etcd';

/** Two clients of one store: for etcd two connections, for the file (one process by design) the same store. */
interface Backend {
  name: string;
  open(options?: EtcdStoreOptions): Promise<{ a: StateStore; b: StateStore }>;
}

let etcd: EtcdCluster;
const opened: StateStore[] = [];
const dirs: string[] = [];

const backends: Backend[] = [
  {
    name: 'file store',
    async open(options = {}) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-store-'));
      dirs.push(dir);
      const store = await FileStore.open(dir, { writer: 'file-a', eventLimit: options.eventLimit });
      opened.push(store);
      return { a: store, b: store };
    },
  },
  {
    name: 'etcd store',
    async open(options = {}) {
      // A prefix of its own per test: one etcd member serves the whole file.
      const config = { kind: 'etcd' as const, endpoints: etcd.endpoints, prefix: `/ringside-test/${randomUUID()}/` };
      const a = new EtcdStore(config, { writer: 'etcd-a', ...options });
      const b = new EtcdStore(config, { writer: 'etcd-b', ...options });
      opened.push(a, b);
      return { a, b };
    },
  },
];

beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
afterAll(async () => {
  await etcd?.cleanup();
});

const ring = (version: number, ids: string[]): Membership => ({ version, replicas: 3, nodes: ids.map((id, n) => ({ id, host: '127.0.0.1', port: 11211 + n, vnodes: 160 })) });

function recorder(store: StateStore) {
  const changes: { at: number; change: StoreChange }[] = [];
  const stop = store.watch((change) => changes.push({ at: Date.now(), change }));
  return {
    changes,
    stop,
    /** Resolves with the time the first change matching `match` arrived. */
    async until(match: (change: StoreChange) => boolean, timeoutMs = 5000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = changes.find((c) => match(c.change));
        if (found) return found.at;
        if (Date.now() > deadline) throw new Error(`no matching change within ${timeoutMs} ms; got ${changes.map((c) => c.change.type).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

describe.each(backends)('the $name', (backend) => {
  it('starts empty, and reads back what each named operation wrote', async () => {
    const { a, b } = await backend.open();
    const empty = await a.load();
    expect(empty.ok && empty.state).toEqual({ ring: null, health: {}, suspects: {}, journal: null, events: [] });

    expect((await a.commitRing(0, ring(1, ['node-1', 'node-2']))).ok).toBe(true);
    expect((await a.setHealth('node-1', { down: true, instance: '42:1700000000', local: { pid: 42, killed: false } })).ok).toBe(true);
    expect((await a.setHealth('node-2', { down: false })).ok).toBe(true);
    expect((await a.setHealth('node-2', null)).ok).toBe(true);
    expect((await a.addSuspects('node-1', ['user:{1}', 'a/b c', 'user:{1}'])).ok).toBe(true);
    const journal = {
      from: ring(1, ['node-1', 'node-2']),
      to: ring(2, ['node-1', 'node-2', 'node-3']),
      reason: 'add node-3',
      phase: 'copying' as const,
      progress: { done: 3, total: 10 },
      owner: 'shell',
      started: 1_700_000_000_000,
    };
    expect((await a.writeJournal(journal)).ok).toBe(true);
    expect((await a.appendEvent({ type: 'node-down', node: 'node-1', reason: 'timeout' })).ok).toBe(true);

    const loaded = await b.load();
    if (!loaded.ok) throw new Error(loaded.message);
    const { state } = loaded;
    expect(state.ring).toMatchObject(ring(1, ['node-1', 'node-2']));
    expect(state.health).toEqual({ 'node-1': expect.objectContaining({ down: true, instance: '42:1700000000', local: { pid: 42, killed: false } }) });
    expect(state.suspects['node-1'].sort()).toEqual(['a/b c', 'user:{1}']);
    expect(state.journal).toMatchObject(journal);
    expect(state.events).toMatchObject([{ type: 'node-down', node: 'node-1', reason: 'timeout' }]);
    // Every write carries a version, ordered: a later write by the same writer sorts after an earlier one.
    expect(state.journal!.stamp > state.ring!.stamp).toBe(true);
    expect(state.events[0].stamp > state.journal!.stamp).toBe(true);

    expect((await a.writeJournal(null)).ok).toBe(true);
    expect((await a.clearSuspects('node-1', ['a/b c'])).ok).toBe(true);
    const after = await b.load();
    expect(after.ok && after.state.journal).toBeNull();
    expect(after.ok && after.state.suspects).toEqual({ 'node-1': ['user:{1}'] });
  });

  it('keeps the consistency levels: set by one client, delivered to the other by its watch and read back by load', async () => {
    const { a, b } = await backend.open();
    const watched = recorder(b);
    await watched.until((change) => change.type === 'reloaded');
    const set = await a.setConsistency({ w: 'majority', r: 'all' });
    if (!set.ok) throw new Error(set.message);
    expect(set.consistency).toMatchObject({ w: 'majority', r: 'all' });
    await watched.until((change) => change.type === 'consistency' && change.consistency.w === 'majority' && change.consistency.r === 'all');
    expect((await a.setConsistency({ w: 'one', r: 'majority' })).ok).toBe(true);
    const loaded = await b.load();
    expect(loaded.ok && loaded.state.consistency).toMatchObject({ w: 'one', r: 'majority' });
    // Ordered like every record: the later setting carries the later stamp.
    expect(loaded.ok && loaded.state.consistency!.stamp > set.consistency.stamp).toBe(true);
    watched.stop();
  });

  it('switches the ring by compare-and-set: of two racing writers exactly one wins, the other sees the current ring', async () => {
    const { a, b } = await backend.open();
    expect((await a.commitRing(0, ring(1, ['node-1']))).ok).toBe(true);
    const [fromA, fromB] = await Promise.all([a.commitRing(1, ring(2, ['node-1', 'node-a'])), b.commitRing(1, ring(2, ['node-1', 'node-b']))]);
    const winners = [fromA, fromB].filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const loser = fromA.ok ? fromB : fromA;
    const winner = fromA.ok ? 'node-a' : 'node-b';
    if (loser.ok || loser.error !== 'conflict') throw new Error(`expected a conflict, got ${JSON.stringify(loser)}`);
    expect(loser.current?.version).toBe(2);
    expect(loser.current?.nodes.map((n) => n.id)).toEqual(['node-1', winner]);
    // The loser re-reads and commits on top; a stale version is refused again and changes nothing.
    const loserStore = fromA.ok ? b : a;
    expect((await loserStore.commitRing(2, ring(3, ['node-1', winner, 'node-c']))).ok).toBe(true);
    const stale = await loserStore.commitRing(2, ring(3, ['node-x']));
    expect(stale.ok === false && stale.error).toBe('conflict');
    const loaded = await a.load();
    expect(loaded.ok && loaded.state.ring?.nodes.map((n) => n.id)).toEqual(['node-1', winner, 'node-c']);
    await expect(a.commitRing(3, ring(3, []))).rejects.toThrow(/raise the version/);
  });

  it('holds one change lock at a time, across clients, until it is released', async () => {
    const { a, b } = await backend.open();
    const first = await a.lockChange('add node-4');
    if (!first.ok) throw new Error(first.message);
    const second = await b.lockChange('remove node-2');
    expect(second).toMatchObject({ ok: false, error: 'busy', holder: 'add node-4' });
    expect(first.lock.lost).toBe(false);
    await first.lock.release();
    const third = await b.lockChange('remove node-2');
    expect(third.ok).toBe(true);
    if (third.ok) await third.lock.release();
  });

  it("delivers another client's ring commit to a watch within a second, and every other kind of change", async () => {
    const { a, b } = await backend.open();
    const seen = recorder(a);
    await seen.until((c) => c.type === 'reloaded');
    const committed = Date.now();
    expect((await b.commitRing(0, ring(1, ['node-1']))).ok).toBe(true);
    const arrived = await seen.until((c) => c.type === 'ring' && c.ring.version === 1);
    expect(arrived - committed).toBeLessThan(1000);
    console.log(`${backend.name}: ring commit reached another client's watch in ${arrived - committed} ms`);
    await b.setHealth('node-1', { down: true });
    await b.addSuspects('node-1', ['k1', 'k2']);
    await b.clearSuspects('node-1');
    await b.writeJournal({ from: ring(1, ['node-1']), to: ring(2, []), reason: 'remove', phase: 'deleting', progress: { done: 0, total: 0 }, owner: 'b', started: 0 });
    await b.appendEvent({ type: 'node-removed', node: 'node-1' });
    await seen.until((c) => c.type === 'event' && c.event.type === 'node-removed');
    const kinds = seen.changes.map((c) => c.change.type);
    expect(kinds).toEqual(['reloaded', 'ring', 'health', 'suspects', 'suspects', 'journal', 'event']);
    const suspects = seen.changes.filter((c) => c.change.type === 'suspects').map((c) => c.change);
    expect(suspects).toEqual([
      { type: 'suspects', node: 'node-1', added: ['k1', 'k2'], cleared: [], writer: b.writer },
      { type: 'suspects', node: 'node-1', added: [], cleared: ['k1', 'k2'] },
    ]);
    seen.stop();
  });

  it("holds each process's request counts, replaced by its next, and reads back every live process's", async () => {
    const { a, b } = await backend.open();
    const report = (writer: string, total: number) => ({
      writer,
      at: Date.now(),
      since: Date.now() - 10_000,
      sketch: { capacity: 256, total, floor: 0, entries: [{ key: 'hot', count: total, error: 0, gets: total, sets: 0, deletes: 0 }] },
      served: { 'node-1': total },
      primary: { 'node-1': total },
      ops: { get: total, set: 0, delete: 0 },
    });
    expect(await a.readHot()).toEqual({ ok: true, reports: [] });
    expect((await a.publishHot(report(a.writer, 5))).ok).toBe(true);
    expect((await a.publishHot(report(a.writer, 7))).ok).toBe(true);
    if (b !== a) expect((await b.publishHot(report(b.writer, 3))).ok).toBe(true);
    for (const reader of [a, b]) {
      const read = await reader.readHot();
      expect(read.ok && read.reports.map((r) => [r.writer, r.sketch.total]).sort()).toEqual(
        b === a
          ? [[a.writer, 7]]
          : [
              [a.writer, 7],
              [b.writer, 3],
            ].sort(),
      );
    }
    if (b === a) return;
    // Closing ends the session the counts live under (etcd): the other process no longer reads them.
    await b.close();
    const after = await a.readHot();
    expect(after.ok && after.reports.map((r) => r.writer)).toEqual([a.writer]);
  });

  it('keeps a bounded event log: the newest events, oldest first', async () => {
    const { a, b } = await backend.open({ eventLimit: 20 });
    for (let n = 0; n < 45; n++) expect((await (n % 2 ? a : b).appendEvent({ type: 'move-progress', reason: 'add', done: n, total: 45 })).ok).toBe(true);
    const loaded = await a.load();
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.state.events.map((e) => (e.type === 'move-progress' ? e.done : -1))).toEqual(Array.from({ length: 20 }, (_, i) => 25 + i));
  });

  it('stores 10,000 suspect keys as small records and reads them all back', async () => {
    const { a, b } = await backend.open();
    const keys = Array.from({ length: 10_000 }, (_, n) => `session:${n}:${'x'.repeat(n % 50)}`);
    const started = Date.now();
    const added = await a.addSuspects('node-2', keys);
    expect(added).toEqual({ ok: true });
    const wrote = Date.now() - started;
    const loaded = await b.load();
    if (!loaded.ok) throw new Error(loaded.message);
    expect(new Set(loaded.state.suspects['node-2'])).toEqual(new Set(keys));
    expect((await a.clearSuspects('node-2', keys.slice(0, 4000))).ok).toBe(true);
    const fewer = await b.load();
    expect(fewer.ok && fewer.state.suspects['node-2'].length).toBe(6000);
    expect((await a.clearSuspects('node-2')).ok).toBe(true);
    const none = await b.load();
    expect(none.ok && none.state.suspects).toEqual({});
    console.log(`${backend.name}: 10,000 suspect keys written in ${wrote} ms`);
  });

  it('elects a leader, which steps down on resign', async () => {
    const { a } = await backend.open();
    const lost: string[] = [];
    const elected = await a.campaign((reason) => lost.push(reason));
    if (!elected.ok) throw new Error(elected.message);
    expect(elected.leadership.lost).toBe(false);
    await elected.leadership.resign();
    expect(elected.leadership.lost).toBe(true);
    expect(lost).toEqual(['resigned']);
  });
});
