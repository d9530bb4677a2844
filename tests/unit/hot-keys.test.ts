// The hot-key sketch against streams whose true counts are known: the space-saving bounds, alone and merged, and its window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyRequests, mergeAll, mergeSketches, requestWeights, SpaceSaving, type HotOp, type SketchData } from '@/lib/hot-keys';
import { HotWindow, mergeReports } from '@/lib/hot-window';
import { hotViewOf, type HotKey } from '@/lib/hot-view';
import { hotHalos } from '@/lib/hot-geometry';
import { keyMark } from '@/lib/geometry';
import { buildRing, preferenceList } from '@/lib/ring';
import { keyPosition } from '@/lib/hash';
import { seededRandom as random } from '@/lib/random';

/** `n` requests over `keys` keys with Zipf(s) popularity: key rank r drawn with weight 1 / r^s. */
function zipfStream(n: number, keys: number, s: number, seed: number, prefix = 'k'): string[] {
  const weights = Array.from({ length: keys }, (_, r) => 1 / (r + 1) ** s);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const x = next() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return `${prefix}:${lo}`;
  });
}

function truth(stream: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of stream) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function sketchOf(stream: readonly string[], capacity: number, op: (i: number) => HotOp = () => 'get'): SketchData {
  const sketch = new SpaceSaving(capacity);
  stream.forEach((key, i) => sketch.offer(key, op(i)));
  return sketch.data();
}

/** The guarantees of space-saving, checked against the true counts: the assertions every test below makes. */
function expectBounds(sketch: SketchData, counts: Map<string, number>, n: number): void {
  expect(sketch.total).toBe(n);
  expect(sketch.entries.length).toBeLessThanOrEqual(sketch.capacity);
  const listed = new Map(sketch.entries.map((e) => [e.key, e]));
  for (const entry of sketch.entries) {
    const f = counts.get(entry.key) ?? 0;
    expect(entry.count - entry.error, entry.key).toBeLessThanOrEqual(f);
    expect(f, entry.key).toBeLessThanOrEqual(entry.count);
  }
  for (const [key, f] of counts) {
    if (!listed.has(key)) expect(f, key).toBeLessThanOrEqual(sketch.floor);
    if (f > n / sketch.capacity) expect(listed.has(key), `${key} (${f} of ${n}) is listed`).toBe(true);
  }
  expect(sketch.entries.reduce((sum, e) => sum + e.count, 0)).toBeLessThanOrEqual(n);
  expect(sketch.floor).toBeLessThanOrEqual(n / sketch.capacity);
}

describe('space-saving', () => {
  it('reports every key above N/k of a Zipf stream, each count within its error of the truth', () => {
    const stream = zipfStream(200_000, 5_000, 1.1, 1);
    const sketch = sketchOf(stream, 100);
    const counts = truth(stream);
    expectBounds(sketch, counts, stream.length);
    // Alone, a full sketch's counts add up to N exactly (every request raised one counter by one).
    expect(sketch.entries.reduce((sum, e) => sum + e.count, 0)).toBe(stream.length);
    // The very top is exact in rank: the ten hottest keys, in order.
    const hottest = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
    expect(sketch.entries.slice(0, 10).map((e) => e.key)).toEqual(hottest.map(([key]) => key));
  });

  it('is exact while it has a counter for every key', () => {
    const stream = zipfStream(5_000, 40, 1, 2);
    const sketch = sketchOf(stream, 64);
    expect(sketch.floor).toBe(0);
    expect(new Map(sketch.entries.map((e) => [e.key, e.count]))).toEqual(truth(stream));
    expect(sketch.entries.every((e) => e.error === 0)).toBe(true);
  });

  it('counts gets, sets and deletes per key as lower bounds of each', () => {
    const stream = zipfStream(50_000, 2_000, 1.2, 3);
    const ops: HotOp[] = ['get', 'get', 'get', 'set', 'delete'];
    const sketch = sketchOf(stream, 50, (i) => ops[i % ops.length]);
    const perOp = new Map<string, Record<HotOp, number>>();
    stream.forEach((key, i) => {
      const entry = perOp.get(key) ?? perOp.set(key, { get: 0, set: 0, delete: 0 }).get(key)!;
      entry[ops[i % ops.length]]++;
    });
    for (const e of sketch.entries) {
      const real = perOp.get(e.key)!;
      expect(e.gets).toBeLessThanOrEqual(real.get);
      expect(e.sets).toBeLessThanOrEqual(real.set);
      expect(e.deletes).toBeLessThanOrEqual(real.delete);
      // What the counter saw since it was given to the key is its count less the error it inherited.
      expect(e.gets + e.sets + e.deletes).toBe(e.count - e.error);
    }
    const top = sketch.entries[0];
    expect(top.gets / (top.gets + top.sets + top.deletes)).toBeCloseTo(0.6, 1);
  });

  it('keeps the bounds on any stream (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 400 }), fc.integer({ min: 1, max: 12 }), (ranks, capacity) => {
        const stream = ranks.map((r) => `k${r}`);
        expectBounds(sketchOf(stream, capacity), truth(stream), stream.length);
      }),
    );
  });
});

