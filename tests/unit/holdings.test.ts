// Holdings, the flat merge of per-node listings, against a plain Map merge of the same listings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Holdings } from '@/lib/holdings';
import { KeyColumns } from '@/lib/key-columns';

const nodes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const listing = fc
  .array(fc.tuple(fc.constantFrom(...nodes), fc.array(fc.tuple(fc.constantFrom('k1', 'k2', 'k3', 'x', '{t}y', 'ключ'), fc.constantFrom(-1, 100, 200)), { maxLength: 6 })), { maxLength: 8 })
  .map((pairs) => {
    const result: Record<string, { key: string; exp: number }[]> = {};
    for (const [node, entries] of pairs) {
      const seen = new Set((result[node] ?? []).map((e) => e.key));
      result[node] = [...(result[node] ?? []), ...entries.filter(([key]) => !seen.has(key) && seen.add(key)).map(([key, exp]) => ({ key, exp }))];
    }
    return result;
  });

describe('Holdings', () => {
  it('merges listings exactly as a Map of holders would, keys on more than four nodes included', () => {
    fc.assert(
      fc.property(listing, (input) => {
        const naive = new Map<string, { exp: number; holders: string[] }>();
        for (const [node, entries] of Object.entries(input)) {
          for (const { key, exp } of entries) {
            const held = naive.get(key);
            if (!held) naive.set(key, { exp, holders: [node] });
            else {
              held.holders.push(node);
              held.exp = held.exp === -1 || exp === -1 ? -1 : Math.max(held.exp, exp);
            }
          }
        }
        const holdings = new Holdings(input);
        // Built from columns, the same listings give the same holdings.
        const fromColumns = new Holdings(KeyColumns.of(input));
        expect(fromColumns.keys).toEqual(holdings.keys);
        holdings.keys.forEach((_, k) => {
          expect(fromColumns.holders(k)).toEqual(holdings.holders(k));
          expect(fromColumns.exp(k)).toBe(holdings.exp(k));
        });
        expect(holdings.keys).toEqual([...naive.keys()]);
        holdings.keys.forEach((key, k) => {
          const expected = naive.get(key)!;
          expect(holdings.holders(k)).toEqual(expected.holders);
          expect(holdings.count(k)).toBe(expected.holders.length);
          expect(holdings.exp(k)).toBe(expected.exp);
          holdings.nodes.forEach((node, n) => expect(holdings.holds(k, n)).toBe(expected.holders.includes(node)));
        });
      }),
      { numRuns: 300 },
    );
  });
});
