// Two dashboards (`next start`, separate processes) on one etcd: a change made through either shows in the other, one change at a time, leader takeover, etcd lost and back.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { isRunningMemcached, stopLocalNode } from '@/lib/memcached/local-nodes';
import type { NodesAnswer, RingAnswer } from '../support/answers';
import { startEtcd, type EtcdCluster } from '../support/etcd';
import { apiCall, startDashboard, type Dashboard } from '../support/next-server';

const dirs: string[] = [];
const running: Dashboard[] = [];
const memcachedPids = new Set<number>();
let etcd: EtcdCluster | undefined;

afterEach(async () => {
  for (const dashboard of running) await collectPids(dashboard);
  for (const dashboard of running.splice(0)) await dashboard.stop();
  for (const pid of memcachedPids) if (isRunningMemcached(pid)) await stopLocalNode(pid, 'SIGKILL');
  memcachedPids.clear();
  await etcd?.cleanup();
  etcd = undefined;
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const ring = async (dashboard: Dashboard) => (await apiCall<RingAnswer>(dashboard, 'GET', '/api/ring')).json;

/** The local memcached processes the dashboards started, by pid, so the test stops them whichever dashboard dies. */
async function collectPids(dashboard: Dashboard): Promise<void> {
  const nodes = await apiCall<NodesAnswer>(dashboard, 'GET', '/api/nodes', undefined, 5000).catch(() => null);
  for (const node of nodes?.json.nodes ?? []) if (node.pid) memcachedPids.add(node.pid);
}

/** A dashboard on the etcd cluster, with a data directory of its own (its shell history only). */
async function dashboardOn(cluster: EtcdCluster, prefix: string): Promise<Dashboard> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-two-'));
  dirs.push(dataDir);
  const dashboard = await startDashboard(inject('dashboardBuild'), dataDir, { RINGSIDE_ETCD: cluster.endpoints.join(','), RINGSIDE_ETCD_PREFIX: prefix });
  running.push(dashboard);
  return dashboard;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Puts and gets through both dashboards until stopped: every acknowledged write must read back, no call may fail. */
function steadyLoad(dashboards: Dashboard[]) {
  const failures: string[] = [];
  const latest = new Map<string, string>();
  let calls = 0;
  let stopped = false;
  const loop = async (dashboard: Dashboard, lane: number) => {
    for (let i = 0; !stopped; i++) {
      const key = `load:${lane}:${i % 200}`;
      const value = `${lane}:${i}`;
      const put = await apiCall(dashboard, 'PUT', `/api/keys/${encodeURIComponent(key)}`, { value }, 10_000).catch((error: Error) => ({ status: 0, json: { message: error.message } }));
      calls++;
      if (put.status !== 200) failures.push(`put ${key} on ${dashboard.url}: ${put.status} ${put.json.message}`);
      else latest.set(key, value);
      const read = await apiCall<{ value: string; servedBy?: string; tried?: unknown }>(dashboard, 'GET', `/api/keys/${encodeURIComponent(key)}`, undefined, 10_000).catch((error: Error) => ({
        status: 0,
        json: { value: '', message: error.message, servedBy: undefined, tried: undefined },
      }));
      calls++;
      if (read.status !== 200 || read.json.value !== latest.get(key)) {
        failures.push(
          `get ${key} on ${dashboard.url}: ${read.status} ${read.json.value ?? read.json.message} (served by ${read.json.servedBy}, tried ${JSON.stringify(read.json.tried)}; put ${JSON.stringify(put.json)})`,
        );
      }
    }
  };
  const loops = dashboards.map((dashboard, lane) => loop(dashboard, lane));
  return {
    failures,
    latest,
    calls: () => calls,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('two dashboards on one etcd', () => {
  it('a change through either shows in the other within a second, a second change is refused by both, and the leader is taken over after SIGKILL', { timeout: 180_000 }, async () => {
    etcd = await startEtcd(1);
    const prefix = `/ringside-two/${randomUUID()}/`;
    const a = await dashboardOn(etcd, prefix);
    const b = await dashboardOn(etcd, prefix);
    expect(await ring(b)).toMatchObject({ version: (await ring(a)).version, checksum: (await ring(a)).checksum, controlPlane: { kind: 'etcd', reachable: true } });
    // Each sees the other live: their puts are conditional writes, not plain SETs.
    for (const dashboard of [a, b]) expect((await ring(dashboard)).controlPlane.writes.alone).toBe(false);
    expect((await apiCall(a, 'POST', '/api/keys/fake', { count: 3000 })).status).toBe(201);

    // Through A, seen in B; then through B, seen in A: from the ring switch in one to the other's API.
    const seen: number[] = [];
    for (const [from, to, id] of [
      [a, b, 'node-4'],
      [b, a, 'node-5'],
    ] as const) {
      const target = (await ring(from)).version + 1;
      const change = apiCall(from, 'POST', '/api/nodes', { id });
      const switchedAt = await until(`${id} switched in its own process`, async () => (await ring(from)).version >= target && Date.now(), 30_000, 5);
      const shownAt = await until(`${id} shown in the other process`, async () => (await ring(to)).version >= target && Date.now(), 5_000, 5);
      seen.push(shownAt - switchedAt);
      expect((await change).status).toBe(201);
      expect((await ring(to)).checksum).toBe((await ring(from)).checksum);
    }
    console.log(`a ring switch showed in the other dashboard's API after ${seen.join(' and ')} ms`);
    for (const ms of seen) expect(ms).toBeLessThan(1000);

    // While A runs a change, a second one is refused by both: A's own lock, B by the store's change lock.
    const running = apiCall(a, 'PUT', '/api/nodes/node-1/vnodes', { vnodes: 40 });
    await until('the change runs', async () => (await ring(b)).busy, 20_000, 5);
    const refused = await Promise.all([apiCall(a, 'POST', '/api/nodes', { id: 'node-6' }), apiCall(b, 'POST', '/api/nodes', { id: 'node-6' }), apiCall(b, 'DELETE', '/api/nodes/node-2')]);
    for (const answer of refused) expect(answer).toMatchObject({ status: 409, json: { ok: false, error: 'busy' } });
    expect((await running).status).toBe(200);
    expect((await apiCall<NodesAnswer>(b, 'GET', '/api/nodes')).json.nodes.map((n) => n.id).sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);

    // The leader SIGKILLed: the other takes over within seconds, and can change the ring.
    const leaderName = await until('a leader', async () => (await ring(a)).controlPlane.leader, 15_000);
    const [leader, survivor] = (await ring(a)).controlPlane.self === leaderName ? [a, b] : [b, a];
    await collectPids(leader);
    const killedAt = Date.now();
    process.kill(-leader.pid, 'SIGKILL');
    await until(
      'the survivor leads',
      async () => {
        const { controlPlane } = await ring(survivor);
        return controlPlane.leader === controlPlane.self;
      },
      20_000,
      50,
    );
    console.log(`the survivor led ${Date.now() - killedAt} ms after the leader was SIGKILLed`);
    expect((await apiCall(survivor, 'DELETE', '/api/nodes/node-5')).status).toBe(200);
    // Alone once the killed process's session has lapsed (its lease, 10 s): its puts are plain SETs again.
    await until('the survivor writes alone', async () => (await ring(survivor)).controlPlane.writes.alone, 30_000, 100);
    console.log(`the survivor wrote alone ${Date.now() - killedAt} ms after the other was SIGKILLed`);
    const plainBefore = (await ring(survivor)).controlPlane.writes.plainPuts;
    expect((await apiCall(survivor, 'PUT', '/api/keys/alone', { value: 'set' })).status).toBe(200);
    expect((await ring(survivor)).controlPlane.writes.plainPuts).toBe(plainBefore + 1);
  });

  it(
    'etcd leader killed during a change, then etcd stopped: reads and writes never fail, changes are refused with a clear error, and all resumes when etcd returns',
    { timeout: 240_000 },
    async () => {
      etcd = await startEtcd(3);
      const cluster = etcd;
      const prefix = `/ringside-outage/${randomUUID()}/`;
      const a = await dashboardOn(cluster, prefix);
      const b = await dashboardOn(cluster, prefix);
      expect((await apiCall(a, 'POST', '/api/keys/fake', { count: 2000 })).status).toBe(201);
      const load = steadyLoad([a, b]);

      // The raft leader killed while A copies keys: the change completes, or is refused and rolled back.
      const target = (await ring(a)).version + 1;
      const change = apiCall(a, 'POST', '/api/nodes', { id: 'node-4' }, 120_000);
      // B shows it busy once A's journal is in the store: the change has begun there.
      await until('the change runs', async () => (await ring(b)).busy, 20_000, 5);
      const raftLeader = await cluster.leader();
      await cluster.stop(raftLeader, 'SIGKILL');
      const answer = await change;
      console.log(`the change with the etcd leader killed answered ${answer.status} ${answer.json.error ?? ''} ${answer.json.message ?? ''}`);
      expect([201, 503]).toContain(answer.status);
      if (answer.status === 503) expect(answer.json.error).toBe('control_plane_unavailable');
      await cluster.restart(raftLeader);
      await until(
        'both dashboards agree, no change running',
        async () => {
          const [ra, rb] = [await ring(a), await ring(b)];
          return !ra.busy && !rb.busy && ra.checksum === rb.checksum && ra.version === rb.version;
        },
        30_000,
        100,
      );
      expect((await ring(a)).version).toBe(answer.status === 201 ? target : (await ring(a)).version);

      // Every member stopped: the data path goes on, changes are refused naming etcd, the dashboards say so.
      for (const member of cluster.members) await cluster.stop(member);
      const before = load.calls();
      await until('both dashboards see etcd unreachable', async () => !(await ring(a)).controlPlane.reachable && !(await ring(b)).controlPlane.reachable, 15_000, 100);
      for (const dashboard of [a, b]) {
        const refused = await apiCall(dashboard, 'POST', '/api/nodes', { id: 'node-9' });
        expect(refused.status).toBe(503);
        expect(refused.json).toMatchObject({ ok: false, error: 'control_plane_unavailable' });
        expect(refused.json.message).toMatch(/etcd at http:\/\/127\.0\.0\.1:\d+/);
        expect(refused.json.message).toMatch(/reads and writes go on/);
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(load.calls() - before, 'reads and writes went on while etcd was away').toBeGreaterThan(50);

      // etcd back: reachable again, a change through B goes through and shows in A.
      // Together: a lone member of three has no quorum, and is not healthy until another joins it.
      await Promise.all(cluster.members.map((member) => cluster.restart(member)));
      await until('both dashboards see etcd again', async () => (await ring(a)).controlPlane.reachable && (await ring(b)).controlPlane.reachable, 30_000, 100);
      const resumed = await until(
        'a change accepted again',
        async () => {
          const done = await apiCall(b, 'POST', '/api/nodes', { id: 'node-9' }, 120_000);
          return done.status === 201 ? done : done.json.error === 'control_plane_unavailable' || done.json.error === 'busy' ? null : done;
        },
        30_000,
        500,
      );
      expect(resumed.status).toBe(201);
      await until('A follows', async () => (await ring(a)).version === (await ring(b)).version, 5_000);

      await load.stop();
      expect(load.failures).toEqual([]);
      console.log(`${load.calls()} puts and gets through both dashboards, none failed`);
      for (const [key, value] of load.latest) {
        const read = await apiCall<{ value: string }>(a, 'GET', `/api/keys/${encodeURIComponent(key)}`);
        expect(read.json.value, key).toBe(value);
      }
    },
  );
});
