// ringside/client connected by URL to a production dashboard (`next start`, its own process, file store, local memcached nodes): placement, following changes, write mode, the watch through Next's streaming.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { connect, type ClientRing, type RingsideClient } from '@/lib/client';
import type { GetAnswer, KeysAnswer, RingAnswer } from '../support/answers';
import { apiCall, startDashboard, type Dashboard } from '../support/next-server';

let dashboard: Dashboard;
let dataDir: string;
let client: RingsideClient | undefined;
/** Every value the client wrote, by key: all must read back through the dashboard at the end. */
const written = new Map<string, string>();
let addedId = '';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-client-url-'));
  dashboard = await startDashboard(inject('dashboardBuild'), dataDir);
});

afterAll(async () => {
  await client?.close();
  await dashboard?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const api = <T = object>(method: string, pathname: string, body?: unknown) => apiCall<T>(dashboard, method, pathname, body);

const ring = async () => (await api<RingAnswer>('GET', '/api/ring')).json;
const writes = async () => (await ring()).controlPlane.writes;

/** The client's view is the dashboard's: same version and checksum, no change running. */
async function expectFollowing(within: number, since: number): Promise<number> {
  const { version, checksum } = await ring();
  await vi.waitFor(() => expect(client!.ring()).toMatchObject({ version, checksum, changing: false }), { timeout: within, interval: 5 });
  return Math.round(performance.now() - since);
}

/** Every key the client wrote sits exactly on its preference list in the dashboard's ring, and reads back its last value through the API. */
async function expectPlacedAndReadable(): Promise<void> {
  const placed = new Map((await api<KeysAnswer>('GET', '/api/keys?limit=100000')).json.keys.map((k) => [k.key, k]));
  for (const [key, value] of written) {
    const placement = placed.get(key);
    expect(placement && { holders: placement.holders, missing: placement.missing }, key).toEqual({ holders: [...placement!.preference].sort(), missing: [] });
    expect((await api<GetAnswer>('GET', `/api/keys/${encodeURIComponent(key)}`)).json.value, key).toBe(value);
  }
}

/** A watch of a session of our own, read for `ms`: when each chunk came (ms from the request) and what it said. The session leaves at the end, as it never acknowledges a change. */
async function watchFor(ms: number): Promise<{ headers: Headers; arrivals: number[]; text: string }> {
  const joined = await api<{ session: string }>('POST', '/api/store/join', { writer: 'probe:watch' });
  expect(joined.status, joined.json.message).toBe(200);
  const session = joined.json.session;
  const controller = new AbortController();
  const beat = setInterval(() => void api('POST', '/api/store/beat', { session }), 1000);
  const arrivals: number[] = [];
  let text = '';
  try {
    const openedAt = performance.now();
    const response = await fetch(`${dashboard.url}/api/store/watch?session=${encodeURIComponent(session)}`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const reading = (async () => {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        arrivals.push(Math.round(performance.now() - openedAt));
        text += decoder.decode(read.value, { stream: true });
      }
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, ms));
    controller.abort();
    await reading;
    return { headers: response.headers, arrivals, text };
  } finally {
    clearInterval(beat);
    controller.abort();
    expect((await api('POST', '/api/store/leave', { session })).status).toBe(200);
  }
}

describe('a client connected by url to `next start`', () => {
  it('joins, and writes and reads where the dashboard ring places keys; the dashboard then writes conditionally', async () => {
    expect((await writes()).alone).toBe(true);
    client = await connect({ url: dashboard.url });
    const before = await ring();
    expect(before.controlPlane.writes.alone).toBe(false);
    expect(client.ring()).toMatchObject({ version: before.version, checksum: before.checksum, changing: false });
    expect(client.ring().nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);

    for (let i = 0; i < 40; i++) {
      const put = await client.set(`url:${i}`, `v${i}`, { w: 'all' });
      expect(put.ok, put.ok ? '' : put.message).toBe(true);
      written.set(`url:${i}`, `v${i}`);
    }
    await expectPlacedAndReadable();
    const read = await client.getMulti([...written.keys(), 'url:absent']);
    for (const [key, value] of written) expect(read.get(key)).toMatchObject({ ok: true, value: Buffer.from(value) });
    expect(read.get('url:absent')).toMatchObject({ ok: false, error: 'not_found' });

    const counts = await writes();
    expect((await api('PUT', '/api/keys/url:0', { value: 'from the dashboard' })).status).toBe(200);
    expect(await writes()).toMatchObject({ alone: false, plainPuts: counts.plainPuts, conditionalPuts: counts.conditionalPuts + 1 });
    expect(await client.get('url:0', { r: 'all' })).toMatchObject({ ok: true, value: Buffer.from('from the dashboard') });
    written.set('url:0', 'from the dashboard');
  });

  it('follows a node added through the API while it writes, within a second; every key it wrote reads back through the dashboard', async () => {
    const seen: ClientRing[] = [];
    const unsubscribe = client!.onRingChange((r) => seen.push(r));
    let stopped = false;
    const failures: string[] = [];
    const load = (async () => {
      for (let i = 0; !stopped; i++) {
        const key = i % 2 ? `during:${i}` : `url:${i % 40}`;
        const put = await client!.set(key, `d${i}`);
        if (put.ok) written.set(key, `d${i}`);
        else failures.push(`${key}: ${put.message}`);
      }
    })();
    const added = await api<{ node: { id: string } }>('POST', '/api/nodes', {});
    const answeredAt = performance.now();
    expect(added.status, added.json.message).toBe(201);
    const took = await expectFollowing(1000, answeredAt);
    console.log(`the client followed the add ${took} ms after the dashboard answered`);
    stopped = true;
    await load;
    unsubscribe();
    expect(failures).toEqual([]);
    // It saw the change begin (writing to both lists) before the new ring.
    expect(seen.some((r) => r.changing)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ changing: false, version: (await ring()).version });
    addedId = added.json.node.id;
    expect(client!.ring().nodes.map((n) => n.id)).toContain(addedId);
    // Keys it wrote while the nodes were listed included: each on exactly its new list, without a repair.
    await expectPlacedAndReadable();
  });

  it("streams the watch's lines as they are written through Next, and the client still follows a change after 5 s idle", async () => {
    // A watch of our own beside the client's, for an idle while: each line must arrive when written, not when a buffer fills.
    const { headers, arrivals, text } = await watchFor(5500);
    console.log(`the watch's lines came at ${arrivals.join(', ')} ms`);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Compressed, its lines would wait in the compressor's buffer.
    expect(headers.get('content-encoding')).toBeNull();
    expect(text).toMatch(/^event: change\ndata: \{"type":"reloaded"/);
    expect(text).toMatch(/^: keep-alive$/m);
    expect(arrivals[0]).toBeLessThan(1500);
    expect(arrivals.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i] - arrivals[i - 1], `gap before line ${i}`).toBeLessThan(2000);

    // The client's own watch was idle as long: it still follows a change at once.
    const removed = await api('DELETE', `/api/nodes/${addedId}`);
    const answeredAt = performance.now();
    expect(removed.status, removed.json.message).toBe(200);
    console.log(`after 5.5 s idle the client followed the remove ${await expectFollowing(1000, answeredAt)} ms after the dashboard answered`);
    expect(client!.ring().nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    await expectPlacedAndReadable();
  });

  it('once closed, the dashboard writes plainly again', async () => {
    expect((await writes()).alone).toBe(false);
    await client!.close();
    client = undefined;
    await vi.waitFor(async () => expect((await writes()).alone).toBe(true), { timeout: 1500, interval: 20 });
    const counts = await writes();
    expect((await api('PUT', '/api/keys/url:1', { value: 'alone again' })).status).toBe(200);
    expect(await writes()).toMatchObject({ alone: true, plainPuts: counts.plainPuts + 1, conditionalPuts: counts.conditionalPuts });
  });
});
