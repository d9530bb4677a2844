// ringside/client connected by URL to a dashboard whose state is in etcd: the dashboard names etcd, and the client joins it there.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { connect } from '@/lib/client';
import { getCluster } from '@/lib/cluster/instance';
import { preferenceList } from '@/lib/ring';
import { serveApi, type ApiServer } from '../support/api-server';
import { startEtcd, type EtcdCluster } from '../support/etcd';
import { isolateProcessCluster } from '../support/process-cluster';

let etcd: EtcdCluster;
let api: ApiServer;
let closeCluster: () => Promise<void> = async () => undefined;
const prefix = `/ringside-url/${randomUUID()}/`;

beforeAll(async () => {
  etcd = await startEtcd(1);
  // Before the process's cluster opens: it reads where its state is from the environment.
  process.env.RINGSIDE_ETCD = etcd.endpoints.join(',');
  process.env.RINGSIDE_ETCD_PREFIX = prefix;
  closeCluster = isolateProcessCluster('client-url-etcd');
  await getCluster();
  api = await serveApi();
});

afterAll(async () => {
  await api?.close();
  await closeCluster();
  delete process.env.RINGSIDE_ETCD;
  delete process.env.RINGSIDE_ETCD_PREFIX;
  await etcd?.cleanup();
});

it("joins the dashboard's etcd as a writer beside it, and writes where the ring places keys", async () => {
  const dashboard = await getCluster();
  const shared = await fetch(`${api.url}/api/store/join`, { method: 'POST', body: JSON.stringify({ writer: 'probe' }), headers: { 'content-type': 'application/json' } });
  expect(shared.status).toBe(409);
  expect(await shared.json()).toMatchObject({ error: 'not_shared', etcd: { endpoints: etcd.endpoints, prefix, credentials: false } });

  await vi.waitFor(() => expect(dashboard.controlPlane().writes.alone).toBe(true), { timeout: 3000, interval: 20 });
  const client = await connect({ url: api.url });
  try {
    // Present in etcd: the dashboard writes conditionally beside it.
    expect(dashboard.controlPlane().writes.alone).toBe(false);
    expect(client.ring()).toMatchObject({ version: dashboard.version, checksum: dashboard.currentRing.checksum });
    const put = await client.set('etcd:1', 'v', { w: 'all' });
    expect(put.ok && put.replicas.map((r) => r.node).sort()).toEqual([...preferenceList(dashboard.currentRing, 'etcd:1')].sort());
    expect((await dashboard.get('etcd:1')).ok).toBe(true);
  } finally {
    await client.close();
  }
});
