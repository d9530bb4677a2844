// A key's listed form (memcached's metadump encoding): hashed and matched in place exactly as the form built whole.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyColumns } from '@/lib/key-columns';
import { keyPosition } from '@/lib/hash';
import { hashListedKey, hashListedRange, isListedForm, listedForm } from '@/lib/listed-key';

// Well-formed text: a lone surrogate is written as U+FFFD, so two keys would share a form.
const key = fc.string({
  unit: fc.oneof(fc.constantFrom('a', 'Z', '9', '-', '.', '_', '~', ':', '%', '{', '}', '/', '+', ' '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
  maxLength: 12,
});

describe('a key as memcached lists it', () => {
  it('escapes what memcached 1.6 escapes (as read from its metadump)', () => {
    // Listed by memcached 1.6.18 for these keys, set with a plain text-protocol client.
    expect(listedForm('a:b')).toBe('a%3Ab');
    expect(listedForm('x-y_z.w~v')).toBe('x-y_z.w~v');
    expect(listedForm('k{t}a')).toBe('k%7Bt%7Da');
    expect(listedForm('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
    expect(listedForm('a%b')).toBe('a%25b');
    expect(listedForm("a+b/c=d!*()'")).toBe('a%2Bb%2Fc%3Dd%21%2A%28%29%27');
  });

  it('hashes and matches a key where it lies in a listing as its form built whole', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const form = listedForm(a);
        const reply = `key=${form} exp=-1\n`;
        expect(decodeURIComponent(form)).toBe(a);
        expect(hashListedKey(a)).toBe(hashListedRange(reply, 4, 4 + form.length));
        expect(isListedForm(reply, 4, 4 + form.length, a)).toBe(true);
        expect(isListedForm(reply, 4, 4 + form.length, b)).toBe(a === b);
      }),
      { numRuns: 500 },
    );
  });

  it('gives a key one number whether it comes as itself or as listed, with its ring position', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 20 }), (keys) => {
        const table = new KeyColumns();
        const numbers = keys.map((k) => table.intern(k));
        const text = keys.map(listedForm).join('\n');
        let at = 0;
        for (const k of keys) {
          const form = listedForm(k);
          expect(table.internRange(text, at, at + form.length, decodeURIComponent)).toBe(numbers[keys.indexOf(k)]);
          at += form.length + 1;
        }
        expect(table.keys).toEqual(keys);
        expect(Array.from(table.positions)).toEqual(keys.map(keyPosition));
      }),
    );
  });
});

describe('a key table kept between listings', () => {
  const table = () => {
    const columns = new KeyColumns();
    for (const k of ['a', 'b', 'c', 'd']) columns.intern(k);
    columns.replaceColumn('n1', { ids: Int32Array.from([0, 2]), exps: Float64Array.from([-1, 9]) });
    columns.replaceColumn('n2', { ids: Int32Array.from([2, 3]), exps: Float64Array.from([-1, -1]) });
    return columns;
  };

  it('gives a view of some columns holding only their keys, renumbered, and leaves the table as it was', () => {
    const columns = table();
    const view = KeyColumns.view(columns, [['n1', columns.column('n1')!]]);
    expect(view.keys).toEqual(['a', 'c']);
    expect(view.entries('n1')).toEqual([
      { key: 'a', exp: -1 },
      { key: 'c', exp: 9 },
    ]);
    expect(Array.from(view.positions)).toEqual(['a', 'c'].map(keyPosition));
    expect(() => view.intern('z')).toThrow(/sealed/);
    expect(columns.keys).toEqual(['a', 'b', 'c', 'd']);
    expect(columns.intern('d')).toBe(3);
  });

  it('compacts away keys no column holds, keeping every view made before it whole', () => {
    const columns = table();
    const before = KeyColumns.view(columns, [
      ['n1', columns.column('n1')!],
      ['n2', columns.column('n2')!],
    ]);
    expect(columns.unheld()).toBe(1);
    columns.compact();
    expect(columns.keys).toEqual(['a', 'c', 'd']);
    expect(columns.entries('n2')).toEqual([
      { key: 'c', exp: -1 },
      { key: 'd', exp: -1 },
    ]);
    expect(columns.intern('d')).toBe(2);
    expect(columns.intern('b')).toBe(3);
    expect(before.entries('n2')).toEqual([
      { key: 'c', exp: -1 },
      { key: 'd', exp: -1 },
    ]);
  });
});
