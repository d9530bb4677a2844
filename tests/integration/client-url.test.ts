// ringside/client connected by URL: the dashboard's REST API served over real HTTP from this process, real memcached nodes, a client that follows its ring and changes.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type RingsideClient } from '@/lib/client';
import type { Cluster } from '@/lib/cluster/cluster';
import { getCluster } from '@/lib/cluster/instance';
import { mapLimit } from '@/lib/concurrency';
import { freePort } from '@/lib/free-port';
import { NodeClient } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { FOLLOWER_LEASE_MS } from '@/lib/store/participants';
import { parseAddress } from '@/lib/validate';
import { serveApi, type ApiServer } from '../support/api-server';
import { refusal } from '../support/connect-refusal';
import { isolateProcessCluster } from '../support/process-cluster';
import { startUrlClient } from '../support/url-client-holder';

const closeCluster = isolateProcessCluster('client-url');
let api: ApiServer;
let dashboard: Cluster;
const clients: RingsideClient[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  dashboard = await getCluster();
  api = await serveApi();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const client of clients) await client.close();
  await api?.close();
  await closeCluster();
});

async function open(): Promise<RingsideClient> {
  const client = await connect({ url: api.url });
  clients.push(client);
  return client;
}

async function http<T = Record<string, unknown>>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T & { ok?: boolean; error?: string; message?: string } }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: (await response.json()) as T & { ok?: boolean; error?: string; message?: string } };
}

/** What each node of the dashboard's ring really holds, read with a client of our own: node id -> sorted keys. */
async function holdings(): Promise<Record<string, string[]>> {
  const held: Record<string, string[]> = {};
  for (const node of dashboard.nodes()) {
    const parsed = parseAddress(node.address);
    if (!parsed.ok) throw new Error(parsed.message);
    const direct = new NodeClient(parsed.address, { deadlineMs: 2000 });
    held[node.id] = (await direct.inventory()).map((item) => item.key).sort();
    direct.close();
  }
  return held;
}

function expectedOf(keys: Iterable<string>): Record<string, string[]> {
  const ring = dashboard.currentRing;
  const expected: Record<string, string[]> = Object.fromEntries(ring.nodes.map((n) => [n.id, [] as string[]]));
  for (const key of keys) for (const node of preferenceList(ring, key)) expected[node].push(key);
  for (const list of Object.values(expected)) list.sort();
  return expected;
}

const writes = () => dashboard.controlPlane().writes;

async function wipe(): Promise<void> {
  const held = await holdings();
  await mapLimit([...new Set(Object.values(held).flat())], 32, (key) => dashboard.delete(key));
  for (const node of dashboard.nodes()) {
    const parsed = parseAddress(node.address);
    if (!parsed.ok) continue;
    const direct = new NodeClient(parsed.address, { deadlineMs: 2000 });
    await direct.flush();
    direct.close();
  }
}

