// The process a crash drill kills: it opens the cluster, serves a steady load and runs a membership change until RINGSIDE_CRASH_AT kills it.
// Usage: node --conditions=react-server --import tsx lib/drill/crash-worker.ts <dataDir> <keys> <seed> <change-after-ms> <add|remove> <node>
// Every call is written to stdout as it begins and as it ends, so the drill knows which writes were acknowledged before the crash.
import { Cluster } from '../cluster/cluster';
import { startLoad, type KeyStore } from './load';

async function main(): Promise<void> {
  const [dataDir, keys, seed, afterMs, change, node] = process.argv.slice(2);
  const cluster = await Cluster.open({ dataDir, probeIntervalMs: false, deadlineMs: 300, localMemoryMb: 16 });
  let calls = 0;
  const line = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);
  const traced = (kind: 'put' | 'delete' | 'get') => async (key: string, value?: string) => {
    const id = ++calls;
    line({ begin: id, kind, key, value });
    const result = kind === 'put' ? await cluster.put(key, value!) : kind === 'delete' ? await cluster.delete(key) : await cluster.get(key);
    const read = result.ok && 'value' in result && Buffer.isBuffer(result.value) ? result.value.toString('utf8') : undefined;
    line({ end: id, ok: result.ok, error: result.ok ? undefined : result.error, value: read });
    return result;
  };
  const store: KeyStore = { put: (key, value) => traced('put')(key, value), delete: (key) => traced('delete')(key), get: (key) => traced('get')(key) as ReturnType<KeyStore['get']> };
  startLoad(store, { keys: Number(keys), concurrency: 16, seed: Number(seed) });
  await new Promise((resolve) => setTimeout(resolve, Number(afterMs)));
  line({ change: `${change} ${node}` });
  const done = change === 'add' ? await cluster.addNode({ id: node }) : await cluster.removeNode(node);
  // Reaching here means the crash never came: the drill reports it.
  line({ changed: done.ok, message: done.ok ? undefined : done.message });
  process.exit(3);
}

void main();
