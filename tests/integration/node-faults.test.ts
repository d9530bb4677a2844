// One node of a real cluster misbehaving behind a proxy: calls settle, it is marked down and probed back, the other nodes' traffic goes on.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mapLimit } from '@/lib/concurrency';
import { checkReplication } from '@/lib/drill/replication';
import { startLocalNode, stopLocalNode, type LocalProcess } from '@/lib/memcached/local-nodes';
import { preferenceList } from '@/lib/ring';
import { openFixture, type Fixture } from '../support/cluster-fixture';
import { startFaultProxy, type FaultProxy, type ProxyMode } from '../support/fault-proxy';

const DEADLINE = 300;
let fixture: Fixture;
let upstream: LocalProcess;
let proxy: FaultProxy;
const keys = Array.from({ length: 240 }, (_, i) => `fault:${i}`);
let round = 0;

beforeAll(async () => {
  fixture = await openFixture(3, { deadlineMs: DEADLINE, probeIntervalMs: 150 });
  upstream = await startLocalNode({ memoryMb: 16 });
  proxy = await startFaultProxy(upstream);
  const added = await fixture.cluster.addNode({ id: 'flaky', address: `127.0.0.1:${proxy.port}` });
  expect(added.ok).toBe(true);
  for (const key of keys) expect((await fixture.cluster.put(key, 'v0')).ok).toBe(true);
});

afterAll(async () => {
  await fixture?.teardown();
  await proxy?.close();
  if (upstream) await stopLocalNode(upstream.pid, 'SIGKILL');
});

const flaky = () => fixture.cluster.nodes().find((n) => n.id === 'flaky')!;

describe.each<ProxyMode>(['silent', 'reset', 'garbage', 'error'])('a node that turns %s', (mode) => {
  it('settles every call, is marked down, leaves the other nodes undisturbed, and is repaired when it recovers', async () => {
    const value = `v${++round}`;
    proxy.mode = mode;
    const timings = await mapLimit(keys, 24, async (key) => {
      const started = performance.now();
      const put = await fixture.cluster.put(key, value);
      const read = await fixture.cluster.get(key);
      return { key, ms: performance.now() - started, put: put.ok, read: read.ok ? read.value.toString() : null };
    });
    // Every write was acknowledged by the other replicas, and every read found the value just written.
    expect(timings.filter((t) => !t.put || t.read !== value)).toEqual([]);
    // A put and a get each wait at most one deadline on the bad node, and only until it is marked down.
    expect(Math.max(...timings.map((t) => t.ms))).toBeLessThan(2 * DEADLINE + 400);
    const ring = fixture.cluster.currentRing;
    const elsewhere = timings.filter((t) => !preferenceList(ring, t.key).includes('flaky'));
    expect(elsewhere.length).toBeGreaterThan(10);
    expect(Math.max(...elsewhere.map((t) => t.ms))).toBeLessThan(DEADLINE);
    await vi.waitFor(() => expect(flaky().status).toBe('down'), { timeout: 3000, interval: 10 });

    proxy.mode = 'forward';
    await vi.waitFor(() => expect({ status: flaky().status, suspectKeys: flaky().suspectKeys, busy: fixture.cluster.busy }).toEqual({ status: 'up', suspectKeys: 0, busy: false }), {
      timeout: 5000,
      interval: 10,
    });
    const check = await checkReplication(fixture.cluster.currentRing, fixture.cluster.nodes());
    expect(check).toMatchObject({ complete: true, keys: keys.length });
    for (const key of keys.filter((k) => preferenceList(ring, k).includes('flaky')).slice(0, 20)) {
      expect((await fixture.rawGet('flaky', key))?.toString()).toBe(value);
    }
  });
});
