// Key movement on a membership change: Ringside's move planner against the npm `hashring` (ketama) package.
// Run: npx tsx bench/movement.ts [--json]
import { inventoryOf, minimumCopies, planMoves } from '../lib/plan';
import { buildRing, type RingNode } from '../lib/ring';
import { HashRing } from './hashring';
import { formatTable, medianNs, ms, wantsJson } from './timing';

const KEYS = 100_000;
const REPLICAS = 3;
const ROUNDS = 5;
// Builds take about a millisecond: more rounds keep the median clear of JIT warm-up and GC pauses.
const BUILD_ROUNDS = 25;
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}:profile`);
const five = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const six = [...five, 'node-6'];
// Removing a node from the middle of the id order, not simply undoing the addition.
const sixLessThree = six.filter((id) => id !== 'node-3');

const asNodes = (ids: string[]): RingNode[] => ids.map((id) => ({ id, vnodes: 160 }));
// Let the JIT optimise buildRing first, or whichever scenario runs first pays for it.
for (let i = 0; i < 200; i++) buildRing(asNodes(six), REPLICAS);

function ringside(from: string[], to: string[]) {
  const build = medianNs(BUILD_ROUNDS, () => void buildRing(asNodes(to), REPLICAS));
  const before = buildRing(asNodes(from), REPLICAS);
  const after = buildRing(asNodes(to), REPLICAS);
  const inventory = inventoryOf(before, keys);
  let plan = planMoves(before, after, inventory);
  const planTime = medianNs(ROUNDS, () => void (plan = planMoves(before, after, inventory)));
  return {
    primariesMoved: plan.primariesMoved,
    copies: plan.copies.length,
    minimum: minimumCopies(before, after, keys),
    deletes: plan.deletes.length,
    planMs: ms(planTime),
    buildMs: ms(build),
  };
}

/** The same figures from hashring's own lookups: primaries by get(key), replica sets by range(key, 3). */
function ketama(from: string[], to: string[]) {
  const before = new HashRing(from);
  const after = new HashRing(to);
  let primariesMoved = 0;
  let copies = 0;
  let deletes = 0;
  for (const key of keys) {
    if (before.get(key) !== after.get(key)) primariesMoved++;
    const old = before.range(key, REPLICAS);
    const target = after.range(key, REPLICAS);
    copies += target.filter((n) => !old.includes(n)).length;
    deletes += old.filter((n) => !target.includes(n)).length;
  }
  return { primariesMoved, copies, minimum: copies, deletes, planMs: NaN, buildMs: NaN };
}

// Adding or removing one of six nodes moves a sixth of the primaries, and a new or lost node sits in
// REPLICAS/6 of the preference lists, each needing one copy.
const ideal = { primaries: 1 / 6, copiesPerKey: REPLICAS / 6 };
const scenarios = [
  { scenario: 'ringside 5 -> 6 (add node-6)', ...ringside(five, six) },
  { scenario: 'ringside 6 -> 5 (remove node-3)', ...ringside(six, sixLessThree) },
  { scenario: 'hashring 5 -> 6 (add node-6)', ...ketama(five, six) },
  { scenario: 'hashring 6 -> 5 (remove node-3)', ...ketama(six, sixLessThree) },
];

if (wantsJson()) {
  console.log(JSON.stringify({ keys: KEYS, replicas: REPLICAS, vnodesPerNode: 160, ideal, scenarios }, null, 2));
} else {
  console.log(`Movement: ${KEYS.toLocaleString('en-US')} keys, ${REPLICAS} replicas, 160 vnodes per Ringside node (hashring: its default 160 points)\n`);
  console.log(
    formatTable(
      scenarios.map((s) => ({
        scenario: s.scenario,
        'primaries moved': s.primariesMoved,
        fraction: s.primariesMoved / KEYS,
        ideal: ideal.primaries,
        copies: s.copies,
        'per key': s.copies / KEYS,
        minimum: s.minimum,
        'ideal/key': ideal.copiesPerKey,
        deletes: s.deletes,
        'plan ms': Number.isNaN(s.planMs) ? '-' : s.planMs.toFixed(1),
        'build ms': Number.isNaN(s.buildMs) ? '-' : s.buildMs.toFixed(2),
      })),
    ),
  );
  console.log('\nminimum: copies the ring change requires (minimumCopies); hashring rows count range(key, 3) differences.');
}
