// POST and GET /api/lab, called as Next calls them, on the process's cluster of real local memcached nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as labRoute from '@/app/api/lab/route';
import { getCluster } from '@/lib/cluster/instance';
import type { LabReport } from '@/lib/lab';
import { isolateProcessCluster } from '../support/process-cluster';

// Before anything opens the process's cluster: a data directory of this file's own.
const closeCluster = isolateProcessCluster('lab-api');

type Answer = LabReport & { origin: { nodesFrom: string; keysFrom: string }; error?: string; message?: string };

async function call(handler: (request: Request) => Promise<Response>, method: string, url: string, json?: unknown): Promise<{ status: number; body: Answer }> {
  const body = json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json);
  const response = await handler(new Request(`http://localhost${url}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } }));
  return { status: response.status, body: (await response.json()) as Answer };
}

beforeAll(async () => {
  const cluster = await getCluster();
  expect(cluster.nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
  for (let i = 0; i < 120; i++) expect((await cluster.put(`lab:${i}`, `value ${i}`)).ok).toBe(true);
});

afterAll(() => closeCluster());

describe('/api/lab', () => {
  it("compares on the cluster's nodes and keys by default", async () => {
    const { status, body } = await call(labRoute.POST, 'POST', '/api/lab', { change: { add: 'node-4' }, timingRounds: 1 });
    expect(status).toBe(200);
    expect(body.origin).toMatchObject({ nodesFrom: 'cluster', keysFrom: 'cluster' });
    expect(body.keys).toBe(120);
    expect(body.minimum!.primaries).toBe(30);
    expect(body.algorithms.ringside.after!.perNode['node-4']).toBeGreaterThan(0);
    expect(body.algorithms.maglev.lookupNs).toBeGreaterThan(0);
    // Nothing changed: the lab only computes.
    expect((await getCluster()).nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('takes nodes and a key count in the body, and a query on GET', async () => {
    const post = await call(labRoute.POST, 'POST', '/api/lab', { nodes: [{ id: 'x' }, { id: 'y', weight: 3 }], keys: 2000, algorithms: ['jump', 'rendezvous'], timingRounds: 0 });
    expect(post.status).toBe(200);
    expect(post.body.origin).toMatchObject({ nodesFrom: 'request', keysFrom: 'synthetic' });
    expect(Object.keys(post.body.algorithms)).toEqual(['jump', 'rendezvous']);
    expect(post.body.algorithms.rendezvous.current.requests).not.toBeNull();
    const get = await call(labRoute.GET, 'GET', '/api/lab?remove=node-1&keys=3000&algorithms=jump&timingRounds=0');
    expect(get.status).toBe(200);
    expect(get.body.minimum!.primaries).toBe(1000);
    expect(get.body.algorithms.jump.rebuilt).toBeDefined();
    // node-1 is not jump's last bucket: the report says how it copes, at what cost.
    expect(get.body.algorithms.jump.workaround).toMatchObject({ reason: 'remove_not_last', moved: get.body.algorithms.jump.moved, rebuilt: get.body.algorithms.jump.rebuilt });
    expect(get.body.algorithms.jump.workaround!.description).toMatch(/node-1 is not last/);
  });

  it.each([
    ['POST', { change: { remove: 'node-9' } }, 404, 'unknown_node'],
    ['POST', { change: { add: 'node-1' } }, 409, 'node_exists'],
    ['POST', { keys: 0 }, 400, 'invalid_lab'],
    ['POST', { nodes: [{ id: 'a', weight: -1 }], keys: 10 }, 400, 'invalid_lab'],
    ['POST', { replicas: 'three' }, 400, 'invalid_body'],
    ['POST', { colour: 'red' }, 400, 'invalid_body'],
    ['POST', '{not json', 400, 'invalid_json'],
    ['GET', '?add=a&remove=b', 400, 'invalid_query'],
    ['GET', '?keys=lots', 400, 'invalid_query'],
    ['GET', '?color=red', 400, 'invalid_query'],
  ])('%s %j answers %i %s', async (method, input, status, error) => {
    const answer = method === 'POST' ? await call(labRoute.POST, 'POST', '/api/lab', input) : await call(labRoute.GET, 'GET', `/api/lab${input as string}`);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ ok: false, error });
    expect(answer.body.message!.length).toBeGreaterThan(5);
  });
});
