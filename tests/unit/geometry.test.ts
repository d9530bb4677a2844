// Ring chart geometry: angles from positions, arcs that cover the circle exactly once, key marks, replica vnodes, travel; node colours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  angleOf,
  clockwiseDistance,
  densityBars,
  keyMark,
  keyTravels,
  layoutOf,
  nearestWithin,
  ownerIndex,
  pointAt,
  replicaVnodes,
  RING_SIZE,
  spreadAngles,
  TAU,
  travelAngles,
  vnodeArcs,
  type VnodePoint,
} from '@/lib/geometry';
import { ALERT_COLOR, nodeColors } from '@/lib/colors';
import { keyPosition } from '@/lib/hash';
import { buildRing, preferenceListAt } from '@/lib/ring';

const position = fc.integer({ min: 0, max: RING_SIZE - 1 });
const vnodeSet = fc.uniqueArray(fc.record({ node: fc.constantFrom('a', 'b', 'c', 'node-10', 'node-2'), index: fc.integer({ min: 0, max: 300 }), position }), {
  selector: (v) => `${v.node}#${v.index}`,
  minLength: 1,
  maxLength: 200,
});
const close = (a: number, b: number, eps = 1e-9) => expect(Math.abs(a - b)).toBeLessThan(eps);

/** The snapshot's vnode list for a ring built by the core: the chart must agree with it. */
function snapshotVnodes(nodes: { id: string; vnodes: number }[]): VnodePoint[] {
  const ring = buildRing(nodes);
  return Array.from(ring.positions, (p, v) => ({ node: ring.nodes[ring.owners[v]].id, index: ring.vnodeIndexes[v], position: p }));
}

describe('angleOf and pointAt', () => {
  it('puts 0 at the top and grows clockwise', () => {
    expect(angleOf(0)).toBe(0);
    close(angleOf(RING_SIZE / 4), Math.PI / 2);
    close(angleOf(RING_SIZE / 2), Math.PI);
    const top = pointAt(0, 100);
    close(top.x, 0);
    close(top.y, -100);
    // A quarter turn clockwise is to the right (SVG y grows downwards).
    const right = pointAt(angleOf(RING_SIZE / 4), 100);
    close(right.x, 100);
    close(right.y, 0);
    const bottom = pointAt(Math.PI, 100);
    close(bottom.y, 100);
  });

  it('keeps every position in [0, 2π) and in order', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        expect(angleOf(a)).toBeGreaterThanOrEqual(0);
        expect(angleOf(a)).toBeLessThan(TAU);
        if (a < b) expect(angleOf(a)).toBeLessThan(angleOf(b));
      }),
    );
  });
});

describe('vnodeArcs', () => {
  it('cover the circle exactly once: lengths sum to 2π and arcs do not overlap', () => {
    fc.assert(
      fc.property(vnodeSet, (vnodes) => {
        const arcs = vnodeArcs(vnodes);
        expect(arcs).toHaveLength(vnodes.length);
        let total = 0;
        for (const a of arcs) {
          expect(a.endAngle).toBeGreaterThanOrEqual(a.startAngle);
          total += a.endAngle - a.startAngle;
        }
        close(total, TAU, 1e-9);
        // In ring order each arc starts where the previous one ended, and the first starts one turn before the last ends.
        for (let v = 1; v < arcs.length; v++) close(arcs[v].startAngle, arcs[v - 1].endAngle);
        close(arcs[0].startAngle, arcs[arcs.length - 1].endAngle - TAU);
      }),
      { numRuns: 200 },
    );
  });

  it('ends each arc at its own vnode, whatever order the vnodes come in', () => {
    fc.assert(
      fc.property(vnodeSet, (vnodes) => {
        const arcs = vnodeArcs([...vnodes].reverse());
        for (const a of arcs) close(a.endAngle, angleOf(a.position));
        expect(new Set(arcs.map((a) => a.id)).size).toBe(vnodes.length);
      }),
    );
  });

  it('gives a lone vnode the whole circle', () => {
    const [only] = vnodeArcs([{ node: 'solo', index: 0, position: 12345 }]);
    close(only.endAngle - only.startAngle, TAU);
    expect(only.id).toBe('solo#0');
  });

  it('matches the core ring: each arc holds exactly the positions its vnode owns', () => {
    const vnodes = snapshotVnodes([
      { id: 'node-1', vnodes: 20 },
      { id: 'node-2', vnodes: 20 },
      { id: 'node-3', vnodes: 20 },
    ]);
    const arcs = vnodeArcs(vnodes);
    const layout = layoutOf(vnodes);
    fc.assert(
      fc.property(position, (p) => {
        const owner = layout.vnodes[ownerIndex(layout, p)];
        const a = angleOf(p);
        const holding = arcs.filter((arc) => (a > arc.startAngle && a <= arc.endAngle) || (a - TAU > arc.startAngle && a - TAU <= arc.endAngle));
        expect(holding.map((arc) => arc.id)).toEqual([`${owner.node}#${owner.index}`]);
      }),
    );
  });
});

