// The dashboard's server actions are public POST endpoints: every bad argument gets a clear error, and nothing reaches memcached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as actions from '@/app/actions';
import { getCluster } from '@/lib/cluster/instance';
import { isolateProcessCluster } from '../support/process-cluster';

// Before anything opens the process's cluster: a data directory of this file's own.
const closeCluster = isolateProcessCluster('actions');

/** Requests memcached has served, summed over the nodes: a refused input must leave it unchanged. */
async function requestsServed(): Promise<number> {
  const stats = await (await getCluster()).stats();
  const counters = ['cmd_get', 'cmd_set', 'cmd_touch', 'cmd_flush', 'delete_hits', 'delete_misses'];
  return Object.values(stats).reduce((sum, s) => sum + counters.reduce((n, name) => n + Number(s?.[name] ?? 0), 0), 0);
}

async function picture() {
  const cluster = await getCluster();
  return { checksum: cluster.currentRing.checksum, version: cluster.version, nodes: cluster.nodes().map((n) => `${n.id} ${n.vnodes} ${n.status}`) };
}

beforeAll(async () => {
  expect((await actions.putKey({ key: 'kept', value: 'original' })).ok).toBe(true);
});

afterAll(() => closeCluster());

const long = 'k'.repeat(251);
const wide = 'ключ'.repeat(32); // 128 characters, 256 bytes

