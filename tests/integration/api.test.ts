// The REST API's route handlers, called as Next calls them, on the process's cluster of real local memcached nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as keyRoute from '@/app/api/keys/[key]/route';
import * as locateRoute from '@/app/api/keys/[key]/locate/route';
import * as fakeRoute from '@/app/api/keys/fake/route';
import * as keysRoute from '@/app/api/keys/route';
import * as nodeRoute from '@/app/api/nodes/[id]/route';
import * as killRoute from '@/app/api/nodes/[id]/kill/route';
import * as reviveRoute from '@/app/api/nodes/[id]/revive/route';
import * as vnodesRoute from '@/app/api/nodes/[id]/vnodes/route';
import * as nodesRoute from '@/app/api/nodes/route';
import * as planRoute from '@/app/api/plan/route';
import * as repairRoute from '@/app/api/repair/route';
import * as ringRoute from '@/app/api/ring/route';
import * as statsRoute from '@/app/api/stats/route';
import { getCluster } from '@/lib/cluster/instance';
import type { Body, FakeAnswer, GetAnswer, KeysAnswer, NodesAnswer, PlanAnswer, ReviveAnswer, RingAnswer, StatsAnswer } from '../support/answers';
import { isolateProcessCluster } from '../support/process-cluster';
import type { DeleteResult, LocateResult, MembershipResult, NodeView, PutResult } from '@/lib/cluster/types';
import { NodeClient } from '@/lib/memcached/node-client';
import { parseAddress } from '@/lib/validate';

// Before anything opens the process's cluster: a data directory of this file's own.
const closeCluster = isolateProcessCluster('api');

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface Call<T> {
  status: number;
  body: Body<T>;
}