describe('a client connected by url', () => {
  it('reads and writes where the ring places keys, and the dashboard writes conditionally only while it is connected', async () => {
    expect(writes().alone).toBe(true);
    const client = await open();
    // The join is answered only once the dashboard has dropped its permission to write alone.
    expect(writes().alone).toBe(false);
    expect(client.ring()).toMatchObject({ version: dashboard.version, checksum: dashboard.currentRing.checksum, changing: false });
    const keys = Array.from({ length: 30 }, (_, i) => `url:${i}`);
    for (const key of keys) {
      const put = await client.set(key, `v:${key}`, { w: 'all' });
      expect(put.ok && put.replicas.map((r) => r.node).sort()).toEqual([...preferenceList(dashboard.currentRing, key)].sort());
    }
    const read = await client.getMulti([...keys, 'url:absent']);
    for (const key of keys) expect(read.get(key)).toMatchObject({ ok: true, servedBy: preferenceList(dashboard.currentRing, key)[0] });
    expect(read.get('url:absent')).toMatchObject({ ok: false, error: 'not_found' });
    for (const key of keys) expect((await dashboard.get(key)).ok).toBe(true);
    const held = await holdings();
    for (const [node, list] of Object.entries(expectedOf(keys))) expect(held[node].filter((key) => key.startsWith('url:'))).toEqual(list);

    const before = writes();
    expect((await dashboard.put('url:0', 'from the dashboard')).ok).toBe(true);
    expect(writes()).toMatchObject({ alone: false, plainPuts: before.plainPuts, conditionalPuts: before.conditionalPuts + 1 });
    const fresh = await client.get('url:0', { r: 'all' });
    expect(fresh.ok && fresh.value.toString()).toBe('from the dashboard');

    await client.close();
    clients.splice(clients.indexOf(client), 1);
    // Its session ended with it: the next renewal (300 ms) finds the dashboard alone again.
    await vi.waitFor(() => expect(writes().alone).toBe(true), { timeout: 1000, interval: 10 });
    const after = writes();
    expect((await dashboard.put('url:1', 'alone again')).ok).toBe(true);
    expect(writes()).toMatchObject({ plainPuts: after.plainPuts + 1, conditionalPuts: after.conditionalPuts });
    expect(await client.get('url:1')).toMatchObject({ ok: false, error: 'unavailable' });
  });

  it('follows an add and a remove made through the dashboard within a second; during the add its writes reach both lists and end exactly on the new ones', async () => {
    await wipe();
    const client = await open();
    const latest = new Map<string, string>();
    await mapLimit(
      Array.from({ length: 400 }, (_, i) => `seed:${i}`),
      32,
      async (key) => {
        expect((await dashboard.put(key, `a:${key}`)).ok).toBe(true);
        latest.set(key, `a:${key}`);
      },
    );
    // From the moment the dashboard plans, the client writes new keys and overwrites old ones while keys move.
    let during: Promise<void> = Promise.resolve();
    let changing = false;
    const stop = dashboard.events.subscribe((event) => {
      if (event.type !== 'move-planned') return;
      stop();
      changing = client.ring().changing;
      during = (async () => {
        for (let i = 0; i < 150; i++) {
          for (const key of [`during:${i}`, `seed:${i}`]) {
            const put = await client.set(key, `b:${key}`);
            expect(put.ok, put.ok ? '' : put.message).toBe(true);
            latest.set(key, `b:${key}`);
          }
        }
      })();
    });
    const added = await http<{ node: { id: string } }>('POST', '/api/nodes', {});
    const answeredAt = performance.now();
    expect(added.status, added.body.message).toBe(201);
    // The dashboard waited for the client to follow its change before it planned: the client wrote to both lists.
    expect(changing).toBe(true);
    await vi.waitFor(() => expect(client.ring()).toMatchObject({ version: dashboard.version, checksum: dashboard.currentRing.checksum }), { timeout: 1000, interval: 5 });
    console.log(`the client followed the add ${Math.round(performance.now() - answeredAt)} ms after the dashboard answered`);
    await during;
    expect(client.ring().nodes.map((n) => n.id)).toContain(added.body.node.id);

    expect(await holdings()).toEqual(expectedOf(latest.keys()));
    const wrong: string[] = [];
    await mapLimit([...latest], 32, async ([key, value]) => {
      for (const reader of [client, dashboard]) {
        const read = await reader.get(key);
        if (!read.ok || read.value.toString() !== value) wrong.push(key);
      }
    });
    expect(wrong).toEqual([]);

    const removed = await http('DELETE', `/api/nodes/${added.body.node.id}`);
    const removedAt = performance.now();
    expect(removed.status, removed.body.message).toBe(200);
    await vi.waitFor(() => expect(client.ring()).toMatchObject({ version: dashboard.version, changing: false }), { timeout: 1000, interval: 5 });
    console.log(`the client followed the remove ${Math.round(performance.now() - removedAt)} ms after the dashboard answered`);
    expect(client.ring().nodes.map((n) => n.id)).not.toContain(added.body.node.id);
    for (const key of ['after:1', 'after:2', 'after:3']) {
      const put = await client.set(key, 'v', { w: 'all' });
      expect(put.ok && put.replicas.map((r) => r.node).sort()).toEqual([...preferenceList(dashboard.currentRing, key)].sort());
    }
  });

  it("marks the suspect copies it makes in the dashboard's store, and sees the dashboard's repair settle them", async () => {
    const client = await open();
    expect((await dashboard.killNode('node-1')).ok).toBe(true);
    await vi.waitFor(() => expect(client.ring().nodes.find((n) => n.id === 'node-1')?.status).toBe('down'), { timeout: 1000, interval: 5 });
    const keys = Array.from({ length: 60 }, (_, i) => `marked:${i}`).filter((key) => preferenceList(dashboard.currentRing, key).includes('node-1'));
    for (const key of keys) expect((await client.set(key, 'v')).ok).toBe(true);
    await vi.waitFor(() => expect(dashboard.nodes().find((n) => n.id === 'node-1')?.suspectKeys).toBe(keys.length), { timeout: 1000, interval: 5 });
    expect((await dashboard.reviveNode('node-1')).ok).toBe(true);
    expect(dashboard.nodes().find((n) => n.id === 'node-1')?.suspectKeys).toBe(0);
    await vi.waitFor(() => expect(client.ring().nodes.find((n) => n.id === 'node-1')?.status).toBe('up'), { timeout: 2000, interval: 5 });
    for (const key of keys) expect(await client.get(key, { r: 'all' })).toMatchObject({ ok: true });
  });

  it('joins again when the dashboard restarts, and the restarted dashboard writes conditionally from its first write', async () => {
    const client = await open();
    expect(writes().alone).toBe(false);
    // The dashboard's process goes and comes back on the same data directory; its local nodes keep running.
    await dashboard.close();
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('ringside.cluster')];
    dashboard = await getCluster();
    // cluster.json said a client was connected: no plain SET before it could have joined again.
    expect(writes().alone).toBe(false);
    expect((await dashboard.put('restart:1', 'v')).ok).toBe(true);
    expect(writes()).toMatchObject({ plainPuts: 0, conditionalPuts: 1 });
    // Its next heartbeat finds its session gone: it joins again, and follows the new process's changes.
    await vi.waitFor(() => expect(dashboard.controlPlane().writes.alone).toBe(false), { timeout: 2000, interval: 20 });
    const added = await http<{ node: { id: string } }>('POST', '/api/nodes', {});
    expect(added.status, added.body.message).toBe(201);
    await vi.waitFor(() => expect(client.ring()).toMatchObject({ version: dashboard.version, changing: false }), { timeout: 1000, interval: 5 });
    expect(await http('DELETE', `/api/nodes/${added.body.node.id}`)).toMatchObject({ status: 200 });
    await vi.waitFor(() => expect(client.ring().version).toBe(dashboard.version), { timeout: 1000, interval: 5 });
    expect(writes().alone).toBe(false);
    expect((await client.set('restart:2', 'v', { w: 'all' })).ok).toBe(true);
  }, 30_000);

  it('that stops answering is no longer waited for once its lease lapses: the dashboard writes alone again', async () => {
    for (const client of clients.splice(0)) await client.close();
    // After the restart above, the dashboard gives clients from before it a lease's time to join again.
    await vi.waitFor(() => expect(writes().alone).toBe(true), { timeout: FOLLOWER_LEASE_MS + 1000, interval: 10 });
    const child = await startUrlClient(api.url);
    children.push(child);
    expect(writes().alone).toBe(false);
    // Frozen: its session holds until its last heartbeat is FOLLOWER_LEASE_MS old.
    child.kill('SIGSTOP');
    const frozenAt = performance.now();
    await vi.waitFor(() => expect(writes().alone).toBe(true), { timeout: FOLLOWER_LEASE_MS + 2000, interval: 20 });
    const took = performance.now() - frozenAt;
    console.log(`a frozen client stopped being waited for after ${Math.round(took)} ms`);
    expect(took).toBeGreaterThan(FOLLOWER_LEASE_MS - 1500);
    child.kill('SIGKILL');
  }, 30_000);
});

