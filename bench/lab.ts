// The algorithm lab on one key set: every algorithm on 10 nodes and 100,000 keys, then one node added and one removed.
// Run: npx tsx bench/lab.ts [--keys N] [--runs N] [--json]   (prints markdown for docs/benchmarks.md)
import os from 'node:os';
import { compareAlgorithms, syntheticKeys, type LabChange, type LabReport, type LabRequest } from '../lib/lab';
import { wantsJson } from './timing';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const KEYS = option('keys', 100_000);
const RUNS = option('runs', 5);
const nodes = Array.from({ length: 10 }, (_, i) => ({ id: `node-${i + 1}`, weight: 1 }));
const keys = syntheticKeys(KEYS);
const base: LabRequest = { nodes, keys, tryVnodes: [40, 1000], replicas: 3 };

function report(request: LabRequest): LabReport {
  const result = compareAlgorithms(request);
  if (!result.ok) throw new Error(result.message);
  return result;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Lookup times: RUNS runs of the lab (each its own warm-up and three timed rounds), median and spread of the runs.
const lookups = new Map<string, number[]>();
for (let run = 0; run < RUNS; run++) {
  for (const a of Object.values(report({ ...base, timingRounds: 3 }).algorithms)) lookups.set(a.id, [...(lookups.get(a.id) ?? []), a.lookupNs!]);
}
const changes: { label: string; change: LabChange }[] = [
  { label: 'add node-11', change: { add: 'node-11' } },
  { label: 'remove node-4', change: { remove: 'node-4' } },
];
const reports = changes.map(({ change }) => report({ ...base, change, timingRounds: 0 }));
const current = reports[0];
const tighter = [1.1, 1.05].map((c) => ({
  c,
  reports: changes.map(({ change }) => report({ ...base, change, capacityFactor: c, algorithms: ['bounded-loads'], timingRounds: 0 })),
}));

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);
const x = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toFixed(3));
const ids = Object.keys(current.algorithms);

if (wantsJson()) {
  console.log(JSON.stringify({ keys: KEYS, runs: RUNS, lookups: Object.fromEntries(lookups), reports, tighter }));
} else {
  const lines = [
    `Algorithm lab (\`bench/lab.ts\`): 10 nodes of equal weight, ${KEYS.toLocaleString('en-US')} synthetic keys (sizes, and requests Zipf 0.8), 3 copies per key; Node ${process.version}, ${os.cpus().length} cores.`,
    `Balance: the most loaded node over the mean (primary keys, bytes, requests; copies over 3 copies of each key). Lookup: median of ${RUNS} runs (min-max), ns per primary lookup, key hashing included.`,
    '',
    '| algorithm | balance keys | bytes | requests | copies | lookup ns | memory |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...ids.map((id) => {
      const a = current.algorithms[id];
      const times = lookups.get(id)!;
      return `| ${id} | ${x(a.current.keys)} | ${x(a.current.bytes)} | ${x(a.current.requests)} | ${x(a.current.copies)} | ${Math.round(median(times))} (${Math.round(Math.min(...times))}-${Math.round(Math.max(...times))}) | ${kib(a.memoryBytes)} |`;
    }),
    '',
    `Moves (the same on every run: placement is deterministic). Fair-share minimum: the new node's even share (add) or the removed node's (remove), ${reports[0].minimum!.primaries.toLocaleString('en-US')} / ${reports[1].minimum!.primaries.toLocaleString('en-US')} primaries and ${reports[0].minimum!.copies.toLocaleString('en-US')} / ${reports[1].minimum!.copies.toLocaleString('en-US')} copies; under 1 x min, the node gaining or losing keys is off its fair share (docs/lab.md).`,
    '',
    `| algorithm | ${changes.map((c) => `${c.label}: moved (x min) | copies (x min) | balance after`).join(' | ')} |`,
    `| --- | ${changes.map(() => '---: | ---: | ---:').join(' | ')} |`,
    ...ids.map((id) => {
      const cells = reports.map((r) => {
        const a = r.algorithms[id];
        return `${a.moved!.toLocaleString('en-US')} (${(a.moved! / a.minimum!).toFixed(2)}) | ${a.copiesMoved!.toLocaleString('en-US')} (${(a.copiesMoved! / a.minimumCopies!).toFixed(2)}) | ${x(a.after!.keys)}`;
      });
      return `| ${id} | ${cells.join(' | ')} |`;
    }),
    '',
    'Bounded loads at tighter capacities (by requests, as the keys carry them; c = 1.25 leaves this ring untouched, its requests already within 1.25):',
    '',
    '| capacity c | balance requests | keys | add node-11: moved (x min) | remove node-4: moved (x min) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...tighter.map(({ c, reports: [add, remove] }) => {
      const a = add.algorithms['bounded-loads'];
      const r = remove.algorithms['bounded-loads'];
      return `| ${c} | ${x(a.current.requests)} | ${x(a.current.keys)} | ${a.moved!.toLocaleString('en-US')} (${(a.moved! / a.minimum!).toFixed(2)}) | ${r.moved!.toLocaleString('en-US')} (${(r.moved! / r.minimum!).toFixed(2)}) |`;
    }),
    '',
    ...reports.flatMap((r) => {
      const w = r.algorithms.jump.workaround;
      return w ? [`${w.description} Renumbering the buckets instead would move ${w.rebuilt.moved.toLocaleString('en-US')} primaries.`] : [];
    }),
  ];
  console.log(lines.join('\n'));
}
