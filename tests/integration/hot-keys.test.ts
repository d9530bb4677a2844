// Hot keys and load per node on real local memcached: a known mix of puts, gets and deletes, read back through the cluster, the API and the shell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hotRoute from '@/app/api/hot/route';
import { getCluster } from '@/lib/cluster/instance';
import type { Cluster } from '@/lib/cluster/cluster';
import { mapLimit } from '@/lib/concurrency';
import type { HotView } from '@/lib/hot-view';
import { preferenceList } from '@/lib/ring';
import { argvWords } from '@/scripts/shell/args';
import { findCommand } from '@/scripts/shell/commands';
import { isolateProcessCluster } from '../support/process-cluster';

const closeCluster = isolateProcessCluster('hot');
let cluster: Cluster;

beforeAll(async () => {
  cluster = await getCluster();
  expect(cluster.nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
});

afterAll(() => closeCluster());

async function hotAnswer(query: string): Promise<{ status: number; body: { ok: boolean; error?: string } & HotView }> {
  const response = await hotRoute.GET(new Request(`http://localhost/api/hot${query}`));
  return { status: response.status, body: await response.json() };
}

describe('hot keys', () => {
  it('ranks a known mix and counts each node it reached, through the cluster, the API and the shell', async () => {
    const ring = cluster.currentRing;
    const hot = Array.from({ length: 8 }, (_, i) => `hot:{${i}}`);
    // hot:{i} is read 120 / (i + 1) times: 120, 60, 40, 30, 24, 20, 17, 15.
    const reads = hot.map((_, i) => Math.floor(120 / (i + 1)));
    // 400 keys never written, read once each: more distinct keys than the sketch has counters (256).
    const cold = Array.from({ length: 400 }, (_, i) => `cold:${i}`);
    const expected = { served: {} as Record<string, number>, primary: {} as Record<string, number> };
    const touch = (key: string, nodes: readonly string[]) => {
      for (const node of nodes) expected.served[node] = (expected.served[node] ?? 0) + 1;
      const primary = preferenceList(ring, key)[0];
      expected.primary[primary] = (expected.primary[primary] ?? 0) + 1;
    };

    for (const key of hot) {
      expect((await cluster.put(key, `v:${key}`)).ok).toBe(true);
      touch(key, preferenceList(ring, key));
    }
    // Gets interleaved across keys, as clients would send them; each is served by its primary.
    const gets = hot.flatMap((key, i) => Array.from({ length: reads[i] }, (_, n) => ({ key, n }))).sort((a, b) => a.n - b.n || a.key.localeCompare(b.key));
    await mapLimit(gets, 16, async ({ key }) => {
      const read = await cluster.get(key);
      expect(read.ok && read.servedBy).toBe(preferenceList(ring, key)[0]);
    });
    for (const { key } of gets) touch(key, [preferenceList(ring, key)[0]]);
    // A miss is believed once every replica said so: each was asked.
    await mapLimit(cold, 16, async (key) => expect((await cluster.get(key)).ok).toBe(false));
    for (const key of cold) touch(key, preferenceList(ring, key));
    expect((await cluster.delete(hot[7])).ok).toBe(true);
    touch(hot[7], preferenceList(ring, hot[7]));
    // Bad input reaches no node and is not counted.
    expect((await cluster.get('has space')).ok).toBe(false);

    const total = hot.length + gets.length + cold.length + 1;
    const view = await cluster.hotKeys(8);
    expect(view.total).toBe(total);
    expect(view.ops).toEqual({ get: gets.length + cold.length, set: hot.length, delete: 1 });
    expect(view.processes).toHaveLength(1);
    // In order, each within its error bound of the truth (one put, its reads, and the delete of the last).
    expect(view.keys.map((k) => k.key)).toEqual(hot);
    view.keys.forEach((k, i) => {
      const truth = 1 + reads[i] + (i === 7 ? 1 : 0);
      expect(k.count - k.error, k.key).toBeLessThanOrEqual(truth);
      expect(truth, k.key).toBeLessThanOrEqual(k.count);
      expect(k.primary).toBe(preferenceList(ring, k.key)[0]);
    });
    expect(view.keys[0]).toMatchObject({ count: 121, error: 0, gets: 120, sets: 1, deletes: 0 });
    expect(view.unlisted).toBeLessThanOrEqual(total / view.capacity);
    expect(Object.fromEntries(view.nodes.map((n) => [n.id, n.served]))).toEqual(expected.served);
    expect(Object.fromEntries(view.nodes.map((n) => [n.id, n.primary]))).toEqual(expected.primary);
    expect(view.window.ms).toBeLessThanOrEqual(view.window.spanMs);

    const api = await hotAnswer('?top=3');
    expect(api.status).toBe(200);
    expect(api.body.keys.map((k) => [k.key, k.count])).toEqual(view.keys.slice(0, 3).map((k) => [k.key, k.count]));
    expect(api.body.nodes).toEqual(view.nodes);
    for (const bad of ['?top=0', '?top=257', '?top=two']) {
      const refused = await hotAnswer(bad);
      expect(refused.status, bad).toBe(400);
      expect(refused.body.error).toBe('invalid_top');
    }

    const shell = await findCommand('hot')!.prepare(argvWords(['--top', '2']), null)(cluster);
    expect(shell.ok).toBe(true);
    expect(shell.text).toMatch(new RegExp(`^${total.toLocaleString('en-US')} requests over the last \\d+ s, counted by this process`));
    expect(shell.text).toMatch(/^hot:\{0\} +121 +0 /m);
    expect((shell.json as HotView).keys.map((k) => k.key)).toEqual(hot.slice(0, 2));
    expect(() => findCommand('hot')!.prepare(argvWords(['--top', '0']), null)).toThrow('--top must be from 1 to 256');
  });
});
