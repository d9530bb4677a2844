// The algorithm lab's tables for docs/benchmarks.md, from one run of bench/lab.ts: balance and lookups, moves against the fair-share minimum, bounded loads at tighter capacities.
import os from 'node:os';
import type { LabReport } from '../lib/lab';

/** What bench/lab.ts measures: per algorithm the lookup times of each run, and the reports of each change. */
export interface LabRun {
  keys: number;
  runs: number;
  /** Labels of the changes, in the order of `reports`. */
  changes: string[];
  lookups: Record<string, number[]>;
  reports: LabReport[];
  tighter: { c: number; reports: LabReport[] }[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const kib = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);
const x = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toFixed(3));
const count = (value: number) => value.toLocaleString('en-US');
const times = (moved: number, minimum: number) => `${count(moved)} (${(moved / minimum).toFixed(2)})`;

export function labMarkdown({ keys, runs, changes, lookups, reports, tighter }: LabRun): string {
  const current = reports[0];
  const ids = Object.keys(current.algorithms);
  const [add, remove] = reports;
  return [
    `Algorithm lab (\`bench/lab.ts\`): 10 nodes of equal weight, ${count(keys)} synthetic keys (sizes, and requests Zipf 0.8), 3 copies per key; Node ${process.version}, ${os.cpus().length} cores.`,
    `Balance: the most loaded node over the mean (primary keys, bytes, requests; copies over 3 copies of each key). Lookup: median of ${runs} runs (min-max), ns per primary lookup, key hashing included.`,
    '',
    '| algorithm | balance keys | bytes | requests | copies | lookup ns | memory |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...ids.map((id) => {
      const a = current.algorithms[id];
      const ns = lookups[id];
      return `| ${id} | ${x(a.current.keys)} | ${x(a.current.bytes)} | ${x(a.current.requests)} | ${x(a.current.copies)} | ${Math.round(median(ns))} (${Math.round(Math.min(...ns))}-${Math.round(Math.max(...ns))}) | ${kib(a.memoryBytes)} |`;
    }),
    '',
    `Moves (the same on every run: placement is deterministic). Fair-share minimum: the new node's even share (add) or the removed node's (remove), ${count(add.minimum!.primaries)} / ${count(remove.minimum!.primaries)} primaries and ${count(add.minimum!.copies)} / ${count(remove.minimum!.copies)} copies; under 1 x min, the node gaining or losing keys is off its fair share (docs/lab.md).`,
    '',
    `| algorithm | ${changes.map((c) => `${c}: moved (x min) | copies (x min) | balance after`).join(' | ')} |`,
    `| --- | ${changes.map(() => '---: | ---: | ---:').join(' | ')} |`,
    ...ids.map((id) => {
      const cells = reports.map((r) => {
        const a = r.algorithms[id];
        return `${times(a.moved!, a.minimum!)} | ${times(a.copiesMoved!, a.minimumCopies!)} | ${x(a.after!.keys)}`;
      });
      return `| ${id} | ${cells.join(' | ')} |`;
    }),
    '',
    'Bounded loads at tighter capacities (by requests, as the keys carry them; c = 1.25 leaves this ring untouched, its requests already within 1.25):',
    '',
    `| capacity c | balance requests | keys | ${changes.map((c) => `${c}: moved (x min)`).join(' | ')} |`,
    `| --- | ---: | ---: | ${changes.map(() => '---:').join(' | ')} |`,
    ...tighter.map(({ c, reports: tight }) => {
      const first = tight[0].algorithms['bounded-loads'];
      return `| ${c} | ${x(first.current.requests)} | ${x(first.current.keys)} | ${tight.map((r) => times(r.algorithms['bounded-loads'].moved!, r.algorithms['bounded-loads'].minimum!)).join(' | ')} |`;
    }),
    '',
    ...reports.flatMap((r) => {
      const w = r.algorithms.jump.workaround;
      return w ? [`${w.description} Renumbering the buckets instead would move ${count(w.rebuilt.moved)} primaries.`] : [];
    }),
  ].join('\n');
}
