// The request mix the lab takes from the cluster's hot-key counts: counted keys keep their counts, the rest share what is left.
import { describe, expect, it } from 'vitest';
import { requestMix } from '@/lib/cluster/lab-keys';

const hot = (total: number, keys: [string, number][]) => ({ total, keys: keys.map(([key, count]) => ({ key, count })) as never });

describe('requestMix', () => {
  it('gives counted keys their counts and spreads the rest of the total evenly over the other listed keys', () => {
    const mix = requestMix(
      hot(100, [
        ['a', 50],
        ['b', 30],
      ]),
      ['a', 'b', 'c', 'd'],
    );
    expect(Object.fromEntries(mix!)).toEqual({ a: 50, b: 30, c: 10, d: 10 });
    expect([...mix!.values()].reduce((sum, n) => sum + n, 0)).toBe(100);
  });

  it('ignores counted keys the nodes no longer list, and gives nothing when nothing was requested', () => {
    const mix = requestMix(
      hot(60, [
        ['gone', 40],
        ['a', 20],
      ]),
      ['a', 'b'],
    );
    expect(Object.fromEntries(mix!)).toEqual({ a: 20, b: 0 });
    expect(requestMix(hot(0, []), ['a'])).toBeUndefined();
  });
});