describe('connect by url refuses', () => {
  it('a url that is not an http address, with the url named', async () => {
    for (const url of ['dashboard:3000', 'ftp://127.0.0.1:3000', 'http://user:pw@127.0.0.1:3000', 'http://127.0.0.1:3000/?x=1', '']) {
      const error = await refusal({ url });
      expect({ code: error.code, url }).toEqual({ code: 'invalid_options', url });
    }
    expect((await refusal({ url: api.url, dataDir: '/tmp' })).message).toMatch(/one of .*url, dataDir/);
    expect((await refusal({ url: api.url, token: 7 })).message).toMatch(/token/);
  });

  it('a dashboard that does not answer, something that is not a dashboard, and a dashboard that wants its token', async () => {
    const silent = await refusal({ url: `http://127.0.0.1:${await freePort()}` });
    expect(silent.code).toBe('unavailable');
    expect(silent.message).toMatch(/no Ringside dashboard answered at http:\/\/127\.0\.0\.1:\d+/);

    const other = createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nothing here</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const error = await refusal({ url: `http://127.0.0.1:${(other.address() as AddressInfo).port}` });
      expect(error.code).toBe('not_a_dashboard');
    } finally {
      other.close();
    }

    process.env.RINGSIDE_TOKEN = 'sesame';
    try {
      expect((await refusal({ url: api.url, token: 'wrong' })).code).toBe('unauthorized');
      const client = await connect({ url: api.url, token: 'sesame' });
      expect(client.ring().version).toBe(dashboard.version);
      await client.close();
    } finally {
      delete process.env.RINGSIDE_TOKEN;
    }
  });
});