/** Calls a handler as Next 16 does: a Request, and the route's params (already percent-decoded) as a promise. */
async function call<T = object>(handler: unknown, method: string, url: string, options: { params?: Record<string, string>; json?: unknown; raw?: string } = {}): Promise<Call<T>> {
  const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const request = new Request(`http://localhost${url}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  const response = await (handler as Handler)(request, { params: Promise.resolve(options.params ?? {}) });
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return { status: response.status, body: (await response.json()) as Body<T> };
}

const key = (k: string) => ({ params: { key: k } });
const node = (id: string) => ({ params: { id } });

async function counts(): Promise<Record<string, { primary: number; replica: number }>> {
  const { body } = await call<NodesAnswer>(nodesRoute.GET, 'GET', '/api/nodes');
  // Every node answers in these tests: a missing count fails the sums below.
  return Object.fromEntries(body.nodes.map((n) => [n.id, n.keys ?? { primary: NaN, replica: NaN }]));
}

async function checksum(): Promise<string> {
  return (await call<RingAnswer>(ringRoute.GET, 'GET', '/api/ring')).body.checksum;
}

/** One node's memcached, through a client of our own (behind the cluster's back). */
async function withNode<T>(nodeId: string, task: (client: NodeClient) => Promise<T>): Promise<T> {
  const cluster = await getCluster();
  const parsed = parseAddress(cluster.nodes().find((n) => n.id === nodeId)!.address);
  if (!parsed.ok) throw new Error(parsed.message);
  const client = new NodeClient(parsed.address, { deadlineMs: 2000 });
  try {
    return await task(client);
  } finally {
    client.close();
  }
}

/** The user's bytes one node holds for a key (the envelope's header taken off; a tombstone reads as null). */
const rawGet = (nodeId: string, k: string) =>
  withNode(nodeId, async (client) => {
    const item = await client.getVersioned(k);
    return item && item.kind !== 'tombstone' ? item.bytes : null;
  });

beforeAll(async () => {
  expect((await getCluster()).nodes().map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
});

afterAll(() => closeCluster());

describe('keys', () => {
  it('puts UTF-8 text and gets back the same bytes, from the primary', async () => {
    const put = await call<PutResult>(keyRoute.PUT, 'PUT', '/api/keys/user%3A%7B42%7D%3Acart', { ...key('user:{42}:cart'), json: { value: '["böök", "pen"] ✓' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ok: true, key: 'user:{42}:cart', acknowledged: 3, bytes: Buffer.byteLength('["böök", "pen"] ✓') });
    const get = await call<GetAnswer>(keyRoute.GET, 'GET', '/api/keys/user%3A%7B42%7D%3Acart', key('user:{42}:cart'));
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ ok: true, value: '["böök", "pen"] ✓', encoding: 'utf8', repaired: [] });
    expect(['node-1', 'node-2', 'node-3']).toContain(get.body.servedBy);
    for (const replica of put.body.replicas) expect((await rawGet(replica.node, 'user:{42}:cart'))?.toString('utf8')).toBe('["böök", "pen"] ✓');
  });

  it('puts base64 bytes and gets them back as base64 when they are not printable UTF-8', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);
    const put = await call<PutResult>(keyRoute.PUT, 'PUT', '/api/keys/blob', { ...key('blob'), json: { value: bytes.toString('base64'), encoding: 'base64', ttl: 600 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ bytes: bytes.length, ttl: 600 });
    const get = await call<GetAnswer>(keyRoute.GET, 'GET', '/api/keys/blob', key('blob'));
    expect(get.body.encoding).toBe('base64');
    expect(Buffer.from(get.body.value, 'base64').equals(bytes)).toBe(true);
    expect((await rawGet(put.body.replicas[0].node, 'blob'))!.equals(bytes)).toBe(true);
  });

  it('takes keys with /, %, braces and non-ASCII characters, and the key named fake', async () => {
    for (const k of ['a/b', '100%', '%2F', 'ünï€😀', 'x?y#z']) {
      expect((await call(keyRoute.PUT, 'PUT', `/api/keys/${encodeURIComponent(k)}`, { ...key(k), json: { value: `v:${k}` } })).status).toBe(200);
      expect((await call(keyRoute.GET, 'GET', `/api/keys/${encodeURIComponent(k)}`, key(k))).body).toMatchObject({ key: k, value: `v:${k}` });
    }
    expect((await call(fakeRoute.PUT, 'PUT', '/api/keys/fake', { json: { value: 'not fake' } })).status).toBe(200);
    expect((await call<GetAnswer>(fakeRoute.GET, 'GET', '/api/keys/fake')).body.value).toBe('not fake');
    expect((await call<DeleteResult>(fakeRoute.DELETE, 'DELETE', '/api/keys/fake')).body.deleted).toBe(true);
  });

  it("lists keys with placement, all or one node's, and locates one", async () => {
    const all = await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys');
    expect(all.status).toBe(200);
    const cart = all.body.keys.find((k) => k.key === 'user:{42}:cart');
    expect(cart?.preference).toHaveLength(3);
    expect(cart?.missing).toEqual([]);
    const one = await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys?node=node-2');
    expect(one.status).toBe(200);
    expect(one.body.keys.every((k) => k.holders.includes('node-2'))).toBe(true);
    expect((await call(keysRoute.GET, 'GET', '/api/keys?node=node-9')).status).toBe(404);
    // The first keys in order and how many there are; a limit that is not a whole number is refused.
    const first = await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys?limit=2');
    expect(first.body.keys.map((k) => k.key)).toEqual(all.body.keys.slice(0, 2).map((k) => k.key));
    expect(first.body.total).toBe(all.body.keys.length);
    for (const limit of ['0', '-1', '1.5', 'ten', '1000001']) {
      const refused = await call(keysRoute.GET, 'GET', `/api/keys?limit=${limit}`);
      expect(refused.status, limit).toBe(400);
      expect(refused.body.error).toBe('invalid_limit');
    }

    const located = await call<LocateResult>(locateRoute.GET, 'GET', '/api/keys/user%3A%7B42%7D%3Acart/locate', key('user:{42}:cart'));
    expect(located.status).toBe(200);
    expect(located.body).toMatchObject({ hashedPart: '42', replicas: [{ role: 'primary', holds: true }, { holds: true }, { holds: true }] });
    expect(located.body.replicas[0].node).toBe(cart?.preference[0]);
  });

  it('deletes a key from every replica; then it is not found', async () => {
    const deleted = await call(keyRoute.DELETE, 'DELETE', '/api/keys/blob', key('blob'));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ ok: true, deleted: true });
    expect((await call<DeleteResult>(keyRoute.DELETE, 'DELETE', '/api/keys/blob', key('blob'))).body.deleted).toBe(false);
    const missing = await call(keyRoute.GET, 'GET', '/api/keys/blob', key('blob'));
    expect(missing).toMatchObject({ status: 404, body: { ok: false, error: 'not_found' } });
  });

  it('stores fake keys', async () => {
    const fake = await call<FakeAnswer>(fakeRoute.POST, 'POST', '/api/keys/fake', { json: { count: 40, ttl: 3600 } });
    expect(fake.status).toBe(201);
    expect(fake.body).toMatchObject({ ok: true, stored: 40, failed: 0 });
    expect(fake.body.sample).toHaveLength(5);
    expect((await call(fakeRoute.POST, 'POST', '/api/keys/fake', { json: { count: 0 } })).status).toBe(400);
    expect((await call(fakeRoute.POST, 'POST', '/api/keys/fake', { json: { count: 100_001 } })).status).toBe(400);
    expect((await call(fakeRoute.POST, 'POST', '/api/keys/fake', { json: { count: 5, ttl: -1 } })).body.error).toBe('invalid_ttl');
  });
});

describe('bad input changes nothing and gets a 4xx saying why', () => {
  it('refuses malformed JSON, wrong types, unknown fields and bad base64 with 400', async () => {
    const cases: [unknown, string, string][] = [
      [keyRoute.PUT, '{"value":', 'invalid_json'],
      [keyRoute.PUT, '{"value": 42}', 'invalid_body'],
      [keyRoute.PUT, '{"value": "v", "ttl": "60"}', 'invalid_body'],
      [keyRoute.PUT, '{"value": "v", "colour": "red"}', 'invalid_body'],
      [keyRoute.PUT, '{"value": "v", "encoding": "hex"}', 'invalid_body'],
      [keyRoute.PUT, '{"value": "not base64!", "encoding": "base64"}', 'invalid_value'],
      [keyRoute.PUT, '{"value": "v", "ttl": 1.5}', 'invalid_ttl'],
      [nodesRoute.POST, '{"vnodes": "many"}', 'invalid_body'],
      [nodesRoute.POST, '{"name": "node-9"}', 'invalid_body'],
      [nodesRoute.POST, '{"vnodes": 0}', 'invalid_vnodes'],
      [nodesRoute.POST, '{"address": "not-an-address"}', 'invalid_address'],
      [planRoute.POST, '{"type": "rename", "id": "node-1"}', 'invalid_body'],
      [planRoute.POST, '{"type": "remove"}', 'invalid_body'],
      [planRoute.POST, '[]', 'invalid_body'],
    ];
    const before = await checksum();
    for (const [handler, raw, error] of cases) {
      const answer = await call(handler, handler === keyRoute.PUT ? 'PUT' : 'POST', '/api/x', { ...key('k'), raw });
      expect({ raw, status: answer.status, error: answer.body.error }).toEqual({ raw, status: 400, error });
      expect(answer.body.message).toEqual(expect.any(String));
    }
    expect((await call(vnodesRoute.PUT, 'PUT', '/api/nodes/node-1/vnodes', { ...node('node-1'), json: { vnodes: '8' } })).status).toBe(400);
    expect((await call(vnodesRoute.PUT, 'PUT', '/api/nodes/node-1/vnodes', { ...node('node-1'), json: { vnodes: 5000 } })).body.error).toBe('invalid_vnodes');
    expect(await checksum()).toBe(before);
    expect((await call(keyRoute.GET, 'GET', '/api/keys/k', key('k'))).status).toBe(404);
  });

  it('refuses bad keys with 400: 251 bytes, whitespace, a control character', async () => {
    for (const bad of ['k'.repeat(251), 'has space', 'tab\there', 'bell\u0007']) {
      const put = await call(keyRoute.PUT, 'PUT', `/api/keys/${encodeURIComponent(bad)}`, { ...key(bad), json: { value: 'v' } });
      expect(put).toMatchObject({ status: 400, body: { ok: false, error: 'invalid_key' } });
      expect((await call(keyRoute.GET, 'GET', '/api/keys/x', key(bad))).status).toBe(400);
      expect((await call(locateRoute.GET, 'GET', '/api/keys/x/locate', key(bad))).status).toBe(400);
    }
    expect((await call(keyRoute.PUT, 'PUT', '/api/keys/ok', { ...key('k'.repeat(250)), json: { value: 'v' } })).status).toBe(200);
  });

  it("refuses a body over the limit with 413, and a value over the nodes' item size with 400", async () => {
    const huge = JSON.stringify({ value: 'x'.repeat(3 * 1024 * 1024) });
    const tooLarge = await call(keyRoute.PUT, 'PUT', '/api/keys/huge', { ...key('huge'), raw: huge });
    expect(tooLarge).toMatchObject({ status: 413, body: { ok: false, error: 'too_large' } });
    const overItem = await call(keyRoute.PUT, 'PUT', '/api/keys/huge', { ...key('huge'), json: { value: 'x'.repeat(1024 * 1024) } });
    expect(overItem).toMatchObject({ status: 400, body: { error: 'invalid_value' } });
    expect((await call(keyRoute.GET, 'GET', '/api/keys/huge', key('huge'))).status).toBe(404);
  });

  it('answers 404 for an unknown node, and 403 for an address outside the allowed hosts', async () => {
    expect((await call(nodeRoute.DELETE, 'DELETE', '/api/nodes/node-9', node('node-9'))).body.error).toBe('unknown_node');
    for (const [handler, method] of [
      [nodeRoute.DELETE, 'DELETE'],
      [killRoute.POST, 'POST'],
      [reviveRoute.POST, 'POST'],
    ] as const) {
      expect((await call(handler, method, '/api/nodes/node-9', node('node-9'))).status).toBe(404);
    }
    expect((await call(vnodesRoute.PUT, 'PUT', '/api/nodes/node-9/vnodes', { ...node('node-9'), json: { vnodes: 8 } })).status).toBe(404);
    expect((await call(planRoute.POST, 'POST', '/api/plan', { json: { type: 'remove', id: 'node-9' } })).status).toBe(404);
    expect((await call(nodesRoute.POST, 'POST', '/api/nodes', { json: { address: '192.0.2.1:11211' } })).body.error).toBe('address_not_allowed');
  });

  it('answers 409 for a node id already in the ring', async () => {
    const duplicate = await call(nodesRoute.POST, 'POST', '/api/nodes', { json: { id: 'node-1' } });
    expect(duplicate).toMatchObject({ status: 409, body: { ok: false, error: 'node_exists' } });
    expect((await call(planRoute.POST, 'POST', '/api/plan', { json: { type: 'add', id: 'node-2' } })).status).toBe(409);
  });
});

describe('the ring, plans and membership', () => {
  it('reports the ring and memcached statistics', async () => {
    const ring = await call<RingAnswer>(ringRoute.GET, 'GET', '/api/ring');
    expect(ring.status).toBe(200);
    expect(ring.body).toMatchObject({ ok: true, replicas: 3, vnodes: 480 });
    expect(ring.body.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    const stats = await call<StatsAnswer>(statsRoute.GET, 'GET', '/api/stats');
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body.stats)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(Number(stats.body.stats['node-1']?.curr_items)).toBeGreaterThan(0);
  });

  it('plans a change without making it', async () => {
    const before = await checksum();
    const keysBefore = (await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys')).body.keys.length;
    const add = await call<PlanAnswer>(planRoute.POST, 'POST', '/api/plan', { json: { type: 'add', id: 'node-4' } });
    expect(add.status).toBe(200);
    expect(add.body.preview.keys).toBe(keysBefore);
    expect(add.body.preview.primariesMoved).toBeGreaterThan(0);
    expect(add.body.preview.copies).toBeGreaterThan(0);
    expect(add.body.preview.copies).toBe(add.body.preview.minimumCopies);
    const remove = await call<PlanAnswer>(planRoute.POST, 'POST', '/api/plan', { json: { type: 'remove', id: 'node-2' } });
    // Three nodes and three replicas: every node holds every key, so a removal copies nothing and only deletes.
    expect(remove.body.preview).toMatchObject({ copies: 0, deletes: keysBefore });
    expect((await call(planRoute.POST, 'POST', '/api/plan', { json: { type: 'vnodes', id: 'node-1', vnodes: 320 } })).status).toBe(200);
    expect(await checksum()).toBe(before);
    expect((await call<NodesAnswer>(nodesRoute.GET, 'GET', '/api/nodes')).body.nodes).toHaveLength(3);
  });

  it('adds a node, which takes keys from the others, and removes it, which gives them back', async () => {
    const before = await counts();
    const keyCount = Object.values(before)[0].primary + Object.values(before)[0].replica;
    const added = await call<MembershipResult>(nodesRoute.POST, 'POST', '/api/nodes', { json: { id: 'node-4', vnodes: 200 } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ ok: true, node: { id: 'node-4', status: 'up', vnodes: 200, local: true }, failed: 0 });
    expect(added.body.copied).toBeGreaterThan(0);
    const during = await counts();
    expect(during['node-4'].primary + during['node-4'].replica).toBe(added.body.copied);
    expect(Object.values(during).reduce((sum, c) => sum + c.primary, 0)).toBe(keyCount);
    for (const id of ['node-1', 'node-2', 'node-3']) expect(during[id].primary + during[id].replica).toBeLessThanOrEqual(keyCount);

    const removed = await call<MembershipResult>(nodeRoute.DELETE, 'DELETE', '/api/nodes/node-4', node('node-4'));
    expect(removed.status).toBe(200);
    expect(removed.body.node.id).toBe('node-4');
    const after = await counts();
    expect(Object.keys(after)).toEqual(['node-1', 'node-2', 'node-3']);
    for (const id of Object.keys(after)) expect(after[id].primary + after[id].replica).toBe(keyCount);
    expect((await call(keyRoute.GET, 'GET', '/api/keys/x', key('user:{42}:cart'))).status).toBe(200);
  });

  it("changes a node's weight", async () => {
    const before = await checksum();
    const changed = await call<MembershipResult>(vnodesRoute.PUT, 'PUT', '/api/nodes/node-1/vnodes', { ...node('node-1'), json: { vnodes: 64 } });
    expect(changed.status).toBe(200);
    expect(changed.body.node).toMatchObject({ id: 'node-1', vnodes: 64 });
    expect(await checksum()).not.toBe(before);
  });

  it('kills a node, serves its keys from the replicas, and revives it', async () => {
    const killed = await call<{ node: NodeView }>(killRoute.POST, 'POST', '/api/nodes/node-2/kill', node('node-2'));
    expect(killed.status).toBe(200);
    expect(killed.body.node).toMatchObject({ id: 'node-2', status: 'down', killed: true });
    expect((await call(killRoute.POST, 'POST', '/api/nodes/node-2/kill', node('node-2'))).body.error).toBe('node_down');
    const read = await call<GetAnswer>(keyRoute.GET, 'GET', '/api/keys/x', key('user:{42}:cart'));
    expect(read.status).toBe(200);
    expect(read.body.servedBy).not.toBe('node-2');

    const revived = await call<ReviveAnswer>(reviveRoute.POST, 'POST', '/api/nodes/node-2/revive', node('node-2'));
    expect(revived.status).toBe(200);
    expect(revived.body.node).toMatchObject({ id: 'node-2', status: 'up' });
    expect(revived.body.repair.copied).toBeGreaterThan(0);
    expect((await call(reviveRoute.POST, 'POST', '/api/nodes/node-2/revive', node('node-2'))).status).toBe(409);
    expect((await rawGet('node-2', 'user:{42}:cart'))?.toString()).toBe('["böök", "pen"] ✓');
  });

  it('lists the under-replicated keys, previews their repair, and repairs on request', async () => {
    expect((await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys?missing=1')).body).toMatchObject({ keys: [], total: 0 });
    const lost = 'user:{42}:cart';
    const replica = (await call<LocateResult>(locateRoute.GET, 'GET', '/api/keys/x/locate', key(lost))).body.replicas[1].node;
    await withNode(replica, (client) => client.delete(lost));
    const under = await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys?missing=1&limit=5');
    expect(under.status).toBe(200);
    expect(under.body.total).toBe(1);
    expect(under.body.keys.map((k: { key: string; missing: string[] }) => [k.key, k.missing])).toEqual([[lost, [replica]]]);
    expect((await call(keysRoute.GET, 'GET', '/api/keys?missing=yes')).status).toBe(400);

    const plan = await call<PlanAnswer>(planRoute.POST, 'POST', '/api/plan', { json: { type: 'repair' } });
    expect(plan.status).toBe(200);
    expect(plan.body.preview).toMatchObject({ copies: 1, keysCopied: 1, deletes: 0, primariesMoved: 0 });
    expect(await rawGet(replica, lost)).toBeNull(); // a preview changes nothing
    expect((await call(planRoute.POST, 'POST', '/api/plan', { json: { type: 'repair', id: 'node-1' } })).status).toBe(400);

    const repaired = await call<Pick<ReviveAnswer, 'repair'>>(repairRoute.POST, 'POST', '/api/repair');
    expect(repaired.status).toBe(200);
    expect(repaired.body.repair).toMatchObject({ failed: 0, copied: 1, planned: 1 });
    expect((await rawGet(replica, lost))?.toString()).toBe('["böök", "pen"] ✓');
    expect((await call<KeysAnswer>(keysRoute.GET, 'GET', '/api/keys?missing=1')).body.total).toBe(0);
  });

  it('removes nodes down to the last, which it refuses with 409', async () => {
    expect((await call(nodeRoute.DELETE, 'DELETE', '/api/nodes/node-2', node('node-2'))).status).toBe(200);
    expect((await call(nodeRoute.DELETE, 'DELETE', '/api/nodes/node-3', node('node-3'))).status).toBe(200);
    const last = await call(nodeRoute.DELETE, 'DELETE', '/api/nodes/node-1', node('node-1'));
    expect(last).toMatchObject({ status: 409, body: { ok: false, error: 'last_node' } });
    expect((await call(planRoute.POST, 'POST', '/api/plan', { json: { type: 'remove', id: 'node-1' } })).status).toBe(409);
    expect((await call<GetAnswer>(keyRoute.GET, 'GET', '/api/keys/x', key('user:{42}:cart'))).body.value).toBe('["böök", "pen"] ✓');
  });
});
