import 'server-only';
// The process's one cluster, shared by the dashboard, its server actions, the REST API and live updates.
import { Cluster } from './cluster';
import { dataDirFromEnv } from './state';

const slot = Symbol.for('ringside.cluster');
type Holder = { [slot]?: Promise<Cluster> };

/** Opens the cluster on first use; kept on globalThis so hot reload neither leaks connections nor forgets the ring. */
export function getCluster(): Promise<Cluster> {
  const holder = globalThis as Holder;
  holder[slot] ??= Cluster.open({
    dataDir: dataDirFromEnv(),
    bootstrapLocalNodes: Number(process.env.RINGSIDE_BOOTSTRAP_NODES ?? 3),
  }).catch((error: unknown) => {
    delete holder[slot];
    throw error;
  });
  return holder[slot];
}
