// KeyColumns, the listings as one key table and per-node typed arrays, against the lists of entries they stand for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsOf, isColumns, KeyColumns, keysOf, recordOf } from '@/lib/key-columns';

const nodes = ['a', 'b', 'c', 'd'];
const listing = fc.dictionary(
  fc.constantFrom(...nodes),
  fc.uniqueArray(fc.record({ key: fc.constantFrom('k1', 'k2', 'k3', '{t}y', 'ключ', ''), exp: fc.constantFrom(-1, 100, 1.8e9, 5e9) }), { selector: (e) => e.key, maxLength: 6 }),
);

describe('KeyColumns', () => {
  it('gives back every node listing, entry for entry, with each key stored once', () => {
    fc.assert(
      fc.property(listing, (input) => {
        const columns = KeyColumns.of(input);
        expect(recordOf(columns)).toEqual(input);
        expect(columns.nodes).toEqual(Object.keys(input));
        expect(columns.items).toBe(Object.values(input).reduce((n, list) => n + list.length, 0));
        expect(new Set(columns.keys).size).toBe(columns.keys.length);
        expect(keysOf(columns)).toEqual(keysOf(input));
        // Every node's numbers point at its own keys, in its order.
        for (const node of columns.nodes) expect(Array.from(columns.column(node)!.ids, (k) => columns.keys[k])).toEqual(input[node].map((e) => e.key));
      }),
      { numRuns: 200 },
    );
  });

  it('numbers a key listed on several nodes once, and knows no node it was not given', () => {
    const columns = KeyColumns.of({
      a: [{ key: 'x', exp: -1 }],
      b: [
        { key: 'x', exp: 5 },
        { key: 'y', exp: -1 },
      ],
    });
    expect(columns.keys).toEqual(['x', 'y']);
    expect(Array.from(columns.column('b')!.ids)).toEqual([0, 1]);
    expect(Array.from(columns.column('b')!.exps)).toEqual([5, -1]);
    expect(columns.column('c')).toBeUndefined();
    expect(columns.entries('c')).toEqual([]);
  });

  it('drops on sealing the keys no node holds, renumbering the others', () => {
    const columns = new KeyColumns();
    for (const key of ['gone', 'x', 'tombstone', 'y']) columns.intern(key);
    columns.addColumn('a', { ids: Int32Array.from([3, 1]), exps: Float64Array.from([-1, 7]) });
    columns.seal();
    expect(columns.keys).toEqual(['x', 'y']);
    expect(columns.entries('a')).toEqual([
      { key: 'y', exp: -1 },
      { key: 'x', exp: 7 },
    ]);
  });

  it('numbers many keys through the table growing, each once', () => {
    const columns = new KeyColumns();
    const keys = Array.from({ length: 20_000 }, (_, i) => `key:${i}`);
    expect(keys.map((key) => columns.intern(key))).toEqual(keys.map((_, i) => i));
    expect(keys.map((key) => columns.intern(`${key}`))).toEqual(keys.map((_, i) => i));
  });

  it('refuses a node listed twice, and new keys once sealed', () => {
    const columns = KeyColumns.of({ a: [{ key: 'x', exp: -1 }] });
    expect(() => columns.setNode('a', [])).toThrow(/listed already/);
    columns.seal();
    expect(() => columns.setNode('b', [{ key: 'z', exp: -1 }])).toThrow(/sealed/);
    expect(columnsOf(columns)).toBe(columns);
  });

  it('knows columns made by another copy of the module (a server build bundles it more than once), and a record for what it is', async () => {
    const columns = KeyColumns.of({ a: [{ key: 'x', exp: -1 }] });
    // A copy's columns carry the same brand on another class: what instanceof cannot see.
    const fromAnotherCopy = Object.setPrototypeOf(Object.assign({}, columns), { constructor: class Copy {} }) as KeyColumns;
    expect(fromAnotherCopy instanceof KeyColumns).toBe(false);
    expect(isColumns(fromAnotherCopy)).toBe(true);
    expect(isColumns(columns)).toBe(true);
    expect(isColumns({ a: [{ key: 'x', exp: -1 }] })).toBe(false);
  });
});