const cases: [string, (input: unknown) => Promise<{ ok: boolean }>, unknown, string, RegExp][] = [
  ['put, no input', actions.putKey, undefined, 'invalid_input', /input/],
  ['put, an array', actions.putKey, ['kept', 'x'], 'invalid_input', /input/],
  ['put, a key that is a number', actions.putKey, { key: 5, value: 'x' }, 'invalid_key', /the key must be text/],
  ['put, a key of 251 bytes', actions.putKey, { key: long, value: 'x' }, 'invalid_key', /251 bytes in UTF-8; memcached allows at most 250/],
  ['put, a key of 128 characters and 256 bytes', actions.putKey, { key: wide, value: 'x' }, 'invalid_key', /256 bytes/],
  ['put, a key with a space', actions.putKey, { key: 'kept now', value: 'x' }, 'invalid_key', /whitespace/],
  ['put, a key with a control character', actions.putKey, { key: 'kept\u0001', value: 'x' }, 'invalid_key', /control character/],
  ['put, an empty key', actions.putKey, { key: '', value: 'x' }, 'invalid_key', /empty/],
  ['put, a value that is not text', actions.putKey, { key: 'kept', value: { evil: true } }, 'invalid_value', /value/],
  ['put, a value over the limit', actions.putKey, { key: 'kept', value: 'v'.repeat(1024 * 1024) }, 'invalid_value', /bytes; a node stores at most/],
  ['put, a negative TTL', actions.putKey, { key: 'kept', value: 'x', ttl: -1 }, 'invalid_ttl', /TTL must be a whole number of seconds from 0/],
  ['put, a TTL over 30 days', actions.putKey, { key: 'kept', value: 'x', ttl: 30 * 24 * 3600 + 1 }, 'invalid_ttl', /30 days/],
  ['put, a fractional TTL', actions.putKey, { key: 'kept', value: 'x', ttl: 1.5 }, 'invalid_ttl', /whole number/],
  ['put, a TTL as text', actions.putKey, { key: 'kept', value: 'x', ttl: '60' }, 'invalid_ttl', /TTL must be a number/],
  ['put, an unknown field', actions.putKey, { key: 'kept', value: 'x', flags: 7 }, 'invalid_input', /flags|unrecognized/i],
  ['get, a key with a newline', actions.getKey, { key: 'kept\nstats' }, 'invalid_key', /whitespace/],
  ['put, a level that is not one of the three', actions.putKey, { key: 'kept', value: 'x', w: 'quorum' }, 'invalid_level', /one, majority or all/],
  ['get, a level as a number', actions.getKey, { key: 'kept', r: 2 }, 'invalid_level', /one, majority or all/],
  ['delete, a level that is not one of the three', actions.deleteKey, { key: 'kept', w: 'every' }, 'invalid_level', /one, majority or all/],
  ['delete, a key of 251 bytes', actions.deleteKey, { key: long }, 'invalid_key', /251 bytes/],
  ['delete, an unknown field', actions.deleteKey, { key: 'kept', all: true }, 'invalid_input', /all|unrecognized/i],
  ['generate, zero keys', actions.generateKeys, { count: 0 }, 'invalid_count', /from 1 to 10000/],
  ['generate, too many keys', actions.generateKeys, { count: 10_001 }, 'invalid_count', /from 1 to 10000/],
  ['generate, a count as text', actions.generateKeys, { count: '10' }, 'invalid_count', /whole number/],
  ['add, an address that is not host:port', actions.addNode, { address: 'not an address' }, 'invalid_address', /address/],
  ['add, an address outside the allow-list', actions.addNode, { address: '192.0.2.1:11211' }, 'address_not_allowed', /not an allowed node address/],
  ['add, zero vnodes', actions.addNode, { vnodes: 0 }, 'invalid_vnodes', /vnodes/],
  ['add, fractional vnodes', actions.addNode, { vnodes: 2.5 }, 'invalid_vnodes', /whole number/],
  ['add, an unknown field', actions.addNode, { id: 'x', host: 'y' }, 'invalid_input', /unrecognized|host/i],
  ['remove, an unknown node', actions.removeNode, { id: 'node-99' }, 'unknown_node', /no node "node-99" in the ring/],
  ['remove, an id that is a number', actions.removeNode, { id: 1 }, 'invalid_id', /id/],
  ['kill, an unknown node', actions.killNode, { id: 'node-99' }, 'unknown_node', /node-99/],
  ['revive, a node that runs', actions.reviveNode, { id: 'node-1' }, 'node_alive', /is running/],
  ['vnodes, 5000', actions.setVnodes, { id: 'node-1', vnodes: 5000 }, 'invalid_vnodes', /vnodes/],
  ['vnodes, missing', actions.setVnodes, { id: 'node-1' }, 'invalid_vnodes', /vnodes/],
  ['preview, an unknown type', actions.previewChange, { type: 'explode' }, 'invalid_input', /type|invalid/i],
  ['preview, a repair of one node', actions.previewChange, { type: 'repair', id: 'node-1' }, 'invalid_input', /id|unrecognized/i],
  ['repair, an unknown field', actions.repairCluster, { now: true }, 'invalid_input', /now|unrecognized/i],
];

describe('server actions given bad input', () => {
  it.each(cases)('%s: refused with a clear error', async (_name, action, input, error, message) => {
    const before = await picture();
    const served = await requestsServed();
    const result = (await action(input)) as { ok: false; error: string; message: string };
    expect(result).toMatchObject({ ok: false, error });
    expect(result.message).toMatch(message);
    // Nothing was sent to a node (the stats calls themselves are not counted), and nothing changed.
    expect(await requestsServed()).toBe(served);
    expect(await picture()).toEqual(before);
  });

  it('leaves the stored value as it was', async () => {
    const read = await actions.getKey({ key: 'kept' });
    expect(read).toMatchObject({ ok: true, value: 'original' });
  });

  it('reads and writes at the level asked for', async () => {
    expect(await actions.putKey({ key: 'levelled', value: 'v', w: 'all' })).toMatchObject({ ok: true, w: 'all', acknowledged: 3 });
    const read = await actions.getKey({ key: 'levelled', r: 'all' });
    expect(read).toMatchObject({ ok: true, value: 'v', r: 'all' });
    expect(read.ok && read.tried.map((t) => t.held)).toEqual(['value', 'value', 'value']);
    expect(await actions.deleteKey({ key: 'levelled', w: 'majority' })).toMatchObject({ ok: true, w: 'majority', deleted: true });
  });
});
