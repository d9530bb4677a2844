// A membership change SIGKILLed at each phase in a child process: reopened (file) or resolved by the live leader (etcd), the change is finished or rolled back, nothing stale survives.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mapLimit } from '@/lib/concurrency';
import { isAlive, stopLocalNode } from '@/lib/memcached/local-nodes';
import { preferenceList } from '@/lib/ring';
import { EtcdStore } from '@/lib/store/etcd-store';
import { openFixture, type Fixture } from '../support/cluster-fixture';
import { startEtcd, type EtcdCluster } from '../support/etcd';
import { runRingside } from '../support/run-ringside';

let fixture: Fixture | undefined;
const started: number[] = [];
afterEach(async () => {
  for (const pid of started.splice(0)) if (isAlive(pid)) await stopLocalNode(pid, 'SIGKILL');
  await fixture?.teardown();
  fixture = undefined;
});

const KEYS = Array.from({ length: 1500 }, (_, i) => `crash:${i}`);

interface SavedState {
  version: number;
  nodes: { id: string; local?: { pid: number | null } }[];
  health?: Record<string, { local?: { pid: number | null } }>;
  journal?: { phase: string; reason: string; from: { version: number }; to: { version: number }; progress: { done: number; total: number } };
}

async function saved(dataDir: string): Promise<SavedState> {
  return JSON.parse(await readFile(path.join(dataDir, 'cluster.json'), 'utf8')) as SavedState;
}

/** Every key written, half of them overwritten: the latest value of each, by key. */
async function seed(f: Fixture): Promise<Map<string, string>> {
  const latest = new Map<string, string>();
  await mapLimit(KEYS, 32, async (key, i) => {
    const value = i % 2 ? `second:${key}` : `first:${key}`;
    if (i % 2) expect((await f.cluster.put(key, `first:${key}`)).ok).toBe(true);
    expect((await f.cluster.put(key, value)).ok).toBe(true);
    latest.set(key, value);
  });
  return latest;
}

/** Each key exactly on its preference list, with its latest bytes on every node of it (read node by node). */
async function expectInPlace(f: Fixture, latest: Map<string, string>): Promise<void> {
  expect(await f.holdings()).toEqual(f.expected(latest.keys()));
  const wrong: string[] = [];
  await mapLimit([...latest], 16, async ([key, value]) => {
    for (const node of preferenceList(f.cluster.currentRing, key)) {
      const held = (await f.rawGet(node, key))?.toString();
      if (held !== value) wrong.push(`${key} on ${node}: ${held}`);
    }
  });
  expect(wrong).toEqual([]);
}

/** Ordinary use after recovery: overwrite every key, remove a node, kill a replica; no read is stale. */
async function expectNoStaleReads(f: Fixture, remove: string): Promise<void> {
  const latest = new Map(KEYS.map((key) => [key, `third:${key}`]));
  await mapLimit([...latest], 32, async ([key, value]) => expect((await f.cluster.put(key, value)).ok).toBe(true));
  const removed = await f.cluster.removeNode(remove);
  expect(removed.ok).toBe(true);
  await expectInPlace(f, latest);
  const victim = f.cluster.currentRing.nodes[0].id;
  expect((await f.cluster.killNode(victim)).ok).toBe(true);
  const stale: string[] = [];
  await mapLimit([...latest], 32, async ([key, value]) => {
    const read = await f.cluster.get(key);
    if (!read.ok || read.value.toString() !== value) stale.push(`${key}: ${read.ok ? read.value.toString() : read.error}`);
  });
  expect(stale).toEqual([]);
}

type Scenario = { crashAt: string; change: string[]; phase: string; switched: boolean; nodes?: number };

const scenarios: Scenario[] = [
  { crashAt: 'copying', change: ['add', 'node-4'], phase: 'copying', switched: false },
  { crashAt: 'copying:400', change: ['add', 'node-4'], phase: 'copying', switched: false },
  { crashAt: 'switched', change: ['add', 'node-4'], phase: 'copying', switched: true },
  { crashAt: 'deleting:300', change: ['add', 'node-4'], phase: 'deleting', switched: true },
  { crashAt: 'copying:200', change: ['remove', 'node-2'], phase: 'copying', switched: false, nodes: 4 },
  { crashAt: 'switched', change: ['remove', 'node-2'], phase: 'copying', switched: true, nodes: 4 },
];

