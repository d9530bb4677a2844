// What bringing every key's copies to one version costs: the explicit repair's compare (every copy read) against a listing, on 3 local nodes.
// Run: npx tsx --conditions=react-server bench/convergence.ts [--keys N] [--diverged N] [--runs N] [--json]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../lib/cluster/cluster';
import { mapLimit } from '../lib/concurrency';
import { encodeValue, itemVersion } from '../lib/envelope';
import { NodeClient } from '../lib/memcached/node-client';
import { preferenceList } from '../lib/ring';
import { parseAddress } from '../lib/validate';
import { HybridClock } from '../lib/version';
import { formatTable, wantsJson } from './timing';

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const KEYS = Number(argument('--keys', '100000'));
const DIVERGED = Number(argument('--diverged', '1000'));
const RUNS = Number(argument('--runs', '3'));
const VALUE = Buffer.alloc(100, 'v');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-convergence-'));
  const cluster = await Cluster.open({ dataDir, probeIntervalMs: false, bootstrapLocalNodes: 3, localMemoryMb: 256 });
  const clients = new Map<string, NodeClient>();
  for (const node of cluster.nodes()) {
    const parsed = parseAddress(node.address);
    if (parsed.ok) clients.set(node.id, new NodeClient(parsed.address, { deadlineMs: 5000, inventoryDeadlineMs: 60_000 }));
  }
  const keys = Array.from({ length: KEYS }, (_, i) => `k:${i}`);
  const times = { listing: [] as number[], preview: [] as number[], repair: [] as number[] };
  let found = { divergent: 0, converged: 0 };
  try {
    await mapLimit(keys, 64, async (key) => {
      const put = await cluster.put(key, VALUE);
      if (!put.ok) throw new Error(put.message);
    });
    const other = new HybridClock('bench', () => Date.now() + 1000);
    for (let run = 0; run < RUNS; run++) {
      // A newer write behind Ringside's back on one replica of DIVERGED keys.
      await mapLimit(keys.slice(0, DIVERGED), 64, async (key) => {
        const node = preferenceList(cluster.currentRing, key)[run % 3];
        await clients.get(node)!.setVersioned(key, encodeValue(itemVersion(other.now()), VALUE));
      });
      let started = performance.now();
      await cluster.inventory();
      times.listing.push(performance.now() - started);
      started = performance.now();
      const preview = await cluster.preview({ type: 'repair' });
      times.preview.push(performance.now() - started);
      started = performance.now();
      const repair = await cluster.repair();
      times.repair.push(performance.now() - started);
      if (!preview.ok || !repair.ok) throw new Error('preview or repair failed');
      found = { divergent: preview.preview.divergent ?? 0, converged: repair.repair.converged };
      if (found.divergent !== DIVERGED || found.converged !== DIVERGED) throw new Error(`expected ${DIVERGED} diverged keys, found ${JSON.stringify(found)}`);
    }
  } finally {
    for (const client of clients.values()) client.close();
    await cluster.stopLocalNodes();
    await cluster.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const rows = [
    {
      step: 'listing of the 3 nodes (what the presence-based repair reads)',
      median: Math.round(median(times.listing)),
      min: Math.round(Math.min(...times.listing)),
      max: Math.round(Math.max(...times.listing)),
    },
    {
      step: `repair preview: listing and every copy read (${KEYS * 3} reads)`,
      median: Math.round(median(times.preview)),
      min: Math.round(Math.min(...times.preview)),
      max: Math.round(Math.max(...times.preview)),
    },
    {
      step: `explicit repair: presence, then every copy compared, ${DIVERGED} keys converged`,
      median: Math.round(median(times.repair)),
      min: Math.round(Math.min(...times.repair)),
      max: Math.round(Math.max(...times.repair)),
    },
  ];
  if (wantsJson()) console.log(JSON.stringify({ keys: KEYS, diverged: DIVERGED, runs: RUNS, ms: rows }, null, 2));
  else {
    console.log(`${KEYS} keys of ${VALUE.length} bytes on 3 local nodes (RF=3), ${DIVERGED} of them with a newer copy on one replica; ms, median, min and max of ${RUNS} runs.\n`);
    console.log(formatTable(rows));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