describe('keyMark', () => {
  it('sits at the key hash angle, inside the key band', () => {
    fc.assert(
      fc.property(position, (p) => {
        const mark = keyMark(p, 150, 230);
        close(mark.angle, angleOf(p));
        expect(mark.radius).toBeGreaterThanOrEqual(150);
        expect(mark.radius).toBeLessThanOrEqual(230);
        close(Math.hypot(mark.x, mark.y), mark.radius, 1e-6);
        close(Math.atan2(mark.x, -mark.y), angleOf(p) > Math.PI ? angleOf(p) - TAU : angleOf(p), 1e-6);
      }),
    );
  });

  it('puts keys with the same hash at the same point', () => {
    expect(keyMark(987654321, 150, 230)).toEqual(keyMark(987654321, 150, 230));
  });
});

describe('nearestWithin', () => {
  const reach = (p: { r: number }) => p.r;

  it('finds the nearest point whose reach covers the spot, and nothing where none does', () => {
    const points = [
      { x: 0, y: 0, r: 2 },
      { x: 3, y: 0, r: 2 },
      { x: 10, y: 10, r: 5 },
    ];
    expect(nearestWithin(points, { x: 1.8, y: 0 }, reach)).toBe(points[1]);
    expect(nearestWithin(points, { x: 0.4, y: 0.4 }, reach)).toBe(points[0]);
    // Nearer to the first, but only the third reaches this far.
    expect(nearestWithin(points, { x: 6, y: 7 }, reach)).toBe(points[2]);
    expect(nearestWithin(points, { x: 0, y: 5 }, reach)).toBeNull();
    expect(nearestWithin([], { x: 0, y: 0 }, reach)).toBeNull();
  });

  it('prefers the later of two points at the same spot: it is drawn over the other', () => {
    const points = [
      { x: 1, y: 1, r: 2 },
      { x: 1, y: 1, r: 2 },
    ];
    expect(nearestWithin(points, { x: 1, y: 1.5 }, reach)).toBe(points[1]);
  });

  it('agrees with a search over every point', () => {
    const spot = fc.record({ x: fc.double({ min: -50, max: 50, noNaN: true }), y: fc.double({ min: -50, max: 50, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.integer({ min: -50, max: 50 }), y: fc.integer({ min: -50, max: 50 }), r: fc.integer({ min: 1, max: 8 }) })), spot, (points, at) => {
        const found = nearestWithin(points, at, reach);
        const within = points.filter((p) => Math.hypot(p.x - at.x, p.y - at.y) <= p.r);
        if (within.length === 0) expect(found).toBeNull();
        else close(Math.hypot(found!.x - at.x, found!.y - at.y), Math.min(...within.map((p) => Math.hypot(p.x - at.x, p.y - at.y))), 1e-9);
      }),
    );
  });
});

describe('replicaVnodes', () => {
  const nodes = ['node-1', 'node-2', 'node-3', 'node-4'].map((id) => ({ id, vnodes: 16 }));
  const ring = buildRing(nodes);
  const layout = layoutOf(snapshotVnodes(nodes));

  it('starts at the owner vnode and finds each further node of the core preference list clockwise', () => {
    fc.assert(
      fc.property(position, (p) => {
        const primary = layout.vnodes[ownerIndex(layout, p)];
        const preference = preferenceListAt(ring, p);
        const found = replicaVnodes(layout, p, preference);
        expect(found[0]).toEqual(primary);
        expect(found.map((v) => v?.node)).toEqual([...preference]);
        let last = 0;
        for (const vnode of found) {
          expect(vnode).not.toBeNull();
          const distance = clockwiseDistance(primary.position, vnode!.position);
          expect(distance).toBeGreaterThanOrEqual(last);
          last = distance;
        }
      }),
    );
  });

  it('answers null for a node that is not on the ring', () => {
    expect(replicaVnodes(layout, 5, ['node-9'])).toEqual([null]);
    expect(replicaVnodes(layoutOf([]), 5, ['node-1'])).toEqual([null]);
  });
});

describe('travelAngles', () => {
  it('runs from the old owner to the new one, both reached clockwise from the key', () => {
    fc.assert(
      fc.property(position, position, position, (p, from, to) => {
        const path = travelAngles(p, from, to);
        expect(path.from).toBeGreaterThanOrEqual(angleOf(p));
        expect(path.to).toBeGreaterThanOrEqual(angleOf(p));
        expect(path.from - angleOf(p)).toBeLessThan(TAU);
        close(((path.from % TAU) + TAU) % TAU, angleOf(from), 1e-6);
        close(((path.to % TAU) + TAU) % TAU, angleOf(to), 1e-6);
      }),
    );
  });

  it('moves a key backwards onto a new vnode that lands between it and its old owner', () => {
    const path = travelAngles(RING_SIZE - 10, 20, RING_SIZE - 5);
    expect(path.to).toBeLessThan(path.from);
    expect(path.from - path.to).toBeLessThan(0.001);
  });
});