describe('merging sketches', () => {
  it('preserves the bounds over three processes with different mixes', () => {
    // Each process sees its own skew and a key space that only partly overlaps the others'.
    const streams = [zipfStream(80_000, 3_000, 1.2, 10, 'k'), zipfStream(50_000, 3_000, 0.9, 11, 'k'), zipfStream(30_000, 1_000, 1.5, 12, 'other')];
    const sketches = streams.map((s) => sketchOf(s, 100));
    streams.forEach((s, i) => expectBounds(sketches[i], truth(s), s.length));
    const all = streams.flat();
    const merged = mergeAll(sketches, 100);
    expectBounds(merged, truth(all), all.length);
    // Merged in any order, the same keys come out on top.
    const other = mergeSketches(mergeSketches(sketches[2], sketches[0]), sketches[1]);
    expectBounds(other, truth(all), all.length);
    expect(other.entries.slice(0, 10).map((e) => e.key)).toEqual(merged.entries.slice(0, 10).map((e) => e.key));
  });

  it('preserves the bounds for any split of any stream (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 2 })), { maxLength: 400 }), fc.integer({ min: 1, max: 10 }), (requests, capacity) => {
        const parts: string[][] = [[], [], []];
        for (const [rank, part] of requests) parts[part].push(`k${rank}`);
        const merged = mergeAll(
          parts.map((p) => sketchOf(p, capacity)),
          capacity,
        );
        const stream = parts.flat();
        expectBounds(merged, truth(stream), stream.length);
      }),
    );
  });

  it('gives the lab per-key request weights and the share left to the rest', () => {
    const stream = zipfStream(20_000, 500, 1.3, 4);
    const mix = requestWeights(sketchOf(stream, 64), 5);
    const counts = truth(stream);
    expect(mix.keys).toHaveLength(5);
    for (const k of mix.keys) {
      expect(k.weight - k.error).toBeLessThanOrEqual(counts.get(k.key)! / stream.length + 1e-12);
      expect(k.weight).toBeGreaterThanOrEqual(counts.get(k.key)! / stream.length - 1e-12);
      expect(k.mix.get).toBe(1);
    }
    expect(mix.rest).toBeCloseTo(1 - mix.keys.reduce((s, k) => s + k.weight, 0), 12);
    expect(requestWeights({ total: 0, entries: [] })).toEqual({ keys: [], rest: 1 });
    expect(keyRequests(sketchOf(stream, 64), 2)).toEqual(mix.keys.slice(0, 2).map((k) => ({ key: k.key, requests: Math.round(k.weight * stream.length) })));
  });
});

