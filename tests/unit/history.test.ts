// The history check must catch every anomaly it claims to: lost, stale, resurrected, phantom values and bad reads.
import { describe, expect, it } from 'vitest';
import { checkHistory, checkLastWriteByVersion, isClean, type Op, type VersionedWrite, type WriteOutcome } from '@/lib/drill/history';
import { hash } from '@/lib/hash';
import { encodeVersion } from '@/lib/version';

let clock = 0;
const put = (key: string, value: string, outcome: WriteOutcome = 'ok'): Op => ({ kind: 'put', key, value, outcome, start: clock++, end: clock++ });
const del = (key: string, outcome: WriteOutcome = 'ok'): Op => ({ kind: 'delete', key, outcome, start: clock++, end: clock++ });
const get = (key: string, value: string | null, outcome: 'ok' | 'failed' = 'ok'): Op => ({ kind: 'get', key, value, outcome, start: clock++, end: clock++ });
const final = (entries: Record<string, string | null>) => new Map(Object.entries(entries));

describe('checkHistory', () => {
  it('passes a history whose end state is its last acknowledged write', () => {
    const report = checkHistory([put('a', '1'), put('a', '2'), get('a', '2'), put('b', '1'), del('b'), get('b', null)], final({ a: '2', b: null }));
    expect(isClean(report)).toBe(true);
    expect(report).toMatchObject({ operations: 6, acknowledged: 4, unknown: 0 });
  });

  it('finds an acknowledged value that is gone', () => {
    expect(checkHistory([put('a', '1')], final({ a: null })).lost).toEqual(['a']);
  });

  it('finds an older value in place of the last acknowledged one', () => {
    expect(checkHistory([put('a', '1'), put('a', '2')], final({ a: '1' })).stale).toEqual(['a']);
  });

  it('finds a value back after an acknowledged delete', () => {
    expect(checkHistory([put('a', '1'), del('a')], final({ a: '1' })).stale).toEqual(['a']);
  });

  it('finds values and keys nothing ever wrote', () => {
    const report = checkHistory([put('a', '1')], final({ a: 'x', ghost: 'boo' }));
    expect(report.phantom.sort()).toEqual(['a', 'ghost']);
  });

  it('allows either outcome of a write whose result is unknown, but not one before the last acknowledged write', () => {
    const ops = [put('a', '1'), put('a', '2', 'unknown'), del('a', 'unknown')];
    for (const end of ['1', '2', null]) expect(isClean(checkHistory(ops, final({ a: end })))).toBe(true);
    // An unknown write that was followed by an acknowledged one must not win in the end.
    expect(checkHistory([put('a', '1', 'unknown'), put('a', '2')], final({ a: '1' })).stale).toEqual(['a']);
  });

  it('lets reads see either outcome of an unknown write, in any order, until the next acknowledged one', () => {
    const flip = checkHistory([put('a', '1'), put('a', '2', 'unknown'), get('a', '2'), get('a', '1'), get('a', '2')], final({ a: '1' }));
    expect(isClean(flip)).toBe(true);
    // The next acknowledged write decides: after it, neither may come back.
    expect(checkHistory([put('a', '1'), put('a', '2', 'unknown'), put('a', '3'), get('a', '2')], final({ a: '3' })).staleReads).toBe(1);
  });

  it('never lets a refused write count', () => {
    expect(checkHistory([put('a', '1'), put('a', '2', 'refused')], final({ a: '2' })).phantom).toEqual(['a']);
    expect(checkHistory([put('a', '1'), del('a', 'refused')], final({ a: null })).lost).toEqual(['a']);
  });

  it('judges each read against the writes before it', () => {
    const report = checkHistory([put('a', '1'), get('a', null), put('a', '2'), get('a', '1'), get('a', '2'), get('a', null, 'failed'), del('a'), get('a', null, 'failed')], final({ a: null }));
    expect(report).toMatchObject({ missedReads: 1, staleReads: 1, failedReads: 2, failedReadsOfLiveKeys: 1 });
    expect(isClean(report)).toBe(false);
  });

  it('names the key of each anomaly with its operations since the acknowledged write before the last', () => {
    const ops = [put('a', '1'), put('a', '2'), put('b', '1'), put('a', '3', 'unknown'), get('a', '3'), put('a', '4'), get('a', '2')];
    const report = checkHistory(ops, final({ a: '4', b: '1' }));
    expect(report.staleReads).toBe(1);
    expect(report.anomalies).toEqual([{ kind: 'stale-read', key: 'a', seen: '2', allowed: { values: ['4'], absent: false }, history: [ops[1], ops[3], ops[4], ops[5], ops[6]], omitted: 0 }]);
    const lost = checkHistory([put('c', '1', 'ok'), put('c', '2', 'unknown')], final({ c: null }));
    expect(lost.anomalies).toMatchObject([{ kind: 'lost', key: 'c', seen: null, allowed: { values: ['1', '2'], absent: false } }]);
    expect(checkHistory([], final({ ghost: 'boo' })).anomalies).toMatchObject([{ kind: 'phantom', key: 'ghost', seen: 'boo', history: [] }]);
  });

  it('keeps the head and the tail of a long history before an anomaly, saying how much is left out', () => {
    const reads = Array.from({ length: 100 }, () => get('a', '1'));
    const ops = [put('a', '1'), ...reads, put('a', '2'), get('a', '1')];
    const [anomaly] = checkHistory(ops, final({ a: '2' })).anomalies;
    expect(anomaly.omitted).toBe(ops.length - 60);
    expect(anomaly.history).toHaveLength(60);
    expect(anomaly.history[0]).toBe(ops[0]);
    expect(anomaly.history.at(-1)).toBe(ops.at(-1));
  });

  it('allows a key never acknowledged to be absent or hold an unknown write', () => {
    expect(isClean(checkHistory([put('a', '1', 'unknown')], final({ a: null })))).toBe(true);
    expect(isClean(checkHistory([put('a', '1', 'unknown')], final({ a: '1' })))).toBe(true);
  });
});

