// Several Ringside processes (Clusters, each with its own data directory) on one etcd member of the test file's own, closed and removed after the file.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Cluster } from '@/lib/cluster/cluster';
import type { ClusterOptions } from '@/lib/cluster/context';
import { startEtcd, type EtcdCluster } from './etcd';

export interface EtcdProcesses {
  readonly etcd: EtcdCluster;
  /** The environment of one cluster on the member: a prefix of its own. */
  freshEnv(): Record<string, string>;
  /** A process on that cluster, named `writer`; the first one opened may start local nodes (stopped after the file). */
  open(writer: string, env: Record<string, string>, bootstrapLocalNodes?: number, options?: Partial<ClusterOptions>): Promise<Cluster>;
}

/** Registers the file's hooks: one etcd member before its tests, every process closed after them. */
export function etcdProcesses(): EtcdProcesses {
  let etcd: EtcdCluster | undefined;
  const dirs: string[] = [];
  const clusters: Cluster[] = [];
  beforeAll(async () => {
    etcd = await startEtcd(1);
  });
  afterAll(async () => {
    await clusters[0]?.stopLocalNodes();
    for (const cluster of clusters) await cluster.close();
    await etcd?.cleanup();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return {
    get etcd() {
      if (!etcd) throw new Error('etcd is started before the tests');
      return etcd;
    },
    freshEnv() {
      return { RINGSIDE_ETCD: this.etcd.endpoints.join(','), RINGSIDE_ETCD_PREFIX: `/ringside-test/${randomUUID()}/` };
    },
    async open(writer, env, bootstrapLocalNodes = 0, options = {}) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-etcd-process-'));
      dirs.push(dataDir);
      const cluster = await Cluster.open({ dataDir, env, writer, probeIntervalMs: false, bootstrapLocalNodes, localMemoryMb: 16, ...options });
      clusters.push(cluster);
      return cluster;
    },
  };
}
