// The algorithm lab on one key set: every algorithm on 10 nodes and 100,000 keys, then one node added and one removed.
// Run: npx tsx bench/lab.ts [--keys N] [--runs N] [--json]   (prints markdown for docs/benchmarks.md)
import { compareAlgorithms, syntheticKeys, type LabChange, type LabReport, type LabRequest } from '../lib/lab';
import { labMarkdown, type LabRun } from './lab-table';
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
const tighter = [1.1, 1.05].map((c) => ({
  c,
  reports: changes.map(({ change }) => report({ ...base, change, capacityFactor: c, algorithms: ['bounded-loads'], timingRounds: 0 })),
}));

const data: LabRun = { keys: KEYS, runs: RUNS, changes: changes.map((c) => c.label), lookups: Object.fromEntries(lookups), reports, tighter };
console.log(wantsJson() ? JSON.stringify(data) : labMarkdown(data));
