// compareAlgorithms as its callers see it: the report's shape, the minimum a change must move, and bad input as failure values.
import { describe, expect, it } from 'vitest';
import { belowMinimum, compareAlgorithms, syntheticKeys, type LabReport, type LabRequest } from '@/lib/lab';

const nodes = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `node-${i + 1}`, weight: 1 }));
const plainKeys = (count: number) => Array.from({ length: count }, (_, i) => ({ key: `k:${i}` }));

function run(request: LabRequest): LabReport {
  const result = compareAlgorithms({ timingRounds: 0, ...request });
  if (!result.ok) throw new Error(result.message);
  return result;
}

describe('compareAlgorithms', () => {
  it('reports every algorithm, and Ringside at further vnode counts, without a change', () => {
    const report = run({ nodes: nodes(4), keys: plainKeys(2000), tryVnodes: [40] });
    expect(Object.keys(report.algorithms)).toEqual(['ringside', 'ringside@40', 'ketama', 'jump', 'rendezvous', 'maglev', 'multi-probe', 'bounded-loads']);
    for (const a of Object.values(report.algorithms)) {
      expect(a.balance).toBeGreaterThanOrEqual(1);
      expect(a.current.bytes).toBeNull();
      expect(Object.values(a.current.perNode).reduce((x, y) => x + y, 0)).toBe(2000);
      expect(a.moved).toBeUndefined();
      expect(a.lookupNs).toBeNull();
      expect(a.memoryBytes).toBeGreaterThan(0);
    }
    expect(report.minimum).toBeUndefined();
  });

  it('adding a node: the minimum is its even share, and no algorithm moves much more (jump and maglev included)', () => {
    const report = run({ nodes: nodes(10), keys: plainKeys(20_000), change: { add: 'node-11' } });
    expect(report.minimum).toEqual({ primaries: Math.round(20_000 / 11), copies: Math.round((3 * 20_000) / 11) });
    for (const a of Object.values(report.algorithms)) {
      expect(a.minimum).toBe(report.minimum!.primaries);
      expect(a.moved!).toBeLessThan(a.minimum! * 1.35);
      expect(a.after!.perNode['node-11']).toBeGreaterThan(0);
    }
  });

  it('removing a node: jump pays about twice the minimum by moving the last bucket into the hole, far less than renumbering', () => {
    const report = run({ nodes: nodes(10), keys: plainKeys(20_000), change: { remove: 'node-3' } });
    expect(report.minimum!.primaries).toBe(2000);
    const jump = report.algorithms.jump;
    expect(jump.moved! / 2000).toBeGreaterThan(1.6);
    expect(jump.moved! / 2000).toBeLessThan(2.4);
    expect(jump.rebuilt!.moved).toBeGreaterThan(jump.moved! * 2);
    expect(report.algorithms.rendezvous.moved! / 2000).toBeLessThan(1.15);
  });

  it("says when jump cannot make a change directly: a removal but the last node's, a lowered weight but the last node's", () => {
    const keys = plainKeys(4000);
    const jumpOf = (change: LabRequest['change'], weights = [1, 1, 1, 1]) =>
      run({ nodes: weights.map((weight, i) => ({ id: `node-${i + 1}`, weight })), keys, change, algorithms: ['ringside', 'jump'] }).algorithms;

    const removed = jumpOf({ remove: 'node-2' });
    expect(removed.jump.workaround).toEqual({
      reason: 'remove_not_last',
      description: expect.stringMatching(/node-2 is not last/),
      moved: removed.jump.moved,
      copiesMoved: removed.jump.copiesMoved,
      rebuilt: removed.jump.rebuilt,
    });
    expect(removed.jump.workaround!.rebuilt.moved).toBeGreaterThan(removed.jump.workaround!.moved);
    expect(removed.ringside.workaround).toBeUndefined();

    const lighter = jumpOf({ weight: 'node-1', to: 1 }, [2, 1, 1, 1]);
    expect(lighter.jump.workaround).toMatchObject({ reason: 'weight_down', description: expect.stringMatching(/node-1's weight goes down/) });

    // Made at the end of the bucket table, or by appending to it: jump's own changes, no workaround (renumbering is still reported).
    for (const [change, weights] of [[{ remove: 'node-4' }], [{ weight: 'node-4', to: 1 }, [1, 1, 1, 2]], [{ add: 'node-5' }], [{ weight: 'node-1', to: 2 }]] as [LabRequest['change'], number[]?][]) {
      const jump = jumpOf(change, weights).jump;
      expect(jump.workaround, JSON.stringify(change)).toBeUndefined();
      expect(jump.rebuilt, JSON.stringify(change)).toBeDefined();
    }
  });

  it('the fair-share minimum is not a floor: on 400 keys an algorithm moves fewer where the node gaining or losing keys is off its share', () => {
    const added = run({ nodes: nodes(5), keys: syntheticKeys(400), change: { add: 'node-6' } });
    expect(added.minimum!.primaries).toBe(67);
    const fewer = belowMinimum(added);
    expect(fewer.map((a) => a.id)).toContain('rendezvous');
    for (const a of fewer) {
      expect(a.moved!).toBeLessThan(67);
      // Every key on the new node moved there: it took less than its fair share.
      expect(a.after!.perNode['node-6']).toBeLessThan(67);
    }
    const removed = run({ nodes: nodes(4), keys: syntheticKeys(400), change: { remove: 'node-1' } });
    const ringside = removed.algorithms.ringside;
    expect(belowMinimum(removed)).toContain(ringside);
    // node-1 held fewer than its fair 100 keys, and those are all that had to move.
    expect(ringside.current.perNode['node-1']).toBe(ringside.moved);
    expect(ringside.moved!).toBeLessThan(100);
    expect(belowMinimum(run({ nodes: nodes(10), keys: plainKeys(20_000), change: { remove: 'node-3' } })).map((a) => a.id)).not.toContain('jump');
  });

  it('re-weighting a node: the minimum is what its larger share takes', () => {
    const report = run({ nodes: nodes(4), keys: plainKeys(8000), change: { weight: 'node-2', to: 2 } });
    // Its share goes from 1/4 to 2/5 of 8000 keys.
    expect(report.minimum!.primaries).toBe(1200);
    expect(report.nodesAfter!.find((n) => n.id === 'node-2')!.weight).toBe(2);
  });

  it('balances by bytes and requests when keys carry them; bounded loads caps requests per node', () => {
    const report = run({ nodes: nodes(5), keys: syntheticKeys(20_000), vnodes: 8 });
    const bounded = report.algorithms['bounded-loads'];
    expect(report.algorithms.ringside.current.requests).toBeGreaterThan(1.25);
    expect(bounded.current.bytes).not.toBeNull();
    // No node past ceil(1.25 x its fair share) plus the one key that may have tipped it over.
    expect(bounded.current.requests!).toBeLessThan(1.25 + 1e6 / (syntheticKeys(20_000).reduce((s, k) => s + k.requests!, 0) / 5));
  });

  it('measures lookups when asked', () => {
    const report = run({ nodes: nodes(3), keys: plainKeys(100), timingRounds: 1, algorithms: ['ringside', 'maglev'] });
    expect(Object.keys(report.algorithms)).toEqual(['ringside', 'maglev']);
    expect(report.algorithms.maglev.lookupNs).toBeGreaterThan(0);
  });

  it.each([
    [{ nodes: [], keys: plainKeys(1) }, 'no_nodes'],
    [{ nodes: [...nodes(2), { id: 'node-1', weight: 1 }], keys: plainKeys(1) }, 'invalid_id'],
    [{ nodes: [{ id: 'a b', weight: 1 }], keys: plainKeys(1) }, 'invalid_id'],
    [{ nodes: [{ id: 'a', weight: 0 }], keys: plainKeys(1) }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: [] }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: [{ key: 'has space' }] }, 'invalid_key'],
    [{ nodes: nodes(2), keys: [{ key: 'a' }, { key: 'a' }] }, 'invalid_key'],
    [{ nodes: nodes(2), keys: [{ key: 'a', requests: -1 }] }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: plainKeys(1), change: { remove: 'node-9' } }, 'unknown_node'],
    [{ nodes: nodes(1), keys: plainKeys(1), change: { remove: 'node-1' } }, 'last_node'],
    [{ nodes: nodes(2), keys: plainKeys(1), change: { add: 'node-2' } }, 'node_exists'],
    [{ nodes: nodes(2), keys: plainKeys(1), change: { weight: 'node-1', to: -2 } }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: plainKeys(1), replicas: 0 }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: plainKeys(1), vnodes: 0 }, 'invalid_vnodes'],
    [{ nodes: nodes(2), keys: plainKeys(1), algorithms: ['crc32'] }, 'invalid_lab'],
    [{ nodes: nodes(2), keys: plainKeys(1), capacityFactor: 1 }, 'invalid_lab'],
  ] as [LabRequest, string][])('refuses %j with %s', (request, error) => {
    const result = compareAlgorithms(request);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBe(error);
      expect(result.message.length).toBeGreaterThan(10);
    }
  });
});
