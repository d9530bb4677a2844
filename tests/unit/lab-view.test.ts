// The lab page's shaping of lab reports: one algorithm's moves for the animation agree with the report, and the plots and jump's workaround.
import { describe, expect, it } from 'vitest';
import { restingRadius, TRACK, travelAngle } from '@/components/lab/ring-paint';
import { keyPosition } from '@/lib/hash';
import { compareAlgorithms, describeChange, syntheticKeys, type LabReport, type LabRequest } from '@/lib/lab';
import { ketamaPosition } from '@/lib/lab/ketama';
import { parseVnodeList, plotsOf } from '@/lib/lab-view/figures';
import { readLabFields, type LabFields } from '@/lib/lab-view/form';
import { fmix32 } from '@/lib/lab/key-bytes';
import { PROBES } from '@/lib/lab/multi-probe';
import { labMotion, type LabMotion, type RingPoints } from '@/lib/lab-view/motion';

const nodes = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `node-${i + 1}`, weight: 1 }));
const keys = syntheticKeys(3000);

function motion(request: LabRequest, algorithm: string, sample?: number): LabMotion {
  const result = labMotion(request, algorithm, sample);
  if (!result.ok) throw new Error(result.message);
  return result;
}

function report(request: LabRequest): LabReport {
  const result = compareAlgorithms({ timingRounds: 0, ...request });
  if (!result.ok) throw new Error(result.message);
  return result;
}

describe('labMotion', () => {
  const changes: LabRequest['change'][] = [{ add: 'node-5', weight: 2 }, { remove: 'node-2' }, { weight: 'node-3', to: 0.5 }];
  it.each(changes)('moves as many primaries as the report says, for every algorithm (%j)', (change) => {
    const request: LabRequest = { nodes: nodes(4), keys, change, tryVnodes: [40], capacityFactor: 1.1 };
    const compared = report(request);
    for (const [id, algorithm] of Object.entries(compared.algorithms)) {
      const watched = motion(request, id, keys.length);
      expect(watched.moved, id).toBe(algorithm.moved);
      expect(watched.total).toBe(keys.length);
      expect(watched.keys.filter((k) => k.from !== k.to)).toHaveLength(algorithm.moved!);
      const after = Object.fromEntries(watched.perNode.filter((n) => n.inAfter).map((n) => [n.id, n.after]));
      expect(after, id).toEqual(algorithm.after!.perNode);
      expect(watched.ring, id).toBe(!['jump', 'rendezvous', 'maglev'].includes(id));
    }
  });

  it("places Ringside's keys at their hash, each taken by the first point clockwise, owned by its primary", () => {
    const watched = motion({ nodes: nodes(3), keys, change: { add: 'node-4' } }, 'ringside', 500);
    expect(watched.keys).toHaveLength(500);
    expect(watched.before!.positions).toHaveLength(3 * 160);
    expect(watched.after!.positions).toHaveLength(4 * 160);
    for (const k of watched.keys) {
      expect(k.position).toBe(keyPosition(k.key));
      expect(k.positionAfter).toBe(k.position);
      const { positions, owners } = watched.after!;
      const first = positions.findIndex((p) => p >= k.position);
      const at = first < 0 ? 0 : first;
      expect(k.toPoint).toBe(positions[at]);
      expect(watched.nodes[owners[at]]).toBe(watched.nodes[k.to]);
    }
    // Adding a node moves keys only onto it.
    expect(watched.keys.filter((k) => k.from !== k.to).every((k) => watched.nodes[k.to] === 'node-4')).toBe(true);
  });

  it('samples evenly over the key set, and hashes ketama keys by MD5', () => {
    const watched = motion({ nodes: nodes(3), keys, change: { remove: 'node-1' } }, 'ketama', 100);
    expect(watched.keys.map((k) => k.key)).toEqual(Array.from({ length: 100 }, (_, i) => keys[i * 30].key));
    for (const k of watched.keys) expect(k.position).toBe(ketamaPosition(k.key));
    const removed = watched.perNode.find((n) => n.id === 'node-1')!;
    expect(removed).toMatchObject({ inBefore: true, inAfter: false, after: 0 });
    expect(watched.perNode.reduce((sum, n) => sum + n.before, 0)).toBe(keys.length);
  });

  it('lists no ring points for algorithms without a ring', () => {
    const watched = motion({ nodes: nodes(3), keys, change: { remove: 'node-1' } }, 'maglev', 10);
    expect(watched).toMatchObject({ ring: false, before: null, after: null });
  });

  it('refuses what the lab refuses, and a comparison without a change', () => {
    expect(labMotion({ nodes: nodes(3), keys, change: { remove: 'node-9' } }, 'ringside')).toMatchObject({ ok: false, error: 'unknown_node' });
    expect(labMotion({ nodes: nodes(3), keys, change: { add: 'node-4' } }, 'crc32')).toMatchObject({ ok: false, error: 'invalid_lab' });
    expect(labMotion({ nodes: nodes(3), keys }, 'ringside')).toMatchObject({ ok: false, error: 'invalid_lab' });
  });
});

