// Reading memcached's key listing: keys percent-decoded, expiries absolute, expired and reserved items left out, sizes matched for tombstones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyColumns } from '@/lib/key-columns';
import { parseMetadump, reservedSizes, scanMetadump, scanMetadumpInto } from '@/lib/memcached/metadump';
import { PROBE_KEYS, TombstoneIndex } from '@/lib/memcached/tombstones';

describe('parseMetadump', () => {
  it('reads every field it needs, whatever follows the key', () => {
    const reply = [
      'key=user%3A%7B42%7D%3Acart exp=-1 la=1700000000 cas=7 fetch=no cls=1 size=68',
      'key=%D0%BA%D0%BB%D1%8E%D1%87 exp=2000000100 la=1700000000 cas=8 fetch=yes cls=1 size=70',
      'key=old exp=1999999999 la=1 cas=9 fetch=no cls=1 size=60',
      'key=plain exp=-1 la=1 cas=10 fetch=no cls=1 size=61',
      'END',
      '',
    ].join('\r\n');
    expect(parseMetadump(reply, 2_000_000_000)).toEqual([
      { key: 'user:{42}:cart', exp: -1 },
      { key: 'ключ', exp: 2000000100 },
      { key: 'plain', exp: -1 },
    ]);
  });

  it('takes LF line ends, a key alone on its line, and a stray percent sign', () => {
    expect(parseMetadump('key=a%ZZ exp=-1 size=5\nkey=lonely\nEND\n', 0)).toEqual([
      { key: 'a%ZZ', exp: -1 },
      { key: 'lonely', exp: -1 },
    ]);
  });

  it('never lists reserved keys, and reads their sizes apart', () => {
    const reply =
      'key=%01ringside%3Aprobe exp=-1 la=1 cas=1 fetch=no cls=1 size=94\r\nkey=a exp=-1 size=60\r\nkey=%01ringside%3Aprobe%3Acalibration exp=-1 la=1 cas=2 fetch=no cls=1 size=106\r\nEND\r\n';
    expect(parseMetadump(reply, 0)).toEqual([{ key: 'a', exp: -1 }]);
    expect(reservedSizes(reply, PROBE_KEYS)).toEqual([
      { key: PROBE_KEYS[0], keyBytes: 15, size: 94 },
      { key: PROBE_KEYS[1], keyBytes: 27, size: 106 },
    ]);
  });

  it('picks as candidates the items whose size matches, counting escaped key bytes once', () => {
    const reply = ['key=ab exp=-1 cas=5 size=82', 'key=abc exp=-1 cas=6 size=82', 'key=%C3%BC exp=-1 cas=7 size=82', 'key=%25 exp=-1 cas=8 size=81', 'END', ''].join('\r\n');
    const { items, candidates } = scanMetadump(reply, 0, (keyBytes, size) => size - keyBytes === 80);
    expect(items.map((i) => i.key)).toEqual(['ab', 'abc', 'ü', '%']);
    expect(candidates).toEqual([
      { key: 'ab', exp: -1, cas: BigInt(5) },
      { key: 'ü', exp: -1, cas: BigInt(7) },
      { key: '%', exp: -1, cas: BigInt(8) },
    ]);
  });
});

describe('scanMetadumpInto', () => {
  const encoded = ['a', 'ab', '%25', '%C3%BC', 'user%3A%7B42%7D%3Acart', 'a-key-longer-than-thirteen', 'a-key-longer-than-thirteem', '%01ringside%3Aprobe', ''];
  // Fields as memcached writes them, and a few it does not, read as Number reads them.
  const line = fc.record({ key: fc.constantFrom(...encoded), exp: fc.constantFrom('-1', '5', '20', '1e3', '', '-', '7x'), size: fc.constantFrom('60', '82', '8.2e1', ''), cas: fc.nat(99) });
  const replyOf = (lines: { key: string; exp: string; size: string; cas: number }[], end: string) =>
    lines.map((l) => `key=${l.key} exp=${l.exp} la=1 cas=${l.cas} fetch=no cls=1 size=${l.size}`).join(end) + `${end}END${end}`;

  it('lists what scanMetadump lists, each key numbered once across the replies of several nodes', () => {
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\r\n'), (nodes, end) => {
        const table = new KeyColumns();
        const isCandidate = (keyBytes: number, size: number) => size - keyBytes === 80;
        nodes.forEach((lines, n) => {
          const reply = replyOf(lines, end);
          const expected = scanMetadump(reply, 10, isCandidate);
          const { column, candidates } = scanMetadumpInto(reply, 10, table, isCandidate);
          expect(Array.from(column.ids, (k, i) => ({ key: table.keys[k], exp: column.exps[i] }))).toEqual(expected.items);
          expect(candidates).toEqual(expected.candidates);
          table.addColumn(`node-${n}`, column);
        });
        expect(new Set(table.keys).size).toBe(table.keys.length);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps each item's CAS in the column: 0 where the line has none, or one too large to read exactly", () => {
    const reply = 'key=a exp=-1 la=1 cas=4503599627370495 size=5\nkey=b exp=-1 la=1 cas=4503599627370496 size=5\nkey=c exp=-1 size=5\nkey=d exp=-1 cas=12 size=5\nEND\n';
    const { column } = scanMetadumpInto(reply, 0, new KeyColumns());
    expect(Array.from(column.cas!)).toEqual([2 ** 52 - 1, 0, 0, 12]);
  });

  it('numbers a key by its text as listed, decoded once, whichever node lists it', () => {
    const table = new KeyColumns();
    const reply = 'key=a-key-longer-than-thirteen exp=-1 size=5\nkey=b%3Ac exp=12 size=5\nEND\n';
    const first = scanMetadumpInto(reply, 0, table).column;
    const second = scanMetadumpInto(reply.split('\n').reverse().join('\n'), 0, table).column;
    expect(table.keys).toEqual(['a-key-longer-than-thirteen', 'b:c']);
    expect(Array.from(first.ids)).toEqual([0, 1]);
    expect(Array.from(second.ids)).toEqual([1, 0]);
    expect(Array.from(second.exps)).toEqual([12, -1]);
  });
});

describe('TombstoneIndex', () => {
  it('calibrates only from both probes agreeing, and forgets everything for another server process', () => {
    const index = new TombstoneIndex();
    index.useInstance('1@100');
    expect(index.isCandidate(3, 150)).toBe(true); // uncalibrated: any small item is read
    index.calibrate([{ keyBytes: 15, size: 95 }]);
    expect(index.calibrated).toBe(false);
    index.calibrate([
      { keyBytes: 15, size: 95 },
      { keyBytes: 27, size: 108 },
    ]);
    expect(index.calibrated).toBe(false);
    index.calibrate([
      { keyBytes: 15, size: 95 },
      { keyBytes: 27, size: 107 },
    ]);
    expect([index.isCandidate(3, 83), index.isCandidate(3, 84), index.isCandidate(3, 150)]).toEqual([true, false, false]);
    index.remember([{ key: 'k', cas: BigInt(4), tombstone: null }]);
    expect(index.lookup({ key: 'k', exp: -1, cas: BigInt(4) })).toBeDefined();
    expect(index.lookup({ key: 'k', exp: -1, cas: BigInt(5) })).toBeUndefined();
    index.useInstance('1@100');
    expect(index.calibrated).toBe(true);
    index.useInstance('2@160');
    expect(index.calibrated).toBe(false);
    expect(index.lookup({ key: 'k', exp: -1, cas: BigInt(4) })).toBeUndefined();
  });
});
