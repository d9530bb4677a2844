// The example application (examples/cache-server) on `ringside/client`, against real memcached and etcd, while a node joins and another crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cluster } from '@/lib/cluster/cluster';
import { countPrimesBelow } from '@/examples/cache-server/compute';
import { startEtcd, type EtcdCluster } from '../support/etcd';

const root = path.resolve(import.meta.dirname, '../..');
let etcd: EtcdCluster;
let server: Cluster;
let app: ChildProcess | null = null;
let appUrl = '';
const appLog: string[] = [];
let dataDir = '';

interface Answer {
  n: number;
  primes: number;
  cache: 'hit' | 'miss' | 'error';
  servedBy?: string;
  stored?: boolean;
}

interface RingView {
  version: number;
  changing: boolean;
  nodes: { id: string; status: string }[];
}

beforeAll(async () => {
  etcd = await startEtcd(1);
  const env = { RINGSIDE_ETCD: etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: `/ringside-client/${randomUUID()}/` };
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-client-server-'));
  // The cluster's server: it leads, probes every 200 ms, and runs the membership changes.
  server = await Cluster.open({ dataDir, env, writer: 'server', probeIntervalMs: 200, bootstrapLocalNodes: 3, localMemoryMb: 16 });
  app = spawn(path.join(root, 'node_modules/.bin/tsx'), ['--conditions=react-server', 'examples/cache-server/server.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [app.stdout!, app.stderr!]) stream.setEncoding('utf8').on('data', (text: string) => appLog.push(...text.split('\n').filter(Boolean)));
  await vi.waitFor(
    () => {
      const line = appLog.find((l) => l.includes('listening on'));
      if (!line) throw new Error(`the example is not listening yet: ${appLog.join('\n')}`);
      appUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
    },
    { timeout: 30_000, interval: 50 },
  );
});

afterAll(async () => {
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app!.once('exit', resolve));
    app.kill('SIGTERM');
    await exited;
  }
  await server?.stopLocalNodes();
  await server?.close();
  await etcd?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function ask(n: number): Promise<Answer> {
  const response = await fetch(`${appUrl}/primes/${n}`);
  if (response.status !== 200) throw new Error(`GET /primes/${n} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Answer;
}

async function ring(): Promise<RingView> {
  return (await (await fetch(`${appUrl}/ring`)).json()) as RingView;
}

describe('the cache server example on ringside/client', () => {
  it('answers correctly while a node joins and another crashes, follows the new ring within a second, and hits its cache after', async () => {
    const ns = Array.from({ length: 60 }, (_, i) => 20_000 + i * 997);
    const expected = new Map(ns.map((n) => [n, countPrimesBelow(n)]));
    expect((await ring()).version).toBe(server.version);

    const first = await Promise.all(ns.map(ask));
    expect(first.map((a) => [a.primes, a.cache])).toEqual(ns.map((n) => [expected.get(n), 'miss']));
    const second = await Promise.all(ns.map(ask));
    expect(second.map((a) => [a.primes, a.cache])).toEqual(ns.map((n) => [expected.get(n), 'hit']));

    // Load throughout, half on answers cached before, half on new ones cached while the ring changes: every answer
    // must be right whatever the cache did, and an answer once stored must be a hit from then on (no write lost).
    const fresh = Array.from({ length: 400 }, (_, i) => 90_000 + i * 13);
    for (const n of fresh) expected.set(n, countPrimesBelow(n));
    const wrong: string[] = [];
    const forgotten: string[] = [];
    const stored = new Set<number>();
    let answered = 0;
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const n = i % 2 === 0 ? ns[(i / 2) % ns.length] : fresh[((i - 1) / 2) % fresh.length];
        const answer = await ask(n).catch((error: Error) => ({ n, primes: -1, cache: 'error' as const, stored: false, failure: error.message }));
        answered++;
        if (answer.primes !== expected.get(n)) wrong.push(JSON.stringify(answer));
        if (stored.has(n) && answer.cache !== 'hit') forgotten.push(JSON.stringify(answer));
        if ('stored' in answer && answer.stored) stored.add(n);
      }
    })();

    const before = server.version;
    const added = await server.addNode({ id: 'node-4' });
    expect(added.ok).toBe(true);
    const switchedAt = Date.now();
    await vi.waitFor(async () => expect((await ring()).version).toBe(server.version), { timeout: 1000, interval: 10 });
    const followedIn = Date.now() - switchedAt;
    expect(server.version).toBeGreaterThan(before);
    const afterAdd = await ring();
    expect(afterAdd.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect(afterAdd.changing).toBe(false);

    // A crash, not a drill: the memcached process is killed by its pid, and the cluster finds out by itself.
    const victim = server.nodes().find((n) => n.id === 'node-2')!;
    expect(victim.pid).toBeGreaterThan(0);
    process.kill(victim.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await vi.waitFor(async () => expect((await ring()).nodes.find((n) => n.id === 'node-2')?.status).toBe('down'), { timeout: 5000, interval: 20 });
    const downIn = Date.now() - killedAt;
    await new Promise((resolve) => setTimeout(resolve, 500));
    loading = false;
    await load;
    console.log(`${answered} answers under load, ${stored.size} stored during it; the example followed the new ring ${followedIn} ms after the switch and saw node-2 down ${downIn} ms after its kill`);
    expect(wrong).toEqual([]);
    expect(forgotten).toEqual([]);
    expect(answered).toBeGreaterThan(ns.length);
    expect(stored.size).toBeGreaterThan(20);

    // Every answer cached before the changes is still there: moved to node-4, or read from a replica of node-2.
    const after = await Promise.all(ns.map(ask));
    expect(after.map((a) => [a.primes, a.cache])).toEqual(ns.map((n) => [expected.get(n), 'hit']));
    expect(after.some((a) => a.servedBy === 'node-4')).toBe(true);
    expect(after.some((a) => a.servedBy === 'node-2')).toBe(false);
    expect(appLog.some((line) => line.includes('Error') || line.includes('cannot connect'))).toBe(false);
  });
});
