// Background probes: a node that dies or freezes behind Ringside's back is marked down, and repaired when it returns.
import { readFileSync } from 'node:fs';
import { freeze, thaw } from '@/lib/drill/faults';
import { afterEach, describe, expect, it } from 'vitest';
import type { StampedEvent } from '@/lib/cluster/events';
import { startLocalNode, stopLocalNode } from '@/lib/memcached/local-nodes';
import { fakeEntries } from '@/lib/fake-data';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
let frozenPid: number | undefined;
afterEach(async () => {
  if (frozenPid) thaw(frozenPid);
  frozenPid = undefined;
  await fixture?.teardown();
  fixture = undefined;
});

/** Resolves with the first event matching `match`, failing after `ms`. */
function nextEvent(f: Fixture, match: (e: StampedEvent) => boolean, ms = 10_000): Promise<StampedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const stop = f.cluster.events.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

async function seed(f: Fixture, count: number): Promise<string[]> {
  const entries = fakeEntries(count, 11);
  for (const { key, value } of entries) expect((await f.cluster.put(key, value)).ok).toBe(true);
  return entries.map((e) => e.key);
}

describe('background probes', () => {
  it('marks a node killed behind its back down, and refills it when it restarts empty on its port', async () => {
    fixture = await openFixture(3, { probeIntervalMs: 100, deadlineMs: 300 });
    const f = fixture;
    const keys = await seed(f, 150);
    const victim = f.cluster.nodes().find((n) => n.id === 'node-2')!;
    const down = nextEvent(f, (e) => e.type === 'node-down' && e.node === 'node-2');
    await stopLocalNode(victim.pid!, 'SIGKILL');
    await down;
    expect(f.cluster.nodes().find((n) => n.id === 'node-2')?.status).toBe('down');
    for (const key of keys.slice(0, 30)) expect((await f.cluster.get(key)).ok).toBe(true);

    const repaired = nextEvent(f, (e) => e.type === 'move-done' && e.reason === 'repair');
    const up = nextEvent(f, (e) => e.type === 'node-up' && e.node === 'node-2');
    const port = Number(victim.address.split(':')[1]);
    const restarted = await startLocalNode({ port, memoryMb: 16 });
    try {
      await up;
      await repaired;
      expect(await f.holdings()).toEqual(f.expected(keys));
    } finally {
      await stopLocalNode(restarted.pid, 'SIGKILL');
    }
  });

  it('keeps writing to the other replicas while a node is frozen, and brings its stale copies up to date after', async () => {
    fixture = await openFixture(3, { probeIntervalMs: 100, deadlineMs: 300 });
    const f = fixture;
    const keys = await seed(f, 60);
    const node = f.cluster.nodes().find((n) => n.id === 'node-3')!;
    const down = nextEvent(f, (e) => e.type === 'node-down' && e.node === 'node-3');
    frozenPid = node.pid!;
    await freeze(frozenPid);
    await down;
    const started = Date.now();
    for (const key of keys) {
      const put = await f.cluster.put(key, `v2 of ${key}`);
      expect(put.ok && put.acknowledged).toBe(2);
    }
    // A down node is not waited for: sixty writes take far less than one deadline each.
    expect(Date.now() - started).toBeLessThan(60 * 300);
    expect(f.cluster.nodes().find((n) => n.id === 'node-3')?.suspectKeys).toBe(60);

    const repaired = nextEvent(f, (e) => e.type === 'move-done' && e.reason === 'repair');
    thaw(frozenPid);
    frozenPid = undefined;
    await repaired;
    expect(f.cluster.nodes().find((n) => n.id === 'node-3')?.suspectKeys).toBe(0);
    for (const key of keys) expect((await f.rawGet('node-3', key))?.toString()).toBe(`v2 of ${key}`);
    expect(JSON.parse(readFileSync(`${f.dataDir}/cluster.json`, 'utf8')).hints).toEqual({});
  });
});
