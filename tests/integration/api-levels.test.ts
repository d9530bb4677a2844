// Consistency levels over the REST API: per call on the key routes, the cluster's default on /api/consistency, bad levels refused.
import { afterAll, describe, expect, it } from 'vitest';
import * as consistencyRoute from '@/app/api/consistency/route';
import * as keyRoute from '@/app/api/keys/[key]/route';
import * as killRoute from '@/app/api/nodes/[id]/kill/route';
import type { Failure, GetResult, PutResult } from '@/lib/cluster/types';
import type { ConsistencyLevels } from '@/lib/consistency';
import { isolateProcessCluster } from '../support/process-cluster';

// Before anything opens the process's cluster: a data directory of this file's own.
const closeCluster = isolateProcessCluster('api-levels');
afterAll(() => closeCluster());

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call<T>(handler: unknown, method: string, url: string, options: { params?: Record<string, string>; json?: unknown } = {}): Promise<{ status: number; body: T }> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const request = new Request(`http://localhost${url}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  const response = await (handler as Handler)(request, { params: Promise.resolve(options.params ?? {}) });
  return { status: response.status, body: (await response.json()) as T };
}

const key = (k: string) => ({ params: { key: k } });
type Levels = { ok: true; consistency: ConsistencyLevels };

describe('the REST API', () => {
  it('sets and reads the default levels; a bad level or an unknown field is refused and changes nothing', async () => {
    expect((await call<Levels>(consistencyRoute.GET, 'GET', '/api/consistency')).body.consistency).toEqual({ w: 'one', r: 'one' });
    const bad = await call<Failure>(consistencyRoute.PUT, 'PUT', '/api/consistency', { json: { w: 'quorum' } });
    expect(bad).toMatchObject({ status: 400, body: { ok: false, error: 'invalid_level', message: 'w must be one, majority or all (got "quorum")' } });
    const unknown = await call<Failure>(consistencyRoute.PUT, 'PUT', '/api/consistency', { json: { n: 3 } });
    expect(unknown.status).toBe(400);
    const set = await call<Levels>(consistencyRoute.PUT, 'PUT', '/api/consistency', { json: { r: 'majority' } });
    expect(set).toMatchObject({ status: 200, body: { consistency: { w: 'one', r: 'majority' } } });
    expect((await call<Levels>(consistencyRoute.GET, 'GET', '/api/consistency')).body.consistency).toEqual({ w: 'one', r: 'majority' });

    const put = await call<PutResult>(keyRoute.PUT, 'PUT', '/api/keys/a', { ...key('a'), json: { value: '1' } });
    expect(put.body).toMatchObject({ ok: true, w: 'one', acknowledged: 3 });
    const get = await call<GetResult & { value: string }>(keyRoute.GET, 'GET', '/api/keys/a', key('a'));
    expect(get.body).toMatchObject({ ok: true, value: '1', r: 'majority', version: expect.stringMatching(/^[0-9a-f]{12}\.[0-9a-f]{8}\.#[0-9a-f]{8}$/) });
    expect(get.body.tried.filter((t) => t.ok && t.held === 'value' && t.version === get.body.version).length).toBeGreaterThanOrEqual(2);

    const badQuery = await call<Failure>(keyRoute.GET, 'GET', '/api/keys/a?r=most', key('a'));
    expect(badQuery).toMatchObject({ status: 400, body: { error: 'invalid_level', message: 'r must be one, majority or all (got "most")' } });
    const both = await call<Failure>(keyRoute.PUT, 'PUT', '/api/keys/a?w=all', { ...key('a'), json: { value: '2', w: 'one' } });
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_level' } });
    const badBody = await call<Failure>(keyRoute.PUT, 'PUT', '/api/keys/a', { ...key('a'), json: { value: '2', w: 'two' } });
    expect(badBody.status).toBe(400);
    expect((await call<GetResult & { value: string }>(keyRoute.GET, 'GET', '/api/keys/a?r=all', key('a'))).body.value).toBe('1');
  });

  it('with a replica down: W=all is 503 naming the replicas, W=one (query or body) stores, R=all is 503 and R=one reads', async () => {
    expect((await call(killRoute.POST, 'POST', '/api/nodes/node-3/kill', { params: { id: 'node-3' } })).status).toBe(200);
    const all = await call<Failure>(keyRoute.PUT, 'PUT', '/api/keys/b', { ...key('b'), json: { value: 'x', w: 'all' } });
    expect(all.status).toBe(503);
    expect(all.body.error).toBe('too_few_replicas');
    expect(all.body.replicas?.map((r) => `${r.node} ${r.ok ? 'ok' : r.error}`).sort()).toEqual(['node-1 ok', 'node-2 ok', 'node-3 down']);
    expect((await call<PutResult>(keyRoute.PUT, 'PUT', '/api/keys/b?w=one', { ...key('b'), json: { value: 'y' } })).body).toMatchObject({ ok: true, w: 'one', acknowledged: 2 });
    expect((await call<PutResult>(keyRoute.PUT, 'PUT', '/api/keys/b', { ...key('b'), json: { value: 'z', w: 'majority' } })).status).toBe(200);
    expect((await call<Failure>(keyRoute.GET, 'GET', '/api/keys/b?r=all', key('b'))).body).toMatchObject({ error: 'too_few_replicas' });
    expect((await call<GetResult & { value: string }>(keyRoute.GET, 'GET', '/api/keys/b?r=one', key('b'))).body).toMatchObject({ value: 'z', r: 'one' });
    expect((await call<Failure>(keyRoute.DELETE, 'DELETE', '/api/keys/b?w=all', key('b'))).status).toBe(503);
    expect((await call(keyRoute.DELETE, 'DELETE', '/api/keys/b?w=majority', key('b'))).status).toBe(200);
  });
});
