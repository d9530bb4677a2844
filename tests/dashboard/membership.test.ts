// Membership is serialised: a change while another runs is refused with a clear message, and every adapter reports the same, growing ring version.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runRingside } from '../support/run-ringside';
import type { NodesAnswer, RingAnswer, SnapshotAnswer } from '../support/answers';
import { apiCall, startDashboard, type Dashboard } from '../support/next-server';

let dashboard: Dashboard;
let serverDir: string;
let shellDir: string;

const api = <T = object>(method: string, pathname: string, body?: unknown) => apiCall<T>(dashboard, method, pathname, body);

beforeAll(async () => {
  serverDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-membership-'));
  shellDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-membership-shell-'));
  dashboard = await startDashboard(inject('dashboardBuild'), serverDir);
});

afterAll(async () => {
  await dashboard?.stop();
  await rm(serverDir, { recursive: true, force: true });
  await rm(shellDir, { recursive: true, force: true });
});

describe('membership changes', () => {
  it('refuses a second change while one runs, from the API and the shell alike, and changes nothing for it', async () => {
    expect((await api('POST', '/api/keys/fake', { count: 5000 })).status).toBe(201);
    const before = (await api<RingAnswer>('GET', '/api/ring')).json;
    expect(before.busy).toBe(false);

    const first = api('POST', '/api/nodes', { id: 'node-4' });
    for (let waited = 0; !(await api<RingAnswer>('GET', '/api/ring')).json.busy; waited += 5) {
      expect(waited, 'the first change never showed as running').toBeLessThan(20_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const refused = await Promise.all([
      api('POST', '/api/nodes', { id: 'node-5' }),
      api('DELETE', '/api/nodes/node-1'),
      api('PUT', '/api/nodes/node-2/vnodes', { vnodes: 10 }),
      api('POST', '/api/nodes/node-3/kill'),
    ]);
    const shell = await runRingside(shellDir, ['remove', 'node-1', '--url', dashboard.url]);
    const added = await first;

    for (const answer of refused) {
      expect(answer.status).toBe(409);
      expect(answer.json).toMatchObject({ ok: false, error: 'busy', message: 'another membership change is running; try again when it has finished' });
    }
    // The shell may land after the first change ended; then it really removes node-1, which is fine too.
    if (shell.code !== 0) expect(shell.stderr).toContain('another membership change is running');
    expect(added.status).toBe(201);

    const nodes = (await api<NodesAnswer>('GET', '/api/nodes')).json.nodes;
    expect(nodes.map((n) => n.id)).not.toContain('node-5');
    expect(nodes.find((n) => n.id === 'node-2')).toMatchObject({ vnodes: 160, status: 'up' });
    expect(nodes.find((n) => n.id === 'node-3')).toMatchObject({ status: 'up' });
  });

  it('reports one ring version everywhere, and it only grows', async () => {
    const seen: number[] = [(await api<RingAnswer>('GET', '/api/ring')).json.version];
    for (const change of [() => api('POST', '/api/nodes', {}), () => api('PUT', '/api/nodes/node-4/vnodes', { vnodes: 80 }), () => api('DELETE', '/api/nodes/node-4')]) {
      expect((await change()).json.ok).toBe(true);
      const ring = (await api<RingAnswer>('GET', '/api/ring')).json;
      const snapshot = (await api<SnapshotAnswer>('GET', '/api/snapshot')).json;
      const shell = await runRingside(shellDir, ['ring', '--url', dashboard.url, '--json']);
      expect(shell.code).toBe(0);
      expect(snapshot.version).toBe(ring.version);
      expect(JSON.parse(shell.stdout).version).toBe(ring.version);
      expect(snapshot.checksum).toBe(ring.checksum);
      seen.push(ring.version);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe(seen[i - 1] + 1);
    const events = (await api<SnapshotAnswer>('GET', '/api/snapshot')).json.events.flatMap((e) => (e.type === 'ring-changed' ? [e.version] : []));
    expect(events.at(-1)).toBe(seen.at(-1));
    expect(events).toEqual([...events].sort((a, b) => a - b));
  });
});