describe('multi-probe motion', () => {
  /** The point a key's probes reach first, worked out here from the paper's rule: the least clockwise distance from any probe, ties to the earlier probe. */
  function nearest(points: RingPoints, key: string): { probe: number; point: number } {
    const h = keyPosition(key);
    let best = { distance: Infinity, probe: 0, point: 0 };
    for (let i = 0; i < PROBES; i++) {
      const probe = fmix32((h + Math.imul(i, 0x9e3779b9)) >>> 0);
      const point = points.positions.find((p) => p >= probe) ?? points.positions[0];
      const distance = (point - probe) >>> 0;
      if (distance < best.distance) best = { distance, probe, point };
    }
    return { probe: best.probe, point: best.point };
  }

  /** What the page drew before the lab exposed multi-probe's points: the primary's first point clockwise from the key's hash. */
  function firstOwnedClockwise(points: RingPoints, key: string, owner: number): number {
    const h = keyPosition(key);
    const order = points.positions.map((_, i) => i).sort((a, b) => ((points.positions[a] - h) >>> 0) - ((points.positions[b] - h) >>> 0));
    return points.positions[order.find((i) => points.owners[i] === owner)!];
  }

  it('draws each key at the probe that won it, travelling between the exact points that take it before and after', () => {
    const weighted = [1, 2, 3, 2, 1].map((weight, i) => ({ id: `node-${i + 1}`, weight }));
    const watched = motion({ nodes: weighted, keys, change: { weight: 'node-3', to: 1 } }, 'multi-probe', 600);
    expect(watched.ring).toBe(true);
    expect(watched.before!.positions).toHaveLength(9);
    expect(watched.after!.positions).toHaveLength(7);
    for (const k of watched.keys) {
      const before = nearest(watched.before!, k.key);
      const after = nearest(watched.after!, k.key);
      expect([k.position, k.fromPoint]).toEqual([before.probe, before.point]);
      expect([k.positionAfter, k.toPoint]).toEqual([after.probe, after.point]);
      expect(watched.before!.owners[watched.before!.positions.indexOf(k.fromPoint)]).toBe(k.from);
      expect(watched.after!.owners[watched.after!.positions.indexOf(k.toPoint)]).toBe(k.to);
    }
    // Nodes with several points: the winning point is often not the primary's first clockwise from the hash.
    const elsewhere = watched.keys.filter((k) => k.toPoint !== firstOwnedClockwise(watched.after!, k.key, k.to));
    expect(elsewhere.length).toBeGreaterThan(watched.keys.length / 10);
    // And the winning probe is rarely the key's hash itself.
    expect(watched.keys.filter((k) => k.position === keyPosition(k.key)).length).toBeLessThan(watched.keys.length / 5);
  });

  it("keeps bounded loads' keys at their hash, taken by the first point clockwise whose node had room", () => {
    const watched = motion({ nodes: nodes(4), keys, change: { add: 'node-5' }, capacityFactor: 1.05 }, 'bounded-loads', keys.length);
    const { positions, owners } = watched.after!;
    let skipped = 0;
    for (const k of watched.keys) {
      expect(k.positionAfter).toBe(keyPosition(k.key));
      const at = positions.indexOf(k.toPoint);
      expect(owners[at]).toBe(k.to);
      if (k.toPoint !== (positions.find((p) => p >= k.positionAfter) ?? positions[0])) skipped++;
    }
    // At c = 1.05 some keys pass full nodes' points on their way round.
    expect(skipped).toBeGreaterThan(0);
  });
});

