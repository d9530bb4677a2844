// Writing alone on etcd, against real etcd and memcached: plain SETs while one process is live, conditional writes from before a second one's first write, and after etcd is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cluster } from '@/lib/cluster/cluster';
import { ALONE_MS, WRITE_SETTLE_MS } from '@/lib/cluster/sole-writer';
import { mapLimit } from '@/lib/concurrency';
import { NodeClient } from '@/lib/memcached/node-client';
import { EtcdStore } from '@/lib/store/etcd-store';
import type { StoreChange } from '@/lib/store/types';
import { parseAddress } from '@/lib/validate';
import { startEtcd, type EtcdCluster } from '../support/etcd';

const root = path.resolve(__dirname, '../..');
let etcd: EtcdCluster;
const dirs: string[] = [];
const open: Cluster[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd(1);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await open[0]?.stopLocalNodes();
  for (const cluster of open) await cluster.close();
  await etcd?.cleanup();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const envOf = () => ({ RINGSIDE_ETCD: etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: `/ringside-test/${randomUUID()}/` });

async function openCluster(writer: string, env: Record<string, string>, bootstrapLocalNodes = 0): Promise<Cluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-sole-'));
  dirs.push(dataDir);
  const cluster = await Cluster.open({ dataDir, env, writer, probeIntervalMs: false, bootstrapLocalNodes, localMemoryMb: 16 });
  open.push(cluster);
  return cluster;
}

async function closeCluster(cluster: Cluster): Promise<void> {
  await cluster.close();
  open.splice(open.indexOf(cluster), 1);
}

