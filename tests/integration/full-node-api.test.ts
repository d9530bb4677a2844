// The REST API on local nodes started with RINGSIDE_NODE_MEMORY_MB=8: a write refused for want of memory is 507, and the nodes show as full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as keyRoute from '@/app/api/keys/[key]/route';
import * as snapshotRoute from '@/app/api/snapshot/route';
import * as statsRoute from '@/app/api/stats/route';
import { getCluster } from '@/lib/cluster/instance';
import type { SnapshotNode } from '@/lib/cluster/snapshot';
import type { Body, StatsAnswer } from '../support/answers';
import { isolateProcessCluster } from '../support/process-cluster';

// Before anything opens the process's cluster.
const closeCluster = isolateProcessCluster('full-api');
process.env.RINGSIDE_NODE_MEMORY_MB = '8';

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call<T extends object = object>(handler: unknown, method: string, url: string, params: Record<string, string> = {}, json?: unknown): Promise<{ status: number; body: Body<T> }> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const request = new Request(`http://localhost${url}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  const response = await (handler as Handler)(request, { params: Promise.resolve(params) });
  return { status: response.status, body: await response.json() };
}

const put = (key: string, value: string) => call(keyRoute.PUT, 'PUT', `/api/keys/${encodeURIComponent(key)}`, { key }, { value });
const BIG = 'x'.repeat(100_000);

let refused: { status: number; body: Body } | undefined;

beforeAll(async () => {
  expect((await getCluster()).nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
  for (let i = 0; i < 200 && !refused; i++) {
    const answer = await put(`big:${i}`, BIG);
    if (answer.status !== 200) refused = answer;
  }
});

afterAll(async () => {
  delete process.env.RINGSIDE_NODE_MEMORY_MB;
  await closeCluster();
});

describe('the REST API on full nodes', () => {
  it('answers 507 out_of_memory, naming the nodes, their 8 MiB limit and the ways out', () => {
    expect(refused?.status).toBe(507);
    expect(refused?.body).toMatchObject({ ok: false, error: 'out_of_memory' });
    for (const node of ['node-1', 'node-2', 'node-3']) expect(refused?.body.message).toContain(`${node} (limit 8 MiB)`);
    expect(refused?.body.message).toContain('Add a node, delete keys, or start local nodes with more memory (RINGSIDE_NODE_MEMORY_MB=256)');
  });

  it('still stores small values', async () => {
    expect(await put('small', 'hello')).toMatchObject({ status: 200, body: { ok: true, acknowledged: 3 } });
  });

  it('lists the slab classes in /api/stats, with the refusals counted against the class of the big values', async () => {
    const { status, body } = await call<StatsAnswer>(statsRoute.GET, 'GET', '/api/stats');
    expect(status).toBe(200);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      const stats = body.stats[node]!;
      expect(stats.limit_maxbytes).toBe(String(8 * 1024 * 1024));
      const refusing = Object.keys(stats).filter((name) => /^items:\d+:outofmemory$/.test(name) && Number(stats[name]) > 0);
      expect(refusing).toHaveLength(1);
      const slab = refusing[0].split(':')[1];
      expect(stats[`${slab}:free_chunks`]).toBe('0');
    }
  });

  it('shows every node as full in the snapshot the dashboard draws', async () => {
    const { body } = await call<{ nodes: SnapshotNode[] }>(snapshotRoute.GET, 'GET', '/api/snapshot');
    for (const node of body.nodes) {
      expect(node.stats).toMatchObject({ full: true, limitBytes: 8 * 1024 * 1024 });
      expect(node.stats!.fullSlabs[0].refused).toBeGreaterThan(0);
    }
  });
});
