// Scale on this machine: 64 local memcached nodes and a million keys (3 replicas). Ring build, key inventory,
// move plan (time and memory), rebalance when a 65th node joins, and the dashboard's snapshot at that size.
// With --runs N, each run is a process of its own (fresh nodes, its own memory), and every figure is the median of the runs with their spread.
// Run: NODE_OPTIONS=--expose-gc npx tsx --conditions=react-server bench/scale.ts [--runs N] [--nodes N] [--keys N] [--json]
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { openThrowaway } from '../lib/cluster/throwaway';
import { mapLimit } from '../lib/concurrency';
import { columnsOf } from '../lib/key-columns';
import { planMoves } from '../lib/plan';
import { buildRing } from '../lib/ring';
import { formatTable, medianNs, ms, wantsJson } from './timing';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const NODES = option('nodes', 64);
const KEYS = option('keys', 1_000_000);
const RUNS = option('runs', 1);
const VALUE = Buffer.alloc(32, 'v');

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** Wall time of one async step, in ms, and the heap it left allocated (MiB, after a collection when --expose-gc). */
async function measure<T>(step: () => Promise<T>): Promise<{ value: T; ms: number; heapMb: number }> {
  const before = heapMb();
  const started = performance.now();
  const value = await step();
  const elapsed = performance.now() - started;
  return { value, ms: elapsed, heapMb: heapMb() - before };
}

interface Row {
  step: string;
  ms: number;
  detail: string;
}

interface Summary {
  nodes: number;
  keys: number;
  items: number;
  rssMb: number;
  rows: Row[];
}

/** A figure over the runs: the median and the spread (lowest, highest). */
interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

function spreadOf(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return { median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, min: sorted[0], max: sorted.at(-1)!, runs };
}

async function measureOnce(): Promise<Summary> {
  const rows: Row[] = [];
  const note = (step: string, took: number, detail = '') => {
    rows.push({ step, ms: Math.round(took), detail });
    if (!wantsJson()) console.error(`${step}: ${Math.round(took)} ms ${detail}`);
  };
  // Each node needs room for its share of 3 million items of ~100 bytes, and memcached's slab pages.
  const memoryMb = Math.max(16, Math.ceil((((KEYS * 3) / NODES) * 200) / 2 ** 20) + 8);
  const opened = await measure(() => openThrowaway('scale', { probeIntervalMs: false, bootstrapLocalNodes: NODES, localMemoryMb: memoryMb }));
  const cluster = opened.value.cluster;
  note(`start ${NODES} local memcached nodes`, opened.ms, `(-m ${memoryMb} each)`);
  try {
    const ids = cluster.nodes().map((n) => n.id);
    const buildNs = medianNs(21, () => void buildRing(ids.map((id) => ({ id, vnodes: 160 }))));
    note('ring build', ms(buildNs), `(${ids.length} nodes x 160 vnodes = ${ids.length * 160} vnodes)`);

    const keys = Array.from({ length: KEYS }, (_, i) => `scale:${i}`);
    const load = await measure(() =>
      mapLimit(keys, 128, async (key) => {
        const put = await cluster.put(key, VALUE);
        if (!put.ok || put.acknowledged !== 3) throw new Error(`put ${key} failed: ${JSON.stringify(put)}`);
      }),
    );
    note('load keys (3 replicas, 128 in flight)', load.ms, `(${Math.round(KEYS / (load.ms / 1000)).toLocaleString('en-US')} puts/s)`);

    const inventory = await measure(() => cluster.inventory());
    const items = columnsOf(inventory.value.inventory).items;
    note('key inventory (metadump of every node)', inventory.ms, `(${items.toLocaleString('en-US')} items, ${inventory.heapMb.toFixed(0)} MiB held)`);

    const from = cluster.currentRing;
    const to = buildRing([...from.nodes, { id: 'node-new', vnodes: 160 }]);
    const plan = await measure(async () => planMoves(from, to, inventory.value.inventory));
    note('move plan for a node added', plan.ms, `(${plan.value.copies.length.toLocaleString('en-US')} copies, ${plan.heapMb.toFixed(0)} MiB held)`);

    const snapshot = await measure(() => cluster.snapshot());
    const bytes = Buffer.byteLength(JSON.stringify(snapshot.value));
    note(
      'dashboard snapshot',
      snapshot.ms,
      `(${snapshot.value.keyCount.toLocaleString('en-US')} keys, ${snapshot.value.keys.length.toLocaleString('en-US')} drawn, ${(bytes / 2 ** 20).toFixed(1)} MiB of JSON)`,
    );

    const preview = await measure(() => cluster.preview({ type: 'add' }));
    note('dashboard preview of an add', preview.ms);

    const added = await measure(() => cluster.addNode({}));
    if (!added.value.ok) throw new Error(added.value.message);
    const result = added.value;
    note(
      'rebalance: a node added',
      added.ms,
      `(${result.copied.toLocaleString('en-US')} copies of ${result.planned.toLocaleString('en-US')} planned, ${Math.round(result.copied / (added.ms / 1000)).toLocaleString('en-US')} copies/s, ${result.failed} failed)`,
    );

    return { nodes: NODES, keys: KEYS, items, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), rows };
  } finally {
    await opened.value.dispose();
  }
}

