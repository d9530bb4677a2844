// The shell attached to a running dashboard (`--url`): the production build served by `next start`, driven through its REST API.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runRingside, type Run } from '../support/run-ringside';
import type { StampedEvent } from '@/lib/cluster/events';
import type { MembershipResult } from '@/lib/cluster/types';
import { RemoteCluster } from '@/scripts/shell/remote';
import { freePort } from '@/lib/free-port';
import type { Body, FakeAnswer, KeysAnswer, NodesAnswer, RingAnswer, StatsAnswer } from '../support/answers';
import { startDashboard, type Dashboard } from '../support/next-server';

let dashboard: Dashboard;
let serverDir: string;
/** The shell's own data directory: remote commands must never open a cluster in it. */
let shellDir: string;

const ringside = (args: string[], input?: string) => runRingside(shellDir, args, input);

/** A one-shot command on the dashboard, with JSON output (null when it printed none), typed by the caller. */
async function remote<T = object>(...args: string[]): Promise<Run & { json: Body<T> | null }> {
  const run = await ringside([...args, '--url', dashboard.url, '--json']);
  let json: Body<T> | null = null;
  try {
    json = JSON.parse(run.stdout) as Body<T>;
  } catch {
    // left null: the assertion on it shows the run
  }
  return { ...run, json };
}