/** GETs the nodes served so far, summed (memcached's own `cmd_get`): a conditional put reads each replica first, a plain SET does not. */
async function getsServed(cluster: Cluster): Promise<number> {
  const counts = await Promise.all(
    cluster.nodes().map(async (node) => {
      const parsed = parseAddress(node.address);
      if (!parsed.ok) throw new Error(parsed.message);
      const client = new NodeClient(parsed.address, { deadlineMs: 3000 });
      try {
        return Number((await client.stats()).cmd_get);
      } finally {
        client.close();
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

const putAll = (cluster: Cluster, keys: readonly string[]) =>
  mapLimit(keys, 16, async (key) => {
    const put = await cluster.put(key, `v:${key}`);
    if (!put.ok) throw new Error(put.message);
  });

describe('the etcd store announces each process', () => {
  it("names the others present by their join tags, tells a watch of each join, and keeps a join's acknowledgements beside a change's", async () => {
    const config = { kind: 'etcd' as const, endpoints: etcd.endpoints, prefix: `/ringside-test/${randomUUID()}/` };
    const a = new EtcdStore(config, { writer: 'a' });
    const b = new EtcdStore(config, { writer: 'b' });
    try {
      const seen: StoreChange[] = [];
      a.watch((change) => seen.push(change));
      const joinedA = await a.join();
      const joinedB = await b.join();
      if (!joinedA.ok || !joinedB.ok) throw new Error('join failed');
      expect(joinedB.tag).toMatch(/^b#\d+$/);
      const presence = await a.presence();
      expect(presence.ok && presence.others).toEqual([joinedB.tag]);
      // Present under its own session lease: vouched for seconds ahead, well past a renewal.
      expect(presence.ok && presence.vouchedUntil - performance.now()).toBeGreaterThan(ALONE_MS);
      await vi.waitFor(() => expect(seen).toContainEqual({ type: 'joined', tag: joinedB.tag }), { timeout: 2000, interval: 10 });

      const waiting = await b.awaitAcknowledged(joinedB.tag, 300, 'join');
      expect(waiting).toMatchObject({ ok: false, error: 'unacknowledged', processes: ['a'] });
      expect((await a.acknowledge(joinedB.tag, 'join')).ok).toBe(true);
      expect((await a.acknowledge('a@1|copying')).ok).toBe(true);
      expect(await b.awaitAcknowledged(joinedB.tag, 300, 'join')).toEqual({ ok: true, processes: ['a'] });
      expect(await b.awaitAcknowledged('a@1|copying', 300)).toEqual({ ok: true, processes: ['a'] });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('one process alone on etcd', () => {
  let env: Record<string, string>;
  let first: Cluster;

  it('writes its puts as plain SETs: no node serves a read for them', async () => {
    env = envOf();
    first = await openCluster('first', env, 3);
    expect(first.controlPlane().writes).toEqual({ alone: true, plainPuts: 0, conditionalPuts: 0 });
    const before = await getsServed(first);
    await putAll(
      first,
      Array.from({ length: 300 }, (_, i) => `alone:${i}`),
    );
    expect(await getsServed(first)).toBe(before);
    expect(first.controlPlane().writes).toEqual({ alone: true, plainPuts: 300, conditionalPuts: 0 });
  });

  it("writes conditionally once a second process joins, before the second's first write; alone again once it leaves", async () => {
    // The first writes without pause while the second opens.
    let writing = true;
    const modes: { at: number; plain: number }[] = [];
    const load = (async () => {
      for (let n = 0; writing; n++) {
        const put = await first.put(`busy:${n % 500}`, `n${n}`);
        if (!put.ok) throw new Error(put.message);
        modes.push({ at: performance.now(), plain: first.controlPlane().writes.plainPuts });
      }
    })();
    const opening = performance.now();
    const second = await openCluster('second', env);
    const admitted = performance.now();
    // Every plain SET the first decided on has landed by now, and it decides on none any more.
    const plainThen = first.controlPlane().writes.plainPuts;
    expect(first.controlPlane().writes.alone).toBe(false);
    const firstWrite = await second.put('busy:0', 'from the second');
    expect(firstWrite.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writing = false;
    await load;
    console.log(`the second process opened in ${Math.round(admitted - opening)} ms; the first wrote ${modes.length} puts meanwhile`);
    expect(modes.filter((m) => m.at > admitted).length).toBeGreaterThan(0);
    expect(first.controlPlane().writes.plainPuts).toBe(plainThen);
    expect(first.controlPlane().writes.conditionalPuts).toBeGreaterThan(0);
    // The second, beside the first, writes conditionally too; memcached served their reads.
    expect(second.controlPlane().writes).toMatchObject({ alone: false, plainPuts: 0, conditionalPuts: 1 });
    const gets = await getsServed(first);
    await putAll(first, ['beside:1', 'beside:2']);
    expect(await getsServed(first)).toBeGreaterThanOrEqual(gets + 2);

    await closeCluster(second);
    const left = performance.now();
    await vi.waitFor(() => expect(first.controlPlane().writes.alone).toBe(true), { timeout: 3000, interval: 10 });
    console.log(`alone again ${Math.round(performance.now() - left)} ms after the second closed`);
  });

  it('waits out the bound before its first write when a process present does not acknowledge it (frozen)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-sole-shell-'));
    dirs.push(dataDir);
    // A real Ringside shell on the same cluster, then frozen: present (its session holds for seconds), answering nothing.
    const shell = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', path.join(root, 'scripts/ringside.ts'), 'shell'], {
      cwd: root,
      env: { ...process.env, ...env, RINGSIDE_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(shell);
    let out = '';
    shell.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
    shell.stdin!.write('nodes\n');
    await vi.waitFor(() => expect(out).toContain('node-3'), { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(first.controlPlane().writes.alone).toBe(false), { timeout: 3000, interval: 10 });
    shell.kill('SIGSTOP');
    try {
      const opening = performance.now();
      const third = await openCluster('third', env);
      const took = performance.now() - opening;
      console.log(`with a frozen process present, the third opened after ${Math.round(took)} ms`);
      expect(took).toBeGreaterThanOrEqual(ALONE_MS + WRITE_SETTLE_MS);
      expect(third.controlPlane().writes.alone).toBe(false);
      await closeCluster(third);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('falls back to conditional writes within its bound when etcd is lost, and writes alone again once it returns', async () => {
    // The killed shell's session lapses within its lease (10 s): alone again after that.
    await vi.waitFor(() => expect(first.controlPlane().writes.alone).toBe(true), { timeout: 15_000, interval: 50 });
    const [member] = etcd.members;
    await etcd.stop(member);
    const stopped = performance.now();
    await vi.waitFor(() => expect(first.controlPlane().writes.alone).toBe(false), { timeout: ALONE_MS + 1000, interval: 5 });
    const fellBack = performance.now() - stopped;
    console.log(`conditional writes ${Math.round(fellBack)} ms after etcd stopped`);
    expect(fellBack).toBeLessThanOrEqual(ALONE_MS + 250);
    // The data path goes on without etcd, conditionally.
    const counted = first.controlPlane().writes.conditionalPuts;
    await putAll(first, ['cut-off:1', 'cut-off:2', 'cut-off:3']);
    expect(first.controlPlane().writes.conditionalPuts).toBe(counted + 3);
    await etcd.restart(member);
    await vi.waitFor(() => expect(first.controlPlane().writes.alone).toBe(true), { timeout: 15_000, interval: 50 });
  });
});
