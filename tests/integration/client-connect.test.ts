// connect() of ringside/client: bad options, no cluster, a data directory in use and etcd away are clear errors that leave nothing behind.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@/lib/client';
import { Cluster } from '@/lib/cluster/cluster';
import { freePort } from '@/lib/free-port';
import { preferenceList } from '@/lib/ring';
import { refusal } from '../support/connect-refusal';
import { startEtcd, type EtcdCluster } from '../support/etcd';

let etcd: EtcdCluster;
let scratch = '';

beforeAll(async () => {
  etcd = await startEtcd(1);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ringside-client-connect-'));
});

afterAll(async () => {
  await etcd?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('connect refuses', () => {
  it('options that name no store, two, an unknown field or a wrong type', async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /one of \{ etcd/],
      [{}, /one of \{ etcd.*no options/],
      [{ etcd: 'http://127.0.0.1:2379', dataDir: scratch }, /one of \{ etcd.*etcd, dataDir/],
      [{ etcd: [] }, /etcd/],
      [{ etcd: 42 }, /etcd/],
      [{ dataDir: '' }, /dataDir/],
      [{ dataDir: scratch, replicas: 2 }, /replicas/],
      [{ dataDir: scratch, deadlineMs: -1 }, /deadlineMs/],
      [{ url: 'http://127.0.0.1:3000', etcd: 'http://127.0.0.1:2379' }, /one of .*url, etcd/],
      [{ url: 'not a url' }, /url: "not a url" is not a URL/],
    ];
    for (const [options, message] of cases) {
      const error = await refusal(options);
      expect({ code: error.code, message: error.message }).toMatchObject({ code: 'invalid_options', message: expect.stringMatching(message) });
    }
  });

  it('an etcd endpoint that is not a URL, naming it', async () => {
    const error = await refusal({ etcd: ['127.0.0.1:2379'] });
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('"127.0.0.1:2379" is not');
  });

  it('a data directory without a cluster, and creates none', async () => {
    const dataDir = path.join(scratch, 'never-created');
    const error = await refusal({ dataDir });
    expect(error.code).toBe('no_cluster');
    expect(error.message).toContain(dataDir);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an etcd prefix without a cluster, and writes nothing there', async () => {
    const prefix = `/ringside-client/${randomUUID()}/`;
    const error = await refusal({ etcd: etcd.endpoints, prefix });
    expect(error.code).toBe('no_cluster');
    expect(error.message).toContain(prefix);
    const look = new Etcd3({ hosts: etcd.endpoints });
    try {
      expect(await look.getAll().prefix(prefix).keys()).toEqual([]);
    } finally {
      look.close();
    }
  });

  it('a data directory another live process drives, naming it', async () => {
    const dataDir = path.join(scratch, 'in-use');
    await Cluster.open({ dataDir, probeIntervalMs: false }).then((c) => c.close());
    // The test runner's parent: alive, and not this process.
    await writeFile(path.join(dataDir, 'owner.pid'), String(process.ppid));
    const error = await refusal({ dataDir });
    expect(error.code).toBe('in_use');
    expect(error.message).toContain(`process ${process.ppid}`);
  });

  it('etcd that does not answer, as unavailable', async () => {
    const error = await refusal({ etcd: `http://127.0.0.1:${await freePort()}`, prefix: `/ringside-client/${randomUUID()}/` });
    expect(error.code).toBe('unavailable');
  }, 30_000);
});

describe('connect on a data directory', () => {
  it('reads and writes where the ring places keys, on every replica, and leaves the directory free when closed', async () => {
    const dataDir = path.join(scratch, 'cluster');
    const owner = await Cluster.open({ dataDir, probeIntervalMs: false, bootstrapLocalNodes: 3, localMemoryMb: 16 });
    const ringChecksum = owner.currentRing.checksum;
    await owner.close();
    const client = await connect({ dataDir });
    try {
      expect(client.ring()).toMatchObject({ checksum: ringChecksum, changing: false });
      expect(client.ring().nodes.map((n) => [n.id, n.status])).toEqual([
        ['node-1', 'up'],
        ['node-2', 'up'],
        ['node-3', 'up'],
      ]);
      const keys = Array.from({ length: 20 }, (_, i) => `client:${i}`);
      for (const key of keys) {
        const put = await client.set(key, `v${key}`, { w: 'all' });
        expect(put.ok && put.replicas.map((r) => r.node).sort()).toEqual([...preferenceList(owner.currentRing, key)].sort());
      }
      const read = await client.getMulti([...keys, keys[0], 'client:absent']);
      expect(read.size).toBe(keys.length + 1);
      for (const key of keys) expect(read.get(key)).toMatchObject({ ok: true, servedBy: preferenceList(owner.currentRing, key)[0] });
      expect(read.get('client:absent')).toMatchObject({ ok: false, error: 'not_found' });
      expect(await client.delete(keys[0])).toMatchObject({ ok: true, deleted: true });
      expect(await client.get(keys[0], { r: 'all' })).toMatchObject({ ok: false, error: 'not_found' });
      expect(client.consistency()).toEqual({ w: 'one', r: 'one' });
    } finally {
      await client.close();
    }
    expect(await client.get('client:1')).toMatchObject({ ok: false, error: 'unavailable' });
    // Closed, the directory is free again: the owner reopens it, sees the client's writes, and stops its nodes.
    const reopened = await Cluster.open({ dataDir, probeIntervalMs: false });
    expect(await reopened.get('client:1')).toMatchObject({ ok: true });
    await reopened.stopLocalNodes();
    await reopened.close();
  });
});
