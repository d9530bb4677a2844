import 'server-only';
// A cluster of fresh local memcached nodes in a temporary data directory, for drills and benchmarks; disposing of it removes it all.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isRunningMemcached, stopLocalNode } from '../memcached/local-nodes';
import { Cluster, type ClusterOptions } from './cluster';

export interface Throwaway {
  /** The cluster disposed of at the end: a caller that reopens it puts the new one here. */
  cluster: Cluster;
  dataDir: string;
  /** Stops its memcached processes, closes it and deletes its data directory. */
  dispose(): Promise<void>;
}

export async function openThrowaway(name: string, options: Omit<ClusterOptions, 'dataDir'>): Promise<Throwaway> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `ringside-${name}-`));
  const cluster = await Cluster.open({ ...options, dataDir }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const throwaway: Throwaway = {
    cluster,
    dataDir,
    async dispose() {
      const pids = throwaway.cluster.nodes().flatMap((node) => (node.local && node.pid ? [node.pid] : []));
      // Stopping them is a change, refused while another is under way (another process's, say): they go by pid then.
      await throwaway.cluster.stopLocalNodes();
      await throwaway.cluster.close();
      for (const pid of pids) if (isRunningMemcached(pid)) await stopLocalNode(pid);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return throwaway;
}
