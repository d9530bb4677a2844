// A lab report shaped for the lab page: one plot per figure (moves, balance, lookup time, memory), algorithms side by side.
import type { AlgorithmReport, LabReport, Movement } from '../lab/types';
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
  /** A rule across the rows: the fair-share minimum of a move, or perfect balance. */
  reference?: { label: string; value: number };
}

const reports = (report: LabReport) => Object.values(report.algorithms);

/** The plots of a report, in reading order; figures nobody has (bytes, requests, timing skipped) are left out. */
export function plotsOf(report: LabReport): Plot[] {
  const all = reports(report);
  const changed = report.minimum !== undefined;
  const row = (a: AlgorithmReport, values: (number | null)[]): PlotRow => ({ id: a.id, label: a.name, values });
  const plots: Plot[] = [];
  if (changed) {
    // Jump's workaround has another way out, renumbering: its cost is a second bar.
    const workarounds = all.some((a) => a.workaround);
    const moves = (id: string, title: string, pick: (m: Movement) => number, minimum: number) =>
      plots.push({
        id,
        title,
        series: workarounds ? ['moved', 'if renumbered'] : ['moved'],
        unit: 'count',
        rows: all.map((a) => {
          const moved = a.moved === undefined ? null : pick(a as Movement);
          return row(a, workarounds ? [moved, a.workaround ? pick(a.workaround.rebuilt) : null] : [moved]);
        }),
        reference: { label: 'fair-share minimum', value: minimum },
      });
    moves('moved', 'Primaries moved', (m) => m.moved, report.minimum!.primaries);
    moves('copies', 'Copies moved (primaries and replicas)', (m) => m.copiesMoved, report.minimum!.copies);
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
