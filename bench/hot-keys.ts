// What counting hot keys costs: per request in isolation (ns, and young-generation GCs over a million), and on puts and gets to 5 local memcached nodes.
// Run: npx tsx --conditions=react-server bench/hot-keys.ts [--keys N] [--rounds N] [--json]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Cluster } from '../lib/cluster/cluster';
import type { ClusterContext } from '../lib/cluster/context';
import { HotCounts } from '../lib/cluster/hot';
import type { GetResult, PutResult, Result } from '../lib/cluster/types';
import { mapLimit } from '../lib/concurrency';
import { SpaceSaving } from '../lib/hot-keys';
import { startLocalNode, stopLocalNode, type LocalProcess } from '../lib/memcached/local-nodes';
import { buildRing, preferenceList } from '../lib/ring';
import { formatTable, wantsJson } from './timing';

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const KEYS = Number(argument('--keys', '20000'));
const ROUNDS = Number(argument('--rounds', '11'));
const IN_FLIGHT = 64;
const NODES = 5;
const VALUE = Buffer.alloc(100, 'v');

/** Zipf(1.1) over `keys` keys, by inverse transform on a fixed linear congruential stream. */
function zipfKeys(n: number, keys: number): string[] {
  const names = Array.from({ length: keys }, (_, i) => `user:${i}:cart`);
  const cumulative = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) cumulative[r] = sum += 1 / (r + 1) ** 1.1;
  let seed = 12345;
  return Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const x = (seed / 2 ** 32) * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return names[lo];
  });
}

/** Nanoseconds per call of `run` (the median of three passes over `n`), and the young-generation collections they caused. */
async function perCall(n: number, run: (i: number) => void): Promise<{ ns: number; scavenges: number }> {
  for (let i = 0; i < n; i++) run(i); // warm-up: counters taken, code optimised
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const passes: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run(i);
    passes.push(Number(process.hrtime.bigint() - start) / n);
  }
  // GC entries reach the observer on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return { ns: passes.sort((a, b) => a - b)[1], scavenges };
}

async function isolated() {
  const ring = buildRing(Array.from({ length: NODES }, (_, i) => ({ id: `node-${i + 1}`, vnodes: 160 })));
  const store = { writer: 'bench', kind: 'file', publishHot: async () => ({ ok: true }) };
  const counts = new HotCounts({ state: { ring, store } } as unknown as ClusterContext);
  counts.start();
  const zipf = zipfKeys(1_000_000, 100_000);
  // Results as the data path gives them, made once: what counting reads, not what it costs to make.
  const gets = new Map<string, Result<GetResult>>();
  const puts = new Map<string, Result<PutResult>>();
  for (const key of new Set(zipf)) {
    const list = preferenceList(ring, key);
    gets.set(key, { ok: true, key, value: VALUE, servedBy: list[0], tried: [{ node: list[0], ok: true }], repaired: [], r: 'one', version: '' });
    puts.set(key, { ok: true, key, bytes: 100, ttl: 0, acknowledged: 3, replicas: list.map((node) => ({ node, ok: true })), version: '', w: 'one' });
  }
  const getResults = zipf.map((key) => gets.get(key)!);
  const putResults = zipf.map((key) => puts.get(key)!);
  const sketch = new SpaceSaving();
  const few = zipf.filter((key) => Number(key.split(':')[1]) < 200);
  let allocated: unknown = null;
  const rows = [
    // A loop that allocates an object per request, to show the GC count can see one.
    { what: 'for scale: an object per request', ...(await perCall(zipf.length, (i) => (allocated = { key: zipf[i], i }))) },
    { what: 'sketch offer, 200 keys (all hold counters)', ...(await perCall(few.length, (i) => sketch.offer(few[i], 'get'))) },
    { what: 'sketch offer, Zipf over 100k keys', ...(await perCall(zipf.length, (i) => sketch.offer(zipf[i], 'get'))) },
    { what: 'count a get (sketch, primary, 1 node)', ...(await perCall(zipf.length, (i) => counts.countGet(zipf[i], getResults[i]))) },
    { what: 'count a put (sketch, primary, 3 nodes)', ...(await perCall(zipf.length, (i) => counts.countPut(zipf[i], putResults[i]))) },
  ];
  counts.stop();
  return allocated === null ? [] : rows;
}

