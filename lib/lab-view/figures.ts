// A lab report shaped for the lab page: one plot per figure (moves, balance, lookup time, memory) and jump's workaround, algorithms side by side.
import type { AlgorithmReport, LabChange, LabNode, LabReport } from '../lab/types';
import { MAX_VNODES } from '../validate';

export type Unit = 'count' | 'ratio' | 'ns' | 'bytes';

export interface PlotRow {
  id: string;
  label: string;
  /** One bar per series, in the plot's series order; null where the algorithm has no such figure. */
  values: (number | null)[];
}

export interface Plot {
  id: string;
  title: string;
  /** What the bars mean, for the chart's label and the table's header. */
  series: string[];
  unit: Unit;
  rows: PlotRow[];
  /** A rule across the rows: the least any algorithm must move, or perfect balance. */
  reference?: { label: string; value: number };
}

export interface Workaround {
  algorithm: string;
  /** What the algorithm cannot do directly, and what it does instead. */
  text: string;
  moved: number;
  copiesMoved: number;
  /** The cost of the other way out: renumbering from scratch. */
  rebuilt: { moved: number; copiesMoved: number };
}

const reports = (report: LabReport) => Object.values(report.algorithms);

/**
 * Jump's buckets can only be added or removed at the end: removing any node but the last, or lowering a weight,
 * leaves holes its report fills from the end (an indirection table), at a cost it gives with the cost of renumbering.
 */
export function workaroundOf(report: LabReport, algorithm: AlgorithmReport): Workaround | null {
  const change = report.change;
  if (!algorithm.rebuilt || algorithm.moved === undefined || algorithm.copiesMoved === undefined || !change) return null;
  const last = report.nodes[report.nodes.length - 1]?.id;
  let text: string;
  if ('remove' in change && change.remove !== last) {
    text = `${algorithm.name} can only remove its last bucket, and ${change.remove} is not last: its buckets are filled by the last ones (an indirection table from bucket to node).`;
  } else if ('to' in change && change.to < (report.nodes.find((n) => n.id === change.weight)?.weight ?? 0) && change.weight !== last) {
    text = `${algorithm.name} can only remove buckets at the end: ${change.weight}'s weight goes down by giving up buckets, filled by the last ones (an indirection table).`;
  } else return null;
  return { algorithm: algorithm.id, text, moved: algorithm.moved, copiesMoved: algorithm.copiesMoved, rebuilt: algorithm.rebuilt };
}

/** The plots of a report, in reading order; figures nobody has (bytes, requests, timing skipped) are left out. */
export function plotsOf(report: LabReport): Plot[] {
  const all = reports(report);
  const changed = report.minimum !== undefined;
  const row = (a: AlgorithmReport, values: (number | null)[]): PlotRow => ({ id: a.id, label: a.name, values });
  const plots: Plot[] = [];
  if (changed) {
    const workarounds = all.some((a) => workaroundOf(report, a));
    plots.push({
      id: 'moved',
      title: 'Primaries moved',
      series: workarounds ? ['moved', 'if renumbered'] : ['moved'],
      unit: 'count',
      rows: all.map((a) => row(a, workarounds ? [a.moved ?? null, workaroundOf(report, a)?.rebuilt.moved ?? null] : [a.moved ?? null])),
      reference: { label: 'minimum', value: report.minimum!.primaries },
    });
    plots.push({
      id: 'copies',
      title: 'Copies moved (primaries and replicas)',
      series: workarounds ? ['moved', 'if renumbered'] : ['moved'],
      unit: 'count',
      rows: all.map((a) => row(a, workarounds ? [a.copiesMoved ?? null, workaroundOf(report, a)?.rebuilt.copiesMoved ?? null] : [a.copiesMoved ?? null])),
      reference: { label: 'minimum', value: report.minimum!.copies },
    });
  }
  const series = changed ? ['before', 'after'] : ['now'];
  const balance = (id: string, title: string, pick: (b: AlgorithmReport['current']) => number | null) => {
    if (!all.some((a) => pick(a.current) !== null)) return;
    plots.push({
      id,
      title,
      series,
      unit: 'ratio',
      rows: all.map((a) => row(a, changed ? [pick(a.current), a.after ? pick(a.after) : null] : [pick(a.current)])),
      reference: { label: 'even', value: 1 },
    });
  };
  balance('balance-keys', 'Balance: most keys on a node over its fair share', (b) => b.keys);
  balance('balance-bytes', 'Balance by bytes', (b) => b.bytes);
  balance('balance-requests', 'Balance by requests', (b) => b.requests);
  if (all.some((a) => a.lookupNs !== null)) plots.push({ id: 'lookup', title: 'Lookup time per key', series: ['lookup'], unit: 'ns', rows: all.map((a) => row(a, [a.lookupNs])) });
  plots.push({ id: 'memory', title: 'Memory of the lookup structure', series: ['memory'], unit: 'bytes', rows: all.map((a) => row(a, [a.memoryBytes])) });
  return plots;
}

/** The change in words, for the results' heading. */
export function describeChange(change: LabChange | undefined, nodes: readonly LabNode[]): string {
  if (!change) return 'no change';
  if ('add' in change) return `add ${change.add} (weight ${change.weight ?? 1})`;
  if ('remove' in change) return `remove ${change.remove}`;
  const from = nodes.find((n) => n.id === change.weight)?.weight;
  return `weight of ${change.weight} ${from === undefined ? '' : `from ${from} `}to ${change.to}`;
}

/** The vnode counts typed in a field ("40, 1000"): whole numbers, or a message saying what is wrong. */
export function parseVnodeList(text: string): { ok: true; counts: number[] } | { ok: false; message: string } {
  const words = text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean);
  const counts: number[] = [];
  for (const word of words) {
    const n = Number(word);
    if (!/^\d+$/.test(word) || !Number.isInteger(n) || n < 1 || n > MAX_VNODES)
      return { ok: false, message: `vnode counts are whole numbers from 1 to ${MAX_VNODES}, separated by commas: "${word}" is not one` };
    if (!counts.includes(n)) counts.push(n);
  }
  if (counts.length > 8) return { ok: false, message: 'at most 8 vnode counts to try at once' };
  return { ok: true, counts };
}
