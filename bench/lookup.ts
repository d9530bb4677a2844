// Lookup speed: Ringside's primary and preference list against the npm `hashring` (ketama, md5) package.
// Run: npx tsx bench/lookup.ts [--json]
import { buildRing, preferenceList, primaryOf } from '../lib/ring';
import { HashRing } from './hashring';
import { formatTable, medianNs, ms, opsPerSecond, wantsJson } from './timing';

const NODES = 10;
const VNODES = 160;
const KEYS = 200_000;
const ROUNDS = 7;
// A build takes about a millisecond once optimised; the median of many rounds leaves the JIT's warm-up out.
const BUILD_ROUNDS = 200;

const ids = Array.from({ length: NODES }, (_, i) => `node-${i + 1}`);
// No hash tags: hashring hashes whole keys, so tagged keys would hand Ringside shorter inputs.
const keys = Array.from({ length: KEYS }, (_, i) => (i % 3 === 0 ? `user:${i}:profile` : i % 3 === 1 ? `session:${((i * 2654435761) >>> 0).toString(16)}` : `product:${i}:reviews:page:${i % 10}`));

const buildNs = {
  ringside: medianNs(BUILD_ROUNDS, () => void buildRing(ids.map((id) => ({ id, vnodes: VNODES })))),
  hashring: medianNs(BUILD_ROUNDS, () => void new HashRing(ids)),
};
const ring = buildRing(ids.map((id) => ({ id, vnodes: VNODES })));
const ketama = new HashRing(ids);

// Accumulated from every result and printed, so the JIT cannot discard the lookups.
let sink = 0;
const pass = (lookup: (key: string) => { length: number } | undefined) => () => {
  for (let i = 0; i < KEYS; i++) sink += lookup(keys[i])?.length ?? 0;
};

// hashring keeps a 5,000-entry LRU of results (its default); cycling through 200k distinct keys never hits it.
const pairs = [
  { operation: 'primary', ringside: pass((k) => primaryOf(ring, k)), hashring: pass((k) => ketama.get(k)) },
  { operation: 'preference list (3)', ringside: pass((k) => preferenceList(ring, k)), hashring: pass((k) => ketama.range(k, 3)) },
];

const results = pairs.map(({ operation, ringside, hashring }) => {
  const ringsideOps = opsPerSecond(KEYS, medianNs(ROUNDS, ringside));
  const hashringOps = opsPerSecond(KEYS, medianNs(ROUNDS, hashring));
  return { operation, ringsideOps, hashringOps, ratio: ringsideOps / hashringOps };
});

const setup = { nodes: NODES, vnodesPerNode: VNODES, keys: KEYS, rounds: ROUNDS, node: process.version };
if (wantsJson()) {
  console.log(JSON.stringify({ ...setup, lookups: results, buildMs: { ringside: ms(buildNs.ringside), hashring: ms(buildNs.hashring) }, sink }, null, 2));
} else {
  console.log(`Lookups: ${NODES} nodes x ${VNODES} vnodes, ${KEYS.toLocaleString('en-US')} keys, median of ${ROUNDS} rounds (${process.version})\n`);
  console.log(
    formatTable([
      ...results.map((r) => ({
        operation: r.operation,
        'ringside ops/s': r.ringsideOps,
        'hashring ops/s': r.hashringOps,
        'ringside / hashring': `${r.ratio.toFixed(2)}x`,
      })),
    ]),
  );
  console.log(`\nRing build: ringside ${ms(buildNs.ringside).toFixed(2)} ms, hashring ${ms(buildNs.hashring).toFixed(2)} ms  (sink ${sink})`);
}
