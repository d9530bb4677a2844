// Local nodes of 8 MiB filled with 100 KB values: memcached -M refuses, and the cluster says which nodes are full and what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseStats } from '@/lib/cluster/snapshot';
import { openFixture, type Fixture } from '../support/cluster-fixture';

const BIG = Buffer.alloc(100_000, 'x');
const MiB = 1024 * 1024;

let fixture: Fixture;
let stored = 0;
let refusal: Awaited<ReturnType<Fixture['cluster']['put']>> | undefined;

beforeAll(async () => {
  fixture = await openFixture(3, { localMemoryMb: 8 });
  // Each key lives on all three nodes, so they fill together.
  for (let i = 0; i < 200 && !refusal; i++) {
    const put = await fixture.cluster.put(`big:${i}`, BIG);
    if (put.ok) stored++;
    else refusal = put;
  }
});

afterAll(() => fixture?.teardown());

describe('a cluster whose nodes are full', () => {
  it('stores about 8 MiB of big values per node, then refuses the next as out_of_memory, naming every node and its limit', () => {
    expect(stored).toBeGreaterThan(60);
    expect(stored).toBeLessThan(85);
    expect(refusal).toMatchObject({ ok: false, error: 'out_of_memory' });
    const message = refusal!.ok ? '' : refusal!.message;
    for (const node of ['node-1', 'node-2', 'node-3']) expect(message).toContain(`${node} (limit 8 MiB)`);
    expect(message).toMatch(/are out of memory/);
    expect(message).toContain('Add a node, delete keys, or start local nodes with more memory (RINGSIDE_NODE_MEMORY_MB=256)');
  });

  it('keeps refusing values of that size while small values still go in', async () => {
    expect(await fixture.cluster.put('big:again', BIG)).toMatchObject({ ok: false, error: 'out_of_memory' });
    expect(await fixture.cluster.put('small:1', 'hello')).toMatchObject({ ok: true, acknowledged: 3 });
    expect(await fixture.cluster.get('small:1')).toMatchObject({ ok: true });
  });

  it('reports every node as full: memory at its limit and the slab class of the big values', async () => {
    const stats = await fixture.cluster.stats();
    for (const node of ['node-1', 'node-2', 'node-3']) {
      const summary = summariseStats(stats[node])!;
      expect(summary.limitBytes).toBe(8 * MiB);
      expect(summary.usedBytes).toBeGreaterThan(7 * MiB);
      expect(summary.full).toBe(true);
      expect(summary.refused).toBeGreaterThanOrEqual(2);
      expect(summary.fullSlabs[0]).toMatchObject({ refused: summary.refused });
      // The class holding 100,000-byte values plus item header and key.
      expect(summary.fullSlabs[0].chunkSize).toBeGreaterThan(100_000);
      expect(summary.fullSlabs[0].chunkSize).toBeLessThan(130_000);
    }
    const snapshot = await fixture.cluster.snapshot();
    for (const node of snapshot.nodes) expect(node.stats).toMatchObject({ full: true, limitBytes: 8 * MiB });
  });

  it("says a refused write dropped the key's previous value, as memcached does", async () => {
    expect(await fixture.cluster.put('victim', 'old')).toMatchObject({ ok: true, acknowledged: 3 });
    expect(await fixture.cluster.put('victim', BIG)).toMatchObject({ ok: false, error: 'out_of_memory', message: expect.stringContaining("drops the key's previous value") });
    expect(await fixture.cluster.get('victim')).toMatchObject({ ok: false, error: 'not_found' });
  });

  it('stores a write some replicas refused, with out_of_memory in their outcomes, and marks their copies for repair', async () => {
    // One free chunk on node-1 alone.
    expect(await fixture.rawDelete('node-1', 'big:0')).toBe(true);
    const put = await fixture.cluster.put('big:partial', BIG);
    expect(put).toMatchObject({ ok: true, acknowledged: 1 });
    const replicas = put.ok ? put.replicas : [];
    expect(replicas.find((r) => r.node === 'node-1')).toEqual({ node: 'node-1', ok: true });
    for (const node of ['node-2', 'node-3']) expect(replicas.find((r) => r.node === node)).toEqual({ node, ok: false, error: 'out_of_memory' });
    const suspects = Object.fromEntries(fixture.cluster.nodes().map((n) => [n.id, n.suspectKeys]));
    expect(suspects).toEqual({ 'node-1': 0, 'node-2': 1, 'node-3': 1 });
    expect(await fixture.cluster.get('big:partial')).toMatchObject({ ok: true, servedBy: 'node-1' });
  });

  it('takes big values again once keys are deleted, and no longer shows the nodes as full', async () => {
    for (let i = 1; i <= 3; i++) expect(await fixture.cluster.delete(`big:${i}`)).toMatchObject({ ok: true, deleted: true });
    expect(await fixture.cluster.put('big:after-delete', BIG)).toMatchObject({ ok: true, acknowledged: 3 });
    const stats = await fixture.cluster.stats();
    for (const node of ['node-1', 'node-2', 'node-3']) expect(summariseStats(stats[node])).toMatchObject({ full: false, fullSlabs: [] });
  });

  it('takes big values again once a node is added: the keys it takes over leave room on the others', async () => {
    let full = false;
    for (let i = 0; i < 20 && !full; i++) full = !(await fixture.cluster.put(`big:refill:${i}`, BIG)).ok;
    expect(full).toBe(true);
    const added = await fixture.cluster.addNode();
    // The newcomer, as small as the others, takes about three quarters of the keys: it may fill up itself.
    expect(added).toMatchObject({ ok: true, deleted: expect.any(Number) });
    expect(added.ok && added.deleted).toBeGreaterThan(30);
    const puts = await Promise.all(['a', 'b', 'c', 'd'].map((k) => fixture.cluster.put(`big:after-add:${k}`, BIG)));
    for (const put of puts) expect(put).toMatchObject({ ok: true });
    const stats = await fixture.cluster.stats();
    for (const node of ['node-1', 'node-2', 'node-3']) expect(summariseStats(stats[node])).toMatchObject({ full: false });
  });
});
