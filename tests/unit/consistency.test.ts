// The consistency levels' arithmetic: replicas needed, quorums during a move, the newest of several answers.
import { describe, expect, it } from 'vitest';
import { describeItemVersion, describeNeed, isLevel, meets, needed, newestOf, olderThan, type ReplicaRead } from '@/lib/consistency';
import { encodeVersion } from '@/lib/version';

const v = (wall: number, counter = 0, writerHash = 7) => ({ wall, counter, writerHash });
const read = (node: string, held: ReplicaRead['held'], version: ReplicaRead['version'] = null): ReplicaRead => ({ node, held, version });

describe('levels', () => {
  it('need one, a strict majority, or every replica', () => {
    expect([1, 2, 3, 4, 5].map((n) => [needed('one', n), needed('majority', n), needed('all', n)])).toEqual([
      [1, 1, 1],
      [1, 2, 2],
      [1, 2, 3],
      [1, 3, 4],
      [1, 3, 5],
    ]);
    expect(needed('majority', 0)).toBe(0);
    expect(['one', 'majority', 'all', 'quorum', '', 3, null].map(isLevel)).toEqual([true, true, true, false, false, false, false]);
  });

  it('R + W > N: any majority of a list meets any other majority of it', () => {
    const list = ['a', 'b', 'c'];
    const majorities = [
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ];
    for (const w of majorities) for (const r of majorities) expect(w.some((node) => r.includes(node))).toBe(true);
    for (const m of majorities) expect(meets('majority', new Set(m), { current: list, next: null })).toBe(true);
    expect(meets('majority', new Set(['a']), { current: list, next: null })).toBe(false);
    expect(meets('all', new Set(['a', 'b']), { current: list, next: null })).toBe(false);
    expect(meets('one', new Set(['z']), { current: list, next: null })).toBe(true);
  });

  it('during a move, majority and all must hold on the new list and on the old one', () => {
    const lists = { current: ['a', 'b', 'c'], next: ['d', 'a', 'b'] };
    expect(meets('majority', new Set(['a', 'b']), lists)).toBe(true);
    // A majority of the new list alone (d, a) is a minority of the old one.
    expect(meets('majority', new Set(['d', 'a']), lists)).toBe(false);
    expect(meets('majority', new Set(['d', 'a', 'c']), lists)).toBe(true);
    expect(meets('all', new Set(['a', 'b', 'd']), lists)).toBe(false);
    expect(meets('all', new Set(['a', 'b', 'c', 'd']), lists)).toBe(true);
    expect(describeNeed('majority', lists)).toBe('2 of 3 replicas of the new list and 2 of 3 of the old one (majority, during a move)');
    expect(describeNeed('all', { current: ['a', 'b'], next: null })).toBe('2 of 2 replicas (all)');
  });
});

describe('the newest answer', () => {
  it('is the highest version; a tombstone wins over an older value; absent and unversioned lose to any write', () => {
    expect(newestOf([read('a', 'value', v(1)), read('b', 'value', v(2)), read('c', 'absent')])?.node).toBe('b');
    expect(newestOf([read('a', 'value', v(5)), read('b', 'tombstone', v(5, 1))])?.held).toBe('tombstone');
    expect(newestOf([read('a', 'tombstone', v(4)), read('b', 'value', v(5))])?.held).toBe('value');
    expect(newestOf([read('a', 'unversioned'), read('b', 'value', v(1))])?.node).toBe('b');
    expect(newestOf([read('a', 'absent'), read('b', 'absent')])).toBeNull();
    // Equal versions are the same write: the first answer (in list order) serves it.
    expect(newestOf([read('a', 'value', v(3)), read('b', 'value', v(3))])?.node).toBe('a');
  });

  it('leaves older and absent copies to be repaired, not equal ones', () => {
    const reads = [read('a', 'value', v(3)), read('b', 'value', v(2)), read('c', 'absent'), read('d', 'value', v(3))];
    expect(olderThan(reads, newestOf(reads)!).map((r) => r.node)).toEqual(['b', 'c']);
  });

  it('shows a version with the same wall and counter as the write it came from', () => {
    const written = encodeVersion({ wall: 1_704_067_200_000, counter: 2, writer: 'host:1' });
    expect(describeItemVersion(v(1_704_067_200_000, 2, 0xabc))).toBe(`${written.slice(0, 21)}.#00000abc`);
    expect(describeItemVersion(null)).toBeNull();
  });
});