describe("the dashboard's shared store", () => {
  it('answers bad input with a clear error and changes nothing', async () => {
    const before = (await http<{ state: unknown }>('POST', '/api/store/state', {})).body.state;
    const joined = await http<{ session: string }>('POST', '/api/store/join', { writer: 'probe:1' });
    expect(joined.status).toBe(200);
    const session = joined.body.session;
    const cases: [string, unknown, number, string, RegExp][] = [
      ['nothing', {}, 400, 'invalid_request', /no store operation "nothing"/],
      ['join', { writer: 'has spaces' }, 400, 'invalid_request', /writer/],
      ['join', { writer: 'probe:1' }, 409, 'writer_in_use', /probe:1/],
      ['join', { writer: dashboard.controlPlane().self }, 409, 'writer_in_use', /dashboard's own/],
      ['health', { session, node: 'node-1', health: { down: 'yes' } }, 400, 'invalid_request', /health\.down/],
      ['health', { session, node: 'node-99', health: { down: true } }, 404, 'unknown_node', /node-99/],
      ['suspects', { session, node: 'node-1', keys: [] }, 400, 'invalid_request', /keys/],
      ['suspects', { session, node: 'node-1', keys: ['x'.repeat(251)] }, 400, 'invalid_request', /keys/],
      ['event', { session, event: { type: 'ring-changed', version: 99, checksum: 'x' } }, 400, 'invalid_request', /event/],
      ['await', { session, tag: 't', topic: 'join', timeoutMs: 60_000 }, 400, 'invalid_request', /timeoutMs/],
      ['beat', { session: 'nobody#1' }, 410, 'unknown_session', /join again/],
      ['health', { session: 'nobody#1', node: 'node-1', health: { down: true } }, 410, 'unknown_session', /nobody#1/],
    ];
    for (const [op, body, status, error, message] of cases) {
      const answer = await http('POST', `/api/store/${op}`, body);
      expect({ op, status: answer.status, error: answer.body.error }).toEqual({ op, status, error });
      expect(answer.body.message).toMatch(message);
    }
    const watch = await fetch(`${api.url}/api/store/watch?session=nobody%231`);
    expect(watch.status).toBe(410);
    expect((await http('POST', '/api/store/leave', { session })).status).toBe(200);
    expect((await http<{ state: unknown }>('POST', '/api/store/state', {})).body.state).toEqual(before);
    await vi.waitFor(() => expect(writes().alone).toBe(true), { timeout: 1000, interval: 10 });
  });
});