async function endToEnd(servers: readonly LocalProcess[], dataDir: string) {
  const cluster = await Cluster.open({ dataDir, probeIntervalMs: false });
  try {
    for (const [i, server] of servers.entries()) {
      const added = await cluster.addNode({ id: `node-${i + 1}`, address: `${server.host}:${server.port}` });
      if (!added.ok) throw new Error(added.message);
    }
    // The facade counts each request; its data path alone does not: the same calls, with and without.
    const data = (cluster as unknown as { data: Pick<Cluster, 'put' | 'get'> }).data;
    const keys = zipfKeys(KEYS, KEYS / 4);
    const systems = { counted: cluster as Pick<Cluster, 'put' | 'get'>, uncounted: data };
    const runs: Record<string, Record<'put' | 'get', { opsPerSec: number[]; cpuUs: number[] }>> = {
      counted: { put: { opsPerSec: [], cpuUs: [] }, get: { opsPerSec: [], cpuUs: [] } },
      uncounted: { put: { opsPerSec: [], cpuUs: [] }, get: { opsPerSec: [], cpuUs: [] } },
    };
    for (let round = 0; round <= ROUNDS; round++) {
      // Alternated, so drift in a noisy machine's load falls on both alike; round 0 warms up.
      for (const name of round % 2 ? (['counted', 'uncounted'] as const) : (['uncounted', 'counted'] as const)) {
        const target = systems[name];
        for (const op of ['put', 'get'] as const) {
          const cpu = process.cpuUsage();
          const start = process.hrtime.bigint();
          await mapLimit(keys, IN_FLIGHT, async (key) => {
            const done = op === 'put' ? await target.put(key, VALUE) : await target.get(key);
            if (!done.ok) throw new Error(`${op} ${key}: ${done.message}`);
          });
          const wallNs = Number(process.hrtime.bigint() - start);
          const used = process.cpuUsage(cpu);
          if (round === 0) continue;
          runs[name][op].opsPerSec.push((KEYS * 1e9) / wallNs);
          runs[name][op].cpuUs.push((used.user + used.system) / KEYS);
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const change = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
    return (['put', 'get'] as const).map((op) => {
      const [counted, uncounted] = [runs.counted[op], runs.uncounted[op]];
      const ops = [median(counted.opsPerSec), median(uncounted.opsPerSec)];
      const cpu = [median(counted.cpuUs), median(uncounted.cpuUs)];
      return {
        op,
        'uncounted ops/s': Math.round(ops[1]),
        'counted ops/s': Math.round(ops[0]),
        'ops/s change': change(ops[0], ops[1]),
        'uncounted CPU us/op': cpu[1].toFixed(2),
        'counted CPU us/op': cpu[0].toFixed(2),
        'CPU change': change(cpu[0], cpu[1]),
      };
    });
  } finally {
    await cluster.close();
  }
}

async function main() {
  const micro = await isolated();
  const servers: LocalProcess[] = [];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-bench-hot-'));
  try {
    for (let i = 0; i < NODES; i++) servers.push(await startLocalNode({ memoryMb: 64 }));
    const e2e = await endToEnd(servers, dataDir);
    if (wantsJson()) console.log(JSON.stringify({ keys: KEYS, rounds: ROUNDS, inFlight: IN_FLIGHT, nodes: NODES, micro, e2e }));
    else {
      console.log('Counting alone, per request: median of three passes over 1,000,000 requests after a warm-up pass; young GCs over the three:\n');
      console.log(formatTable(micro.map((m) => ({ what: m.what, 'ns/request': m.ns.toFixed(0), 'young GCs': m.scavenges }))));
      console.log(`\nPuts and gets, RF=3, ${NODES} local memcached nodes, ${IN_FLIGHT} in flight, ${KEYS.toLocaleString('en-US')} requests (Zipf), medians of ${ROUNDS} alternated rounds:\n`);
      console.log(formatTable(e2e));
    }
  } finally {
    for (const server of servers) await stopLocalNode(server.pid);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