/** One run in a process of its own, as this script with --runs 1 --json. */
function runChild(run: number): Promise<Summary> {
  const tsx = path.join(import.meta.dirname, '../node_modules/.bin/tsx');
  const args = ['--conditions=react-server', import.meta.filename, '--json', '--runs', '1', '--nodes', String(NODES), '--keys', String(KEYS)];
  return new Promise((resolve, reject) =>
    execFile(tsx, args, { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`run ${run} failed: ${error.message}\n${stderr.slice(-2000)}`));
      if (!wantsJson()) console.error(`run ${run} of ${RUNS}:\n${stderr.trim()}`);
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary);
    }),
  );
}

async function main() {
  if (RUNS <= 1) {
    const summary = await measureOnce();
    if (wantsJson()) console.log(JSON.stringify(summary));
    else {
      console.log(`\nScale: ${NODES} local memcached nodes, ${KEYS.toLocaleString('en-US')} keys x 3 replicas (process RSS ${summary.rssMb} MiB at the end)\n`);
      console.log(formatTable(summary.rows.map((r) => ({ step: r.step, ms: r.ms, detail: r.detail }))));
    }
    return;
  }
  const runs: Summary[] = [];
  for (let run = 1; run <= RUNS; run++) runs.push(await runChild(run));
  const rss = spreadOf(runs.map((r) => r.rssMb));
  const rows = runs[0].rows.map((row, i) => {
    const spread = spreadOf(runs.map((r) => r.rows[i].ms));
    // The detail of the run whose time is the median (the lower middle one for an even count).
    const middle = runs[runs.map((r) => r.rows[i].ms).indexOf([...spread.runs].sort((a, b) => a - b)[(runs.length - 1) >> 1])];
    return { step: row.step, ms: spread.median, min: spread.min, max: spread.max, runs: spread.runs, detail: middle.rows[i].detail };
  });
  const load = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const summary = { nodes: NODES, keys: KEYS, items: runs[0].items, rssMb: rss.median, rss, runs: RUNS, load, rows };
  if (wantsJson()) console.log(JSON.stringify(summary));
  else {
    console.log(`\nScale: ${NODES} local memcached nodes, ${KEYS.toLocaleString('en-US')} keys x 3 replicas, ${RUNS} runs (each a process of its own); load average ${load.join(', ')}`);
    console.log(`process RSS at the end: median ${rss.median} MiB, ${rss.min} – ${rss.max} (runs: ${rss.runs.join(' ')})\n`);
    console.log(formatTable(rows.map((r) => ({ step: r.step, median: r.ms, min: r.min, max: r.max, runs: r.runs.join(' '), detail: r.detail }))));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
