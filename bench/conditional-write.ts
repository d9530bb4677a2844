// Cost of a conditional versioned write against a plain one on a local memcached, 64 in flight; and of telling tombstones apart in a listing.
// Run: npx tsx --conditions=react-server bench/conditional-write.ts [--ops N] [--runs N] [--json]
import { mapLimit } from '../lib/concurrency';
import { encodeTombstone, encodeValue, type Envelope } from '../lib/envelope';
import { startLocalNode, stopLocalNode } from '../lib/memcached/local-nodes';
import { parseMetadump } from '../lib/memcached/metadump';
import { NodeClient } from '../lib/memcached/node-client';
import { formatTable, wantsJson } from './timing';

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const OPS = Number(argument('--ops', '20000'));
const RUNS = Number(argument('--runs', '5'));
const IN_FLIGHT = 64;
const BYTES = Buffer.alloc(100, 'v');
const envelope = (wall: number): Envelope => encodeValue({ wall, counter: 0, writerHash: 1 }, BYTES);

interface Figure {
  case: string;
  'round trips': string;
  median: number;
  min: number;
  max: number;
  unit: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function figure(name: string, trips: string, values: number[], unit: string): Figure {
  return { case: name, 'round trips': trips, median: Math.round(median(values)), min: Math.round(Math.min(...values)), max: Math.round(Math.max(...values)), unit };
}

async function main() {
  const node = await startLocalNode({ memoryMb: 256 });
  const client = new NodeClient(node, { deadlineMs: 5000, inventoryDeadlineMs: 60_000 });
  const indices = Array.from({ length: OPS }, (_, i) => i);
  const figures: Figure[] = [];
  try {
    /** Ops per second of `write` over OPS keys, after `prepare` has set each run's starting state. */
    const rate = async (prepare: (key: string) => Promise<unknown>, write: (key: string) => Promise<unknown>) => {
      const rates: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await client.flush();
        await mapLimit(indices, IN_FLIGHT, (i) => prepare(`k:${i}`));
        const started = performance.now();
        await mapLimit(indices, IN_FLIGHT, (i) => write(`k:${i}`));
        rates.push(OPS / ((performance.now() - started) / 1000));
      }
      return rates;
    };
    const none = async () => undefined;
    const older = (key: string) => client.setVersioned(key, envelope(1));
    const expect = (wanted: string) => async (outcome: Promise<string>) => {
      if ((await outcome) !== wanted) throw new Error(`expected ${wanted}`);
    };
    const stored = expect('stored');
    figures.push(figure('setVersioned (plain SET)', '1', await rate(older, (k) => client.setVersioned(k, envelope(2))), 'ops/s'));
    figures.push(figure('putIfNewer, key absent', '1 (ADD)', await rate(none, (k) => stored(client.putIfNewer(k, envelope(2)))), 'ops/s'));
    figures.push(figure('putIfNewer over an older version', '3 (ADD, GET, SET+CAS)', await rate(older, (k) => stored(client.putIfNewer(k, envelope(2)))), 'ops/s'));
    figures.push(
      figure(
        'putIfNewer under a newer version',
        '2 (ADD, GET)',
        await rate(
          (k) => client.setVersioned(k, envelope(3)),
          (k) => expect('older')(client.putIfNewer(k, envelope(2))),
        ),
        'ops/s',
      ),
    );
    const present = { present: true };
    figures.push(figure('putIfNewer over an older version, present', '2 (GET, SET+CAS)', await rate(older, (k) => stored(client.putIfNewer(k, envelope(2), 0, present))), 'ops/s'));
    figures.push(figure('putIfNewer, key absent, present', '2 (GET, ADD)', await rate(none, (k) => stored(client.putIfNewer(k, envelope(2), 0, present))), 'ops/s'));

    // A listing of 10,000 tombstones among 10,000 values (1 to 300 bytes): the plain metadump, then the listing that reads its candidates, then again from the cache.
    const LISTED = 10_000;
    const times = { metadump: [] as number[], first: [] as number[], cached: [] as number[] };
    let reads = 0;
    for (let run = 0; run < RUNS; run++) {
      await client.flush();
      await mapLimit(
        Array.from({ length: LISTED }, (_, i) => i),
        IN_FLIGHT,
        async (i) => {
          const tomb = encodeTombstone({ wall: i + 1, counter: 0, writerHash: 1 });
          await client.set(`tomb:${i}`, tomb.value, 600, tomb.flags);
          const value = encodeValue({ wall: i + 1, counter: 0, writerHash: 1 }, Buffer.alloc(1 + (i % 300)));
          await client.set(`value:${i}`, value.value, 0, value.flags);
        },
      );
      let started = performance.now();
      parseMetadump(await client.metadump(Date.now() + 60_000), Date.now() / 1000);
      times.metadump.push(performance.now() - started);
      // A new client knows nothing: it calibrates and reads every candidate.
      const fresh = new NodeClient(node, { deadlineMs: 5000, inventoryDeadlineMs: 60_000 });
      started = performance.now();
      const first = await fresh.listing();
      times.first.push(performance.now() - started);
      reads = first.reads;
      started = performance.now();
      const cached = await fresh.listing();
      times.cached.push(performance.now() - started);
      if (cached.reads !== 0 || first.tombstones.length !== LISTED) throw new Error('listing misclassified');
      fresh.close();
    }
    figures.push(figure(`metadump of ${2 * LISTED} items, parsed`, '1 (metadump)', times.metadump, 'ms'));
    figures.push(figure(`listing, first (${reads} candidates read)`, `stats, 2 probes, metadump, ${reads} GETs`, times.first, 'ms'));
    figures.push(figure('listing, again (candidates known)', 'stats, metadump', times.cached, 'ms'));
  } finally {
    client.close();
    await stopLocalNode(node.pid, 'SIGKILL');
  }
  if (wantsJson()) console.log(JSON.stringify({ ops: OPS, runs: RUNS, inFlight: IN_FLIGHT, valueBytes: BYTES.length, figures }, null, 2));
  else {
    console.log(`One local memcached, ${IN_FLIGHT} in flight, ${OPS} writes of ${BYTES.length}-byte values per run; median, min and max of ${RUNS} runs.\n`);
    console.log(formatTable(figures as unknown as Record<string, string | number>[]));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