describe('plotsOf', () => {
  it('plots moves against the fair-share minimum, balance before and after, and memory; timing only when measured', () => {
    const compared = report({ nodes: nodes(4), keys, change: { remove: 'node-2' } });
    const plots = plotsOf(compared);
    expect(plots.map((p) => p.id)).toEqual(['moved', 'copies', 'balance-keys', 'balance-bytes', 'balance-requests', 'memory']);
    const [moved, copies] = plots;
    expect(moved.reference).toEqual({ label: 'fair-share minimum', value: compared.minimum!.primaries });
    expect(copies.reference).toEqual({ label: 'fair-share minimum', value: compared.minimum!.copies });
    expect(moved.series).toEqual(['moved', 'if renumbered']);
    expect(moved.rows.find((r) => r.id === 'ringside')!.values).toEqual([compared.algorithms.ringside.moved, null]);
    expect(moved.rows.find((r) => r.id === 'jump')!.values).toEqual([compared.algorithms.jump.moved, compared.algorithms.jump.workaround!.rebuilt.moved]);
    expect(copies.rows.find((r) => r.id === 'jump')!.values).toEqual([compared.algorithms.jump.copiesMoved, compared.algorithms.jump.workaround!.rebuilt.copiesMoved]);
    expect(plots[2].rows.find((r) => r.id === 'maglev')!.values).toEqual([compared.algorithms.maglev.current.keys, compared.algorithms.maglev.after!.keys]);
  });

  it('leaves out balance by bytes and requests for keys without them, and the renumbering bars when no algorithm needs a workaround', () => {
    const plain = Array.from({ length: 2000 }, (_, i) => ({ key: `k:${i}` }));
    const added = report({ nodes: nodes(4), keys: plain, change: { add: 'node-5' }, timingRounds: 1 });
    const plots = plotsOf(added);
    expect(plots.map((p) => p.id)).toEqual(['moved', 'copies', 'balance-keys', 'lookup', 'memory']);
    expect(plots[0].series).toEqual(['moved']);
    expect(plots[0].rows.find((r) => r.id === 'jump')!.values).toEqual([added.algorithms.jump.moved]);
  });

  it('words the change', () => {
    expect(describeChange({ add: 'node-4', weight: 2 }, nodes(3))).toBe('add node-4 (weight 2)');
    expect(describeChange({ weight: 'node-1', to: 3 }, nodes(3))).toBe('weight of node-1 from 1 to 3');
  });
});

describe('parseVnodeList', () => {
  it('reads whole numbers separated by commas or spaces, once each', () => {
    expect(parseVnodeList('40, 1000 40')).toEqual({ ok: true, counts: [40, 1000] });
    expect(parseVnodeList('')).toEqual({ ok: true, counts: [] });
  });
  it.each(['0', '4097', '1.5', 'ten', '1,2,3,4,5,6,7,8,9'])('refuses %s', (text) => {
    expect(parseVnodeList(text).ok).toBe(false);
  });
});

describe('readLabFields', () => {
  const fields: LabFields = {
    keys: 'cluster',
    count: '10000',
    change: 'add',
    addId: 'node-4',
    addWeight: '2',
    removeId: 'node-1',
    weightId: 'node-2',
    weightTo: '0.5',
    tryVnodes: '40, 1000',
    capacity: '1.25',
  };
  const ids = ['node-1', 'node-2', 'node-3'];

  it('reads each kind of change, live or generated keys, vnode counts and the capacity', () => {
    expect(readLabFields(fields, ids)).toEqual({ ok: true, input: { keys: 'cluster', change: { add: 'node-4', weight: 2 }, tryVnodes: [40, 1000], capacityFactor: 1.25 } });
    expect(readLabFields({ ...fields, keys: 'generated', change: 'remove' }, ids)).toMatchObject({ ok: true, input: { keys: 10000, change: { remove: 'node-1' } } });
    expect(readLabFields({ ...fields, change: 'weight' }, ids)).toMatchObject({ ok: true, input: { change: { weight: 'node-2', to: 0.5 } } });
  });

  it.each([
    [{ addId: 'node-2' }, /already one of the nodes/],
    [{ addId: 'has space' }, /new node's id/],
    [{ addWeight: '0' }, /above 0/],
    [{ addWeight: 'heavy' }, /above 0/],
    [{ keys: 'generated', count: '2.5' }, /whole number/],
    [{ keys: 'generated', count: '300000' }, /200,000/],
    [{ change: 'weight', weightTo: '-1' }, /above 0/],
    [{ change: 'remove', removeId: 'node-9' }, /pick a node/],
    [{ tryVnodes: '40, lots' }, /"lots"/],
    [{ capacity: '1' }, /above 1/],
  ] as [Partial<LabFields>, RegExp][])('refuses %j', (change, message) => {
    const read = readLabFields({ ...fields, ...change }, ids);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.message).toMatch(message);
  });
});

describe('the ring animation', () => {
  const key = (fromPoint: number, toPoint: number) => ({ key: 'k', position: 0, positionAfter: 0, from: 0, to: 1, fromPoint, toPoint });
  const quarter = 2 ** 30;

  it('travels the short way round, across the top when that is shorter', () => {
    expect(travelAngle(key(quarter, 2 * quarter), 0.5)).toBeCloseTo((3 * Math.PI) / 4);
    // From just before the top to just after it: forwards through 0, not back round the whole ring.
    const across = travelAngle(key(4 * quarter - 1000, 1000), 1);
    expect(across).toBeGreaterThan(2 * Math.PI - 0.001);
    expect(travelAngle(key(1000, 4 * quarter - 1000), 1)).toBeLessThan(0);
  });

  it('rests keys inside the band of points', () => {
    for (const position of [0, 1008, 1009, 2 ** 32 - 1]) {
      expect(restingRadius(position)).toBeGreaterThanOrEqual(130);
      expect(restingRadius(position)).toBeLessThan(TRACK);
    }
  });
});
