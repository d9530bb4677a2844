// The versioned envelope: exact bytes, round trips, order kept through the bytes, and unversioned items left alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareItemVersions, decodeItem, encodeTombstone, encodeValue, HEADER_BYTES, itemVersion, TOMBSTONE_FLAGS, VALUE_FLAGS, type ItemVersion } from '@/lib/envelope';
import { hash } from '@/lib/hash';

const RUNS = { numRuns: 300 };
const version = fc.record({ wall: fc.integer({ min: 0, max: 2 ** 48 - 1 }), counter: fc.integer({ min: 0, max: 2 ** 32 - 1 }), writerHash: fc.integer({ min: 0, max: 2 ** 32 - 1 }) });
/** Versions that often share a wall or a counter, so ties are exercised. */
const close = fc.record({ wall: fc.integer({ min: 0, max: 3 }), counter: fc.integer({ min: 0, max: 3 }), writerHash: fc.integer({ min: 0, max: 3 }) });
const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

describe('envelope', () => {
  it('lays a value out byte by byte: RS, kind, wall, counter, writer hash, then the user bytes', () => {
    const envelope = encodeValue({ wall: 0x0102030405, counter: 7, writerHash: 0xdeadbeef }, Buffer.from('hi'));
    expect(envelope.flags).toBe(VALUE_FLAGS);
    expect(envelope.flags).toBe(0x52530001);
    expect(envelope.value.toString('hex')).toBe('525301' + '000102030405' + '00000007' + 'deadbeef' + '6869');
    const tombstone = encodeTombstone({ wall: 1, counter: 0, writerHash: 2 });
    expect(tombstone).toEqual({ flags: 0x52530002, value: Buffer.from('525302' + '000000000001' + '00000000' + '00000002', 'hex') });
    expect(tombstone.value.length).toBe(HEADER_BYTES);
  });

  it('hashes the writer id with MurmurHash3', () => {
    expect(itemVersion({ wall: 5, counter: 1, writer: 'ringside-a' })).toEqual({ wall: 5, counter: 1, writerHash: hash('ringside-a') });
  });

  it('round-trips values and tombstones', () => {
    fc.assert(
      fc.property(version, bytes, (v, user) => {
        const { flags, value } = encodeValue(v, user);
        expect(decodeItem(flags, value)).toEqual({ kind: 'value', version: v, bytes: user });
        const tomb = encodeTombstone(v);
        expect(decodeItem(tomb.flags, tomb.value)).toEqual({ kind: 'tombstone', version: v, bytes: Buffer.alloc(0) });
      }),
      RUNS,
    );
  });

  it('keeps the order of versions through the bytes: a total order, ties broken by writer hash', () => {
    fc.assert(
      fc.property(fc.oneof(version, close), fc.oneof(version, close), (a, b) => {
        const decodedA = decodeItem(VALUE_FLAGS, encodeValue(a, Buffer.alloc(0)).value).version;
        const decodedB = decodeItem(TOMBSTONE_FLAGS, encodeTombstone(b).value).version;
        const expected = a.wall !== b.wall ? Math.sign(a.wall - b.wall) : a.counter !== b.counter ? Math.sign(a.counter - b.counter) : Math.sign(a.writerHash - b.writerHash);
        expect(compareItemVersions(decodedA, decodedB)).toBe(expected);
        expect(compareItemVersions(decodedB, decodedA)).toBe(-expected || 0);
      }),
      RUNS,
    );
  });

  it('puts unversioned items before every versioned write, and level with each other', () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(compareItemVersions(null, v)).toBe(-1);
        expect(compareItemVersions(v, null)).toBe(1);
        expect(compareItemVersions(null, null)).toBe(0);
      }),
    );
    expect(compareItemVersions(null, { wall: 0, counter: 0, writerHash: 0 })).toBe(-1);
  });

  it('never parses a value without the marker as an envelope, even one starting with a valid header', () => {
    fc.assert(
      fc.property(version, bytes, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v, user, flags) => {
        fc.pre(flags !== VALUE_FLAGS && flags !== TOMBSTONE_FLAGS);
        const looksVersioned = encodeValue(v, user).value;
        expect(decodeItem(flags, looksVersioned)).toEqual({ kind: 'unversioned', version: null, bytes: looksVersioned });
      }),
      RUNS,
    );
    const rs = Buffer.from('RS plain text that a plain client stored');
    expect(decodeItem(0, rs)).toEqual({ kind: 'unversioned', version: null, bytes: rs });
  });

  it('reads a marked item whose header disagrees with its flags as unversioned, whole', () => {
    const v: ItemVersion = { wall: 9, counter: 9, writerHash: 9 };
    const value = encodeValue(v, Buffer.from('x')).value;
    const tomb = encodeTombstone(v).value;
    for (const [flags, bytes] of [
      [TOMBSTONE_FLAGS, value], // a value's header under the tombstone marker
      [VALUE_FLAGS, tomb], // a tombstone's header under the value marker
      [VALUE_FLAGS, Buffer.from('RS')], // too short for a header
      [TOMBSTONE_FLAGS, Buffer.concat([tomb, Buffer.from('x')])], // a tombstone never carries bytes
      [VALUE_FLAGS, Buffer.concat([Buffer.from('XS'), value.subarray(2)])],
    ] as const) {
      expect(decodeItem(flags, bytes)).toEqual({ kind: 'unversioned', version: null, bytes });
    }
  });

  it('refuses versions its 6-byte wall and 4-byte counter cannot hold', () => {
    expect(() => encodeValue({ wall: 2 ** 48, counter: 0, writerHash: 0 }, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeTombstone({ wall: 0, counter: 2 ** 32, writerHash: 0 })).toThrow(RangeError);
    expect(() => encodeTombstone({ wall: -1, counter: 0, writerHash: 0 })).toThrow(RangeError);
  });
});
