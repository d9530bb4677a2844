// The etcd store's key layout and decoding: every record finds its way back, node ids cannot reach into other keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleState, changesOf } from '@/lib/store/etcd-decode';
import { keyLayout, parseKey, prefixEnd } from '@/lib/store/etcd-keys';

const layout = keyLayout('/ringside/');

describe('etcd keys', () => {
  it('parses back every key it lays out, whatever the node id and key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 }), (node, key) => {
        expect(parseKey(layout, layout.health(node))).toEqual({ kind: 'health', node });
        expect(parseKey(layout, layout.suspect(node, key))).toEqual({ kind: 'suspect', node, key });
        // A node id with a slash stays inside its own segment.
        expect(layout.suspect(node, key).startsWith(layout.suspectsOf(node))).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(parseKey(layout, layout.suspectsOf('a/b')).kind).toBe('suspect');
    expect(layout.suspectsOf('a/b')).toBe('/ringside/suspects/a%2Fb/');
    for (const [key, kind] of [
      [layout.ring, 'ring'],
      [layout.ringVersion, 'ring-version'],
      [layout.journal, 'journal'],
      [layout.changeLock, 'lock'],
      [layout.leader, 'leader'],
      [layout.event('x'), 'event'],
      ['/other/ring', 'unknown'],
      ['/ringside/health/%E0', 'unknown'],
    ])
      expect(parseKey(layout, key).kind).toBe(kind);
  });

  it('ends a prefix range right after the last key that starts with it', () => {
    expect(prefixEnd(Buffer.from('/ringside/')).toString()).toBe('/ringside0');
    expect([...prefixEnd(Buffer.from([0x61, 0xff, 0xff]))]).toEqual([0x62]);
    expect([...prefixEnd(Buffer.from([0xff]))]).toEqual([0]);
  });

  it('assembles the state from a range read, and the changes from watch events', () => {
    const ring = { version: 2, replicas: 3, nodes: [{ id: 'n1', host: 'h', port: 1, vnodes: 8 }], stamp: 's1' };
    const event = { type: 'node-removed', node: 'n2', at: 5, stamp: 's3' };
    const state = assembleState(layout, [
      { key: layout.event('a'), value: JSON.stringify(event) },
      { key: layout.health('n1'), value: JSON.stringify({ down: true, stamp: 's2' }) },
      { key: layout.heartbeat('w'), value: '1' },
      { key: layout.hot('w'), value: '{"writer":"w"}' },
      { key: layout.ring, value: JSON.stringify(ring) },
      { key: layout.ringVersion, value: '2' },
      { key: layout.suspect('n1', 'k/1'), value: '' },
    ]);
    expect(state).toEqual({ ring, health: { n1: { down: true, stamp: 's2' } }, suspects: { n1: ['k/1'] }, journal: null, events: [event] });
    expect(() => assembleState(layout, [{ key: layout.ring, value: '{"version":-1}' }])).toThrow(/invalid ring/);

    const { changes, heartbeats } = changesOf(layout, [
      { type: 'Put', key: layout.heartbeat('w'), value: '1', lease: '7' },
      { type: 'Delete', key: layout.heartbeat('gone'), value: '' },
      // A process's request counts, rewritten every few seconds: no change to the cluster's state.
      { type: 'Put', key: layout.hot('w'), value: '{"writer":"w"}' },
      { type: 'Delete', key: layout.health('n1'), value: '' },
      { type: 'Put', key: layout.suspect('n1', 'a'), value: '' },
      { type: 'Delete', key: layout.suspect('n1', 'b'), value: '' },
      { type: 'Delete', key: layout.event('old'), value: '' },
      { type: 'Delete', key: layout.journal, value: '' },
    ]);
    // A heartbeat names its process's join: the writer and the session lease it is held under.
    expect(heartbeats).toEqual([
      { writer: 'w', tag: 'w#7' },
      { writer: 'gone', tag: null },
    ]);
    expect(changes).toEqual([
      { type: 'health', node: 'n1', health: null },
      { type: 'journal', journal: null },
      { type: 'suspects', node: 'n1', added: ['a'], cleared: ['b'] },
    ]);
  });

  it('names the writer of suspect marks, tells who leads, and ignores acknowledgements', () => {
    const { changes } = changesOf(layout, [
      { type: 'Put', key: layout.suspect('n1', 'a'), value: 'host:1' },
      { type: 'Put', key: layout.suspect('n1', 'b'), value: 'host:2' },
      { type: 'Put', key: layout.suspect('n1', 'c'), value: 'host:1' },
      { type: 'Delete', key: layout.suspect('n1', 'd'), value: '' },
      { type: 'Put', key: layout.leader, value: JSON.stringify({ writer: 'host:1', since: 1 }) },
      { type: 'Put', key: layout.ack('host:2'), value: 'host:1@5|copying' },
      { type: 'Put', key: layout.joinAck('host:2'), value: '["host:1#7"]' },
      { type: 'Delete', key: layout.leader, value: '' },
    ]);
    expect(changes).toEqual([
      { type: 'leader', writer: 'host:1' },
      { type: 'leader', writer: null },
      { type: 'suspects', node: 'n1', added: ['a', 'c'], cleared: [], writer: 'host:1' },
      { type: 'suspects', node: 'n1', added: ['b'], cleared: [], writer: 'host:2' },
      { type: 'suspects', node: 'n1', added: [], cleared: ['d'] },
    ]);
    expect(parseKey(layout, layout.ack('host:2'))).toEqual({ kind: 'ack' });
    expect(parseKey(layout, layout.hot('host:2'))).toEqual({ kind: 'hot' });
  });
});