async function api<T = object>(pathname: string): Promise<{ status: number; body: Body<T> }> {
  const response = await fetch(`${dashboard.url}${pathname}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Body<T> };
}

beforeAll(async () => {
  serverDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-dashboard-'));
  shellDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-remote-shell-'));
  dashboard = await startDashboard(inject('dashboardBuild'), serverDir);
});

afterAll(async () => {
  await dashboard?.stop();
  await rm(serverDir, { recursive: true, force: true });
  await rm(shellDir, { recursive: true, force: true });
});

describe('one-shot commands with --url', () => {
  it('puts a key the dashboard then serves, and gets it back', async () => {
    const put = await remote('put', 'k', 'hello', 'remote', 'world');
    expect(put.code, put.stderr).toBe(0);
    expect(put.json).toMatchObject({ ok: true, key: 'k', acknowledged: 3 });
    expect(await api('/api/keys/k')).toMatchObject({ status: 200, body: { value: 'hello remote world', encoding: 'utf8' } });
    expect((await remote('get', 'k')).json).toMatchObject({ ok: true, value: 'hello remote world', encoding: 'utf8' });
  });

  it('round-trips keys with braces, colons, slashes, percent signs and non-ASCII through the URL', async () => {
    const keys = ['user:{42}:cart', 'a/b', 'a/locate', '100%', '%2F', 'ünï€😀', 'x?y#z', 'fake'];
    // One process for all of them (each start of tsx costs a second or two); every line is still one request.
    const run = await ringside(['shell', '--url', dashboard.url, '--json'], keys.map((key) => `put ${key} value of ${key}\nlocate ${key}\n`).join(''));
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    keys.forEach((key, i) => {
      expect(lines[2 * i], key).toMatchObject({ ok: true, key, acknowledged: 3 });
      expect(lines[2 * i + 1], key).toMatchObject({ ok: true, key, replicas: [{ holds: true }, { holds: true }, { holds: true }] });
    });
    for (const key of keys) {
      expect(await api(`/api/keys/${encodeURIComponent(key)}`), key).toMatchObject({ status: 200, body: { key, value: `value of ${key}` } });
    }
    expect((await remote('get', '100%')).json).toMatchObject({ ok: true, value: 'value of 100%' });
    const listed = (await remote<KeysAnswer>('keys')).json?.keys.map((k) => k.key);
    expect(listed).toEqual(expect.arrayContaining(['user:{42}:cart', 'a/b', '100%', 'ünï€😀', 'fake']));
    expect((await remote('delete', 'a/b')).json).toMatchObject({ ok: true, deleted: true });
    expect((await api(`/api/keys/${encodeURIComponent('a/b')}`)).status).toBe(404);
  });

  it('adds and removes a node the dashboard then shows, moving keys', async () => {
    const added = await remote<MembershipResult>('add', '--vnodes', '100', 'node-9');
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ ok: true, node: { id: 'node-9', vnodes: 100, status: 'up' } });
    const { body } = await api<NodesAnswer>('/api/nodes');
    const counts = body.nodes.find((n) => n.id === 'node-9')?.keys;
    expect(counts && counts.primary + counts.replica).toBe(added.json?.copied);
    expect((await remote<RingAnswer>('ring')).json?.checksum).toBe((await api<RingAnswer>('/api/ring')).body.checksum);

    expect((await remote('remove', 'node-9')).code).toBe(0);
    expect((await api<NodesAnswer>('/api/nodes')).body.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    const events = (await remote<{ events: StampedEvent[] }>('events')).json?.events.map((e) => `${e.type} ${'node' in e ? e.node : ''}`);
    expect(events).toEqual(expect.arrayContaining(['node-added node-9', 'node-removed node-9']));
  });

  it('reports nodes, stats, repair and fake keys as the in-process shell does', async () => {
    const nodes = await remote<NodesAnswer>('nodes');
    expect(nodes.json?.nodes.map((n) => [n.id, typeof n.keys?.primary])).toEqual([
      ['node-1', 'number'],
      ['node-2', 'number'],
      ['node-3', 'number'],
    ]);
    expect(Object.keys((await remote<StatsAnswer>('stats')).json?.stats ?? {})).toEqual(['node-1', 'node-2', 'node-3']);
    expect((await remote('repair', '--dry-run')).json).toMatchObject({ ok: true, preview: { copies: 0, deletes: 0, primariesMoved: 0 } });
    expect((await remote('repair')).json).toMatchObject({ ok: true, repair: { failed: 0 } });
    const fake = await remote<FakeAnswer>('fake', '25');
    expect(fake.json).toMatchObject({ ok: true, stored: 25, failed: 0 });
    expect((await api(`/api/keys/${encodeURIComponent(fake.json?.sample[0] ?? '')}`)).status).toBe(200);
    const text = await ringside(['nodes', '--url', dashboard.url]);
    expect(text.stdout).toMatch(/^id\s+address\s+status\s+vnodes\s+primary\s+replica\s+pid$/m);
  });

  it('gives failures the in-process exit codes: 1 for a refused command, 2 for a usage mistake', async () => {
    const missing = await remote('get', 'no-such-key');
    expect(missing.code).toBe(1);
    expect(missing.json).toMatchObject({ ok: false, error: 'not_found' });
    const badKey = await ringside(['put', 'k'.repeat(251), 'v', '--url', dashboard.url]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/invalid_key.*250/);
    expect((await remote('remove', 'node-42')).json?.error).toBe('unknown_node');
    expect((await remote('add', 'node-1')).json?.error).toBe('node_exists');
    expect((await remote('down')).json?.error).toBe('not_local');
    expect((await ringside(['get', '--url', dashboard.url])).code).toBe(2);
  });
});

describe('the shell with --url', () => {
  it('runs piped commands against the dashboard', async () => {
    const run = await ringside(['shell', '--url', dashboard.url, '--json'], 'put piped "a value"\nget piped\nvnodes node-2 200\nring\n');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.ok)).toEqual([true, true, true, true]);
    expect(lines[1].value).toBe('a value');
    expect(lines[3].nodes.find((n: { id: string }) => n.id === 'node-2').vnodes).toBe(200);
    expect((await api<RingAnswer>('/api/ring')).body.vnodes).toBe(520);
    // Every command went to the dashboard: none opened a cluster of its own here.
    expect(existsSync(path.join(shellDir, 'cluster.json'))).toBe(false);
  });
});

describe('RemoteCluster', () => {
  it("follows the dashboard's events live, as the interactive shell shows them", async () => {
    const remote = new RemoteCluster(dashboard.url);
    const seen: StampedEvent[] = [];
    const unsubscribe = remote.events.subscribe((event) => seen.push(event));
    try {
      // The stream may not be open yet when the first change is made: change again until one is seen.
      for (let vnodes = 120; vnodes < 130 && !seen.some((e) => e.type === 'node-vnodes'); vnodes++) {
        expect((await remote.setVnodes('node-3', vnodes)).ok).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const event = seen.find((e) => e.type === 'node-vnodes');
      expect(event).toMatchObject({ type: 'node-vnodes', node: 'node-3', at: expect.any(Number), seq: expect.any(Number) });
      expect(seen.some((e) => e.type === 'ring-changed')).toBe(true);
      expect(await remote.get('..')).toMatchObject({ ok: false, error: 'invalid_key', message: expect.stringMatching(/cannot be named in a URL/) });
    } finally {
      unsubscribe();
      await remote.close();
    }
  });
});

describe('a wrong --url', () => {
  it('says no dashboard answers, and exits 1', async () => {
    const port = await freePort();
    const run = await ringside(['nodes', '--url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no Ringside dashboard answers at http://127.0.0.1:${port}: start it with npm start`);
    const shell = await ringside(['shell', '--url', `http://127.0.0.1:${port}`], 'get k\n');
    expect(shell.code).toBe(1);
    expect(shell.stderr).toContain('no Ringside dashboard answers');
  });

  it('says a server that is not Ringside is not one', async () => {
    const run = await ringside(['ring', '--url', `${dashboard.url}/not-the-dashboard`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is --url a Ringside dashboard\?/);
  });

  it('refuses a URL that is not http or https as a usage mistake', async () => {
    for (const url of ['ftp://127.0.0.1/', 'localhost:3000', 'http://user:pw@127.0.0.1:3000']) {
      const run = await ringside(['nodes', '--url', url]);
      expect(run.code, url).toBe(2);
      expect(run.stderr, url).toMatch(/--url/);
    }
    expect((await ringside(['nodes', '--url'])).code).toBe(2);
  });
});
