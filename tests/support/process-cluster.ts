// The process's own cluster (lib/cluster/instance) for tests of the adapters, in a data directory of the test file's own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getCluster } from '@/lib/cluster/instance';

/** Points the process's cluster at a fresh data directory; call before anything opens it. Returns the teardown. */
export function isolateProcessCluster(name: string): () => Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ringside-${name}-`));
  process.env.RINGSIDE_DATA_DIR = dataDir;
  process.env.RINGSIDE_BOOTSTRAP_NODES = '3';
  return async () => {
    const cluster = await getCluster();
    await cluster.stopLocalNodes();
    await cluster.close();
    // A later test file in this worker must open its own cluster, not find this closed one.
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('ringside.cluster')];
    rmSync(dataDir, { recursive: true, force: true });
  };
}