describe('densityBars', () => {
  it('gives one bar per bin, the fullest bin the longest, and covers the circle', () => {
    const bars = densityBars([0, 5, 10, 5], 240, 80);
    expect(bars.map((b) => b.outer - b.inner)).toEqual([0, 40, 80, 40]);
    close(bars[3].endAngle, TAU);
    expect(densityBars([0, 0], 240, 80).every((b) => b.inner === 240)).toBe(true);
  });
});

describe('keyTravels', () => {
  const three = ['node-1', 'node-2', 'node-3'].map((id) => ({ id, vnodes: 160 }));
  const four = [...three, { id: 'node-4', vnodes: 160 }];
  const keys = Array.from({ length: 500 }, (_, i) => `key:${i}`);
  const placed = (nodes: { id: string; vnodes: number }[]) => {
    const ring = buildRing(nodes);
    return { vnodes: snapshotVnodes(nodes), keys: keys.map((key) => ({ key, position: keyPosition(key), preference: [...preferenceListAt(ring, keyPosition(key))] })) };
  };

  it('moves exactly the keys whose primary changed, onto the new node when one joins, a short way back', () => {
    const before = placed(three);
    const after = placed(four);
    const travels = keyTravels(before, after);
    const changed = after.keys.filter((k, i) => k.preference[0] !== before.keys[i].preference[0]).map((k) => k.key);
    expect(travels.map((t) => t.key)).toEqual(changed);
    expect(changed.length).toBeGreaterThan(0);
    for (const t of travels) {
      expect(t.toNode).toBe('node-4');
      // The new vnode lies between the key and its old owner: the key goes back, never round the ring.
      expect(t.to).toBeLessThanOrEqual(t.from);
      expect(t.from - t.to).toBeLessThan(TAU / 8);
    }
  });

  it('moves the keys of a node that leaves forwards onto the next owners, and honours a limit', () => {
    const travels = keyTravels(placed(four), placed(three));
    expect(travels.every((t) => t.fromNode === 'node-4' && t.to >= t.from)).toBe(true);
    expect(keyTravels(placed(four), placed(three), 3)).toHaveLength(3);
    expect(keyTravels(placed(three), placed(three))).toEqual([]);
  });

  it('finds the same travels whatever the keys added, removed or reordered between the snapshots', () => {
    const before = placed(three);
    const after = placed(four);
    const expected = keyTravels(before, after);
    // Every third key gone before, every fifth gone after, and the lists in different orders.
    const thinned = { ...before, keys: before.keys.filter((_, i) => i % 3 !== 0).reverse() };
    const reordered = { ...after, keys: after.keys.filter((_, i) => i % 5 !== 0).sort((a, b) => a.position - b.position) };
    const seen = new Set(thinned.keys.map((k) => k.key));
    const found = keyTravels(thinned, reordered);
    expect(found.map((t) => t.key).sort()).toEqual(
      expected
        .filter((t) => seen.has(t.key) && reordered.keys.some((k) => k.key === t.key))
        .map((t) => t.key)
        .sort(),
    );
    expect(found.length).toBeGreaterThan(0);
  });
});

describe('spreadAngles', () => {
  it('keeps labels in clockwise order and at least the gap apart, moving none backwards', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: TAU, noNaN: true, maxExcluded: true }), { maxLength: 6 }), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (angles, gap) => {
        const spread = spreadAngles(angles, gap);
        expect(spread).toHaveLength(angles.length);
        for (let i = 1; i < spread.length; i++) expect(spread[i] - spread[i - 1]).toBeGreaterThanOrEqual(gap - 1e-12);
        spread.forEach((a, i) => expect(a).toBeGreaterThanOrEqual(angles[i]));
      }),
    );
  });

  it('leaves labels that are far enough apart where they are, and follows a run past the top', () => {
    expect(spreadAngles([0.1, 1, 2], 0.2)).toEqual([0.1, 1, 2]);
    spreadAngles([0.1, 0.11, 0.12], 0.2).forEach((a, i) => expect(a).toBeCloseTo([0.1, 0.3, 0.5][i], 12));
    const wrapped = spreadAngles([TAU - 0.05, 0.01], 0.2);
    expect(wrapped[1]).toBeCloseTo(TAU - 0.05 + 0.2);
  });
});

describe('nodeColors', () => {
  it('gives each node the same colour whatever order the ids come in, distinct and never the alert red', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `node-${i + 1}`);
    const a = nodeColors(ids);
    const b = nodeColors([...ids].reverse());
    expect(ids.map(a)).toEqual(ids.map(b));
    expect(new Set(ids.map(a)).size).toBe(10);
    expect(ids.map(a)).not.toContain(ALERT_COLOR);
    expect(nodeColors(['x'])('unknown')).toBe('#9ca3af');
  });

  it('keeps every node its colour when the next node (node-11 after node-10) joins', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `node-${i + 1}`);
    const before = nodeColors(ids);
    const after = nodeColors([...ids, 'node-11']);
    expect(ids.map(after)).toEqual(ids.map(before));
    expect(ids.map(before)).not.toContain(after('node-11'));
  });
});
