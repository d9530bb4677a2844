// Hot keys across processes on one etcd: each publishes its counts under its session, readers merge the live ones.
import { describe, expect, it, vi } from 'vitest';
import { HotWindow } from '@/lib/hot-window';
import { preferenceList } from '@/lib/ring';
import { EtcdStore } from '@/lib/store/etcd-store';
import { etcdProcesses } from '../support/etcd-processes';

const PUBLISH_MS = 200;
const processes = etcdProcesses();
const open = (writer: string, env: Record<string, string>, bootstrapLocalNodes = 0) => processes.open(writer, env, bootstrapLocalNodes, { hotPublishMs: PUBLISH_MS });

describe('hot keys on etcd', () => {
  it("merges two processes' counts, and leaves out a process once it stops publishing or closes", async () => {
    const env = processes.freshEnv();
    const first = await open('first', env, 3);
    const second = await open('second', env);
    const ring = first.currentRing;
    expect((await first.put('shared', 'v')).ok).toBe(true);
    expect((await first.put('only-first', 'v')).ok).toBe(true);
    expect((await second.put('only-second', 'v')).ok).toBe(true);
    for (let i = 0; i < 30; i++) expect((await first.get('shared')).ok).toBe(true);
    for (let i = 0; i < 50; i++) expect((await second.get('shared')).ok).toBe(true);
    for (let i = 0; i < 40; i++) expect((await second.get('only-second')).ok).toBe(true);

    // Within a publishing round or two, each process sees both: its own counts as they are, the other's as published.
    for (const reader of [first, second]) {
      await vi.waitFor(async () => expect((await reader.hotKeys()).processes).toEqual(['first', 'second']), { timeout: 5000, interval: 50 });
      const view = await reader.hotKeys();
      expect(view.total).toBe(3 + 30 + 50 + 40);
      expect(view.keys.map((k) => [k.key, k.count, k.error, k.gets, k.sets])).toEqual([
        ['shared', 81, 0, 80, 1],
        ['only-second', 41, 0, 40, 1],
        ['only-first', 1, 0, 0, 1],
      ]);
      const primary = (key: string) => preferenceList(ring, key)[0];
      const served: Record<string, number> = {};
      const byPrimary: Record<string, number> = {};
      const add = (into: Record<string, number>, node: string, n: number) => (into[node] = (into[node] ?? 0) + n);
      for (const key of ['shared', 'only-first', 'only-second']) for (const node of preferenceList(ring, key)) add(served, node, 1);
      add(served, primary('shared'), 80);
      add(served, primary('only-second'), 40);
      add(byPrimary, primary('shared'), 81);
      add(byPrimary, primary('only-second'), 41);
      add(byPrimary, primary('only-first'), 1);
      expect(Object.fromEntries(view.nodes.filter((n) => n.served > 0).map((n) => [n.id, n.served]))).toEqual(served);
      expect(Object.fromEntries(view.nodes.filter((n) => n.primary > 0).map((n) => [n.id, n.primary]))).toEqual(byPrimary);
    }

    // A process that stops publishing (hung, or killed before its session lapses) drops out after three rounds.
    const ghost = new EtcdStore({ kind: 'etcd', endpoints: processes.etcd.endpoints, prefix: env.RINGSIDE_ETCD_PREFIX }, { writer: 'ghost' });
    const window = new HotWindow();
    for (let i = 0; i < 500; i++) window.current(Date.now()).offer('ghostly', 'get', undefined);
    expect((await ghost.publishHot(window.report('ghost', Date.now()))).ok).toBe(true);
    const publishing = setInterval(() => void ghost.publishHot(window.report('ghost', Date.now())), PUBLISH_MS);
    await vi.waitFor(async () => expect((await first.hotKeys()).keys[0]).toMatchObject({ key: 'ghostly', count: 500 }), { timeout: 3000, interval: 50 });
    clearInterval(publishing);
    await vi.waitFor(async () => expect((await first.hotKeys()).processes).toEqual(['first', 'second']), { timeout: 3000, interval: 50 });
    expect((await first.hotKeys()).keys[0].key).toBe('shared');

    // A process that closes ends its session: its counts leave etcd with it.
    await second.close();
    const left = await ghost.readHot();
    expect(left.ok && left.reports.map((r) => r.writer).sort()).toEqual(['first', 'ghost']);
    await ghost.close();
    await vi.waitFor(async () => expect((await first.hotKeys()).processes).toEqual(['first']), { timeout: 3000, interval: 50 });
    expect((await first.hotKeys()).keys.map((k) => [k.key, k.count])).toEqual([
      ['shared', 31],
      ['only-first', 1],
    ]);
  });
});
