// Properties of the hybrid logical clock: monotonic per writer, a total order, ties by writer, clocks going backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, decodeVersion, encodeVersion, HybridClock, receive, tick, type WriteVersion } from '@/lib/version';

const RUNS = { numRuns: 200 };
const writer = fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/);
const wall = fc.integer({ min: 0, max: 2 ** 45 });
const version = fc.record({ wall, counter: fc.integer({ min: 0, max: 0xffffffff }), writer });
/** A clock that jumps forwards and backwards, stalls, and sometimes reads garbage. */
const readings = fc.array(fc.oneof(wall, fc.constant(0), fc.constant(-5), fc.constant(Number.NaN)), { minLength: 1, maxLength: 60 });

function clockOf(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('hybrid logical clock', () => {
  it('never hands out a version twice or out of order, whatever the physical clock does', () => {
    fc.assert(
      fc.property(writer, readings, (id, values) => {
        const clock = new HybridClock(id, clockOf(values));
        let previous = clock.now();
        for (let n = 0; n < values.length * 2; n++) {
          const next = clock.now();
          expect(compareVersions(previous, next)).toBe(-1);
          previous = next;
        }
      }),
      RUNS,
    );
  });

  it('orders a version after anything it received, and stays monotonic across receives', () => {
    fc.assert(
      fc.property(writer, readings, fc.array(version, { minLength: 1, maxLength: 20 }), (id, values, remotes) => {
        const clock = new HybridClock(id, clockOf(values));
        let previous = clock.now();
        for (const remote of remotes) {
          const merged = clock.receive(remote);
          expect(compareVersions(previous, merged)).toBe(-1);
          expect(merged.wall > remote.wall || (merged.wall === remote.wall && merged.counter > remote.counter)).toBe(true);
          const next = clock.now();
          expect(compareVersions(merged, next)).toBe(-1);
          previous = next;
        }
      }),
      RUNS,
    );
  });

  it('is a total order: antisymmetric, transitive, equal only for the same version', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
        expect(compareVersions(a, b) === 0).toBe(a.wall === b.wall && a.counter === b.counter && a.writer === b.writer);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('breaks a tie of wall time and counter by the writer id', () => {
    expect(compareVersions({ wall: 5, counter: 1, writer: 'a' }, { wall: 5, counter: 1, writer: 'b' })).toBe(-1);
    expect(compareVersions({ wall: 5, counter: 1, writer: 'b' }, { wall: 5, counter: 0, writer: 'z' })).toBe(1);
    // Two writers reading the same millisecond still produce distinct, ordered versions.
    const a = tick(null, 1000, 'node-a');
    const b = tick(null, 1000, 'node-b');
    expect(compareVersions(a, b)).toBe(-1);
  });

  it('encodes to strings that sort like the versions, and decodes back', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const [ea, eb] = [encodeVersion(a), encodeVersion(b)];
        expect(decodeVersion(ea)).toEqual(a);
        const byString = ea < eb ? -1 : ea > eb ? 1 : 0;
        expect(byString).toBe(compareVersions(a, b));
        // etcd compares keys as bytes: the same order.
        expect(Math.sign(Buffer.compare(Buffer.from(ea), Buffer.from(eb)))).toBe(compareVersions(a, b));
      }),
      RUNS,
    );
  });

  it('refuses text that is not a version, and writer ids that would not sort as bytes', () => {
    for (const text of ['', 'x', '00000000000a.00000000', '00000000000a.00000000.', '00000000000A.00000000.w', '00000000000a.00000000.caf\u00e9']) expect(decodeVersion(text)).toBeNull();
    expect(() => new HybridClock('has space', () => 0)).toThrow(/writer id/);
    expect(() => new HybridClock('', () => 0)).toThrow(/writer id/);
  });

  it('keeps time after a clock goes backwards: the wall time stays, the counter climbs', () => {
    const values = [10_000, 10_005, 9_000, 9_000, 10_006];
    const clock = new HybridClock('w', clockOf(values));
    const seen: WriteVersion[] = values.map(() => clock.now());
    expect(seen.map((v) => [v.wall, v.counter])).toEqual([
      [10_000, 0],
      [10_005, 0],
      [10_005, 1],
      [10_005, 2],
      [10_006, 0],
    ]);
    expect(receive(seen[4], { wall: 20_000, counter: 7, writer: 'x' }, 10_007, 'w')).toEqual({ wall: 20_000, counter: 8, writer: 'w' });
  });

  it('moves to the next millisecond rather than overflow the counter', () => {
    const full = { wall: 7, counter: 0xffffffff, writer: 'w' };
    const next = tick(full, 7, 'w');
    expect(next).toEqual({ wall: 8, counter: 0, writer: 'w' });
    expect(encodeVersion(next) > encodeVersion(full)).toBe(true);
  });
});

describe('HybridClock.observe', () => {
  it('moves past a version read from a node, but not past one further ahead than it allows', () => {
    let now = 1_000;
    const clock = new HybridClock('me', () => now);
    clock.observe(5_000, 7);
    expect(clock.now()).toEqual({ wall: 5_000, counter: 9, writer: 'me' });
    clock.observe(now + 10 * 60_000, 0);
    now = 1_001;
    expect(clock.now()).toEqual({ wall: 5_000, counter: 10, writer: 'me' });
  });
});
