// Rebalance on real memcached: 5 local nodes holding 100k keys (3 replicas), a 6th added.
// Copies executed against the planner's minimum, time and copies per second; then node-6 removed again.
// Run: npx tsx --conditions=react-server bench/rebalance.ts [--keys N] [--json]
import { openThrowaway } from '../lib/cluster/throwaway';
import { mapLimit } from '../lib/concurrency';
import { minimumCopies } from '../lib/plan';
import { formatTable, wantsJson } from './timing';

const keysArg = process.argv.indexOf('--keys');
const KEYS = keysArg > 0 ? Number(process.argv[keysArg + 1]) : 100_000;

async function main() {
  const { cluster, dispose } = await openThrowaway('rebalance', { probeIntervalMs: false, bootstrapLocalNodes: 5, localMemoryMb: 256 });
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`);
    const value = Buffer.alloc(100, 'v');
    let started = Date.now();
    await mapLimit(keys, 64, async (key) => {
      const put = await cluster.put(key, value);
      if (!put.ok || put.acknowledged !== 3) throw new Error(`put ${key} failed: ${JSON.stringify(put)}`);
    });
    const loadMs = Date.now() - started;

    const rows: Record<string, string | number>[] = [];
    for (const change of ['add node-6', 'remove node-6'] as const) {
      const before = cluster.currentRing;
      started = Date.now();
      const result = change === 'add node-6' ? await cluster.addNode({ id: 'node-6' }) : await cluster.removeNode('node-6');
      const ms = Date.now() - started;
      if (!result.ok) throw new Error(result.message);
      const minimum = minimumCopies(before, cluster.currentRing, keys);
      rows.push({
        change,
        keys: result.keys,
        'primaries moved': result.primariesMoved,
        'primary share': result.primariesMoved / result.keys,
        'copies executed': result.copied,
        'minimum copies': minimum,
        'copies per key': result.copied / result.keys,
        deletes: result.deleted,
        failed: result.failed,
        'total ms': ms,
        'copies/s': Math.round(result.copied / (ms / 1000)),
      });
    }
    if (wantsJson()) console.log(JSON.stringify({ keys: KEYS, loadMs, putsPerSecond: Math.round(KEYS / (loadMs / 1000)), rows }));
    else {
      console.log(
        `Rebalance on real memcached: ${KEYS.toLocaleString('en-US')} keys x 3 replicas on 5 local nodes, loaded in ${loadMs} ms (${Math.round(KEYS / (loadMs / 1000)).toLocaleString('en-US')} puts/s, 64 in flight)\n`,
      );
      console.log(formatTable(rows));
      console.log('\nTheory for 5 -> 6: 1/6 = 0.167 of primaries move and 0.5 new copies per key.');
    }
  } finally {
    await dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
