// connect({ etcd }) of ringside/client on an etcd that requires a user: credentials as the servers take them, two clients in one process as two writers.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@/lib/client';
import { Cluster } from '@/lib/cluster/cluster';
import { preferenceList } from '@/lib/ring';
import { refusal } from '../support/connect-refusal';
import { startEtcd, type EtcdCluster } from '../support/etcd';

const USER = 'root';
const PASSWORD = `pw-${randomUUID()}`;

let etcd: EtcdCluster;
let owner: Cluster | undefined;
let dataDir = '';
const prefix = `/ringside-auth/${randomUUID()}/`;

beforeAll(async () => {
  etcd = await startEtcd(1);
  const admin = new Etcd3({ hosts: etcd.endpoints });
  try {
    await admin.role('root').create();
    await admin.user(USER).create(PASSWORD);
    await admin.user(USER).addRole('root');
    await admin.auth.authEnable();
  } finally {
    admin.close();
  }
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-client-auth-'));
  const env = { RINGSIDE_ETCD: etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: prefix, RINGSIDE_ETCD_USERNAME: USER, RINGSIDE_ETCD_PASSWORD: PASSWORD };
  owner = await Cluster.open({ dataDir, env, writer: 'owner', probeIntervalMs: false, bootstrapLocalNodes: 3, localMemoryMb: 16 });
});

afterAll(async () => {
  await owner?.stopLocalNodes();
  await owner?.close();
  await etcd?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('connect to etcd with a user', () => {
  it('reads and writes with the credentials, and two clients in one process write side by side as two writers', async () => {
    const options = { etcd: etcd.endpoints, prefix, username: USER, password: PASSWORD };
    const [first, second] = [await connect(options), await connect(options)];
    try {
      expect(first.ring().checksum).toBe(owner!.currentRing.checksum);
      for (let i = 0; i < 20; i++) {
        const key = `auth:${i}`;
        const put = await (i % 2 ? first : second).set(key, `v${i}`, { w: 'all' });
        expect(put.ok && put.replicas.map((r) => r.node).sort()).toEqual([...preferenceList(owner!.currentRing, key)].sort());
      }
      for (let i = 0; i < 20; i++) {
        const read = await (i % 2 ? second : first).get(`auth:${i}`);
        expect(read.ok && read.value.toString()).toBe(`v${i}`);
      }
      // Three writers present: the owner no longer writes alone.
      expect((await owner!.put('auth:owner', 'v')).ok).toBe(true);
      expect(owner!.controlPlane().writes.alone).toBe(false);
      // One leaves: the other is still present, so the owner still does not write alone.
      await first.close();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await owner!.put('auth:owner', 'w')).ok).toBe(true);
      expect(owner!.controlPlane().writes.alone).toBe(false);
      expect((await second.set('auth:second', 'still here')).ok).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('refuses a wrong password and a password without a user, clearly', async () => {
    const wrong = await refusal({ etcd: etcd.endpoints, prefix, username: USER, password: 'not-it' });
    expect(wrong.code).toBe('unavailable');
    expect(wrong.message).toMatch(/auth/i);
    const half = await refusal({ etcd: etcd.endpoints, prefix, password: PASSWORD });
    expect(half.code).toBe('invalid_config');
    expect(half.message).toContain('RINGSIDE_ETCD_USERNAME');
  }, 30_000);
});