describe('a membership change whose process is SIGKILLed', () => {
  it.each(scenarios)('$change.0 $change.1, killed at $crashAt: finished or rolled back on reopen, nothing stale', async ({ crashAt, change, phase, switched, nodes = 3 }) => {
    fixture = await openFixture(nodes);
    const f = fixture;
    const latest = await seed(f);
    const before = await saved(f.dataDir);
    await f.cluster.close();

    const run = await runRingside(f.dataDir, [...change, '--json'], '', { RINGSIDE_CRASH_AT: crashAt });
    // tsx passes its child's death on as exit status 128 + 9.
    expect(run.signal === 'SIGKILL' || run.code === 137, `${run.code} ${run.signal} ${run.stderr}${run.stdout}`).toBe(true);
    const crashed = await saved(f.dataDir);
    expect(crashed.journal).toMatchObject({ phase, reason: change.join(' '), from: { version: before.version }, to: { version: before.version + 1 } });
    expect(crashed.version).toBe(switched ? before.version + 1 : before.version);
    const pidOf = (state: SavedState, id: string) => state.health?.[id]?.local?.pid ?? null;
    const added = change[0] === 'add' ? pidOf(crashed, 'node-4') : null;
    if (change[0] === 'add') {
      // The process started for the change is on record before its first copy.
      expect(added).toBeGreaterThan(0);
      started.push(added!);
    }
    const removedPid = change[0] === 'remove' ? pidOf(before, change[1]) : null;
    if (removedPid) started.push(removedPid);

    const cluster = await f.reopen();
    const reopened = await saved(f.dataDir);
    expect(reopened.journal).toBeUndefined();
    const ids = cluster.currentRing.nodes.map((n) => n.id);
    if (change[0] === 'add') {
      expect(ids.includes('node-4')).toBe(switched);
      // No orphan: the process is on the ring, or gone.
      expect(isAlive(added!)).toBe(switched);
      if (switched) expect(cluster.nodes().find((n) => n.id === 'node-4')?.pid).toBe(added);
    } else {
      expect(ids.includes(change[1])).toBe(!switched);
      expect(isAlive(removedPid!)).toBe(!switched);
    }
    expect(Object.keys(reopened.health ?? {}).sort()).toEqual([...ids].sort());
    await expectInPlace(f, latest);
    expect((await cluster.snapshot()).underReplicated).toBe(0);

    await expectNoStaleReads(f, ids.includes('node-4') ? 'node-4' : ids[ids.length - 1]);
  });
});

describe('in etcd mode, a membership change whose process is SIGKILLed', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await startEtcd(1);
  });
  afterAll(async () => {
    await etcd?.cleanup();
  });

  /** The state as the store holds it, read by a client of its own. */
  async function stored(env: Record<string, string>): Promise<SavedState> {
    const store = new EtcdStore({ kind: 'etcd', endpoints: env.RINGSIDE_ETCD.split(','), prefix: env.RINGSIDE_ETCD_PREFIX }, { writer: 'test-reader' });
    try {
      const loaded = await store.load();
      if (!loaded.ok) throw new Error(loaded.message);
      const { ring, health, journal } = loaded.state;
      return { version: ring?.version ?? 0, nodes: ring?.nodes ?? [], health, journal: journal ?? undefined };
    } finally {
      await store.close();
    }
  }

  const etcdScenarios = scenarios.filter((s) => s.crashAt !== 'copying:200');
  it.each(etcdScenarios)('$change.0 $change.1, killed at $crashAt: the live leader finishes or rolls it back, nothing stale', async ({ crashAt, change, phase, switched, nodes = 3 }) => {
    const env = { RINGSIDE_ETCD: etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: `/ringside-crash/${randomUUID()}/` };
    // The test's process leads (its background work every 200 ms) and follows the child's change from the store.
    fixture = await openFixture(nodes, { env, probeIntervalMs: 200 });
    const f = fixture;
    await vi.waitFor(() => expect(f.cluster.leading).toBe(true), { timeout: 10_000, interval: 50 });
    const latest = await seed(f);
    const before = await stored(env);

    const run = await runRingside(f.dataDir, [...change, '--json'], '', { ...env, RINGSIDE_CRASH_AT: crashAt });
    expect(run.signal === 'SIGKILL' || run.code === 137, `${run.code} ${run.signal} ${run.stderr}${run.stdout}`).toBe(true);
    const crashed = await stored(env);
    expect(crashed.journal).toMatchObject({ phase, reason: change.join(' '), from: { version: before.version }, to: { version: before.version + 1 } });
    expect(crashed.version).toBe(switched ? before.version + 1 : before.version);
    const pidOf = (state: SavedState, id: string) => state.health?.[id]?.local?.pid ?? null;
    const added = change[0] === 'add' ? pidOf(crashed, 'node-4') : null;
    if (added) started.push(added);
    const removedPid = change[0] === 'remove' ? pidOf(before, change[1]) : null;
    if (removedPid) started.push(removedPid);

    // No restart: the leader sees the journal, waits for the dead owner's lock to lapse, and resolves it.
    const resolvedAt = Date.now();
    await vi.waitFor(async () => expect((await stored(env)).journal).toBeUndefined(), { timeout: 20_000, interval: 200 });
    await vi.waitFor(() => expect(f.cluster.busy).toBe(false), { timeout: 5_000, interval: 50 });
    console.log(`etcd: ${change.join(' ')} killed at ${crashAt} resolved by the leader ${Date.now() - resolvedAt} ms after the crash`);
    const resolved = await stored(env);
    const ids = f.cluster.currentRing.nodes.map((n) => n.id);
    expect(resolved.version).toBe(f.cluster.version);
    if (change[0] === 'add') {
      expect(ids.includes('node-4')).toBe(switched);
      expect(isAlive(added!)).toBe(switched);
    } else {
      expect(ids.includes(change[1])).toBe(!switched);
      expect(isAlive(removedPid!)).toBe(!switched);
    }
    expect(Object.keys(resolved.health ?? {}).sort()).toEqual([...ids].sort());
    await expectInPlace(f, latest);
    expect((await f.cluster.snapshot()).underReplicated).toBe(0);

    await expectNoStaleReads(f, ids.includes('node-4') ? 'node-4' : ids[ids.length - 1]);
  });
});