describe('checkLastWriteByVersion', () => {
  const v = (wall: number, counter = 0, writer = 'a') => encodeVersion({ wall, counter, writer });
  const w = (key: string, value: string | null, version: string | undefined, outcome: WriteOutcome = 'ok'): VersionedWrite =>
    value === null ? { kind: 'delete', key, version, outcome } : { kind: 'put', key, value, version, outcome };

  it('accepts the write with the highest version, whatever order the writes were made in', () => {
    const writes = [w('k', 'second', v(20, 0, 'b')), w('k', 'first', v(10)), w('d', 'x', v(1)), w('d', null, v(2, 0, 'b'))];
    expect(checkLastWriteByVersion(writes, final({ k: 'second', d: null }))).toEqual({ keys: 2, stale: [], phantom: [] });
  });

  it('finds a key holding an older write, or absent when its newest write is a put, or holding a value never written', () => {
    const writes = [w('k', 'old', v(1)), w('k', 'new', v(2)), w('j', 'only', v(1)), w('p', 'p', v(1))];
    expect(checkLastWriteByVersion(writes, final({ k: 'old', j: null, p: 'never', q: 'stray' }))).toEqual({ keys: 3, stale: ['k', 'j'], phantom: ['p', 'q'] });
  });

  it('orders equal times and counters by the writer as the nodes do, by its hash', () => {
    const [x, y] = ['alpha', 'beta'].sort((a, b) => hash(a) - hash(b));
    const writes = [w('k', 'by x', v(5, 0, x)), w('k', 'by y', v(5, 0, y))];
    expect(checkLastWriteByVersion(writes, final({ k: 'by y' })).stale).toEqual([]);
    expect(checkLastWriteByVersion(writes, final({ k: 'by x' })).stale).toEqual(['k']);
  });

  it('lets an unknown write be the one held, or not', () => {
    const writes = [w('k', 'acked', v(1)), w('k', 'maybe', undefined, 'unknown')];
    expect(checkLastWriteByVersion(writes, final({ k: 'maybe' })).stale).toEqual([]);
    expect(checkLastWriteByVersion(writes, final({ k: 'acked' })).stale).toEqual([]);
  });
});
