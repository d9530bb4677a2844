// Balance of keys per node: Ringside's ring against the npm `hashring` (ketama) package and against chance alone.
// Run: npx tsx bench/balance.ts [--json]
import { spreadOf, type Spread } from '../lib/balance';
import { buildRing, primaryOf } from '../lib/ring';
import { HashRing } from './hashring';
import { formatTable, wantsJson } from './timing';

const KEYS = 200_000;
const NODE_COUNTS = [5, 10, 64];
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}:profile`);

function spreadOfOwners(ids: readonly string[], owner: (key: string) => string | undefined): Spread {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const key of keys) {
    const id = owner(key)!;
    counts.set(id, counts.get(id)! + 1);
  }
  return spreadOf([...counts.values()]);
}

/**
 * The floor no ring can beat: keys thrown at exactly equal shares still scatter binomially. Estimated by
 * placing the same number of keys with a uniform generator (seeded, so the figure is repeatable).
 */
function chance(nodes: number): Spread {
  let state = 12345;
  const counts = new Array<number>(nodes).fill(0);
  for (let i = 0; i < KEYS; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    counts[Math.floor((state / 2 ** 32) * nodes)]++;
  }
  return spreadOf(counts);
}

const rows = NODE_COUNTS.flatMap((nodes) => {
  const ids = Array.from({ length: nodes }, (_, i) => `node-${i + 1}`);
  const ring = buildRing(ids.map((id) => ({ id, vnodes: 160 })));
  const ketama = new HashRing(ids);
  return [
    { nodes, placement: 'ringside (160 vnodes)', ...spreadOfOwners(ids, (k) => primaryOf(ring, k)) },
    { nodes, placement: 'hashring (ketama, 160 points)', ...spreadOfOwners(ids, (k) => ketama.get(k)) },
    { nodes, placement: 'chance (equal shares)', ...chance(nodes) },
  ];
});

if (wantsJson()) {
  console.log(JSON.stringify({ keys: KEYS, rows }, null, 2));
} else {
  console.log(`Balance: primaries of ${KEYS.toLocaleString('en-US')} keys per node\n`);
  console.log(
    formatTable(rows.map((r) => ({ nodes: String(r.nodes), placement: r.placement, 'max / mean': r.maxOverMean, 'std dev / mean': r.relativeDeviation, 'min keys': r.min, 'max keys': r.max }))),
  );
}