describe('the window', () => {
  it('counts only the last minute, in slots of ten seconds aligned on the clock', () => {
    const window = new HotWindow({ slotMs: 10_000, slots: 6, capacity: 16 });
    const at = 1_700_000_000_000; // a multiple of 10 s
    for (let i = 0; i < 30; i++) window.current(at + 1_000).offer('old', 'get', 'node-1');
    for (let i = 0; i < 5; i++) {
      const slot = window.current(at + 35_000);
      slot.offer('new', 'set', 'node-2');
      slot.serve('node-2');
      slot.serve('node-3');
    }
    const early = window.report('p', at + 40_000);
    expect(early.since).toBe(at);
    expect(early.sketch.entries.map((e) => [e.key, e.count])).toEqual([
      ['old', 30],
      ['new', 5],
    ]);
    expect(early.primary).toEqual({ 'node-1': 30, 'node-2': 5 });
    expect(early.served).toEqual({ 'node-2': 5, 'node-3': 5 });
    expect(early.ops).toEqual({ get: 30, set: 5, delete: 0 });
    // Sixty seconds on, the first slot has left the window: only the later requests count.
    const later = window.report('p', at + 61_000);
    expect(later.since).toBe(at + 30_000);
    expect(later.sketch.entries.map((e) => e.key)).toEqual(['new']);
    expect(window.active(at + 61_000)).toBe(true);
    expect(window.active(at + 96_000)).toBe(false);
    // A slot reused for a later window starts empty.
    window.current(at + 61_000).offer('newest', 'delete', 'node-1');
    expect(window.report('p', at + 62_000).sketch.entries.map((e) => e.key)).toEqual(['new', 'newest']);
  });

  it("merges processes' reports into one view placed on the ring", () => {
    const ring = buildRing(['node-1', 'node-2', 'node-3'].map((id) => ({ id, vnodes: 160 })));
    const at = 1_700_000_000_000;
    const reports = ['a', 'b'].map((writer, p) => {
      const window = new HotWindow();
      for (let i = 0; i < 10 * (p + 1); i++) {
        const slot = window.current(at + p * 10_000);
        slot.offer('shared', 'get', preferenceList(ring, 'shared')[0]);
        for (const node of preferenceList(ring, 'shared')) slot.serve(node);
      }
      window.current(at).offer(`only-${writer}`, 'set', preferenceList(ring, `only-${writer}`)[0]);
      return window.report(writer, at + 15_000);
    });
    const view = hotViewOf(mergeReports(reports), ring, { top: 2, slotMs: 10_000, spanMs: 60_000 });
    expect(view.processes).toEqual(['a', 'b']);
    expect(view.total).toBe(32);
    expect(view.ops).toEqual({ get: 30, set: 2, delete: 0 });
    expect(view.keys.map((k) => [k.key, k.count, k.error])).toEqual([
      ['shared', 30, 0],
      ['only-a', 1, 0],
    ]);
    expect(view.keys[0]).toMatchObject({ share: 30 / 32, position: keyPosition('shared'), primary: preferenceList(ring, 'shared')[0] });
    expect(view.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(view.nodes.reduce((s, n) => s + n.served, 0)).toBe(90);
    expect(view.nodes.reduce((s, n) => s + n.primary, 0)).toBe(32);
    expect(view.window).toMatchObject({ since: at, until: at + 15_000, ms: 15_000 });
  });
});

describe('halos on the ring', () => {
  it("sits on each key's mark, hottest drawn last, with an area in proportion to its share", () => {
    const key = (name: string, share: number): HotKey => ({ key: name, count: share * 100, error: 0, gets: 0, sets: 0, deletes: 0, share, position: keyPosition(name), primary: null });
    const halos = hotHalos([key('a', 0.64), key('b', 0.16), key('c', 0.04)], { inner: 100, outer: 200 }, 0, 50);
    expect(halos.map((h) => h.key)).toEqual(['c', 'b', 'a']);
    const a = halos[2];
    expect({ x: a.x, y: a.y }).toEqual((({ x, y }) => ({ x, y }))(keyMark(keyPosition('a'), 100, 200)));
    expect(a.heat).toBe(1);
    expect(halos[1].heat).toBeCloseTo(0.25, 12);
    // Area: a quarter of the share, a quarter of the area, half the radius.
    expect(halos[1].radius / a.radius).toBeCloseTo(0.5, 12);
    expect(a.radius).toBeCloseTo(50 * 0.8, 12);
    expect(hotHalos([], { inner: 1, outer: 2 }, 1, 2)).toEqual([]);
  });
});
